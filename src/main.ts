import type { Config } from './config/config.js';
import { createContext, StartupError } from './bootstrap.js';
import { buildApp } from './platform/http/app.js';
import { startPeriodic } from './platform/jobs/periodic.js';
import { sweepDeadlines } from './modules/triage/sla/sla.sweep.js';
import { sealAuditLog } from './modules/audit/audit.sealer.js';

export type RunningServer = { url: string | null; stop(): Promise<void> };

/** Starts the roles this process plays (web, scheduler; worker comes with outbox delivery). */
export async function startServer(config: Config): Promise<RunningServer> {
  const context = await createContext(config, { purpose: `embargo serve (${config.roles.join(',')})` });
  const app = await buildApp(context);
  const stops: (() => Promise<void>)[] = [];

  if (config.roles.includes('scheduler')) {
    const loop = startPeriodic(
      async () => {
        const result = await sweepDeadlines(context);
        if (result.warned + result.breached > 0) app.log.info(result, 'deadline events emitted');
        const seal = await sealAuditLog(context);
        if (seal.sealed > 0) app.log.debug(seal, 'audit entries sealed');
      },
      config.sweepIntervalMs,
      (error) => app.log.error({ err: error }, 'deadline sweep failed'),
    );
    stops.push(() => loop.stop());
  }

  const stop = async () => {
    await app.close();
    for (const stopRole of stops) await stopRole();
    await context.database.close();
  };
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
  return { url, stop };
}
