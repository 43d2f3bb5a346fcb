import type { AppContext } from '../../context.js';
import { columnAad, columnName, ENCRYPTED_COLUMNS, type EncryptedColumn } from '../../platform/crypto/encrypted-columns.js';
import { DecryptionError, envelopePrefix, rewrapField, type DecryptionFailure, type MasterKey } from '../../platform/crypto/envelope.js';
import { appendAudit, type AuditActor } from '../audit/audit.repository.js';
import { countValuesNotUnder, findValuesNotUnder, replaceValue } from './key-rotation.repository.js';

/**
 * Master key rotation: every encrypted value is moved to a new master key (see rewrapField), column
 * by column from the ENCRYPTED_COLUMNS registry, in keyset batches of one transaction each.
 *
 * Resumable by construction: a value already under the new key is skipped, so running again after an
 * interruption (a crash, Ctrl-C, a stop signal) continues where the last committed batch ended, and
 * running again after completion changes nothing. Old keys stay needed until a run re-wraps nothing.
 */

export type ColumnProgress = {
  /** "table.column" */
  column: string;
  /** Values not under the new key when the run started. */
  pending: number;
  rewrapped: number;
  failed: number;
  /** Values a concurrent writer changed between read and write; left for the next run. */
  changed: number;
  /** Batches committed for this column. */
  batches: number;
  done: boolean;
};

export type RotationFailure = { column: string; id: string; reason: DecryptionFailure };

export type RotationResult = {
  newKeyId: string;
  /** False when stopped early: run again to continue. */
  completed: boolean;
  columns: ColumnProgress[];
  rewrapped: number;
  failures: RotationFailure[];
  changed: number;
};

export type RotationOptions = {
  batchSize?: number;
  /** Checked between batches: the batch in flight commits, then the run stops (completed: false). */
  signal?: AbortSignal;
  /** Called after each committed batch and when a column is done. */
  onProgress?: (progress: Readonly<ColumnProgress>) => void;
  actor?: AuditActor;
  columns?: readonly EncryptedColumn[];
};

export const DEFAULT_BATCH_SIZE = 200;
const AUDIT_STREAM = 'system';
/** Enough to find the broken rows; the count is always exact. */
const MAX_FAILURES_IN_AUDIT = 100;

type RotationContext = Pick<AppContext, 'db' | 'keyring' | 'clock'>;

export async function rotateMasterKey(context: RotationContext, newKey: MasterKey, options: RotationOptions = {}): Promise<RotationResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('batchSize must be a positive whole number');
  const actor = options.actor ?? { type: 'cli', id: null };
  const columns = options.columns ?? ENCRYPTED_COLUMNS;
  const keyPrefix = envelopePrefix(newKey.id);
  const knownKeyIds = Array.isArray(context.keyring.lookup) ? [...new Set(context.keyring.lookup.map((key) => key.id))] : undefined;

  const progress: ColumnProgress[] = [];
  for (const column of columns) {
    const pending = await countValuesNotUnder(context.db, column, keyPrefix);
    progress.push({ column: columnName(column), pending, rewrapped: 0, failed: 0, changed: 0, batches: 0, done: false });
  }
  await context.db.transaction().execute((trx) =>
    appendAudit(trx, {
      stream: AUDIT_STREAM,
      actor,
      action: 'keys.rotation_started',
      data: { newKeyId: newKey.id, ...(knownKeyIds ? { knownKeyIds } : {}), pending: Object.fromEntries(progress.map((p) => [p.column, p.pending])) },
      at: context.clock.now(),
    }),
  );

  const failures: RotationFailure[] = [];
  let stopped = false;
  for (const [index, column] of columns.entries()) {
    const current = progress[index]!;
    let afterId: string | null = null;
    while (!current.done) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const cursor: string | null = afterId;
      afterId = await context.db.transaction().execute(async (trx) => {
        const rows = await findValuesNotUnder(trx, column, { keyPrefix, afterId: cursor, limit: batchSize });
        for (const row of rows) {
          let replacement: string;
          try {
            replacement = rewrapField(context.keyring.lookup, newKey, row.value, columnAad(column, row.id));
          } catch (error) {
            if (!(error instanceof DecryptionError)) throw error;
            current.failed += 1;
            failures.push({ column: current.column, id: row.id, reason: error.reason });
            continue;
          }
          if (await replaceValue(trx, column, row.id, row.value, replacement)) current.rewrapped += 1;
          else current.changed += 1;
        }
        return rows.length < batchSize ? null : rows.at(-1)!.id;
      });
      current.batches += 1;
      if (afterId === null) current.done = true;
      options.onProgress?.({ ...current });
    }
    if (stopped) break;
  }

  const result: RotationResult = {
    newKeyId: newKey.id,
    completed: !stopped,
    columns: progress,
    rewrapped: sum(progress, 'rewrapped'),
    failures,
    changed: sum(progress, 'changed'),
  };
  await context.db.transaction().execute((trx) =>
    appendAudit(trx, {
      stream: AUDIT_STREAM,
      actor,
      action: result.completed ? 'keys.rotation_finished' : 'keys.rotation_interrupted',
      data: {
        newKeyId: newKey.id,
        rewrapped: result.rewrapped,
        failed: failures.length,
        changed: result.changed,
        columns: Object.fromEntries(progress.map((p) => [p.column, { rewrapped: p.rewrapped, failed: p.failed, changed: p.changed }])),
        ...(failures.length ? { failures: failures.slice(0, MAX_FAILURES_IN_AUDIT).map(({ column, id, reason }) => ({ column, id, reason })) } : {}),
      },
      at: context.clock.now(),
    }),
  );
  return result;
}

function sum(progress: ColumnProgress[], field: 'rewrapped' | 'changed'): number {
  return progress.reduce((total, column) => total + column[field], 0);
}
