/**
 * RFC 9116 security.txt, first pass: physical lines, the OpenPGP cleartext envelope and the
 * name/value grammar. What the values mean (URIs, dates, languages, cardinality) is checked in
 * securitytxt.validator.ts.
 *
 * Diagnostic codes are those of the shared conformance suite (ivan-podgurskiy/security-txt-parser),
 * which refines the DigitalTrustCenter (internet.nl) catalogue; each diagnostic also carries the
 * DigitalTrustCenter name (`dtcCode`) where one exists, so results can be compared with internet.nl.
 */

export type DiagnosticLevel = 'error' | 'recommendation' | 'notification';

type CatalogueEntry = { level: DiagnosticLevel; dtc: string | null; message: string };

export const DIAGNOSTICS = {
  // Whole file and physical lines.
  file_too_large: { level: 'error', dtc: null, message: 'The file is larger than 32 KiB (32,768 bytes) and was not parsed (RFC 9116 section 5.4).' },
  too_many_lines: { level: 'error', dtc: null, message: 'The file has more than 1,000 lines (RFC 9116 section 5.4).' },
  utf8: { level: 'error', dtc: 'utf8', message: 'Content must be utf-8 encoded.' },
  bom_present: { level: 'error', dtc: 'bom_in_file', message: 'The Byte-Order Mark was found at the start of the file. Security.txt must be encoded using UTF-8 in Net-Unicode form, the BOM signature must not appear at the beginning.' },
  invalid_line_ending: { level: 'error', dtc: 'no_line_separators', message: 'Every line, including the last one, must end with either a carriage return and line feed characters or just a line feed character.' },
  invalid_line: { level: 'error', dtc: 'invalid_line', message: 'Line must contain a field name and value, unless the line is blank or contains a comment.' },
  empty_key: { level: 'error', dtc: 'empty_key', message: 'Field name must not be empty.' },
  prec_ws: { level: 'error', dtc: 'prec_ws', message: 'There must be no whitespace before the field separator (colon).' },
  no_space: { level: 'error', dtc: 'no_space', message: 'Field separator (colon) must be followed by a space.' },
  field_too_long: { level: 'error', dtc: null, message: 'A field line must not be longer than 2,048 characters (RFC 9116 section 5.4).' },
  data_after_sig: { level: 'error', dtc: 'data_after_sig', message: 'Signed security.txt must not contain data after the signature.' },
  // Field values.
  invalid_uri: { level: 'error', dtc: 'no_uri', message: 'Field value must be a URI (RFC 3986).' },
  invalid_contact_scheme: { level: 'error', dtc: 'no_https', message: "'Contact' must be an https://, mailto:, tel:, sip:, sips: or xmpp: URI; web URIs must begin with 'https://'." },
  invalid_https_field: { level: 'error', dtc: 'no_https', message: "Web URI must begin with 'https://' ('Encryption' may also use dns: or openpgp4fpr:)." },
  invalid_expires: { level: 'error', dtc: 'invalid_expiry', message: "Date and time in 'Expires' field must be formatted according to ISO 8601 (RFC 3339 date-time)." },
  expired: { level: 'error', dtc: 'expired', message: "Date and time in 'Expires' field must not be in the past." },
  invalid_lang: { level: 'error', dtc: 'invalid_lang', message: "Value in 'Preferred-Languages' field must match one or more language tags as defined in RFC5646, separated by commas." },
  // Cardinality.
  no_contact: { level: 'error', dtc: 'no_contact', message: "'Contact' field must appear at least once." },
  no_expires: { level: 'error', dtc: 'no_expire', message: "'Expires' field must be present." },
  multi_expires: { level: 'error', dtc: 'multi_expire', message: "'Expires' field must not appear more than once." },
  multi_lang: { level: 'error', dtc: 'multi_lang', message: "'Preferred-Languages' field must not appear more than once." },
  // Signature verification (only when a key is given) and retrieval over HTTP (URL checks only).
  pgp_error: { level: 'error', dtc: 'pgp_error', message: 'Decoding or parsing of the pgp message failed.' },
  pgp_signature_error: { level: 'error', dtc: 'pgp_signature_error', message: 'The PGP signature does not verify with the given key.' },
  no_security_txt: { level: 'error', dtc: 'no_security_txt', message: 'security.txt could not be located.' },
  location: { level: 'error', dtc: 'location', message: "security.txt was located on the top-level path (legacy place), but must be placed under the '/.well-known/' path." },
  invalid_uri_scheme: { level: 'error', dtc: 'invalid_uri_scheme', message: 'Insecure URI scheme HTTP is not allowed. The security.txt file access must use the HTTPS scheme.' },
  no_content_type: { level: 'error', dtc: 'no_content_type', message: 'HTTP Content-Type header must be sent.' },
  invalid_media: { level: 'error', dtc: 'invalid_media', message: "Media type in Content-Type header must be 'text/plain'." },
  invalid_charset: { level: 'error', dtc: 'invalid_charset', message: "Charset parameter in Content-Type header must be 'utf-8' if present." },
  no_canonical_match: { level: 'error', dtc: 'no_canonical_match', message: "Web URI where security.txt is located must match with a 'Canonical' field." },
  // Recommendations and notifications.
  long_expiry: { level: 'recommendation', dtc: 'long_expiry', message: "Date and time in 'Expires' field should be less than a year into the future." },
  no_encryption: { level: 'recommendation', dtc: 'no_encryption', message: "'Encryption' field should be present when 'Contact' field contains an email address." },
  not_signed: { level: 'recommendation', dtc: 'not_signed', message: 'security.txt should be digitally signed.' },
  no_canonical: { level: 'recommendation', dtc: 'no_canonical', message: "'Canonical' field should be present in a signed file." },
  multi_csaf: { level: 'recommendation', dtc: 'multiple_csaf_fields', message: 'It is allowed to have more than one CSAF field, however this should be removed if possible.' },
  unknown_field: { level: 'notification', dtc: 'unknown_field', message: 'security.txt contains an unknown field, either a custom field which may not be widely supported, or a typo in a standardised field name.' },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

export type SecurityTxtDiagnostic = {
  level: DiagnosticLevel;
  code: DiagnosticCode;
  /** Physical line in the file (1-based, envelope lines included); null for the file as a whole. */
  line: number | null;
  message: string;
  dtcCode: string | null;
};

export function diagnostic(code: DiagnosticCode, line: number | null, detail?: string): SecurityTxtDiagnostic {
  const entry: CatalogueEntry = DIAGNOSTICS[code];
  return { level: entry.level, code, line, message: detail ? `${entry.message} ${detail}` : entry.message, dtcCode: entry.dtc };
}

/** A field as written: `name` keeps the file's spelling (names compare case-insensitively). */
export type SecurityTxtField = { name: string; value: string; line: number };

export type SecurityTxtSyntax = {
  /** The file was too large to look at; nothing else was checked. */
  rejected: boolean;
  /** A complete OpenPGP cleartext envelope was found (the signature itself is not verified here). */
  signed: boolean;
  fields: SecurityTxtField[];
  /** Line and grammar problems, in line order (file-wide ones last). */
  diagnostics: SecurityTxtDiagnostic[];
};

export const MAX_FILE_BYTES = 32_768;
export const MAX_LINES = 1_000;
export const MAX_FIELD_CHARACTERS = 2_048;

export const REGISTERED_FIELDS = ['acknowledgments', 'canonical', 'contact', 'csaf', 'encryption', 'expires', 'hiring', 'policy', 'preferred-languages'] as const;
const REGISTERED = new Set<string>(REGISTERED_FIELDS);

export function isRegisteredField(name: string): boolean {
  return REGISTERED.has(name.toLowerCase());
}

const SIGNED_MESSAGE_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE_BEGIN = '-----BEGIN PGP SIGNATURE-----';
const SIGNATURE_END = '-----END PGP SIGNATURE-----';

type Line = { number: number; text: string };

/** RFC 5322 field-name: printable US-ASCII except the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const FIELD_NAME_THEN_SPACE = /^[\x21-\x39\x3b-\x7e]+[ \t]+$/;
const BLANK = /^[ \t]*$/;
/** Controls other than HTAB; a stray CR is reported as a line-ending problem instead. */
const CONTROL = /[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]/;

function splitLines(source: string, diagnostics: SecurityTxtDiagnostic[]): Line[] {
  if (source.length === 0) return [];
  const segments = source.split('\n');
  const terminated = source.endsWith('\n');
  if (terminated) segments.pop();
  const lines = segments.map((segment, index) => {
    const lastUnterminated = !terminated && index === segments.length - 1;
    const text = !lastUnterminated && segment.endsWith('\r') ? segment.slice(0, -1) : segment;
    // RFC 9116 erratum 7743: LF and CRLF are both line ends; a CR on its own is not.
    if (text.includes('\r')) diagnostics.push(diagnostic('invalid_line_ending', index + 1));
    return { number: index + 1, text };
  });
  if (!terminated) diagnostics.push(diagnostic('invalid_line_ending', lines.length));
  if (lines.length > MAX_LINES) diagnostics.push(diagnostic('too_many_lines', null));
  return lines;
}

/**
 * The cleartext of an OpenPGP envelope (RFC 4880 section 7, as RFC 9116's ABNF profiles it: at
 * least one Hash header, a blank line, the dash-escaped text, then a complete signature block).
 * Anything less is not an envelope: its lines are then read as ordinary (and invalid) lines.
 */
function openEnvelope(lines: Line[], diagnostics: SecurityTxtDiagnostic[]): { signed: boolean; body: Line[] } {
  if (lines[0]?.text !== SIGNED_MESSAGE_BEGIN) return { signed: false, body: lines };
  let index = 1;
  while (lines[index]?.text.startsWith('Hash: ')) index += 1;
  if (index === 1 || lines[index]?.text !== '') return { signed: false, body: lines };
  const start = index + 1;
  const signatureStart = lines.findIndex((line, at) => at >= start && line.text === SIGNATURE_BEGIN);
  const signatureEnd = signatureStart === -1 ? -1 : lines.findIndex((line, at) => at > signatureStart && line.text === SIGNATURE_END);
  if (signatureEnd === -1) return { signed: false, body: lines };
  for (const line of lines.slice(signatureEnd + 1)) {
    if (!BLANK.test(line.text)) diagnostics.push(diagnostic('data_after_sig', line.number));
  }
  const body = lines.slice(start, signatureStart).map((line) => ({ number: line.number, text: line.text.startsWith('- ') ? line.text.slice(2) : line.text }));
  return { signed: true, body };
}

/** Reads the lines of a security.txt; never throws, whatever the input. */
export function parseSecurityTxt(text: string): SecurityTxtSyntax {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    return { rejected: true, signed: false, fields: [], diagnostics: [diagnostic('file_too_large', null)] };
  }
  const diagnostics: SecurityTxtDiagnostic[] = [];
  let source = text;
  if (source.startsWith('\uFEFF')) {
    diagnostics.push(diagnostic('bom_present', 1));
    source = source.slice(1);
  }
  const { signed, body } = openEnvelope(splitLines(source, diagnostics), diagnostics);
  const fields: SecurityTxtField[] = [];
  // An extension field's value is RFC 5322 "unstructured", which may fold onto indented lines.
  let foldable: SecurityTxtField | null = null;

  for (const { number, text: line } of body) {
    const previous: SecurityTxtField | null = foldable;
    foldable = null;
    if (BLANK.test(line)) continue;
    if (line.startsWith('#')) {
      if (CONTROL.test(line)) diagnostics.push(diagnostic('invalid_line', number, 'Comments may only hold printable characters, spaces and tabs.'));
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (previous && !CONTROL.test(line)) {
        previous.value = `${previous.value}${line}`.trimEnd();
        foldable = previous;
      } else {
        diagnostics.push(diagnostic('invalid_line', number, 'Only an extension field may continue on an indented line.'));
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1) {
      diagnostics.push(diagnostic('invalid_line', number));
      continue;
    }
    if (colon === 0) {
      diagnostics.push(diagnostic('empty_key', number));
      continue;
    }
    let name = line.slice(0, colon);
    if (FIELD_NAME_THEN_SPACE.test(name)) {
      diagnostics.push(diagnostic('prec_ws', number));
      name = name.trimEnd();
    } else if (!FIELD_NAME.test(name)) {
      diagnostics.push(diagnostic('invalid_line', number, 'A field name is printable ASCII without spaces.'));
      continue;
    }
    const rest = line.slice(colon + 1);
    const value = rest.replace(/^[ \t]+|[ \t]+$/g, '');
    const registered = isRegisteredField(name);
    if (registered && value === '') {
      diagnostics.push(diagnostic('invalid_line', number, `'${name}' needs a value.`));
      continue;
    }
    if (registered && Array.from(line).length > MAX_FIELD_CHARACTERS) {
      diagnostics.push(diagnostic('field_too_long', number));
      continue;
    }
    if (value !== '' && !rest.startsWith(' ')) diagnostics.push(diagnostic('no_space', number));
    if (!registered && CONTROL.test(value)) {
      diagnostics.push(diagnostic('invalid_line', number, 'A field value may only hold printable characters, spaces and tabs.'));
      continue;
    }
    const field = { name, value, line: number };
    fields.push(field);
    if (!registered) foldable = field;
  }

  return { rejected: false, signed, fields, diagnostics: sortByLine(diagnostics) };
}

/** Stable sort by line, file-wide diagnostics (line null) last. */
export function sortByLine(diagnostics: SecurityTxtDiagnostic[]): SecurityTxtDiagnostic[] {
  return diagnostics
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (a.entry.line ?? Infinity) - (b.entry.line ?? Infinity) || a.index - b.index)
    .map(({ entry }) => entry);
}
