import type { Config } from './config/config.js';
import { createContext, StartupError } from './bootstrap.js';
import { buildApp } from './platform/http/app.js';
import { startPeriodic } from './platform/jobs/periodic.js';
import { sweepDeadlines } from './modules/triage/sla/sla.sweep.js';
import { sealAuditLog } from './modules/audit/audit.sealer.js';
import { sweepAdvisoryPublications } from './modules/advisories/publication.js';
import { startNotificationWorker } from './modules/notifications/outbox.worker.js';
import { startMailIntake } from './modules/mail/mail.listener.js';
import { startImapIntake } from './modules/mail/imap.intake.js';
import { timeJob } from './platform/metrics.js';

export type RunningServer = { url: string | null; stop(): Promise<void> };

/** Starts the roles this process plays: web (HTTP API), worker (outbox delivery: mail, webhooks; IMAP intake), scheduler (SLA sweeps, audit seals). */
export async function startServer(config: Config): Promise<RunningServer> {
  const context = await createContext(config, { purpose: `embargo serve (${config.roles.join(',')})` });
  const app = await buildApp(context);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    await app.close();
    for (const stopRole of stops) await stopRole();
    await context.database.close();
  };

  if (config.roles.includes('scheduler')) {
    const loop = startPeriodic(
      async () => {
        // First: an embargo ends at its moment, whatever the other sweeps do.
        const publication = await timeJob(context.metrics, 'advisory_publication', () => sweepAdvisoryPublications(context));
        if (publication.published > 0) app.log.info(publication, 'embargoed advisories published');
        if (publication.failed > 0) app.log.error(publication, 'scheduled advisories could not be published');
        const result = await timeJob(context.metrics, 'deadline_sweep', () => sweepDeadlines(context));
        if (result.warned + result.breached > 0) app.log.info(result, 'deadline events emitted');
        const seal = await timeJob(context.metrics, 'audit_seal', () => sealAuditLog(context));
        if (seal.sealed > 0) app.log.debug(seal, 'audit entries sealed');
      },
      config.sweepIntervalMs,
      (error) => app.log.error({ err: error }, 'deadline sweep failed'),
    );
    stops.push(() => loop.stop());
  }

  if (config.roles.includes('worker')) {
    const worker = startNotificationWorker(context, app.log);
    stops.push(() => worker.stop());
  }

  if (config.roles.includes('worker') && Object.keys(config.imapMailboxes).length > 0) {
    try {
      const imap = await startImapIntake(context, app.log);
      stops.push(() => imap.stop());
    } catch (error) {
      // Release the database (and the embedded data directory's lock) before reporting the failure.
      await stop();
      throw new StartupError(`IMAP intake cannot start: ${(error as Error).message}`);
    }
  }

  let url: string | null = null;
  if (config.roles.includes('web')) {
    try {
      url = await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      // Release the database (and the embedded data directory's lock) before reporting the failure.
      await stop();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new StartupError(`Port ${config.port} on ${config.host} is already in use: stop the other process or set PORT to a free port.`);
      }
      throw error;
    }
  }
  if (config.smtpPort !== undefined && config.roles.includes('web')) {
    try {
      const listener = await startMailIntake(context, app.log);
      stops.push(() => listener.close());
    } catch (error) {
      await stop();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new StartupError(`Port ${config.smtpPort} on ${config.smtpHost} is already in use: stop the other process or set EMBARGO_SMTP_PORT to a free port.`);
      }
      throw new StartupError(`The SMTP intake listener cannot start: ${(error as Error).message}`);
    }
  }
  return {
    url,
    async stop() {
      if (url !== null && config.shutdownDrainMs > 0) {
        app.startDraining();
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
      }
      await stop();
    },
  };
}
