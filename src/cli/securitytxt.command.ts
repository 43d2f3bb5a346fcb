import { readFile } from 'node:fs/promises';
import { diagnostic, type SecurityTxtDiagnostic } from '../modules/policy/securitytxt/securitytxt.parser.js';
import {
  allDiagnostics,
  checkRetrieval,
  parseDateTime,
  validateSecurityTxtBytes,
  verifySecurityTxtSignature,
} from '../modules/policy/securitytxt/securitytxt.validator.js';
import type { Command, Io } from './main.js';

const FETCH_TIMEOUT_MS = 15_000;

type Source = { bytes: Uint8Array; url: { requestedUrl: string; finalUrl: string; contentType: string | null } | null };

async function fetchSource(url: string): Promise<Source | SecurityTxtDiagnostic> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', headers: { accept: 'text/plain' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    return diagnostic('no_security_txt', null, `Fetching ${url} failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}.`);
  }
  if (response.status !== 200) return diagnostic('no_security_txt', null, `${url} answered HTTP ${response.status}.`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { bytes, url: { requestedUrl: url, finalUrl: response.url || url, contentType: response.headers.get('content-type') } };
}

function print(io: Io, problems: SecurityTxtDiagnostic[]): void {
  for (const problem of problems) io.out(`${problem.line === null ? 'file' : `line ${problem.line}`}: ${problem.level} ${problem.code}: ${problem.message}`);
}

export const securityTxtCheckCommand: Command = {
  name: 'securitytxt check',
  summary: 'Check a security.txt file or https URL against RFC 9116; prints "line N: level code: message" and exits 1 when invalid',
  usage: 'securitytxt check FILE|URL [--now DATE-TIME] [--lenient-expires] [--key PUBLIC-KEY-FILE]',
  options: {
    now: { type: 'string', description: 'Judge Expires at this RFC 3339 moment instead of the current time' },
    'lenient-expires': { type: 'boolean', description: 'Accept a space instead of "T" in Expires (RFC 3339 section 5.6 note)' },
    key: { type: 'string', description: 'Verify the OpenPGP signature with the armored public key(s) in this file' },
  } as Command['options'],
  positionals: 1,
  async run({ values, positionals }, io) {
    const target = positionals[0]!;
    let now = new Date();
    if (typeof values.now === 'string') {
      const parsed = parseDateTime(values.now);
      if (!parsed) {
        io.err(`embargo securitytxt check: --now expects an RFC 3339 date-time such as 2026-01-31T12:00:00Z, got "${values.now}"`);
        return 2;
      }
      now = parsed;
    }
    let keys: string | null = null;
    if (typeof values.key === 'string') {
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- --key is chosen by the operator running the CLI
        keys = await readFile(values.key, 'utf8');
      } catch (error) {
        io.err(`embargo securitytxt check: cannot read the key file ${values.key} (${(error as Error).message})`);
        return 2;
      }
    }

    let source: Source;
    if (/^https?:\/\//i.test(target)) {
      const fetched = await fetchSource(target);
      if ('code' in fetched) {
        print(io, [fetched]);
        io.out(`${target}: invalid, 1 error(s).`);
        return 1;
      }
      source = fetched;
    } else {
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- the file to check is the command-line argument of the operator running the CLI
        source = { bytes: await readFile(target), url: null };
      } catch (error) {
        io.err(`embargo securitytxt check: cannot read ${target} (${(error as Error).message})`);
        return 2;
      }
    }

    const result = validateSecurityTxtBytes(source.bytes, { now, lenientExpires: values['lenient-expires'] === true });
    const errors = [...result.errors];
    if (source.url) errors.push(...checkRetrieval(source.url, result));
    if (keys !== null) {
      const text = Buffer.from(source.bytes).toString('utf8');
      errors.push(...(result.signed ? await verifySecurityTxtSignature(text, keys) : [diagnostic('pgp_error', null, 'The file carries no OpenPGP cleartext signature to verify.')]));
    }
    const checked = { ...result, errors };
    print(io, allDiagnostics(checked));
    const counts = `${checked.recommendations.length} recommendation(s), ${checked.notifications.length} notification(s)`;
    const signature = keys !== null && errors.every((error) => !error.code.startsWith('pgp_')) ? ', signature verified' : '';
    io.out(errors.length === 0 ? `${target}: valid${signature}, ${counts}.` : `${target}: invalid, ${errors.length} error(s), ${counts}.`);
    return errors.length === 0 ? 0 : 1;
  },
};
