import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { ConfigError } from '../../../config/config.js';
import type { AppContext } from '../../../context.js';
import type { ProjectPolicy } from '../policy.schema.js';
import { projectUrls } from '../securitymd/securitymd.render.js';
import { validateSecurityTxt } from './securitytxt.validator.js';

/**
 * Writes security.txt files: a general serializer that refuses to emit an invalid file, and the
 * files Embargo publishes from the policy (one per project, one for the whole desk), optionally
 * cleartext-signed with OpenPGP.
 */

export class SecurityTxtSerializeError extends TypeError {
  override name = 'SecurityTxtSerializeError';
}

type OneOrMany = string | readonly string[];

export type SecurityTxtFields = {
  /** Lines written as "# ..." at the top. */
  comments?: readonly string[];
  contact: OneOrMany;
  expires: string | Date;
  acknowledgments?: OneOrMany;
  canonical?: OneOrMany;
  csaf?: OneOrMany;
  encryption?: OneOrMany;
  hiring?: OneOrMany;
  policy?: OneOrMany;
  preferredLanguages?: OneOrMany;
};

/** Output order: Contact and Expires first (what a reader needs), then the others alphabetically. */
const URI_FIELDS = [
  ['acknowledgments', 'Acknowledgments'],
  ['canonical', 'Canonical'],
  ['csaf', 'CSAF'],
  ['encryption', 'Encryption'],
  ['hiring', 'Hiring'],
  ['policy', 'Policy'],
] as const;

function fail(reason: string): never {
  throw new SecurityTxtSerializeError(`Cannot write security.txt: ${reason}`);
}

function listOf(value: unknown, name: string): string[] | null {
  if (value === undefined) return null;
  const values: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || values.length === 0) fail(`${name} must be a string or a non-empty list of strings`);
  for (const item of values) {
    if (typeof item !== 'string') fail(`${name} must hold strings`);
    // One value per line: a line break would smuggle in another field.
    if (/[\r\n]/.test(item)) fail(`${name} must not contain line breaks`);
  }
  return values as string[];
}

/** An RFC 3339 timestamp without milliseconds, e.g. 2026-09-01T00:00:00Z. */
export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) fail('Expires is not a valid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The text of a security.txt holding `fields`. Throws SecurityTxtSerializeError rather than return a
 * file that its own validator (at `now`) would reject: a missing Contact, an expired or malformed
 * Expires, an insecure URI, a bad language tag, a line break inside a value, or a size limit.
 */
export function serializeSecurityTxt(fields: SecurityTxtFields, options: { now: Date }): string {
  if (fields === null || typeof fields !== 'object') fail('expected an object of fields');
  const comments = listOf(fields.comments, 'comments') ?? [];
  const contact = listOf(fields.contact, 'Contact') ?? fail('Contact is required');
  if (!(fields.expires instanceof Date) && typeof fields.expires !== 'string') fail('Expires is required, as a Date or an RFC 3339 string');
  const expires = fields.expires instanceof Date ? formatDateTime(fields.expires) : listOf(fields.expires, 'Expires')![0]!;
  const languages = listOf(fields.preferredLanguages, 'Preferred-Languages');

  const lines = comments.map((comment) => (comment === '' ? '#' : `# ${comment}`));
  lines.push(...contact.map((value) => `Contact: ${value}`), `Expires: ${expires}`);
  for (const [key, name] of URI_FIELDS) {
    for (const value of listOf(fields[key], name) ?? []) lines.push(`${name}: ${value}`);
  }
  if (languages) lines.push(`Preferred-Languages: ${languages.join(', ')}`);

  const text = `${lines.join('\n')}\n`;
  const result = validateSecurityTxt(text, { now: options.now });
  if (!result.valid) fail(result.errors.map((error) => `${error.code}${error.line ? ` (line ${error.line})` : ''}: ${error.message}`).join('; '));
  return text;
}

// ---- What Embargo publishes ----

/** How long a published file stays valid; RFC 9116 recommends less than a year. */
export const EXPIRY_DAYS = 180;

/**
 * Expires of the files published at `now`: 180 days after the start of the current UTC day, so the
 * date renews itself and stays the same all day (signed files can be cached for the day).
 */
export function securityTxtExpiry(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + EXPIRY_DAYS * 86_400_000);
}

export type SecurityTxtSite = {
  /** config.publicUrl, without a trailing slash. */
  publicUrl: string;
  now: Date;
};

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

export function projectSecurityTxtUrl(publicUrl: string, slug: string): string {
  return `${projectUrls(publicUrl, slug).reportForm}/security.txt`;
}

export function instanceSecurityTxtUrl(publicUrl: string): string {
  return `${base(publicUrl)}/.well-known/security.txt`;
}

export function csafProviderMetadataUrl(publicUrl: string): string {
  return `${base(publicUrl)}/.well-known/csaf/provider-metadata.json`;
}

/** RFC 9116 allows web links only over https: on a plain-http desk (development) they are left out. */
function servesHttps(publicUrl: string): boolean {
  return /^https:\/\//i.test(publicUrl);
}

const PLAIN_HTTP_NOTE = 'Web links are left out: this desk is not served over https (set EMBARGO_PUBLIC_URL to its https:// address).';

function mailto(email: string): string {
  const at = email.lastIndexOf('@');
  return `mailto:${encodeURIComponent(email.slice(0, at))}@${email.slice(at + 1)}`;
}

/** The addresses the policy publishes: security addresses first, then the primary and backup contacts. */
function emailAddresses(project: ProjectPolicy): string[] {
  const { contacts } = project;
  const all = [...contacts.securityAddresses, contacts.primary.email, ...(contacts.backup ? [contacts.backup.email] : [])];
  return all.filter((email, index) => all.findIndex((other) => other.toLowerCase() === email.toLowerCase()) === index);
}

/** The armored public keys of the project's contacts (primary first), or null when none has one. */
export function projectPgpKeys(project: ProjectPolicy): string | null {
  const keys = [project.contacts.primary.pgpPublicKey, project.contacts.backup?.pgpPublicKey].filter((key): key is string => Boolean(key)).map((key) => `${key.trim()}\n`);
  const distinct = [...new Set(keys)];
  return distinct.length > 0 ? distinct.join('\n') : null;
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * A project's security.txt. Contact lists the report form first (the channel the desk tracks, as in
 * SECURITY.md), then every address the policy publishes.
 */
export function renderProjectSecurityTxt(project: ProjectPolicy, site: SecurityTxtSite): string {
  const web = servesHttps(site.publicUrl);
  const urls = projectUrls(site.publicUrl, project.slug);
  const fields: SecurityTxtFields = {
    comments: [`Security contacts of ${oneLine(project.name)}, published by Embargo from the project's security policy.`, ...(web ? [] : [PLAIN_HTTP_NOTE])],
    contact: [...(web ? [urls.reportForm] : []), ...emailAddresses(project).map(mailto)],
    expires: securityTxtExpiry(site.now),
    preferredLanguages: project.preferredLanguages,
  };
  if (web) {
    fields.canonical = projectSecurityTxtUrl(site.publicUrl, project.slug);
    fields.policy = urls.securityMd;
    fields.csaf = csafProviderMetadataUrl(site.publicUrl);
    if (projectPgpKeys(project)) fields.encryption = urls.pgpKey;
    if (project.disclosure.hallOfFame) fields.acknowledgments = urls.hallOfFame;
  }
  return serializeSecurityTxt(fields, { now: site.now });
}

function distinctTags(tags: string[]): string[] {
  return tags.filter((tag, index) => tags.findIndex((other) => other.toLowerCase() === tag.toLowerCase()) === index);
}

/**
 * The desk-wide /.well-known/security.txt: a directory of the projects hosted here. Contact holds
 * every project's report form and addresses, Policy and Acknowledgments every project's pages, and a
 * comment per project points to its own file, which is the one to trust for that project. When that
 * no longer fits RFC 9116's size limits (from about 150 projects), only the report forms and policies
 * are listed, then (from about 300) only the forms; past about 650 projects no file fits and
 * rendering fails.
 */
export function renderInstanceSecurityTxt(projects: readonly ProjectPolicy[], site: SecurityTxtSite): string {
  const web = servesHttps(site.publicUrl);
  const urls = projects.map((project) => ({ project, ...projectUrls(site.publicUrl, project.slug) }));
  const addresses = projects.flatMap(emailAddresses).map(mailto);
  const common: SecurityTxtFields = {
    contact: [...(web ? urls.map((url) => url.reportForm) : []), ...addresses.filter((address, index) => addresses.indexOf(address) === index)],
    expires: securityTxtExpiry(site.now),
    preferredLanguages: distinctTags(projects.flatMap((project) => project.preferredLanguages)),
  };
  if (web) {
    common.canonical = instanceSecurityTxtUrl(site.publicUrl);
    common.csaf = csafProviderMetadataUrl(site.publicUrl);
    common.policy = urls.map((url) => url.securityMd);
  }
  const full: SecurityTxtFields = {
    ...common,
    comments: [
      'Security contacts of the projects whose security desk runs here (Embargo).',
      ...(web ? urls.map(({ project }) => `${oneLine(project.name)}: ${projectSecurityTxtUrl(site.publicUrl, project.slug)}`) : [PLAIN_HTTP_NOTE]),
    ],
  };
  if (web) {
    const withKeys = urls.filter(({ project }) => projectPgpKeys(project));
    const withHallOfFame = urls.filter(({ project }) => project.disclosure.hallOfFame);
    if (withKeys.length > 0) full.encryption = withKeys.map((url) => url.pgpKey);
    if (withHallOfFame.length > 0) full.acknowledgments = withHallOfFame.map((url) => url.hallOfFame);
  }
  // Smaller and smaller files until one fits RFC 9116's limits (32 KiB, 1,000 lines).
  const fallbacks: SecurityTxtFields[] = web
    ? [full, { ...common, contact: urls.map((url) => url.reportForm) }, { ...common, contact: urls.map((url) => url.reportForm), policy: undefined }]
    : [full, { ...common, contact: common.contact.slice(0, 1) }];
  for (const [index, fields] of fallbacks.entries()) {
    try {
      return serializeSecurityTxt(fields, { now: site.now });
    } catch (error) {
      const tooLarge = error instanceof SecurityTxtSerializeError && /file_too_large|too_many_lines/.test(error.message);
      if (!tooLarge || index === fallbacks.length - 1) throw error;
    }
  }
  throw new SecurityTxtSerializeError('unreachable');
}

// ---- Signing ----

/** The setting a signing key was named by, for the messages that refuse it. */
export type SigningKeySetting = { env: string; setting: string; why: string };
const SECURITY_TXT_KEY: SigningKeySetting = {
  env: 'EMBARGO_SECURITY_TXT_SIGNING_KEY',
  setting: 'securityTxtSigningKey',
  why: 'RFC 9116 files need the Hash header that v6 signatures leave out',
};

/** Reads the armored, unencrypted OpenPGP private key that signs published files. */
export async function readSigningKey(file: string, named: SigningKeySetting = SECURITY_TXT_KEY): Promise<openpgp.PrivateKey> {
  const where = `${named.env} (setting "${named.setting}") = ${file}`;
  let armored: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the signing key file is named by the operator (EMBARGO_SECURITY_TXT_SIGNING_KEY), never by a request
    armored = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${where}: cannot read the key file (${(error as Error).message}).`);
  }
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new ConfigError(`${where}: expected an ASCII-armored OpenPGP private key (${(error as Error).message}).`);
  }
  if (!key.isDecrypted()) throw new ConfigError(`${where}: the key is protected by a passphrase; export it without one (gpg --export-secret-keys on a key without passphrase) for signing.`);
  // RFC 9116's grammar requires the "Hash:" armor header, which v6 (RFC 9580) cleartext signatures omit.
  if (key.keyPacket.version !== 4) throw new ConfigError(`${where}: expected a version 4 OpenPGP key (got version ${key.keyPacket.version}); ${named.why}.`);
  return key;
}

/**
 * Wraps a security.txt in an OpenPGP cleartext signature (RFC 4880 section 7). Line ends are
 * written as LF throughout: cleartext signatures are computed over CRLF-canonical text, so this
 * changes nothing for verifiers.
 */
export async function signSecurityTxt(text: string, signingKey: openpgp.PrivateKey): Promise<string> {
  const message = await openpgp.createCleartextMessage({ text: text.replace(/\n$/, '') });
  const signed = await openpgp.sign({ message, signingKeys: signingKey });
  return signed.replace(/\r\n/g, '\n');
}

// ---- Publishing ----

export type SecurityTxtPublisher = {
  projectFile(project: ProjectPolicy): Promise<string>;
  instanceFile(): Promise<string>;
  /** Whether published files are signed (a signing key is configured). */
  readonly signed: boolean;
};

/**
 * The files the desk serves, rendered from the policy at the clock's "now" and signed when
 * config.securityTxtSigningKey is set. Their content changes once a day (Expires), so each is made
 * once per UTC day. A bad key stops start-up, as any bad setting does.
 */
export async function createSecurityTxtPublisher(context: Pick<AppContext, 'config' | 'clock' | 'policies'>): Promise<SecurityTxtPublisher> {
  const keyFile = context.config.securityTxtSigningKey;
  const signingKey = keyFile ? await readSigningKey(keyFile) : null;
  const cache = new Map<string, Promise<string>>();
  let cachedDay = '';

  function publish(key: string, render: (site: SecurityTxtSite) => string): Promise<string> {
    const now = context.clock.now();
    const day = now.toISOString().slice(0, 10);
    if (day !== cachedDay) {
      cache.clear();
      cachedDay = day;
    }
    let file = cache.get(key);
    if (!file) {
      const text = render({ publicUrl: context.config.publicUrl, now });
      file = signingKey ? signSecurityTxt(text, signingKey) : Promise.resolve(text);
      cache.set(key, file);
      file.catch(() => cache.delete(key));
    }
    return file;
  }

  return {
    signed: signingKey !== null,
    projectFile: (project) => publish(`project:${project.slug}`, (site) => renderProjectSecurityTxt(project, site)),
    instanceFile: () => publish('instance', (site) => renderInstanceSecurityTxt(context.policies.projects, site)),
  };
}
