import { isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * EMBARGO_IMAP_MAILBOXES: per project, an existing mailbox that Embargo polls for reports, written
 * "alpha=imaps://user:password@mail.example.org:993/INBOX,beta=...". The value holds passwords, so no
 * message built here repeats it: problems name the project and what is wrong, never the URL.
 */
export type ImapMailboxSetting = Readonly<{
  host: string;
  port: number;
  /**
   * implicit: TLS from the first byte (imaps://). starttls: imap:// to another host, which must
   * upgrade before the password is sent. none: imap:// to a loopback address only, in cleartext.
   */
  tls: 'implicit' | 'starttls' | 'none';
  user: string;
  password: string;
  mailbox: string;
  /** The mailbox without its credentials, for logs: "imaps://mail.example.org:993/INBOX". */
  label: string;
}>;

const EXAMPLE = 'expected slug=URL pairs such as alpha=imaps://user:password@mail.example.org:993/INBOX';
const SLUG = /^[a-z0-9-]+$/;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || (isIPv4(hostname) && hostname.startsWith('127.'));
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The parsed mailbox, or why the URL is not one (without repeating it). */
export function parseImapUrl(value: string): ImapMailboxSetting | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL (percent-encode special characters in the user name and password)';
  }
  if (url.protocol !== 'imaps:' && url.protocol !== 'imap:') return 'expected an imaps:// URL (or imap:// with STARTTLS, or to a loopback address)';
  if (!url.hostname) return 'the URL names no host';
  const user = decode(url.username);
  const password = decode(url.password);
  if (!user || !password) return 'the URL needs a user name and a password (imaps://user:password@host/INBOX)';
  const path = decode(url.pathname.replace(/^\//, ''));
  if (path === null || url.search || url.hash) return 'expected only a mailbox name after the host, such as /INBOX';
  const mailbox = path || 'INBOX';
  const secure = url.protocol === 'imaps:';
  const port = url.port ? Number(url.port) : secure ? 993 : 143;
  const tls = secure ? 'implicit' : isLoopback(url.hostname) ? 'none' : 'starttls';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return Object.freeze({ host, port, tls, user, password, mailbox, label: `${url.protocol}//${url.host}/${mailbox}` });
}

function splitPairs(value: string): [string, string][] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => (pair.includes('=') ? [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()] : [pair, '']));
}

/** From the environment a string of pairs; from the settings file also a mapping of slug to URL. */
export const imapMailboxesSchema = z
  .union([z.string().transform(splitPairs), z.record(z.string(), z.string()).transform((record) => Object.entries(record))])
  .transform((pairs, ctx) => {
    const mailboxes: Record<string, ImapMailboxSetting> = {};
    for (const [slug, url] of pairs) {
      const problem = !SLUG.test(slug)
        ? EXAMPLE
        : Object.hasOwn(mailboxes, slug)
          ? `project "${slug}" is named twice (one mailbox per project)`
          : url === ''
            ? `project "${slug}" has no URL; ${EXAMPLE}`
            : null;
      const parsed = problem ? problem : parseImapUrl(url);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed === problem ? parsed : `project "${slug}": ${parsed}` });
        continue;
      }
      mailboxes[slug] = parsed;
    }
    return Object.freeze(mailboxes);
  });
