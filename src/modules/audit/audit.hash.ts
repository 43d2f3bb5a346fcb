import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same data always hashes the same way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type HashableEntry = {
  stream: string;
  seq: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  reason: string | null;
  data: unknown;
  occurred_at: Date;
  actor_name: string | null;
  ip: string | null;
  user_agent: string | null;
  auth_method: string | null;
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** An entry's hash commits to its content and to the previous entry of its stream. */
export function entryHash(entry: HashableEntry, prevHash: string | null): string {
  return sha256(
    canonicalJson([
      prevHash,
      entry.stream,
      entry.seq,
      entry.actor_type,
      entry.actor_id,
      entry.actor_name,
      entry.ip,
      entry.user_agent,
      entry.auth_method,
      entry.action,
      entry.reason,
      entry.data,
      entry.occurred_at.toISOString(),
    ]),
  );
}

/** A seal commits to the previous seal and to the stream heads sealed since. */
export function sealRoot(prevRoot: string | null, heads: Record<string, { seq: number; hash: string }>): string {
  return sha256(canonicalJson([prevRoot, heads]));
}
