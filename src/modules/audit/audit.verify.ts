import type { Executor } from '../../platform/db/database.js';
import { entryHash, sealRoot } from './audit.hash.js';

export type AuditVerification = {
  ok: boolean;
  streams: number;
  entries: number;
  sealed: number;
  unsealed: number;
  seals: number;
  /** The newest seal's root: record it somewhere else to detect a rewrite of the whole log. */
  root: string | null;
  problems: string[];
};

const PAGE = 5000;

/**
 * Recomputes every stream's chain and every seal. Any edited, removed or reordered entry breaks the
 * chain of its stream; rewriting a whole stream breaks the seals that committed to its head.
 */
export async function verifyAuditLog(db: Executor): Promise<AuditVerification> {
  const problems: string[] = [];
  const sealedHashes = new Map<string, string>();
  const result = { streams: 0, entries: 0, sealed: 0, unsealed: 0 };
  let stream: string | null = null;
  let expectedSeq = 1;
  let previousHash: string | null = null;
  let unsealedSeen = false;
  let after: { stream: string; seq: number } | null = null;

  for (;;) {
    let query = db.selectFrom('audit_events').selectAll().orderBy('stream').orderBy('seq').limit(PAGE);
    if (after) {
      const { stream: s, seq } = after;
      query = query.where((eb) => eb.or([eb('stream', '>', s), eb.and([eb('stream', '=', s), eb('seq', '>', seq)])]));
    }
    const rows = await query.execute();
    for (const entry of rows) {
      if (entry.stream !== stream) {
        stream = entry.stream;
        expectedSeq = 1;
        previousHash = null;
        unsealedSeen = false;
        result.streams += 1;
      }
      result.entries += 1;
      const where = `${entry.stream}#${entry.seq}`;
      if (entry.seq !== expectedSeq) problems.push(`${where}: expected entry ${expectedSeq} of the stream (entries missing or renumbered)`);
      expectedSeq = entry.seq + 1;
      if (entry.hash === null) {
        unsealedSeen = true;
        result.unsealed += 1;
        continue;
      }
      result.sealed += 1;
      if (unsealedSeen) problems.push(`${where}: sealed entry after an unsealed one`);
      if (entry.prev_hash !== previousHash) problems.push(`${where}: does not link to the previous entry`);
      if (entryHash(entry, entry.prev_hash) !== entry.hash) problems.push(`${where}: content does not match its hash (edited)`);
      sealedHashes.set(where, entry.hash);
      previousHash = entry.hash;
    }
    if (rows.length < PAGE) break;
    const last = rows.at(-1)!;
    after = { stream: last.stream, seq: last.seq };
  }

  const seals = await db.selectFrom('audit_seals').selectAll().orderBy('seq').execute();
  let prevRoot: string | null = null;
  seals.forEach((seal, index) => {
    if (seal.seq !== index + 1) problems.push(`seal ${seal.seq}: seals missing before it`);
    if (seal.prev_root !== prevRoot) problems.push(`seal ${seal.seq}: does not link to the previous seal`);
    const heads = seal.heads as Record<string, { seq: number; hash: string }>;
    if (sealRoot(seal.prev_root, heads) !== seal.root) problems.push(`seal ${seal.seq}: root does not match its content`);
    for (const [name, head] of Object.entries(heads)) {
      if (sealedHashes.get(`${name}#${head.seq}`) !== head.hash) problems.push(`seal ${seal.seq}: ${name}#${head.seq} is not the entry it sealed`);
    }
    prevRoot = seal.root;
  });
  return { ok: problems.length === 0, ...result, seals: seals.length, root: prevRoot, problems };
}
