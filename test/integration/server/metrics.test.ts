/**
 * Prometheus metrics scraped over HTTP after a real run (worker, simulator answering some calls with
 * 429): the API's /metrics and a worker's own metrics endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, waitForRun } from '../../../client-sdk/index.js';
import { addTradingDays } from '../../../jobs/calc/trading-calendar.js';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { startMetricsServer, type MetricsServer } from '../../../server/metrics.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
let stack: TestStack;
let api: ApiServer;
let workerMetrics: MetricsServer;

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN }, sim: { faults: { rateLimitEveryNth: 4 } } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  workerMetrics = await startMetricsServer(stack.container.metrics, { port: 0, host: '127.0.0.1', logger: stack.container.logger });
});

afterAll(async () => {
  await workerMetrics?.close();
  await api?.close();
  await stack?.stop();
});

/** The value of one sample line (`name{labels} value`), or undefined when the exposition lacks it. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics', () => {
  it('count the run, its phases, the vendor calls with their retries and 429s, limiter waits, requests and the pool', async () => {
    const admin = createClient({ url: api.url, token: ADMIN });
    const ada = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'ada@example.com' })).token });
    const csv = ['Symbol,Quantity,Entry Price Per Share,Entry Date', `AAPL,100,180,${addTradingDays(TEST_TARGET, -20)}`, `MSFT,10,400,${addTradingDays(TEST_TARGET, -20)}`].join('\n');
    const { runId } = await ada.portfolio.onboard.mutate({ name: 'Metered', equityBalance: 100_000, csv });
    const final = await waitForRun(ada, runId, { intervalMs: 100, timeoutMs: 60_000 });
    expect(final.status).toBe('completed');
    await ada.batch.status.query({ runId });

    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    expect(sample(text, 'pb_runs_finished_total', { source: 'onboarding', outcome: 'completed' })).toBe(1);
    for (const phase of ['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics']) {
      expect(sample(text, 'pb_run_phase_duration_seconds_count', { phase }), phase).toBe(1);
    }
    const calls = sample(text, 'pb_vendor_calls_total')!;
    const retries = sample(text, 'pb_vendor_retries_total')!;
    const limited = sample(text, 'pb_vendor_rate_limited_total')!;
    expect(calls).toBe(final.counters.vendorCalls);
    expect(limited).toBe(final.counters.vendorRateLimited);
    expect(limited).toBeGreaterThan(0);
    expect(retries).toBeGreaterThanOrEqual(limited);
    // One wait per attempt that started.
    expect(sample(text, 'pb_vendor_limiter_wait_seconds_count')).toBe(calls);
    expect(sample(text, 'pb_runs_active', { status: 'queued' })).toBe(0);
    expect(sample(text, 'pb_runs_active', { status: 'running' })).toBe(0);
    expect(sample(text, 'pb_http_request_duration_seconds_count', { procedure: 'portfolio.onboard', method: 'POST', status: '200' })).toBe(1);
    expect(sample(text, 'pb_http_request_duration_seconds_count', { procedure: 'batch.status', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pb_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
    expect(sample(text, 'pb_db_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'pb_batch_watch_subscribers')).toBe(0);
    expect(text).toContain('pb_process_cpu_seconds_total');

    // The worker's own endpoint serves the same registry (this stack runs both in one process).
    const worker = await fetch(`${workerMetrics.url}/metrics`);
    expect(worker.status).toBe(200);
    expect(sample(await worker.text(), 'pb_runs_finished_total', { source: 'onboarding', outcome: 'completed' })).toBe(1);
    expect((await fetch(`${workerMetrics.url}/other`)).status).toBe(404);
  });

  it('label unknown procedures as "unknown", so clients cannot grow the label set', async () => {
    await fetch(`${api.url}/trpc/no.such.procedure${Math.random()}`);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).not.toMatch(/procedure="no\.such/);
    expect(sample(text, 'pb_http_request_duration_seconds_count', { procedure: 'unknown' })).toBeGreaterThanOrEqual(1);
  });
});
