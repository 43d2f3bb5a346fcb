import type { AdvisoryDocument } from './advisory.types.js';

/**
 * Atom (RFC 4287) and RSS 2.0 feeds of published advisories. Everything that comes from an advisory is
 * escaped, and characters XML 1.0 forbids (control characters, lone surrogates) are dropped, so a title
 * can never break the document or smuggle markup into a reader.
 */

export type FeedEntry = { doc: AdvisoryDocument; url: string };
export type Feed = { title: string; subtitle: string; selfUrl: string; siteUrl: string; id: string; entries: FeedEntry[]; emptyUpdated: Date };

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(value: string): string {
  return value
    .replace(FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function entryTitle(doc: AdvisoryDocument): string {
  const prefix = doc.withdrawnAt ? '[Withdrawn] ' : '';
  const cve = doc.cveId ? ` (${doc.cveId})` : '';
  return `${prefix}${doc.id}${cve}: ${doc.title}`;
}

function entryText(doc: AdvisoryDocument): string {
  const severity = doc.severity ? `Severity: ${doc.severity}. ` : '';
  const fixed = doc.patchedVersions.length > 0 ? ` Fixed in ${doc.patchedVersions.join(', ')}.` : '';
  return `${severity}${doc.summary.trim() || doc.title}${fixed}`;
}

function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

export function renderAtom(feed: Feed): string {
  const updated = feed.entries.reduce((latest, entry) => Math.max(latest, entry.doc.modifiedAt.getTime()), 0);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlEscape(feed.id)}</id>`,
    `  <title>${xmlEscape(feed.title)}</title>`,
    `  <subtitle>${xmlEscape(feed.subtitle)}</subtitle>`,
    `  <updated>${iso(updated > 0 ? new Date(updated) : feed.emptyUpdated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.selfUrl)}"/>`,
    `  <link rel="alternate" href="${xmlEscape(feed.siteUrl)}"/>`,
    '  <generator>Embargo</generator>',
  ];
  for (const { doc, url } of feed.entries) {
    lines.push(
      '  <entry>',
      `    <id>${xmlEscape(url)}</id>`,
      `    <title type="text">${xmlEscape(entryTitle(doc))}</title>`,
      `    <link rel="alternate" href="${xmlEscape(url)}"/>`,
      `    <published>${iso(doc.publishedAt)}</published>`,
      `    <updated>${iso(doc.modifiedAt)}</updated>`,
      `    <author><name>${xmlEscape(doc.publisher.name)}</name></author>`,
      ...(doc.severity ? [`    <category term="${xmlEscape(doc.severity)}" label="Severity"/>`] : []),
      `    <summary type="text">${xmlEscape(entryText(doc))}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

export function renderRss(feed: Feed): string {
  const updated = feed.entries.reduce((latest, entry) => Math.max(latest, entry.doc.modifiedAt.getTime()), 0);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '  <channel>',
    `    <title>${xmlEscape(feed.title)}</title>`,
    `    <link>${xmlEscape(feed.siteUrl)}</link>`,
    `    <description>${xmlEscape(feed.subtitle)}</description>`,
    `    <atom:link rel="self" type="application/rss+xml" href="${xmlEscape(feed.selfUrl)}"/>`,
    `    <lastBuildDate>${(updated > 0 ? new Date(updated) : feed.emptyUpdated).toUTCString()}</lastBuildDate>`,
    '    <generator>Embargo</generator>',
  ];
  for (const { doc, url } of feed.entries) {
    lines.push(
      '    <item>',
      `      <title>${xmlEscape(entryTitle(doc))}</title>`,
      `      <link>${xmlEscape(url)}</link>`,
      `      <guid isPermaLink="true">${xmlEscape(url)}</guid>`,
      `      <pubDate>${doc.publishedAt.toUTCString()}</pubDate>`,
      ...(doc.severity ? [`      <category>${xmlEscape(doc.severity)}</category>`] : []),
      `      <description>${xmlEscape(entryText(doc))}</description>`,
      '    </item>',
    );
  }
  lines.push('  </channel>', '</rss>', '');
  return lines.join('\n');
}
