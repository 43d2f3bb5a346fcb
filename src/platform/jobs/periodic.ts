/**
 * Runs a task every `intervalMs`, never overlapping itself; stop() waits for a run in progress.
 * Errors are reported and the loop goes on: a database blip must not stop the SLA clocks for good.
 */
export function startPeriodic(task: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const run = () => {
    running = (async () => {
      try {
        await task();
      } catch (error) {
        onError(error);
      }
    })().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(run, intervalMs);
    });
  };
  timer = setTimeout(run, 0);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
