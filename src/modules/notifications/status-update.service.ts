import type { AppContext } from '../../context.js';
import { uuidv7 } from '../../platform/crypto/ids.js';
import type { Tx } from '../../platform/db/database.js';
import { appendAudit } from '../audit/audit.repository.js';
import { insertMessage } from '../reports/message.repository.js';
import { sealMessage } from '../reports/report.crypto.js';
import { lockReport, updateReport } from '../reports/report.repository.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { findDeadlines } from '../triage/sla/deadline.repository.js';
import { refreshDeadlines } from '../triage/sla/sla.service.js';
import { isTerminal, type ReportState } from '../triage/state-machine.js';
import { enqueueOutbox } from './outbox.repository.js';

export const STATUS_UPDATE_TEXT = 'Status update: the security team is still working on this report. Nothing else has changed since the last news; you will hear from us again.';

/**
 * The policy's "you hear from us at least every N days": when a status-update cycle comes due and
 * nobody has written, Embargo posts a visible system message to the thread (which meets the cycle and
 * starts the next one) and mails it to the reporter. Runs in the worker's transaction for the SLA
 * event; the report lock and the "still unmet" check make a second run for the same cycle a no-op.
 */
export async function postAutomaticStatusUpdate(context: AppContext, trx: Tx, reportId: string, seq: number): Promise<boolean> {
  const now = context.clock.now();
  const report = await lockReport(trx, reportId);
  if (!report || isTerminal(report.state as ReportState)) return false;
  const cycle = (await findDeadlines(trx, reportId)).find((deadline) => deadline.kind === 'status_update' && deadline.seq === seq);
  if (!cycle || cycle.met_at !== null) return false;
  const project = getProjectOrThrow(context, report.project_slug);
  const messageId = uuidv7(now.getTime());
  await insertMessage(trx, {
    id: messageId,
    reportId,
    authorType: 'system',
    authorId: null,
    internal: false,
    bodyEnc: sealMessage(context, messageId, STATUS_UPDATE_TEXT),
    at: now,
  });
  await appendAudit(trx, { stream: `report:${reportId}`, actor: { type: 'system', id: null, name: 'embargo' }, action: 'report.status_update_sent', data: { messageId, cycle: seq }, at: now });
  const current = { ...report, revision: report.revision + 1, updated_at: now };
  await updateReport(trx, reportId, { revision: current.revision, updated_at: now });
  await refreshDeadlines(trx, current, project);
  await enqueueOutbox(trx, {
    topic: 'report.status_update',
    dedupeKey: `report.status_update:${reportId}:${seq}`,
    payload: { reportId, project: report.project_slug, messageId, cycle: seq },
    at: now,
  });
  return true;
}
