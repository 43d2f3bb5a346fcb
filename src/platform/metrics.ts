import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus instruments, on a registry of its own (not prom-client's global one, so
 * that several apps in one process — tests — do not collide). Database-backed gauges are filled at
 * scrape time by the metrics route.
 */
export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    httpDuration: new Histogram({
      name: 'embargo_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    reportsReceived: new Counter({ name: 'embargo_reports_received_total', help: 'Reports accepted by this process', labelNames: ['project', 'source'] as const, registers: [registry] }),
    jobDuration: new Histogram({
      name: 'embargo_job_duration_seconds',
      help: 'Duration of background jobs (deadline sweep, audit sealing, outbox delivery, publication)',
      labelNames: ['job', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    openReports: new Gauge({ name: 'embargo_open_reports', help: 'Reports not yet closed, by state and severity', labelNames: ['project', 'state', 'severity'] as const, registers: [registry] }),
    deadlines: new Gauge({ name: 'embargo_open_deadlines', help: 'Unmet running deadlines by status (due_soon: inside the warning period; breached: past due)', labelNames: ['project', 'kind', 'status'] as const, registers: [registry] }),
    outboxBacklog: new Gauge({ name: 'embargo_outbox_backlog', help: 'Undelivered notifications by topic', labelNames: ['topic'] as const, registers: [registry] }),
    outboxFailing: new Gauge({ name: 'embargo_outbox_failing', help: 'Undelivered notifications that failed at least once, by topic', labelNames: ['topic'] as const, registers: [registry] }),
  };
}

/** Times a job into the job histogram, recording whether it threw. */
export async function timeJob<T>(metrics: Metrics | undefined, job: string, work: () => Promise<T>): Promise<T> {
  const end = metrics?.jobDuration.startTimer({ job });
  try {
    const result = await work();
    end?.({ outcome: 'ok' });
    return result;
  } catch (error) {
    end?.({ outcome: 'error' });
    throw error;
  }
}
