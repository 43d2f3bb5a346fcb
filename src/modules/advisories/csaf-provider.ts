import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { csafFileName, toCsaf, type CsafDocument } from '../exports/csaf.js';
import { validateCsaf } from '../exports/csaf.validate.js';
import { timestamp } from '../exports/schema-validation.js';
import { instancePublisher, reviveDocument } from './advisory.document.js';
import type { CsafSigner } from './csaf-signing.js';
import { findPublicAdvisory, findPublicIndex } from './advisory.repository.js';

/**
 * This instance as a CSAF 2.0 provider (section 7): provider-metadata.json at the well-known URL and
 * the TLP:WHITE documents distributed two ways: a directory, one folder per year of initial release,
 * with index.txt, changes.csv, directory listings and SHA-256/SHA-512 files next to each document
 * (requirements 9, 11-14 and 18), and a ROLIE feed listing the same documents (requirement 15; the
 * optional service and category documents of 16 and 17 are not offered). With a signing key
 * (csaf-signing.ts) every document also has an OpenPGP signature and the public key is published
 * (requirements 19 and 20): only then is the role declared csaf_trusted_provider.
 */

export const CSAF_BASE_PATH = '/.well-known/csaf';
export const CSAF_WHITE_PATH = `${CSAF_BASE_PATH}/white`;
export const CSAF_FEED_PATH = `${CSAF_WHITE_PATH}/feed-tlp-white.json`;
export const CSAF_KEYS_PATH = `${CSAF_BASE_PATH}/openpgp`;
const CSAF_SCHEMA_URL = 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json';

function base(context: AppContext): string {
  return context.config.publicUrl.replace(/\/$/, '');
}

type Listed = { path: string; year: string; fileName: string; document: CsafDocument };

/** Every published (and withdrawn) advisory as its CSAF document and path under white/. */
async function listed(context: AppContext): Promise<Listed[]> {
  const rows = await findPublicIndex(context.db);
  return rows
    .map((row) => {
      const document = toCsaf(reviveDocument(row.public_doc));
      const fileName = csafFileName(document.document.tracking.id);
      const year = document.document.tracking.initial_release_date.slice(0, 4);
      return { path: `${year}/${fileName}`, year, fileName, document };
    })
    .sort((a, b) => b.document.document.tracking.current_release_date.localeCompare(a.document.document.tracking.current_release_date) || a.path.localeCompare(b.path));
}

export async function providerMetadata(context: AppContext, signer: CsafSigner | null) {
  const documents = await listed(context);
  const publisher = instancePublisher(context);
  const latest = documents[0]?.document.document.tracking.current_release_date;
  return {
    canonical_url: `${base(context)}${CSAF_BASE_PATH}/provider-metadata.json`,
    distributions: [
      {
        directory_url: `${base(context)}${CSAF_WHITE_PATH}/`,
        rolie: { feeds: [{ summary: `All TLP:WHITE advisories of ${publisher.name}.`, tlp_label: 'WHITE' as const, url: `${base(context)}${CSAF_FEED_PATH}` }] },
      },
    ],
    // The newest document's date: stable while nothing changes, so aggregators see no spurious update.
    last_updated: latest ?? timestamp(context.clock.now()),
    list_on_CSAF_aggregators: true,
    metadata_version: '2.0' as const,
    mirror_on_CSAF_aggregators: true,
    ...(signer ? { public_openpgp_keys: [{ fingerprint: signer.fingerprint, url: publicKeyUrl(context, signer) }] } : {}),
    publisher: { category: publisher.category, name: publisher.name, namespace: publisher.namespace },
    // Trusted providers sign every document (requirements 18 to 20): claimed only with a key to do it.
    role: signer ? ('csaf_trusted_provider' as const) : ('csaf_provider' as const),
  };
}

function publicKeyUrl(context: AppContext, signer: CsafSigner): string {
  return `${base(context)}${CSAF_KEYS_PATH}/${signer.fingerprint}.asc`;
}

/** Requirement 20: the public half of the signing key; 404 for any other name, or without a key. */
export function publicKeyFile(signer: CsafSigner | null, file: string): string {
  if (!signer || file.toUpperCase() !== `${signer.fingerprint}.ASC`) throw notFound('NOT_FOUND', `${CSAF_KEYS_PATH}/${file}`);
  return signer.publicKey;
}

/**
 * Requirement 15: the ROLIE feed (RFC 8322, as the CSAF ROLIE feed schema constrains it) of every
 * TLP:WHITE document, with its hash files and, when signed, its signature.
 */
export async function rolieFeed(context: AppContext, signer: CsafSigner | null) {
  const documents = await listed(context);
  const publisher = instancePublisher(context);
  const whiteUrl = `${base(context)}${CSAF_WHITE_PATH}`;
  return {
    feed: {
      id: 'csaf-feed-tlp-white',
      title: `${publisher.name} CSAF feed (TLP:WHITE)`,
      link: [{ rel: 'self', href: `${base(context)}${CSAF_FEED_PATH}` }],
      category: [{ scheme: 'urn:ietf:params:rolie:category:information-type', term: 'csaf' }],
      updated: documents[0]?.document.document.tracking.current_release_date ?? timestamp(context.clock.now()),
      entry: documents.map(({ path, document }) => {
        const url = `${whiteUrl}/${path}`;
        const summary = document.document.notes.find((note) => note.category === 'summary')?.text;
        return {
          id: document.document.tracking.id,
          title: document.document.title,
          link: [
            { rel: 'self', href: url },
            { rel: 'hash', href: `${url}.sha256` },
            { rel: 'hash', href: `${url}.sha512` },
            ...(signer ? [{ rel: 'signature', href: `${url}.asc` }] : []),
          ],
          published: document.document.tracking.initial_release_date,
          updated: document.document.tracking.current_release_date,
          ...(summary ? { summary: { content: summary } } : {}),
          content: { type: 'application/json', src: url },
          format: { schema: CSAF_SCHEMA_URL, version: '2.0' },
        };
      }),
    },
  };
}

/** Requirement 12: one relative path per line. */
export async function indexTxt(context: AppContext): Promise<string> {
  return (await listed(context)).map((entry) => `${entry.path}\n`).join('');
}

/** Requirement 13: path and current release date, newest first, as quoted CSV. */
export async function changesCsv(context: AppContext): Promise<string> {
  return (await listed(context)).map((entry) => `"${entry.path}","${entry.document.document.tracking.current_release_date}"\n`).join('');
}

function listingPage(title: string, links: string[]): string {
  const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const items = links.map((link) => `<li><a href="${escape(link)}">${escape(link)}</a></li>`).join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>\n<body><h1>${escape(title)}</h1>\n<ul>\n${items}\n</ul></body></html>\n`;
}

/** Requirement 14: directory listings, for people browsing the distribution. */
export async function whiteListing(context: AppContext): Promise<string> {
  const years = [...new Set((await listed(context)).map((entry) => entry.year))].sort().reverse();
  return listingPage(`Index of ${CSAF_WHITE_PATH}/`, ['index.txt', 'changes.csv', CSAF_FEED_PATH.slice(CSAF_WHITE_PATH.length + 1), ...years.map((year) => `${year}/`)]);
}

export async function yearListing(context: AppContext, year: string, signer: CsafSigner | null): Promise<string> {
  const files = (await listed(context)).filter((entry) => entry.year === year).map((entry) => entry.fileName).sort();
  if (files.length === 0) throw notFound('NOT_FOUND', `${CSAF_WHITE_PATH}/${year}/`);
  return listingPage(`Index of ${CSAF_WHITE_PATH}/${year}/`, files.flatMap((file) => [file, `${file}.sha256`, `${file}.sha512`, ...(signer ? [`${file}.asc`] : [])]));
}

/**
 * One file of the distribution: a document (exactly the bytes its hashes and signature are computed
 * over), one of its hash files or its signature. The document is checked by the CSAF validator (schema
 * and mandatory tests) before it is served. Drafts and wrong years answer 404 like names that never
 * existed, and so do signatures when no key is configured.
 */
export async function csafFile(context: AppContext, year: string, file: string, signer: CsafSigner | null): Promise<{ body: string; type: string }> {
  const match = /^([+\-a-z0-9_]+\.json)(\.sha256|\.sha512|\.asc)?$/.exec(file);
  const missing = () => notFound('NOT_FOUND', `${CSAF_WHITE_PATH}/${year}/${file}`);
  if (!match || !/^\d{4}$/.test(year)) throw missing();
  const [, fileName, suffix] = match;
  if (suffix === '.asc' && !signer) throw missing();
  const row = await findPublicAdvisory(context.db, fileName!.slice(0, -'.json'.length).toUpperCase());
  if (!row) throw missing();
  const document = toCsaf(reviveDocument(row.public_doc));
  if (csafFileName(document.document.tracking.id) !== fileName || document.document.tracking.initial_release_date.slice(0, 4) !== year) throw missing();
  const body = `${JSON.stringify(document, null, 2)}\n`;
  if (!suffix) {
    const result = await validateCsaf(document);
    if (!result.valid) throw new AppError('EXPORT_INVALID', 'This CSAF document does not pass the CSAF validator.', { format: 'csaf', problems: result.errors.slice(0, 50) });
    return { body, type: 'application/json; charset=utf-8' };
  }
  if (suffix === '.asc') return { body: await signer!.sign(body), type: 'application/pgp-signature' };
  const algorithm = suffix === '.sha256' ? 'sha256' : 'sha512';
  return { body: `${createHash(algorithm).update(body).digest('hex')}  ${fileName}\n`, type: 'text/plain; charset=utf-8' };
}
