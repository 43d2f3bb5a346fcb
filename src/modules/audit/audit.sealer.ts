import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import { entryHash, sealRoot } from './audit.hash.js';

/**
 * Chains audit entries after they commit instead of while they are written: a chain computed at write
 * time would make every request wait for the previous one's commit. The sealer walks each stream in
 * seq order, links every unsealed entry to its predecessor, and then records a seal whose root commits
 * to the previous seal and to every stream head it touched. Only the newest entries are ever unsealed.
 */
export async function sealAuditLog(deps: { db: Db; clock: Clock }, options: { batchSize?: number } = {}): Promise<{ sealed: number; sealId: string | null }> {
  const batchSize = options.batchSize ?? 1000;
  return deps.db.transaction().execute(async (trx) => {
    // One sealer at a time across every instance; the others skip this round.
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(7263101) as locked`.execute(trx);
    if (!rows[0]?.locked) return { sealed: 0, sealId: null };

    const pending = await trx
      .selectFrom('audit_events')
      .selectAll()
      .where('hash', 'is', null)
      .orderBy('stream')
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    if (pending.length === 0) return { sealed: 0, sealId: null };

    const heads: Record<string, { seq: number; hash: string }> = {};
    let sealed = 0;
    for (const entry of pending) {
      let previous = heads[entry.stream];
      if (!previous && entry.seq > 1) {
        const row = await trx.selectFrom('audit_events').select(['seq', 'hash']).where('stream', '=', entry.stream).where('seq', '=', entry.seq - 1).executeTakeFirst();
        // A gap or an unsealed predecessor (it fell outside this batch): seal this stream next round.
        if (!row?.hash) continue;
        previous = { seq: row.seq, hash: row.hash };
      }
      if (previous && previous.seq !== entry.seq - 1) continue;
      const hash = entryHash(entry, previous?.hash ?? null);
      await trx.updateTable('audit_events').set({ prev_hash: previous?.hash ?? null, hash }).where('id', '=', entry.id).execute();
      heads[entry.stream] = { seq: entry.seq, hash };
      sealed += 1;
    }
    if (sealed === 0) return { sealed: 0, sealId: null };
    const last = await trx.selectFrom('audit_seals').select(['seq', 'root']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const prevRoot = last?.root ?? null;
    const sealId = randomUUID();
    await trx
      .insertInto('audit_seals')
      .values({ id: sealId, seq: (last?.seq ?? 0) + 1, sealed_at: deps.clock.now(), heads: JSON.stringify(heads), prev_root: prevRoot, root: sealRoot(prevRoot, heads) })
      .execute();
    return { sealed, sealId };
  });
}
