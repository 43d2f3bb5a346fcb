import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { imapMailboxesSchema } from './imap-mailboxes.js';

/**
 * Every setting Embargo reads, in one schema. Nothing else reads process.env: the object built here
 * is validated once at boot and frozen, and a bad value stops start-up with a message saying how to fix it.
 */

const ROLES = ['web', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

const portSchema = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a whole number')
  .min(0, 'expected a port between 0 and 65535')
  .max(65535, 'expected a port between 0 and 65535');

const booleanSchema = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

const settingsSchema = z.object({
  port: portSchema.default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a PostgreSQL URL such as postgres://user@127.0.0.1:5432/embargo')
    .optional(),
  /** PostgreSQL only: a query without an answer for this long fails (503) instead of holding its request; 0 waits forever. */
  databaseQueryTimeoutMs: z.coerce.number().int().min(0).default(30_000),
  policyFile: z.string().min(1).default('examples/embargo.yaml'),
  publicUrl: z.url('expected an absolute URL such as https://security.example.org').optional(),
  /** Armored, unencrypted OpenPGP private key file; when set, published security.txt files are cleartext-signed. */
  securityTxtSigningKey: z.string().min(1).optional(),
  /**
   * Armored, unencrypted OpenPGP private key file that signs CSAF documents (a .asc beside each); the
   * CSAF provider then declares itself csaf_trusted_provider. Unset: the security.txt key, if any.
   */
  csafSigningKeyFile: z.string().min(1).optional(),
  sessionSecret: z.string().min(32, 'expected at least 32 characters of random secret').optional(),
  masterKey: z.string().min(1).optional(),
  masterKeyFile: z.string().min(1).optional(),
  previousMasterKeys: z
    .string()
    .transform((value) => value.split(',').map((key) => key.trim()).filter(Boolean))
    .default([]),
  roles: z
    .union([z.string().transform((value) => value.split(',')), z.array(z.string())])
    .transform((roles) => roles.map((role) => role.trim()).filter(Boolean))
    .pipe(z.array(z.enum(ROLES, `expected a comma-separated list of ${ROLES.join(', ')}`)).min(1))
    .default(['web', 'worker', 'scheduler']),
  sweepIntervalMs: z.coerce.number().int().min(100, 'expected at least 100 (milliseconds)').default(30_000),
  /** On SIGTERM, keep serving this long with /readyz at 503 and Connection: close before stopping (for a load balancer to notice). */
  shutdownDrainMs: z.coerce.number().int().min(0).max(15_000, 'expected at most 15000: the whole stop is bounded by 20 s').default(0),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: z.coerce.number().int().min(1024, 'expected at least 1024 bytes').default(1024 * 1024),
  accessTokenTtlSeconds: z.coerce.number().int().min(60, 'expected at least 60 (seconds)').default(3600),
  sessionTtlSeconds: z.coerce.number().int().min(300, 'expected at least 300 (seconds)').default(12 * 3600),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'expected a Redis URL such as redis://127.0.0.1:6379').optional(),
  corsOrigins: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url('expected a comma-separated list of origins such as https://app.example.org')))
    .default([]),
  rateLimitPerMinute: z.coerce.number().int().min(1).default(300),
  intakeRateLimitPerMinute: z.coerce.number().int().min(1).default(10),
  /** Requests per minute per signed-in team member or reporter token, whatever address they come from. */
  principalRateLimitPerMinute: z.coerce.number().int().min(1).default(600),
  requireHttps: booleanSchema.optional(),
  secureCookies: booleanSchema.optional(),
  trustProxy: booleanSchema.default(false),
  /** Serve Prometheus metrics at /metrics (on https only with a token). */
  metrics: booleanSchema.default(true),
  metricsToken: z.string().min(16, 'expected at least 16 characters').optional(),
  /** The built web app (`npm run build` writes it); its pages answer 503 while it is missing. */
  webDist: z.string().min(1).optional(),
  /** Outgoing mail relay (notifications); without it no mail is sent. */
  smtpUrl: z.string().regex(/^smtps?:\/\//, 'expected an SMTP URL such as smtp://user:password@mail.example.org:587').optional(),
  /** The domain of Embargo's own addresses: {slug}@domain for intake, {slug}+r-<token>@domain for replies. */
  mailDomain: z.string().regex(/^[a-z0-9.-]+$/i, 'expected a domain name such as security.example.org').default('localhost'),
  /** The built-in SMTP listener for email intake; off unless a port is set. */
  smtpPort: portSchema.optional(),
  smtpHost: z.string().min(1).default('127.0.0.1'),
  /** PEM files for STARTTLS on the SMTP listener (both or neither). */
  smtpTlsKey: z.string().min(1).optional(),
  smtpTlsCert: z.string().min(1).optional(),
  mailMaxBytes: z.coerce.number().int().min(10_000, 'expected at least 10000 bytes').default(10 * 1024 * 1024),
  mailRateLimitPerHour: z.coerce.number().int().min(1).default(20),
  /** Largest file a reporter or the team may attach through the API (files are kept, encrypted, in the database). */
  attachmentMaxBytes: z.coerce
    .number()
    .int()
    .min(1024, 'expected at least 1024 bytes')
    .max(100 * 1024 * 1024, 'expected at most 104857600 bytes (files are kept in the database)')
    .default(10 * 1024 * 1024),
  /** Most files one report may have, whichever way they came. */
  attachmentMaxPerReport: z.coerce.number().int().min(1).max(1000).default(20),
  /** Per project, an armored unencrypted OpenPGP private key file that decrypts mail sent to the project: "alpha=/keys/alpha.asc,beta=/keys/beta.asc". */
  pgpPrivateKeys: z
    .union([
      z.string().transform((value) => Object.fromEntries(value.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]))),
      z.record(z.string(), z.string()),
    ])
    .pipe(z.record(z.string().regex(/^[a-z0-9-]+$/, 'expected slug=file pairs such as alpha=/keys/alpha.asc'), z.string().min(1, 'expected slug=file pairs such as alpha=/keys/alpha.asc')))
    .default({}),
  /** Per project, an existing mailbox the worker polls for reports: "alpha=imaps://user:password@mail.example.org/INBOX". */
  imapMailboxes: imapMailboxesSchema.default({}),
  imapPollSeconds: z.coerce.number().int().min(1, 'expected at least 1 (second)').default(60),
  outboxIntervalMs: z.coerce.number().int().min(50, 'expected at least 50 (milliseconds)').default(2_000),
  outboxMaxAttempts: z.coerce.number().int().min(1).default(30),
  /** How long a breached deadline stays with its handler and backup before all maintainers hear of it. */
  slaEscalationHours: z.coerce.number().min(0).default(24),
  /** Webhooks to loopback, private and link-local addresses are refused unless this is set (SSRF). */
  webhookAllowPrivate: booleanSchema.default(false),
});

/** Environment variable for each setting; the optional settings file uses the setting names themselves. */
const ENV_NAMES: Record<keyof z.input<typeof settingsSchema>, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'EMBARGO_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  databaseQueryTimeoutMs: 'EMBARGO_DATABASE_QUERY_TIMEOUT_MS',
  policyFile: 'EMBARGO_CONFIG',
  publicUrl: 'EMBARGO_PUBLIC_URL',
  securityTxtSigningKey: 'EMBARGO_SECURITY_TXT_SIGNING_KEY',
  csafSigningKeyFile: 'EMBARGO_CSAF_SIGNING_KEY_FILE',
  sessionSecret: 'EMBARGO_SESSION_SECRET',
  masterKey: 'EMBARGO_MASTER_KEY',
  masterKeyFile: 'EMBARGO_MASTER_KEY_FILE',
  previousMasterKeys: 'EMBARGO_PREVIOUS_MASTER_KEYS',
  roles: 'EMBARGO_ROLES',
  sweepIntervalMs: 'EMBARGO_SWEEP_INTERVAL_MS',
  shutdownDrainMs: 'EMBARGO_SHUTDOWN_DRAIN_MS',
  logLevel: 'EMBARGO_LOG_LEVEL',
  bodyLimitBytes: 'EMBARGO_BODY_LIMIT',
  accessTokenTtlSeconds: 'EMBARGO_ACCESS_TOKEN_TTL_SECONDS',
  sessionTtlSeconds: 'EMBARGO_SESSION_TTL_SECONDS',
  redisUrl: 'EMBARGO_REDIS_URL',
  corsOrigins: 'EMBARGO_CORS_ORIGINS',
  rateLimitPerMinute: 'EMBARGO_RATE_LIMIT_PER_MINUTE',
  intakeRateLimitPerMinute: 'EMBARGO_INTAKE_RATE_LIMIT_PER_MINUTE',
  principalRateLimitPerMinute: 'EMBARGO_PRINCIPAL_RATE_LIMIT_PER_MINUTE',
  requireHttps: 'EMBARGO_REQUIRE_HTTPS',
  secureCookies: 'EMBARGO_SECURE_COOKIES',
  trustProxy: 'EMBARGO_TRUST_PROXY',
  metrics: 'EMBARGO_METRICS',
  metricsToken: 'EMBARGO_METRICS_TOKEN',
  webDist: 'EMBARGO_WEB_DIST',
  smtpUrl: 'EMBARGO_SMTP_URL',
  mailDomain: 'EMBARGO_MAIL_DOMAIN',
  smtpPort: 'EMBARGO_SMTP_PORT',
  smtpHost: 'EMBARGO_SMTP_HOST',
  smtpTlsKey: 'EMBARGO_SMTP_TLS_KEY',
  smtpTlsCert: 'EMBARGO_SMTP_TLS_CERT',
  mailMaxBytes: 'EMBARGO_MAIL_MAX_BYTES',
  mailRateLimitPerHour: 'EMBARGO_MAIL_RATE_LIMIT_PER_HOUR',
  attachmentMaxBytes: 'EMBARGO_ATTACHMENT_MAX_BYTES',
  attachmentMaxPerReport: 'EMBARGO_ATTACHMENT_MAX_PER_REPORT',
  pgpPrivateKeys: 'EMBARGO_PGP_PRIVATE_KEYS',
  imapMailboxes: 'EMBARGO_IMAP_MAILBOXES',
  imapPollSeconds: 'EMBARGO_IMAP_POLL_SECONDS',
  outboxIntervalMs: 'EMBARGO_OUTBOX_INTERVAL_MS',
  outboxMaxAttempts: 'EMBARGO_OUTBOX_MAX_ATTEMPTS',
  slaEscalationHours: 'EMBARGO_SLA_ESCALATION_HOURS',
  webhookAllowPrivate: 'EMBARGO_WEBHOOK_ALLOW_PRIVATE',
};
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));
export const SETTINGS_FILE_ENV = 'EMBARGO_SETTINGS_FILE';

export type Config = Readonly<
  Omit<z.output<typeof settingsSchema>, 'roles' | 'corsOrigins' | 'requireHttps' | 'secureCookies' | 'webDist'> & {
    roles: readonly Role[];
    corsOrigins: readonly string[];
    publicUrl: string;
    /** Plain HTTP is refused (redirected for reads); on by default when the public URL is https. */
    requireHttps: boolean;
    secureCookies: boolean;
    /** Absolute path of the built web app. */
    webDist: string;
    settingsFile: string | null;
  }
>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readSettingsFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the settings file is named by the operator (EMBARGO_SETTINGS_FILE), never by a request
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${SETTINGS_FILE_ENV}=${file}: cannot read the settings file (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${SETTINGS_FILE_ENV}=${file}: not valid YAML (${(error as Error).message.split('\n')[0]}). Fix the file and start again.`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file}: expected a mapping of setting names (port, host, dataDir, ...) to values`);
  }
  return parsed as Record<string, unknown>;
}

/** Builds the frozen configuration: settings file first, environment variables over it, then `overrides`. */
export function loadConfig(env: Env = process.env, overrides: Partial<Record<keyof typeof ENV_NAMES, unknown>> = {}): Config {
  const settingsFile = env[SETTINGS_FILE_ENV] ?? null;
  const raw: Record<string, unknown> = settingsFile ? readSettingsFile(settingsFile) : {};
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    const value = env[envName];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);

  const result = settingsSchema.strict().safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        // Only the settings file can hold unknown keys: the environment is read by name.
        return `  - ${SETTINGS_FILE_ENV} (${settingsFile ?? 'settings'}): unknown setting(s) ${issue.keys.join(', ')}; known settings are ${Object.keys(ENV_NAMES).join(', ')}`;
      }
      const key = String(issue.path[0] ?? '');
      const envName = ENV_NAMES[key as keyof typeof ENV_NAMES];
      const where = envName ? `${envName} (setting "${key}")` : `setting "${key}"`;
      // Error output ends up in logs and terminals: never echo secrets back.
      const got = /secret|masterKey|imapMailboxes/i.test(key) ? '(value hidden)' : (JSON.stringify(envName ? raw[key] : undefined)?.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@') ?? 'nothing');
      return `  - ${where}: ${issue.message}; got ${got}`;
    });
    throw new ConfigError(`Embargo cannot start: invalid configuration.\n${lines.join('\n')}\nFix the environment variable or ${settingsFile ?? 'settings file'} and start again.`);
  }
  const settings = result.data;
  const publicHost = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  const publicUrl = (settings.publicUrl ?? `http://${publicHost}:${settings.port}`).replace(/\/$/, '');
  const https = publicUrl.startsWith('https://');
  return Object.freeze({
    ...settings,
    corsOrigins: Object.freeze([...settings.corsOrigins]),
    requireHttps: settings.requireHttps ?? https,
    secureCookies: settings.secureCookies ?? https,
    dataDir: path.resolve(settings.dataDir),
    policyFile: path.resolve(settings.policyFile),
    // The app ships inside the package, so the default does not depend on the working directory.
    webDist: settings.webDist ? path.resolve(settings.webDist) : DEFAULT_WEB_DIST,
    roles: Object.freeze([...new Set(settings.roles)]),
    publicUrl,
    settingsFile,
  });
}

export const CONFIG_DOCS: readonly { env: string; setting: string }[] = Object.entries(ENV_NAMES).map(([setting, env]) => ({ env, setting }));
