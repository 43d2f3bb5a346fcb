/** What the bench and its server processes say to each other over IPC. */

export type ServerKind = 'embargo' | 'bare';

export type ServerMessage = { type: 'listening'; port: number };
export type ParentMessage = { type: 'stop' };

/** The bare server's table: a few text columns and the submission as jsonb, primary key only. */
export const BARE_TABLE = 'bench_bare_reports';
export const CREATE_BARE_TABLE = `create table ${BARE_TABLE} (
  id uuid primary key,
  project_slug text not null,
  title text not null,
  description text not null,
  content jsonb not null,
  received_at timestamptz not null
)`;
