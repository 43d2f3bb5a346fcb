import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { csafFileName, toCsaf, type CsafDocument } from '../exports/csaf.js';
import { validateCsaf } from '../exports/csaf.validate.js';
import { timestamp } from '../exports/schema-validation.js';
import { instancePublisher, reviveDocument } from './advisory.document.js';
import { findPublicAdvisory, findPublicIndex } from './advisory.repository.js';

/**
 * This instance as a CSAF 2.0 provider (section 7): provider-metadata.json at the well-known URL and a
 * directory-based distribution of TLP:WHITE documents, one folder per year of initial release, with
 * index.txt, changes.csv, directory listings and SHA-256/SHA-512 files next to each document
 * (requirements 9, 11-14 and 18). OpenPGP signatures (requirement 19) need a signing key and are not
 * produced yet, so the role declared is csaf_provider, not csaf_trusted_provider.
 */

export const CSAF_BASE_PATH = '/.well-known/csaf';
export const CSAF_WHITE_PATH = `${CSAF_BASE_PATH}/white`;

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

export async function providerMetadata(context: AppContext) {
  const documents = await listed(context);
  const publisher = instancePublisher(context);
  const latest = documents[0]?.document.document.tracking.current_release_date;
  return {
    canonical_url: `${base(context)}${CSAF_BASE_PATH}/provider-metadata.json`,
    distributions: [{ directory_url: `${base(context)}${CSAF_WHITE_PATH}/` }],
    // The newest document's date: stable while nothing changes, so aggregators see no spurious update.
    last_updated: latest ?? timestamp(context.clock.now()),
    list_on_CSAF_aggregators: true,
    metadata_version: '2.0' as const,
    mirror_on_CSAF_aggregators: true,
    publisher: { category: publisher.category, name: publisher.name, namespace: publisher.namespace },
    role: 'csaf_provider' as const,
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
  return listingPage(`Index of ${CSAF_WHITE_PATH}/`, ['index.txt', 'changes.csv', ...years.map((year) => `${year}/`)]);
}

export async function yearListing(context: AppContext, year: string): Promise<string> {
  const files = (await listed(context)).filter((entry) => entry.year === year).map((entry) => entry.fileName).sort();
  if (files.length === 0) throw notFound('NOT_FOUND', `${CSAF_WHITE_PATH}/${year}/`);
  return listingPage(`Index of ${CSAF_WHITE_PATH}/${year}/`, files.flatMap((file) => [file, `${file}.sha256`, `${file}.sha512`]));
}

/**
 * One file of the distribution: a document (exactly the bytes its hashes are computed over) or one of
 * its hash files. The document is checked by the CSAF validator (schema and mandatory tests) before it
 * is served. Drafts and wrong years answer 404 like names that never existed.
 */
export async function csafFile(context: AppContext, year: string, file: string): Promise<{ body: string; type: string }> {
  const match = /^([+\-a-z0-9_]+\.json)(\.sha256|\.sha512)?$/.exec(file);
  const missing = () => notFound('NOT_FOUND', `${CSAF_WHITE_PATH}/${year}/${file}`);
  if (!match || !/^\d{4}$/.test(year)) throw missing();
  const [, fileName, hash] = match;
  const row = await findPublicAdvisory(context.db, fileName!.slice(0, -'.json'.length).toUpperCase());
  if (!row) throw missing();
  const document = toCsaf(reviveDocument(row.public_doc));
  if (csafFileName(document.document.tracking.id) !== fileName || document.document.tracking.initial_release_date.slice(0, 4) !== year) throw missing();
  const body = `${JSON.stringify(document, null, 2)}\n`;
  if (!hash) {
    const result = await validateCsaf(document);
    if (!result.valid) throw new AppError('EXPORT_INVALID', 'This CSAF document does not pass the CSAF validator.', { format: 'csaf', problems: result.errors.slice(0, 50) });
    return { body, type: 'application/json; charset=utf-8' };
  }
  const algorithm = hash === '.sha256' ? 'sha256' : 'sha512';
  return { body: `${createHash(algorithm).update(body).digest('hex')}  ${fileName}\n`, type: 'text/plain; charset=utf-8' };
}
