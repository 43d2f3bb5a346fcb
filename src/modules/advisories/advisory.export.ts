import type { AppContext } from '../../context.js';
import type { AdvisoryRow } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { csafFileName, toCsaf } from '../exports/csaf.js';
import { validateCsaf } from '../exports/csaf.validate.js';
import { toCve5, validateCve5 } from '../exports/cve5.js';
import { CveIdRequiredError } from '../exports/export.errors.js';
import { toOsv, validateOsv, type OsvRecord } from '../exports/osv.js';
import type { ValidationResult } from '../exports/schema-validation.js';
import { getAdvisoryFor } from './advisory.access.js';
import { openAdvisoryContent } from './advisory.content.js';
import { buildDocument, reviveDocument } from './advisory.document.js';
import type { AdvisoryDocument } from './advisory.types.js';
import { getProjectOrThrow } from '../reports/report.service.js';

export type ExportFormat = 'osv' | 'cve5' | 'csaf';
export type ExportedDocument = { format: ExportFormat; fileName: string; document: unknown };

/**
 * The document an export is made from: what the public sees once published (never the working copy,
 * which may hold unpublished edits), or for the team a preview of a draft, dated at its embargo end.
 * Either way an AdvisoryDocument, which has no field for confidential details.
 */
export function exportSource(context: AppContext, row: AdvisoryRow): AdvisoryDocument {
  if (row.state !== 'draft') return reviveDocument(row.public_doc);
  const project = getProjectOrThrow(context, row.project_slug);
  const at = row.publish_at ?? context.clock.now();
  const content = openAdvisoryContent(context, row.id, row.content_enc);
  return buildDocument(context, project, content, {
    id: row.public_id,
    severity: row.severity,
    publishedAt: at,
    modifiedAt: at,
    withdrawnAt: null,
    revisions: [{ number: 1, date: at, summary: 'Initial public release.' }],
  });
}

/** Team members always (drafts as previews), everyone else once published; 404 otherwise. */
export async function exportAdvisory(context: AppContext, actor: Actor, publicId: string, format: ExportFormat): Promise<ExportedDocument> {
  const row = await getAdvisoryFor(context, actor, publicId);
  return exportDocument(context, exportSource(context, row), format);
}

/**
 * Builds the document and checks it with the format's official validator before anything is sent:
 * an export that fails its schema is refused (409 EXPORT_INVALID, listing the problems) rather than
 * handed to CVE Services, OSV.dev or a CSAF aggregator.
 */
export async function exportDocument(context: AppContext, doc: AdvisoryDocument, format: ExportFormat): Promise<ExportedDocument> {
  switch (format) {
    case 'osv': {
      const record = toOsv(doc);
      check('osv', validateOsv(record));
      return { format, fileName: `${record.id}.json`, document: record };
    }
    case 'cve5': {
      if (!doc.cveId) throw new CveIdRequiredError(doc.id);
      const cna = context.policies.findProject(doc.project.slug)?.advisories?.cna;
      if (!cna) {
        throw new AppError('CNA_NOT_CONFIGURED', `The policy of ${doc.project.name} names no CNA (advisories.cna: orgId and shortName), so no CVE record can be written.`);
      }
      const record = toCve5(doc, { assignerOrgId: cna.orgId, assignerShortName: cna.shortName });
      check('cve5', validateCve5(record));
      return { format, fileName: `${doc.cveId}.json`, document: record };
    }
    case 'csaf': {
      const document = toCsaf(doc);
      check('csaf', await validateCsaf(document));
      return { format, fileName: csafFileName(document.document.tracking.id), document };
    }
  }
}

function check(format: ExportFormat, result: ValidationResult): void {
  if (result.valid) return;
  throw new AppError('EXPORT_INVALID', `The ${format} export of this advisory does not pass the format's validation; fix the advisory and try again.`, {
    format,
    problems: result.errors.slice(0, 50),
  });
}

/**
 * The OSV record for OSV's own distribution channels (all.json, all.zip, the query API): packages of
 * the "generic" ecosystem, which OSV cannot name, are left out there rather than losing the advisory.
 */
export function osvRecordOf(doc: AdvisoryDocument): OsvRecord | null {
  const affected = doc.affected.filter((entry) => entry.ecosystem !== 'generic');
  if (affected.length === 0 && !doc.withdrawnAt) return null;
  return toOsv({ ...doc, affected });
}

/** Our id, whether asked for as OSV writes it ("x_EMB-2026-0001") or plain. */
export function idFromOsvId(osvId: string): string {
  return osvId.startsWith('x_') ? osvId.slice(2) : osvId;
}
