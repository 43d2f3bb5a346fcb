import type { Config } from './config/config.js';
import { createContext } from './bootstrap.js';
import { buildApp } from './platform/http/app.js';
import { startPeriodic } from './platform/jobs/periodic.js';
import { sweepDeadlines } from './modules/triage/sla/sla.sweep.js';

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
      },
      config.sweepIntervalMs,
      (error) => app.log.error({ err: error }, 'deadline sweep failed'),
    );
    stops.push(() => loop.stop());
  }

  let url: string | null = null;
  if (config.roles.includes('web')) {
    url = await app.listen({ port: config.port, host: config.host });
  }
  return {
    url,
    async stop() {
      await app.close();
      for (const stop of stops) await stop();
      await context.database.close();
    },
  };
}
