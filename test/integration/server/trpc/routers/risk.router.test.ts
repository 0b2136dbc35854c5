import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../../../client-sdk/cli.js';
import { createClient, describeError, waitForRun, type PortfolioBatchClient } from '../../../../../client-sdk/index.js';
import { sink } from '../../../../helpers/cli.js';
import { STRESS_CATALOGUE } from '../../../../../jobs/calc/risk/index.js';
import { createApiServer, type ApiServer } from '../../../../../server/main.js';
import { samplePositions } from '../../../../helpers/portfolios.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../../../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

let stack: TestStack;
let api: ApiServer;
let admin: PortfolioBatchClient;
let ada: PortfolioBatchClient;
let bob: PortfolioBatchClient;
let portfolioId = '';
let adaToken = '';

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; fields: string[] }> {
  try {
    await p;
  } catch (err) {
    const e = describeError(err);
    return { code: e.code, message: e.message, fields: e.issues.map((i) => i.field) };
  }
  return { code: 'OK', message: '', fields: [] };
}

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  admin = createClient({ url: api.url, token: ADMIN });
  adaToken = (await admin.user.create.mutate({ email: 'ada@example.com' })).token;
  ada = createClient({ url: api.url, token: adaToken });
  bob = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'bob@example.com' })).token });
  // A scenario of Ada's before her portfolio's first run: it is stored with the catalogue's results.
  await ada.risk.createScenario.mutate({ id: 'tech_selloff', name: 'Tech sell-off', shocks: { market: -0.08, growth: -0.12 } });
  const positions = samplePositions(TEST_TARGET).map((p) => ({ ...p, exitDate: p.exitDate ?? null, exitPrice: p.exitPrice ?? null }));
  const res = await ada.portfolio.onboard.mutate({ name: 'Risk book', equityBalance: 1_000_000, positions });
  portfolioId = res.portfolioId;
  const final = await waitForRun(ada, res.runId, { intervalMs: 100, timeoutMs: 120_000 });
  expect(final.status).toBe('completed');
}, 180_000);

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

describe('risk procedures over HTTP', () => {
  it('risk.scenarios lists the catalogue, then the caller’s own', async () => {
    const list = await ada.risk.scenarios.query();
    expect(list.slice(0, 22).map((s) => s.id)).toEqual(STRESS_CATALOGUE.map((s) => s.id));
    expect(list[22]).toEqual({ id: 'tech_selloff', name: 'Tech sell-off', shocks: { market: -0.08, growth: -0.12 }, builtIn: false });
    expect((await bob.risk.scenarios.query()).map((s) => s.id)).not.toContain('tech_selloff');
  });

  it('risk.createScenario refuses unknown factors, moves beyond ±100 %, catalogue and repeated ids, and admins, naming the field', async () => {
    const unknown = await errorOf(ada.risk.createScenario.mutate({ id: 'x1', name: 'x', shocks: { oil: 0.1 } }));
    expect(unknown.code).toBe('BAD_REQUEST');
    expect(unknown.fields).toEqual(['shocks.oil']);
    const big = await errorOf(ada.risk.createScenario.mutate({ id: 'x2', name: 'x', shocks: { market: -1.5, rates: 0.1 } }));
    expect(big.code).toBe('BAD_REQUEST');
    expect(big.fields.sort()).toEqual(['shocks.market', 'shocks.rates']);
    expect((await errorOf(ada.risk.createScenario.mutate({ id: 'market_up_5', name: 'x', shocks: { market: 0.05 } }))).fields).toEqual(['id']);
    expect((await errorOf(ada.risk.createScenario.mutate({ id: 'tech_selloff', name: 'again', shocks: { market: -0.1 } }))).code).toBe('CONFLICT');
    expect((await errorOf(admin.risk.createScenario.mutate({ id: 'admin_one', name: 'x', shocks: { market: -0.1 } }))).code).toBe('FORBIDDEN');
  });

  it('portfolio.risk returns every figure of the latest day, sector rows and the stress rows with the user scenario', async () => {
    const r = await ada.portfolio.risk.query({ portfolioId });
    expect(r.date).toBe(TEST_TARGET);
    const s = r.summary!;
    for (const k of ['volatility21d', 'volatility63d', 'hhi', 'effectiveHoldings', 'historicalVar95', 'historicalEs95', 'parametricVar95', 'factorShare'] as const) {
      expect(typeof s[k], k).toBe('number');
    }
    expect(s.historicalEs99!).toBeGreaterThanOrEqual(s.historicalVar99!);
    for (const [k, v] of Object.entries(s)) if (v === null) expect((s.unavailable as Record<string, unknown>)[k], k).toBeDefined();
    expect(r.stress.map((x) => x.scenarioId)).toEqual([...STRESS_CATALOGUE.map((c) => c.id), 'tech_selloff']);
    expect(r.sectors.length).toBeGreaterThan(0);
    const grossShare = r.sectors.reduce((n, x) => n + x.gross, 0);
    expect(grossShare).toBeCloseTo(s.grossValue, 2);
  });

  it('portfolio.risk of the first day has the volatilities null with the reason and the counts', async () => {
    const first = (await ada.portfolio.riskHistory.query({ portfolioId, limit: 1 })).summaries[0]!;
    const r = await ada.portfolio.risk.query({ portfolioId, date: first.date });
    expect(r.summary!.volatility21d).toBeNull();
    expect(r.summary!.unavailable.volatility21d).toMatchObject({ reason: 'insufficient_observations', required: 15 });
  });

  it('portfolio.riskHistory pages through the summaries in date order', async () => {
    const dates: string[] = [];
    let from: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await ada.portfolio.riskHistory.query({ portfolioId, limit: 100, ...(from ? { from } : {}) });
      dates.push(...page.summaries.map((s) => s.date));
      if (!page.nextFrom) break;
      from = page.nextFrom;
    }
    const snaps = await ada.portfolio.snapshots.query({ portfolioId });
    expect(dates).toEqual(snaps.snapshots.map((s) => s.date));
    expect((await errorOf(ada.portfolio.riskHistory.query({ portfolioId, from: '2026-02-01', to: '2026-01-01' }))).fields).toEqual(['to']);
  });

  it('portfolio.correlations: stored for the latest day, computed on request for another, symmetric within [−1, 1]', async () => {
    const latest = await ada.portfolio.correlations.query({ portfolioId });
    expect(latest).toMatchObject({ date: TEST_TARGET, source: 'stored' });
    const earlier = await ada.portfolio.correlations.query({ portfolioId, date: '2026-10-30' });
    expect(earlier.source).toBe('on_request');
    for (const m of [latest, earlier]) {
      const n = m.symbols.length;
      expect(n).toBeGreaterThan(1);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const v = m.correlations[i]![j];
          if (v === null || v === undefined) continue;
          expect(Math.abs(v)).toBeLessThanOrEqual(1);
          expect(v).toBeCloseTo(m.correlations[j]![i]!, 12);
        }
    }
  });

  it('portfolio.stress gives each scenario with its factor moves, stored or on request', async () => {
    const latest = await ada.portfolio.stress.query({ portfolioId });
    expect(latest.source).toBe('stored');
    expect(latest.results).toHaveLength(23);
    const crash = latest.results.find((x) => x.scenarioId === 'market_crash_35')!;
    expect(crash.moves!.find((m) => m.factor === 'market')).toMatchObject({ shocked: true, direct: -0.35 });
    const direct = crash.moves!.reduce((n, m) => n + m.directPnl, 0);
    expect(direct).toBeCloseTo(crash.direct!, 4);
    const earlier = await ada.portfolio.stress.query({ portfolioId, date: '2026-10-30' });
    expect(earlier.source).toBe('on_request');
    expect(earlier.results.every((x) => x.moves !== null)).toBe(true);
  });

  it('the CLI prints a table per section for the latest day and the reasons of the nulls for the first', async () => {
    const out = sink();
    const err = sink();
    expect(await runCli(['risk', portfolioId], { stdout: out.stream, stderr: err.stream, url: api.url, token: adaToken })).toBe(EXIT.ok);
    for (const section of ['Volatility (annualised)', 'Correlation and concentration', 'Factor risk', 'Value at risk and expected shortfall', 'Sectors', 'Stress tests']) {
      expect(out.text()).toContain(section);
    }
    expect(out.text()).toContain(`on ${TEST_TARGET}`);
    expect(out.text()).toMatch(/market_crash_35\s+−\$/);
    const first = (await ada.portfolio.riskHistory.query({ portfolioId, limit: 1 })).summaries[0]!;
    const early = sink();
    expect(await runCli(['risk', portfolioId, '--date', first.date], { stdout: early.stream, stderr: sink().stream, url: api.url, token: adaToken })).toBe(EXIT.ok);
    expect(early.text()).toMatch(/21 days\s+—\s+insufficient_observations \(1\/15\)/);
    const other = sink();
    expect(await runCli(['risk', portfolioId, '--date', '2026-13-01'], { stdout: sink().stream, stderr: other.stream, url: api.url, token: adaToken })).toBe(EXIT.usage);
    expect(other.text()).toContain('date');
  });

  it('another user sees none of it', async () => {
    expect((await errorOf(bob.portfolio.risk.query({ portfolioId }))).code).toBe('NOT_FOUND');
    expect((await errorOf(bob.portfolio.correlations.query({ portfolioId }))).code).toBe('NOT_FOUND');
  });
});
