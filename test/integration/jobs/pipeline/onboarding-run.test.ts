import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../helpers/stack.js';
import { dumpAnalytics, samplePositions, seedPortfolio, waitForRunEnd } from '../../../helpers/portfolios.js';

describe('an onboarding run of a 13-position portfolio', () => {
  let stack: TestStack;
  let portfolioId: string;
  let runId: string;
  const positions = samplePositions(TEST_TARGET);
  const inception = positions.map((p) => p.entryDate).sort()[0]!;

  beforeAll(async () => {
    stack = await startTestStack();
    ({ portfolioId } = await seedPortfolio(stack.container.knex, positions));
    stack.sim.reset();
    ({ runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' }));
    const end = await waitForRunEnd(stack.container.knex, runId);
    expect(end.status).toBe('completed');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('writes a complete snapshot for every trading day from inception to the target', async () => {
    const days = tradingDaysBetween(inception, TEST_TARGET);
    const rows = (await stack.container.knex('portfolio_snapshots')
      .where({ portfolio_id: portfolioId })
      .orderBy('snapshot_date')
      .select('snapshot_date', 'is_complete')) as { snapshot_date: string; is_complete: boolean }[];
    expect(rows.map((r) => r.snapshot_date)).toEqual(days);
    expect(rows.every((r) => r.is_complete)).toBe(true);
  });

  it('fetched with at most one vendor call per symbol in scope and listed the unavailable funds', async () => {
    const reqs = stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped');
    const symbols = new Set([...positions.map((p) => p.symbol), ...FACTOR_PROXIES]);
    expect(reqs.length).toBeLessThanOrEqual(symbols.size);
    expect(new Set(reqs.map((r) => r.ticker)).size).toBe(reqs.length);
    for (const r of reqs) expect(symbols.has(r.ticker!)).toBe(true);
    const status = await stack.container.runControl.getRunStatus({ runId });
    // Bars, then splits, dividends, ticker details and events: one count.
    expect(status?.counters.vendorCalls).toBe(stack.sim.requests().length);
    const reference = stack.sim.requests().filter((r) => r.kind !== 'range' && r.kind !== 'grouped');
    expect(reference.filter((r) => r.kind === 'splits').map((r) => r.ticker).sort()).toEqual([...symbols].sort());
    const unavailable = status!.warnings.filter((w) => w.code === 'price_unavailable').map((w) => w.symbol ?? '').sort();
    expect(unavailable).toEqual(['GGIPX', 'GINDX', 'NEAIX']);
    const universe = (await stack.container.knex('symbol_universe').whereIn('symbol', unavailable).select('price_status')) as { price_status: string }[];
    expect(universe.every((u) => u.price_status === 'unavailable')).toBe(true);
  });

  it('has symbol factor exposures for every priced symbol and date, and position exposures for every priced position', async () => {
    const knex = stack.container.knex;
    const priced = positions.filter((p) => !['GGIPX', 'GINDX', 'NEAIX'].includes(p.symbol));
    for (const p of priced) {
      const active = tradingDaysBetween(p.entryDate, TEST_TARGET).filter((d) => !p.exitDate || d < p.exitDate);
      const r = (await knex('symbol_factor_exposures')
        .where({ symbol: p.symbol })
        .whereIn('calculation_date', active)
        .countDistinct('calculation_date as n')
        .first()) as { n: number };
      expect(r.n, p.symbol).toBe(active.length);
    }
    const byPosition = (await knex.raw(
      `SELECT p.symbol, COUNT(pfe.id)::int AS n FROM positions p LEFT JOIN position_factor_exposures pfe ON p.id = pfe.position_id
        WHERE p.portfolio_id = ? GROUP BY p.symbol`,
      [portfolioId],
    )) as { rows: { symbol: string; n: number }[] };
    for (const row of byPosition.rows) {
      if (['GGIPX', 'GINDX', 'NEAIX'].includes(row.symbol)) expect(row.n).toBe(0);
      else expect(row.n, row.symbol).toBeGreaterThan(0);
    }
    const portfolioLevel = (await knex('factor_exposures').where({ portfolio_id: portfolioId }).countDistinct('calculation_date as n').first()) as { n: number };
    expect(portfolioLevel.n).toBe(tradingDaysBetween(inception, TEST_TARGET).length);
  });

  it('records every phase, in order, with counters', async () => {
    const s = await stack.container.runControl.getRunStatus({ runId }, { freshness: true });
    expect(s?.percent).toBe(100);
    expect(Object.keys(s!.phases).sort()).toEqual(['market_data', 'portfolio_analytics', 'risk', 'symbol_factors', 'symbol_metrics']);
    for (const p of Object.values(s!.phases)) expect(p.status).toBe('done');
    expect(s?.counters.snapshotsWritten).toBe(tradingDaysBetween(inception, TEST_TARGET).length);
    expect(s?.freshness).toMatchObject({ lastCompleteSnapshot: TEST_TARGET, targetDate: TEST_TARGET, tradingDaysBehind: 0 });
    const metrics = (await stack.container.knex('symbol_daily_metrics').where({ metrics_date: TEST_TARGET }).select('symbol')) as { symbol: string }[];
    expect(metrics.length).toBe(10 + FACTOR_PROXIES.length);
  });

  it('a second run changes nothing and calls the vendor zero times', async () => {
    const before = await dumpAnalytics(stack.container.knex);
    stack.sim.reset();
    const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'settings' });
    expect(again.deduplicated).toBe(false);
    expect((await waitForRunEnd(stack.container.knex, again.runId)).status).toBe('completed');
    expect(stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped')).toEqual([]);
    expect(await dumpAnalytics(stack.container.knex)).toEqual(before);
    const forced = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin', force: true });
    expect((await waitForRunEnd(stack.container.knex, forced.runId)).status).toBe('completed');
    expect(stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped')).toEqual([]);
    expect(await dumpAnalytics(stack.container.knex)).toEqual(before);
  });
});
