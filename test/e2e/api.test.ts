import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, describeError, waitForRun, type PortfolioBatchClient, type RunStatusView } from '../../client-sdk/index.js';
import { addTradingDays, tradingDaysBetween } from '../../jobs/calc/trading-calendar.js';
import { createApiServer, type ApiServer } from '../../server/main.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

let stack: TestStack;
let api: ApiServer;
let admin: PortfolioBatchClient;
let ada: PortfolioBatchClient;
let bob: PortfolioBatchClient;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return describeError(err).code;
  }
  return 'OK';
}

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  admin = createClient({ url: api.url, token: ADMIN });
  ada = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'ada@example.com' })).token });
  bob = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'bob@example.com' })).token });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

describe('API end to end over HTTP with the SDK, a worker and the Polygon simulator', () => {
  const inception = addTradingDays(TEST_TARGET, -45);
  const csv = [
    'Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share,Investment Class',
    `AAPL,100,180,${inception},,,PUBLIC`,
    `MSFT,-20,400,${addTradingDays(TEST_TARGET, -30)},,,`,
    `NVDA,50,120,${addTradingDays(TEST_TARGET, -40)},${addTradingDays(TEST_TARGET, -10)},130,PUBLIC`,
  ].join('\r\n');
  let portfolioId = '';
  let runId = '';

  it('answers the probes', async () => {
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok', jobStore: 'ok' });
    expect((await fetch(`${api.url}/nope`)).status).toBe(404);
  });

  it('onboards a CSV, runs it to completion and serves snapshots and exposures', async () => {
    const res = await ada.portfolio.onboard.mutate({ name: 'Core', equityBalance: 1_000_000, csv, idempotencyKey: 'e2e-1' });
    ({ portfolioId, runId } = res);
    const seen: RunStatusView[] = [];
    const final = await waitForRun(ada, runId, { intervalMs: 100, timeoutMs: 120_000, onProgress: (s) => seen.push(s), freshness: true });
    expect(final.status).toBe('completed');
    expect(final.source).toBe('onboarding');
    expect(final.percent).toBe(100);
    expect(seen.length).toBeGreaterThan(0);
    expect(final.freshness).toMatchObject({ portfolioId, lastCompleteSnapshot: TEST_TARGET, tradingDaysBehind: 0 });
    expect(final.counters.vendorCalls).toBeGreaterThan(0);

    const days = tradingDaysBetween(inception, TEST_TARGET);
    const page = await ada.portfolio.snapshots.query({ portfolioId });
    expect(page.snapshots.map((s) => s.date)).toEqual(days);
    expect(page.nextFrom).toBeNull();
    expect(page.snapshots.every((s) => s.isComplete)).toBe(true);
    const small = await ada.portfolio.snapshots.query({ portfolioId, limit: 10 });
    expect(small.snapshots).toHaveLength(10);
    expect(small.nextFrom).toBe(days[10]);

    const exposures = await ada.portfolio.exposures.query({ portfolioId });
    expect(exposures.date).toBe(TEST_TARGET);
    expect(exposures.portfolio.map((f) => f.factorName)).toContain('Market Beta');
    expect(exposures.portfolio).toHaveLength(12);
    // NVDA was sold before the target date: only AAPL and MSFT carry exposures on it.
    expect(exposures.positions.map((p) => p.symbol).sort()).toEqual(['AAPL', 'MSFT']);
    const earlier = await ada.portfolio.exposures.query({ portfolioId, date: addTradingDays(TEST_TARGET, -20) });
    expect(earlier.positions.map((p) => p.symbol).sort()).toEqual(['AAPL', 'MSFT', 'NVDA']);

    const detail = await ada.portfolio.get.query({ portfolioId });
    expect(detail.portfolio).toMatchObject({ name: 'Core', inceptionDate: inception, positionCount: 3, lastCompleteSnapshotDate: TEST_TARGET });
    expect(detail.positions.map((p) => p.symbol).sort()).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(detail.freshness.tradingDaysBehind).toBe(0);
    expect((await ada.portfolio.list.query()).map((p) => p.id)).toEqual([portfolioId]);
  });

  it('repeats the onboarding answer for the same idempotency key', async () => {
    const again = await ada.portfolio.onboard.mutate({ name: 'Core', equityBalance: 1_000_000, csv, idempotencyKey: 'e2e-1' });
    expect(again).toMatchObject({ portfolioId, runId });
    expect(Array.isArray(again.warnings)).toBe(true);
  });

  it('finds nothing missing on a second run of the same portfolio', async () => {
    const r = await ada.batch.run.mutate({ portfolioId });
    expect(r.deduplicated).toBe(false);
    const final = await waitForRun(ada, r.runId, { intervalMs: 100, timeoutMs: 60_000 });
    expect(final.status).toBe('completed');
    expect(final.source).toBe('settings');
    expect(final.counters.vendorCalls ?? 0).toBe(0);
    expect(final.counters.snapshotsWritten ?? 0).toBe(0);
    const latest = await ada.batch.status.query({});
    expect(latest?.runId).toBe(r.runId);
    const history = await ada.batch.history.query({ limit: 10 });
    expect(history.runs.map((x) => x.runId)).toEqual([r.runId, runId]);
  });

  it("hides ada's portfolio and runs from bob (NOT_FOUND)", async () => {
    expect(await codeOf(bob.portfolio.get.query({ portfolioId }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.portfolio.snapshots.query({ portfolioId }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.portfolio.exposures.query({ portfolioId }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.batch.status.query({ runId }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.batch.run.mutate({ portfolioId }))).toBe('NOT_FOUND');
    expect(await bob.batch.status.query({})).toBeNull();
    expect((await bob.batch.history.query({ limit: 10 })).runs).toEqual([]);
    expect(await bob.portfolio.list.query()).toEqual([]);
    // Admins see everything.
    expect((await admin.batch.status.query({ runId }))?.runId).toBe(runId);
  });

  it('refuses user tokens on admin procedures and requests without a valid token', async () => {
    expect(await codeOf(ada.user.create.mutate({ email: 'eve@example.com' }))).toBe('FORBIDDEN');
    expect(await codeOf(ada.batch.run.mutate({}))).toBe('FORBIDDEN');
    const anonymous = createClient({ url: api.url });
    expect(await codeOf(anonymous.portfolio.list.query())).toBe('UNAUTHORIZED');
    expect(await codeOf(anonymous.batch.status.query({}))).toBe('UNAUTHORIZED');
    const forged = createClient({ url: api.url, token: 'A'.repeat(43) });
    expect(await codeOf(forged.portfolio.list.query())).toBe('UNAUTHORIZED');
  });

  it('reports bad input with row and field over HTTP, and never a stack trace', async () => {
    try {
      await ada.portfolio.onboard.mutate({ name: 'Bad', equityBalance: 1000, csv: 'Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,0,1,2024-01-02\n' });
      throw new Error('expected BAD_REQUEST');
    } catch (err) {
      const e = describeError(err);
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.message).toContain('row 2, field Quantity: must not be 0');
      expect(e.issues).toEqual([{ row: 2, field: 'Quantity', message: 'must not be 0 (negative means short)' }]);
    }
    const raw = await fetch(`${api.url}/trpc/portfolio.get?input=${encodeURIComponent(JSON.stringify({ json: { portfolioId: 'x' } }))}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(raw.status).toBe(400);
    const text = await raw.text();
    expect(text).toContain('portfolioId');
    expect(text).not.toContain('stack');
    expect(text).not.toContain('node_modules');
  });
});
