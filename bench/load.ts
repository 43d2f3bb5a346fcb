import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export type LoadResult = {
  /** Responses of any status received within the timed window, per second. */
  requestsPerSecond: number;
  /** 2xx responses received within the timed window, per second. */
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every response, including those to requests in flight when the window closed. */
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
};

export type LoadOptions = { url: string; body: string; connections: number; seconds: number };

/** How long connections get to finish their last request once the window has closed. */
const DRAIN_BACKSTOP_S = 30;

/**
 * POSTs `body` over `connections` keep-alive connections for `seconds`. autocannon alone would cut
 * off the requests in flight when its time is up, while the server still completes them, so that
 * rows written and 2xx seen could never be compared. Here each connection instead finishes its
 * current request and then closes: every request the server answered is counted.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const clients: autocannon.Client[] = [];
  let windowOpen = true;
  let inWindow = 0;
  let okInWindow = 0;
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds + DRAIN_BACKSTOP_S,
    setupClient: (client) => void clients.push(client),
  });
  const started = performance.now();
  let windowSeconds = options.seconds;
  instance.on('response', (_client: autocannon.Client, statusCode: number) => {
    if (!windowOpen) return;
    inWindow += 1;
    if (statusCode >= 200 && statusCode < 300) okInWindow += 1;
  });
  const timer = setTimeout(() => {
    windowOpen = false;
    windowSeconds = (performance.now() - started) / 1000;
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  }, options.seconds * 1000);

  let result: autocannon.Result;
  try {
    result = await instance;
  } finally {
    clearTimeout(timer);
  }
  if (windowOpen) throw new Error('the load ended before its time window: autocannon stopped early');
  return {
    requestsPerSecond: inWindow / windowSeconds,
    okPerSecond: okInWindow / windowSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    responses: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
  };
}
