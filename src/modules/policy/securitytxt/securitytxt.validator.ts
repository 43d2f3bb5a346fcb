import { diagnostic, isRegisteredField, parseSecurityTxt, sortByLine, type SecurityTxtDiagnostic, type SecurityTxtField } from './securitytxt.parser.js';

/**
 * RFC 9116 validity of a security.txt: what the values mean and how often fields appear. Order of
 * the diagnostics is stable: line problems, then value problems (both by line), then cardinality.
 */

export type SecurityTxtResult = {
  valid: boolean;
  fields: SecurityTxtField[];
  contact: string[];
  /** The first Expires value as written. */
  expires: string | null;
  acknowledgments: string[];
  canonical: string[];
  csaf: string[];
  encryption: string[];
  hiring: string[];
  policy: string[];
  /** Tags of the valid Preferred-Languages fields. */
  preferredLanguages: string[];
  signed: boolean;
  errors: SecurityTxtDiagnostic[];
  recommendations: SecurityTxtDiagnostic[];
  notifications: SecurityTxtDiagnostic[];
};

export type ValidateOptions = {
  /** The moment Expires is compared with (a parameter so that checks are reproducible). */
  now: Date;
  /**
   * Also accept a space between date and time in Expires ("2023-06-07 13:08:19+00:00"), which the
   * note in RFC 3339 section 5.6 lets applications choose. Off by default: RFC 9116's ABNF imports
   * the strict date-time production, which requires "T".
   */
  lenientExpires?: boolean;
};

/** A value from the file, quoted for messages: escaped (no terminal control sequences) and shortened. */
function quote(value: string): string {
  const short = value.length > 120 ? `${value.slice(0, 120)}...` : value;
  return JSON.stringify(short).replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- URIs (RFC 3986 section 3, with the scheme rules security.txt relies on) ----

const PCT = '%[0-9A-Fa-f]{2}';
const UNRESERVED_SUB_DELIMS = "A-Za-z0-9\\-._~!$&'()*+,;=";
const PCHAR = `(?:[${UNRESERVED_SUB_DELIMS}:@]|${PCT})`;
const SEGMENTS = new RegExp(`^(?:${PCHAR}|/)*$`);
const QUERY_OR_FRAGMENT = new RegExp(`^(?:${PCHAR}|[/?])*$`);
const USERINFO = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}:]|${PCT})*$`);
const REG_NAME = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}]|${PCT})*$`);
const IP_LITERAL = /^\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$/;
// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, each optional part starts with a delimiter the part before it cannot contain
const URI_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

type Uri = { scheme: string; authority: string | null; host: string | null; path: string; query: string | null; fragment: string | null };

/** Splits and checks a URI against the generic syntax; null when it is not one. */
export function parseUri(value: string): Uri | null {
  const match = URI_PARTS.exec(value);
  if (!match) return null;
  const [, scheme = '', authority, path = '', query, fragment] = match;
  if (!SEGMENTS.test(path) || (query !== undefined && !QUERY_OR_FRAGMENT.test(query)) || (fragment !== undefined && !QUERY_OR_FRAGMENT.test(fragment))) return null;
  if (authority === undefined && path.startsWith('//')) return null;
  let host: string | null = null;
  if (authority !== undefined) {
    const at = authority.lastIndexOf('@');
    if (at !== -1 && !USERINFO.test(authority.slice(0, at))) return null;
    const hostPort = authority.slice(at + 1);
    const port = /:([0-9]*)$/.exec(hostPort);
    host = port && !hostPort.endsWith(']') ? hostPort.slice(0, port.index) : hostPort;
    if (!(IP_LITERAL.test(host) || REG_NAME.test(host))) return null;
  }
  return { scheme: scheme.toLowerCase(), authority: authority ?? null, host, path, query: query ?? null, fragment: fragment ?? null };
}

const ADDRESS = /^[^@,]+@[^@,]+$/;

/** The scheme-specific rules on top of RFC 3986 for the schemes security.txt fields use. */
function isWellFormedForScheme(uri: Uri): boolean {
  switch (uri.scheme) {
    case 'http':
    case 'https':
      return uri.host !== null && uri.host !== '';
    case 'mailto': // RFC 6068: one or more addresses, no fragment.
      return uri.authority === null && uri.fragment === null && uri.path.split(',').every((address) => ADDRESS.test(address));
    case 'tel': // RFC 3966, loosely: a number with visual separators, then parameters.
      // Split at the first digit, so a long number is matched in linear time.
      // eslint-disable-next-line security/detect-unsafe-regex -- linear: the first digit splits the number unambiguously, and ";" is outside the number's class
      return uri.authority === null && /^\+?[().-]*[0-9][0-9().-]*(?:;.+)?$/.test(uri.path);
    case 'openpgp4fpr':
      return /^[0-9A-Fa-f]{16,}$/.test(uri.path);
    default:
      return uri.authority !== null || uri.path !== '';
  }
}

const CONTACT_SCHEMES = new Set(['https', 'mailto', 'tel', 'sip', 'sips', 'xmpp']);
const ENCRYPTION_SCHEMES = new Set(['https', 'dns', 'openpgp4fpr']);
const HTTPS_FIELDS = new Set(['acknowledgments', 'canonical', 'csaf', 'hiring', 'policy']);

function checkUriField(field: SecurityTxtField, name: string): SecurityTxtDiagnostic | null {
  const uri = parseUri(field.value);
  if (!uri || !isWellFormedForScheme(uri)) return diagnostic('invalid_uri', field.line, `Got ${quote(field.value)}.`);
  if (name === 'contact') return CONTACT_SCHEMES.has(uri.scheme) ? null : diagnostic('invalid_contact_scheme', field.line);
  if (name === 'encryption') return ENCRYPTION_SCHEMES.has(uri.scheme) ? null : diagnostic('invalid_https_field', field.line);
  return uri.scheme === 'https' ? null : diagnostic('invalid_https_field', field.line);
}

// ---- Expires (RFC 3339 date-time) ----

// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, fixed-width fields and one optional fraction
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names, or null when it is not one (or not a real date). */
export function parseDateTime(value: string, options: { allowSpace?: boolean } = {}): Date | null {
  const match = DATE_TIME.exec(value);
  if (!match || (match[4] === ' ' && !options.allowSpace)) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 5, 6, 7].map((index) => Number(match[index]));
  const [offsetHour, offsetMinute] = [Number(match[10] ?? 0), Number(match[11] ?? 0)];
  const lastDay = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > lastDay || hour! > 23 || minute! > 59 || second! > 60 || offsetHour > 23 || offsetMinute > 59) return null;
  const millis = Math.floor(Number(`0${match[8] ?? ''}`) * 1000);
  const local = Date.UTC(year!, month! - 1, day!, hour, minute, second, millis);
  const offset = (match[9] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute) * 60_000;
  return new Date(local - offset);
}

/** One calendar year after `date` (29 February maps to 28 February). */
function oneYearAfter(date: Date): number {
  const year = date.getUTCFullYear() + 1;
  const day = Math.min(date.getUTCDate(), new Date(Date.UTC(year, date.getUTCMonth() + 1, 0)).getUTCDate());
  return Date.UTC(year, date.getUTCMonth(), day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

// ---- Language tags (RFC 5646 section 2.1, well-formedness of section 2.2.9) ----

const GRANDFATHERED =
  'en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang';
const PRIVATE_USE = 'x(?:-[a-z0-9]{1,8})+';
const LANGTAG =
  `(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*` +
  `(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*(?:-${PRIVATE_USE})?`;
const LANGUAGE_TAG = new RegExp(`^(?:${LANGTAG}|${PRIVATE_USE}|${GRANDFATHERED})$`, 'i');

export function isLanguageTag(tag: string): boolean {
  if (!LANGUAGE_TAG.test(tag)) return false;
  const subtags = tag.toLowerCase().split('-');
  const privateUse = subtags.indexOf('x');
  const checked = privateUse === -1 ? subtags : subtags.slice(0, privateUse);
  // Singletons and variants must not repeat: "en-a-abc-a-def" is not well-formed.
  const singletons = checked.slice(1).filter((subtag) => subtag.length === 1);
  const firstSingleton = checked.findIndex((subtag, index) => index > 0 && subtag.length === 1);
  const variants = checked.slice(1, firstSingleton === -1 ? undefined : firstSingleton).filter((subtag) => /^(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3})$/.test(subtag));
  return new Set(singletons).size === singletons.length && new Set(variants).size === variants.length;
}

/** The tags of a Preferred-Languages value ("en, fr-CA"), or null when any member is not a tag. */
export function parseLanguageList(value: string): string[] | null {
  const tags = value.split(',').map((tag) => tag.replace(/^[ \t]+|[ \t]+$/g, ''));
  return tags.every(isLanguageTag) ? tags : null;
}

// ---- The whole file ----

function named(fields: SecurityTxtField[], name: string): SecurityTxtField[] {
  return fields.filter((field) => field.name.toLowerCase() === name);
}

function isEmailContact(value: string): boolean {
  return /^mailto:/i.test(value) || /^[^:\s]+@[^:\s]+$/.test(value);
}

/** Validates a security.txt given as text (already decoded). */
export function validateSecurityTxt(text: string, options: ValidateOptions): SecurityTxtResult {
  const syntax = parseSecurityTxt(text);
  const { fields, signed } = syntax;
  const values: SecurityTxtDiagnostic[] = [];
  const longExpiry: SecurityTxtDiagnostic[] = [];
  const preferredLanguages: string[] = [];
  const now = options.now.getTime();

  for (const field of fields) {
    const name = field.name.toLowerCase();
    if (name === 'contact' || name === 'encryption' || HTTPS_FIELDS.has(name)) {
      const problem = checkUriField(field, name);
      if (problem) values.push(problem);
    } else if (name === 'expires') {
      const expiry = parseDateTime(field.value, { allowSpace: options.lenientExpires });
      if (!expiry) values.push(diagnostic('invalid_expires', field.line, `Got ${quote(field.value)}; write e.g. 2026-12-31T23:59:59Z.`));
      else if (expiry.getTime() < now) values.push(diagnostic('expired', field.line, `It expired at ${expiry.toISOString()}.`));
      else if (expiry.getTime() > oneYearAfter(options.now)) longExpiry.push(diagnostic('long_expiry', field.line));
    } else if (name === 'preferred-languages') {
      const tags = parseLanguageList(field.value);
      if (tags) preferredLanguages.push(...tags);
      else values.push(diagnostic('invalid_lang', field.line, `Got ${quote(field.value)}.`));
    }
  }

  const contacts = named(fields, 'contact');
  const expires = named(fields, 'expires');
  const languages = named(fields, 'preferred-languages');
  const csaf = named(fields, 'csaf');
  const cardinality: SecurityTxtDiagnostic[] = [];
  if (!syntax.rejected) {
    if (contacts.length === 0) cardinality.push(diagnostic('no_contact', null));
    if (expires.length === 0) cardinality.push(diagnostic('no_expires', null));
    if (expires.length > 1) cardinality.push(diagnostic('multi_expires', expires[1]!.line));
    if (languages.length > 1) cardinality.push(diagnostic('multi_lang', languages[1]!.line));
  }

  const recommendations = [...longExpiry];
  if (!syntax.rejected) {
    if (contacts.some((field) => isEmailContact(field.value)) && named(fields, 'encryption').length === 0) recommendations.push(diagnostic('no_encryption', null));
    if (!signed) recommendations.push(diagnostic('not_signed', null));
    if (signed && named(fields, 'canonical').length === 0) recommendations.push(diagnostic('no_canonical', null));
    if (csaf.length > 1) recommendations.push(diagnostic('multi_csaf', csaf[1]!.line));
  }

  const errors = [...syntax.diagnostics, ...sortByLine(values), ...cardinality];
  const valuesOf = (name: string) => named(fields, name).map((field) => field.value);
  return {
    valid: errors.length === 0,
    fields,
    contact: valuesOf('contact'),
    expires: expires[0]?.value ?? null,
    acknowledgments: valuesOf('acknowledgments'),
    canonical: valuesOf('canonical'),
    csaf: valuesOf('csaf'),
    encryption: valuesOf('encryption'),
    hiring: valuesOf('hiring'),
    policy: valuesOf('policy'),
    preferredLanguages,
    signed,
    errors,
    recommendations,
    notifications: fields.filter((field) => !isRegisteredField(field.name)).map((field) => diagnostic('unknown_field', field.line, `Field "${field.name}".`)),
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Validates the bytes of a file or HTTP body: they must be UTF-8 (a BOM is kept, to be reported). */
export function validateSecurityTxtBytes(bytes: Uint8Array, options: ValidateOptions): SecurityTxtResult {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const result = validateSecurityTxt('', options);
    return { ...result, valid: false, errors: [diagnostic('utf8', null)], recommendations: [], notifications: [] };
  }
  return validateSecurityTxt(text, options);
}

/** All diagnostics of a result: errors, then recommendations, then notifications. */
export function allDiagnostics(result: Pick<SecurityTxtResult, 'errors' | 'recommendations' | 'notifications'>): SecurityTxtDiagnostic[] {
  return [...result.errors, ...result.recommendations, ...result.notifications];
}

/**
 * Checks the OpenPGP cleartext signature of a signed security.txt against the given armored public
 * key(s). Returns the problems found (none when the signature verifies).
 */
export async function verifySecurityTxtSignature(text: string, armoredKeys: string): Promise<SecurityTxtDiagnostic[]> {
  // Loaded on demand: the policy schema imports this file for its language-tag check.
  const openpgp = await import('openpgp');
  let message: Awaited<ReturnType<typeof openpgp.readCleartextMessage>>;
  let keys: Awaited<ReturnType<typeof openpgp.readKeys>>;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text.replace(/^\uFEFF/, '') });
    keys = await openpgp.readKeys({ armoredKeys });
  } catch (error) {
    return [diagnostic('pgp_error', null, (error as Error).message)];
  }
  try {
    const { signatures } = await openpgp.verify({ message, verificationKeys: keys, expectSigned: true });
    await Promise.all(signatures.map((signature) => signature.verified));
    return [];
  } catch (error) {
    return [diagnostic('pgp_signature_error', null, (error as Error).message)];
  }
}

/** What a client saw when it fetched a security.txt over HTTP. */
export type Retrieval = { requestedUrl: string; finalUrl: string; contentType: string | null };

/**
 * RFC 9116 section 3 rules on how the file is served: over https, under /.well-known/, as
 * text/plain with charset utf-8, and at a URI its Canonical fields (if any) name.
 */
export function checkRetrieval(retrieval: Retrieval, result: Pick<SecurityTxtResult, 'canonical'>): SecurityTxtDiagnostic[] {
  const problems: SecurityTxtDiagnostic[] = [];
  const final = new URL(retrieval.finalUrl);
  if (final.protocol !== 'https:') problems.push(diagnostic('invalid_uri_scheme', null));
  if (final.pathname === '/security.txt') problems.push(diagnostic('location', null));
  if (!retrieval.contentType) {
    problems.push(diagnostic('no_content_type', null));
  } else {
    const [media = '', ...parameters] = retrieval.contentType.split(';').map((part) => part.trim().toLowerCase());
    if (media !== 'text/plain') problems.push(diagnostic('invalid_media', null, `Got ${quote(media)}.`));
    const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
    if (charset !== undefined && charset !== 'utf-8') problems.push(diagnostic('invalid_charset', null, `Got ${quote(charset)}.`));
  }
  if (result.canonical.length > 0 && !result.canonical.includes(retrieval.requestedUrl) && !result.canonical.includes(retrieval.finalUrl)) {
    problems.push(diagnostic('no_canonical_match', null, `Fetched ${retrieval.finalUrl}; Canonical lists ${result.canonical.join(', ')}.`));
  }
  return problems;
}
