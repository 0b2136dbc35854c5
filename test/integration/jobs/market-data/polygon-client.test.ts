import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MarketDataAbortedError,
  PolygonAuthError,
  PolygonForeignNextUrlError,
  PolygonMalformedResponseError,
  PolygonNetworkError,
  PolygonNotEntitledError,
} from '../../../../jobs/market-data/errors.js';
import { createLimiter } from '../../../../jobs/market-data/limiter.js';
import type { CallLimiter } from '../../../../jobs/market-data/limiter.js';
import { createPolygonClient } from '../../../../jobs/market-data/polygon-client.js';
import type { PolygonClient } from '../../../../jobs/market-data/polygon-client.js';
import { startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import type { PolygonSim, PolygonSimOptions } from '../../../../jobs/market-data/polygon-sim.js';

const KEY = 'pk_test_9d8c7b6a5f4e3d2c1b0a';

const logLines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });

let sim: PolygonSim;
let limiter: CallLimiter;
let client: PolygonClient;
const extra: { close(): Promise<void> }[] = [];

async function setup(simOpts: PolygonSimOptions, clientOpts: { apiKey?: string; headersTimeoutMs?: number } = {}): Promise<void> {
  sim = await startPolygonSim({ apiKey: KEY, ...simOpts });
  limiter = createLimiter({ plan: 'paid', callsPerSecond: 200, retry: { baseDelayMs: 5, maxDelayMs: 50 }, logger });
  client = createPolygonClient({ baseUrl: sim.url, apiKey: clientOpts.apiKey ?? KEY, limiter, logger, headersTimeoutMs: clientOpts.headersTimeoutMs ?? 5_000 });
}

afterEach(async () => {
  await client.close();
  await limiter.close();
  await sim.close();
  for (const e of extra.splice(0)) await e.close();
});

afterAll(() => {
  // The key must never reach a log line, whatever happened above.
  expect(logLines.length).toBeGreaterThan(0);
  expect(logLines.join('\n')).not.toContain(KEY);
});

describe('Polygon client against the simulator', () => {
  it('follows next_url pages, re-based onto the configured host', async () => {
    await setup({ pageSize: 100, nextUrlOrigin: 'https://api.polygon.io' });
    const r = await client.getDailyRange('AAPL', '2023-01-01', '2023-12-31');
    expect(r.pages).toBe(3);
    expect(r.bars).toHaveLength(250);
    expect(new Set(r.bars.map((b) => b.date)).size).toBe(250);
    const reqs = sim.requests();
    expect(reqs).toHaveLength(3);
    expect(reqs[1]!.path).toContain('cursor=100');
    expect(reqs.every((q) => q.status === 200)).toBe(true);
    expect(r.bars).toEqual(sim.model.bars('AAPL', '2023-01-01', '2023-12-31', { adjusted: false }).map((b) => expect.objectContaining({ date: b.date, close: b.c }) as unknown));
  });

  it('refuses a next_url on a foreign host', async () => {
    await setup({ pageSize: 10, nextUrlOrigin: 'http://attacker.example:8080' });
    await expect(client.getDailyRange('AAPL', '2023-01-01', '2023-03-31')).rejects.toBeInstanceOf(PolygonForeignNextUrlError);
    expect(sim.requests()).toHaveLength(1);
  });

  it('returns no bars for a 0-result body and for a 404', async () => {
    await setup({});
    const fund = await client.getDailyRange('GGIPX', '2023-01-01', '2023-12-31');
    expect(fund).toMatchObject({ bars: [], notFound: false });
    const holiday = await client.getGroupedDaily('2023-12-25');
    expect(holiday.bars.size).toBe(0);
  });

  it('fails a wrong key with PolygonAuthError naming POLYGON_API_KEY, without the key, not retried', async () => {
    const wrong = 'pk_wrong_0123456789abcdef';
    await setup({}, { apiKey: wrong });
    const err = await client.getGroupedDaily('2024-03-08').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolygonAuthError);
    const e = err as PolygonAuthError;
    expect(e.code).toBe('POLYGON_AUTH');
    expect(e.status).toBe(401);
    expect(e.message).toContain('POLYGON_API_KEY');
    expect(e.message).toContain('Unknown API Key');
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(wrong);
    expect(sim.requests()).toHaveLength(1);
    expect(logLines.join('\n')).not.toContain(wrong);
  });

  it('does not retry 403 (plan not entitled)', async () => {
    await setup({ faults: { forbiddenTickers: ['NVDA'] } });
    const err = await client.getDailyRange('NVDA', '2024-01-01', '2024-01-31').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolygonNotEntitledError);
    expect((err as PolygonNotEntitledError).requestId).toBeDefined();
    expect(sim.requests()).toHaveLength(1);
  });

  it('retries 429, 5xx and dropped connections until the bars arrive', async () => {
    await setup({ faults: { rateLimitEveryNth: 3, serverErrorEveryNth: 4, dropEveryNth: 5 } });
    for (const t of ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'VO']) {
      const r = await client.getDailyRange(t, '2024-01-01', '2024-01-31');
      expect(r.bars).toHaveLength(21);
    }
    const c = limiter.counters();
    expect(c.retried).toBeGreaterThan(0);
    expect(c.rateLimited).toBeGreaterThan(0);
    const faults = sim.requests().filter((r) => r.fault !== undefined).map((r) => r.fault);
    expect(new Set(faults)).toEqual(new Set(['rate-injected', 'server-error', 'drop']));
  });

  it('reports a malformed 200 body with its request id, without retrying', async () => {
    await setup({ faults: { malformedEveryNth: 1 } });
    const err = await client.getGroupedDaily('2024-03-08').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolygonMalformedResponseError);
    expect((err as PolygonMalformedResponseError).requestId).toMatch(/^sim/);
    expect(sim.requests()).toHaveLength(1);
  });

  it('times out slow answers (headers timeout) and retries them as network errors', async () => {
    // undici's timeout timers tick coarsely (about once a second), hence the wide margins.
    await setup({ faults: { delayMs: 3_000 } }, { headersTimeoutMs: 500 });
    const err = await client.getDailyRange('AAPL', '2024-01-01', '2024-01-05').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolygonNetworkError);
    expect((err as Error).message).toContain('UND_ERR_HEADERS_TIMEOUT');
    expect(sim.requests().length).toBe(5);
  });

  it('aborts an in-flight request through the caller signal', async () => {
    await setup({ faults: { delayMs: 2_000 } });
    const ac = new AbortController();
    const p = client.getDailyRange('AAPL', '2024-01-01', '2024-01-05', { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('run cancelled')), 50);
    await expect(p).rejects.toBeInstanceOf(MarketDataAbortedError);
  });

  it('keeps one keep-alive connection for sequential calls', async () => {
    await setup({});
    const ports = new Set<number>();
    const probe = createServer((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ticker: 'X', resultsCount: 0, queryCount: 0, status: 'OK', request_id: 'r' }));
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    extra.push({ close: () => new Promise<void>((r) => { probe.closeAllConnections(); probe.close(() => r()); }) });
    const c2 = createPolygonClient({ baseUrl: `http://127.0.0.1:${(probe.address() as AddressInfo).port}`, apiKey: KEY, limiter });
    extra.push(c2);
    for (let i = 0; i < 5; i++) await c2.getDailyRange('X', '2024-01-01', '2024-01-05');
    expect(ports.size).toBe(1);
  });
});

beforeAll(() => {
  logLines.length = 0;
});
