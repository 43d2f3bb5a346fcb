import { loadConfig } from '../config/config.js';
import { startServer } from '../main.js';
import type { Command } from './main.js';

const SHUTDOWN_TIMEOUT_MS = 20_000;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Embargo server (web, worker and scheduler roles as EMBARGO_ROLES says)',
  usage: 'serve',
  options: {},
  async run(_args, io) {
    const config = loadConfig();
    const server = await startServer(config);
    io.out(`Embargo is running at ${server.url ?? '(no web role)'} with ${config.databaseUrl ? 'PostgreSQL' : `the embedded database in ${config.dataDir}`}.`);
    io.out(`Policy: ${config.policyFile}`);
    io.out('Create the first admin (with the server stopped when using the embedded database):');
    io.out("  echo 'a-long-passphrase' | npx embargo user add --email you@example.org --role admin --password-stdin");
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          io.err(`Second ${signal}: exiting now.`);
          process.exit(130);
        }
        stopping = true;
        io.out(`${signal} received: finishing requests in flight, then stopping.`);
        // Bounded: a request or job that does not finish in time must not keep the process alive.
        const deadline = setTimeout(() => {
          io.err(`Still busy after ${SHUTDOWN_TIMEOUT_MS / 1000} s: exiting now.`);
          process.exit(1);
        }, SHUTDOWN_TIMEOUT_MS);
        deadline.unref();
        server.stop().then(resolve, (error: unknown) => {
          io.err(`Error while stopping: ${(error as Error).message}`);
          resolve();
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    return 0;
  },
};
