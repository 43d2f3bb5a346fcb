/**
 * Which type an uploaded file is stored (and later served) as. The sender's Content-Type is a claim;
 * the file's first bytes decide. Only types on the allow-list are ever stored, so a download can never
 * carry a type a browser would render or run (HTML, SVG, scripts), whatever was claimed.
 *
 * - A claim of PNG, JPEG, PDF or ZIP must match the file's magic bytes, or the file is refused.
 * - A claim of text (any text/*, or JSON, XML, JavaScript, shell, YAML, SQL) must be UTF-8 text
 *   without NUL or other control characters; it is stored as text/plain (a proof-of-concept page or
 *   script is then an inert text download).
 * - No claim, or application/octet-stream ("I don't know"): the bytes decide among the types above,
 *   and a file they do not recognise is refused.
 * - Any other claim is refused: zip such a file first.
 */

export const ATTACHMENT_TYPES = ['text/plain', 'application/pdf', 'image/png', 'image/jpeg', 'application/zip'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** application/* types that are text in practice (proofs of concept are often scripts or requests). */
const TEXT_LIKE = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/x-sh',
  'application/x-shellscript',
  'application/yaml',
  'application/x-yaml',
  'application/sql',
]);
const UNKNOWN = new Set(['', 'application/octet-stream']);

const startsWith = (content: Uint8Array, magic: number[], at = 0) => content.length >= at + magic.length && magic.every((byte, index) => content[at + index] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

const MAGIC: Record<Exclude<AttachmentType, 'text/plain'>, (content: Uint8Array) => boolean> = {
  'image/png': (content) => startsWith(content, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (content) => startsWith(content, [0xff, 0xd8, 0xff]),
  // PDF readers accept the header anywhere in the first kilobyte; so does this check.
  'application/pdf': (content) => {
    const head = ascii('%PDF-');
    const end = Math.min(content.length - head.length, 1024 - head.length);
    for (let at = 0; at <= end; at += 1) if (startsWith(content, head, at)) return true;
    return false;
  },
  // A local file header, or the end record of an empty archive.
  'application/zip': (content) => startsWith(content, [0x50, 0x4b, 0x03, 0x04]) || startsWith(content, [0x50, 0x4b, 0x05, 0x06]),
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 without NUL or control characters other than tab, newlines, form feed and escape (coloured logs). */
export function isText(content: Uint8Array): boolean {
  let text: string;
  try {
    text = decoder.decode(content);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f\u007f]/.test(text);
}

/** The allow-listed type the bytes are, if any. */
export function sniffType(content: Uint8Array): AttachmentType | null {
  for (const [type, matches] of Object.entries(MAGIC) as [AttachmentType, (content: Uint8Array) => boolean][]) if (matches(content)) return type;
  return isText(content) ? 'text/plain' : null;
}

export type TypeCheck = { ok: true; type: AttachmentType } | { ok: false; code: 'ATTACHMENT_TYPE_NOT_ALLOWED' | 'ATTACHMENT_TYPE_MISMATCH'; message: string };

const ACCEPTED = 'text, PDF, PNG, JPEG or ZIP files';

/** The type to store the file as, or why it is refused. */
export function checkAttachmentType(claimedHeader: string | undefined, content: Uint8Array): TypeCheck {
  const claimed = (claimedHeader ?? '').split(';')[0]!.trim().toLowerCase();
  if (UNKNOWN.has(claimed)) {
    const sniffed = sniffType(content);
    return sniffed ? { ok: true, type: sniffed } : { ok: false, code: 'ATTACHMENT_TYPE_NOT_ALLOWED', message: `The file's type is not recognised: attach ${ACCEPTED} (zip anything else).` };
  }
  if (claimed.startsWith('text/') || TEXT_LIKE.has(claimed)) {
    return isText(content) ? { ok: true, type: 'text/plain' } : { ok: false, code: 'ATTACHMENT_TYPE_MISMATCH', message: `The file is sent as ${claimed} but is not UTF-8 text.` };
  }
  // Own keys only: "constructor" is `in` every object.
  if (Object.hasOwn(MAGIC, claimed)) {
    const type = claimed as keyof typeof MAGIC;
    return MAGIC[type](content) ? { ok: true, type } : { ok: false, code: 'ATTACHMENT_TYPE_MISMATCH', message: `The file is sent as ${claimed} but its contents are not ${claimed}.` };
  }
  return { ok: false, code: 'ATTACHMENT_TYPE_NOT_ALLOWED', message: `Files of type ${claimed} are not accepted: attach ${ACCEPTED} (zip anything else).` };
}
