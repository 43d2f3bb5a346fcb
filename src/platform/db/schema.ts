import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of the tables; the migrations in ./migrations are the source of truth. */

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** jsonb is written as a JSON string (the pg driver would turn a JS array into a SQL array) and read parsed. */
type Json<T> = ColumnType<T, string, string>;

export type UsersTable = {
  id: string;
  email: string;
  display_name: string | null;
  password_hash: string;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
  password_changed_at: NullableTimestamp;
};

export type MembershipsTable = {
  user_id: string;
  project_slug: string;
  role: 'admin' | 'maintainer' | 'viewer';
  created_at: Timestamp;
};

export type SessionsTable = {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: NullableTimestamp;
  user_agent: string | null;
  ip: string | null;
  two_factor_verified: ColumnType<boolean, boolean | undefined, boolean>;
};

export type ReportContent = {
  title: string;
  description: string;
  stepsToReproduce?: string | undefined;
  impact?: string | undefined;
  affectedVersions?: string[] | undefined;
  environment?: string | undefined;
  proofOfConcept?: string | undefined;
  suggestedFix?: string | undefined;
  credit?: { type: 'name' | 'handle' | 'anonymous'; value?: string | undefined } | undefined;
  contactEmail?: string | undefined;
  /** ASCII-armored OpenPGP public key: mail to the reporter is encrypted to it. */
  pgpPublicKey?: string | undefined;
};

export type ReportsTable = {
  id: string;
  project_slug: string;
  state: string;
  severity: string | null;
  cvss31_vector: string | null;
  cvss31_score: number | null;
  cvss40_vector: string | null;
  cvss40_score: number | null;
  handler_id: string | null;
  backup_handler_id: string | null;
  duplicate_of: string | null;
  forwarded_to: string | null;
  source: string;
  /** The ReportContent, encrypted (see platform/crypto/envelope.ts). */
  content_enc: string;
  access_token_hash: string;
  access_token_revoked_at: NullableTimestamp;
  received_at: Timestamp;
  updated_at: Timestamp;
  acknowledged_at: NullableTimestamp;
  assessed_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  next_due_at: NullableTimestamp;
  revision: number;
};

export type ReportPausesTable = {
  report_id: string;
  started_at: Timestamp;
  ended_at: NullableTimestamp;
  resume_state: string;
};

export type MessagesTable = {
  id: string;
  report_id: string;
  author_type: 'reporter' | 'team' | 'system';
  author_id: string | null;
  internal: boolean;
  body_enc: string;
  created_at: Timestamp;
};

export type DeadlinesTable = {
  report_id: string;
  kind: string;
  seq: number;
  due_at: NullableTimestamp;
  warn_at: NullableTimestamp;
  met_at: NullableTimestamp;
  paused: boolean;
  warned_at: NullableTimestamp;
  breached_at: NullableTimestamp;
};

export type AuditEventsTable = {
  id: string;
  stream: string;
  seq: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  reason: string | null;
  data: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
  actor_name: string | null;
  ip: string | null;
  user_agent: string | null;
  auth_method: string | null;
  prev_hash: string | null;
  hash: string | null;
};

export type AuditSealsTable = {
  id: string;
  seq: number;
  sealed_at: Timestamp;
  heads: Json<Record<string, { seq: number; hash: string }>>;
  prev_root: string | null;
  root: string;
};

export type RefreshTokensTable = {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
};

export type ApiTokensTable = {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: Json<string[]>;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
};

export type LoginThrottleTable = {
  key: string;
  failures: number;
  last_failure_at: Timestamp;
  locked_until: NullableTimestamp;
};

export type UserTotpTable = {
  user_id: string;
  secret_enc: string;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  last_used_step: number | null;
  recovery_code_hashes: Json<string[]>;
};

export type OutboxTable = {
  id: string;
  topic: string;
  dedupe_key: string;
  payload: Json<Record<string, unknown>>;
  created_at: Timestamp;
  available_at: Timestamp;
  claimed_at: NullableTimestamp;
  claimed_by: string | null;
  delivered_at: NullableTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  failed_at: NullableTimestamp;
};

/** Mail and notifications (see modules/notifications and modules/mail). */
export type ReplyTokensTable = { report_id: string; token_hash: string; token_enc: string; created_at: Timestamp };

export type InboundMailTable = {
  id: string;
  received_at: Timestamp;
  project_slug: string;
  report_id: string | null;
  outcome: string;
  sender_hash: string | null;
  message_id_hash: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  encrypted: ColumnType<boolean, boolean | undefined, boolean>;
  size_bytes: number;
  attachments: ColumnType<number, number | undefined, number>;
  note: string | null;
};

/**
 * How far each polled IMAP mailbox is imported, and which worker holds it (modules/mail/imap.poller.ts).
 * bigint columns: the pg driver reads them as strings, PGlite as numbers or BigInts; written as numbers.
 */
export type ImapCursorsTable = {
  project_slug: string;
  mailbox_key: string;
  mailbox_label: string;
  uid_validity: ColumnType<string | number | bigint | null, number | null | undefined, number | null>;
  last_uid: ColumnType<string | number | bigint, number | undefined, number>;
  last_internal_date: NullableTimestamp;
  failed_uid: ColumnType<string | number | bigint | null, number | null | undefined, number | null>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  updated_at: Timestamp;
};

export type ReportAttachmentsTable = {
  id: string;
  report_id: string;
  message_id: string | null;
  filename_enc: string;
  content_type: string;
  size_bytes: number;
  content_enc: string;
  created_at: Timestamp;
};

export type SubscribersTable = {
  id: string;
  project_slug: string;
  email_hash: string;
  email_enc: string;
  level: 'all' | 'critical';
  token_hash: string;
  token_enc: string;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
};

export type WebhooksTable = {
  id: string;
  project_slug: string;
  url_enc: string;
  secret_enc: string;
  format: 'json' | 'slack';
  topics: Json<string[]>;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
};

export type WebhookDeliveriesTable = {
  id: string;
  webhook_id: string;
  delivery_id: string;
  topic: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: Timestamp;
};

/** Advisories: the encrypted working copy, and once published the public document (see modules/advisories). */
export type AdvisoriesTable = {
  id: string;
  public_id: string;
  project_slug: string;
  state: 'draft' | 'published' | 'withdrawn';
  source: string;
  severity: string | null;
  content_enc: string;
  publish_at: NullableTimestamp;
  publish_zone: string | null;
  published_at: NullableTimestamp;
  modified_at: NullableTimestamp;
  withdrawn_at: NullableTimestamp;
  public_doc: ColumnType<unknown, string | null | undefined, string | null>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  revision: ColumnType<number, number | undefined, number>;
};

export type AdvisoryCountersTable = { prefix: string; year: number; last: number };
export type AdvisoryReportsTable = { advisory_id: string; report_id: string };
export type AdvisoryRevisionsTable = { advisory_id: string; number: number; date: Timestamp; summary: string; document: Json<unknown> };
export type AdvisoryPackagesTable = {
  advisory_id: string;
  ecosystem: string;
  name_key: string;
  /** The versions the advisory lists for this package (JSON array of strings), null when none. */
  listed: ColumnType<unknown, string | null, string | null>;
  /** The package's ranges as the OSV query index evaluates them (IndexedRange[]); null: a row indexed before ranges were. */
  ranges: ColumnType<unknown, string | null, string | null>;
  /** What the OSV API answers with: the record's id and `modified` string (null in rows indexed before). */
  osv_id: string | null;
  modified: string | null;
  published_at: NullableTimestamp;
  withdrawn: ColumnType<boolean, boolean | undefined, boolean>;
};

export type DB = {
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  reports: ReportsTable;
  report_pauses: ReportPausesTable;
  messages: MessagesTable;
  deadlines: DeadlinesTable;
  audit_events: AuditEventsTable;
  outbox: OutboxTable;
  reply_tokens: ReplyTokensTable;
  inbound_mail: InboundMailTable;
  imap_cursors: ImapCursorsTable;
  report_attachments: ReportAttachmentsTable;
  subscribers: SubscribersTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  audit_seals: AuditSealsTable;
  refresh_tokens: RefreshTokensTable;
  api_tokens: ApiTokensTable;
  login_throttle: LoginThrottleTable;
  user_totp: UserTotpTable;
  advisories: AdvisoriesTable;
  advisory_counters: AdvisoryCountersTable;
  advisory_reports: AdvisoryReportsTable;
  advisory_revisions: AdvisoryRevisionsTable;
  advisory_packages: AdvisoryPackagesTable;
};

export type ReportRow = Selectable<ReportsTable>;
export type NewReportRow = Insertable<ReportsTable>;
export type ReportUpdate = Updateable<ReportsTable>;
export type UserRow = Selectable<UsersTable>;
export type MessageRow = Selectable<MessagesTable>;
export type DeadlineRow = Selectable<DeadlinesTable>;
export type AdvisoryRow = Selectable<AdvisoriesTable>;
