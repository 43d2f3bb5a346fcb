import type { AppContext } from '../../context.js';
import type { OsvRecord } from '../exports/osv.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { osvRecordOf } from './advisory.export.js';
import { reviveDocument } from './advisory.document.js';
import { findPublicIndex } from './advisory.repository.js';
import { buildZip } from './zip.js';

/**
 * This instance as an OSV.dev "REST" data source: /osv/all.json lists every record with its modified
 * date (what OSV.dev polls for changes), /osv/{id}.json serves one, and /osv/{ecosystem}/all.zip
 * bundles an ecosystem's records the way OSV's own bucket does. Published and withdrawn advisories
 * only; withdrawn records stay, marked, so importers learn of the withdrawal.
 */

async function publicRecords(context: AppContext): Promise<OsvRecord[]> {
  const rows = await findPublicIndex(context.db);
  return rows.flatMap((row) => {
    const record = osvRecordOf(reviveDocument(row.public_doc));
    return record ? [record] : [];
  });
}

export async function osvIndex(context: AppContext): Promise<{ id: string; modified: string }[]> {
  return (await publicRecords(context)).map((record) => ({ id: record.id, modified: record.modified }));
}

export async function osvEcosystemZip(context: AppContext, ecosystem: Ecosystem): Promise<Buffer> {
  const records = (await publicRecords(context)).filter((record) => record.affected?.some((entry) => entry.package?.ecosystem === ecosystem));
  return buildZip(
    records
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((record) => ({ name: `${record.id}.json`, data: Buffer.from(`${JSON.stringify(record, null, 2)}\n`), modified: new Date(record.modified) })),
  );
}
