/**
 * A position typed in a ticker the vendor reports renamed: the run follows it under the new ticker
 * (prices as traded, the new ticker's dividends), so its value moves after the change, no day is
 * stale and every day is complete. The simulator's events endpoint reports the change (the first
 * sight of the old ticker finds it during the run's own fetch), and a later run plans the new ticker
 * from the stored change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../helpers/stack.js';
import { seedPortfolio, waitForRunEnd, type SeedPosition, snapshotsOf, type SnapshotRow } from '../../../helpers/portfolios.js';

const ENTRY = addTradingDays(TEST_TARGET, -30);
const CHANGE = addTradingDays(TEST_TARGET, -12);
const EX_DATE = addTradingDays(CHANGE, 4);
const EQUITY = 100_000;

describe('a ticker change the vendor reports', () => {
  let stack: TestStack;
  let positions: SeedPosition[];
  let portfolioId: string;
  let runId: string;
  const closeOn = (d: string): number => {
    // As traded: the old ticker before the change, the new one from it on.
    const ticker = d < CHANGE ? 'AMZN' : 'AMZX';
    return stack.sim.model.barOn(ticker, d, { adjusted: false })!.c;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      sim: {
        events: {
          seeded: false,
          tickerChanges: [{ ticker: 'AMZN', newTicker: 'AMZX', date: CHANGE }],
          dividends: [{ ticker: 'AMZX', ex_dividend_date: EX_DATE, cash_amount: 0.5 }],
        },
      },
    });
    positions = [
      { symbol: 'AMZN', quantity: 100, entryPrice: stack.sim.model.barOn('AMZN', ENTRY, { adjusted: false })!.c, entryDate: ENTRY },
      { symbol: 'MSFT', quantity: 10, entryPrice: stack.sim.model.barOn('MSFT', ENTRY, { adjusted: false })!.c, entryDate: ENTRY },
    ];
    ({ portfolioId } = await seedPortfolio(stack.container.knex, positions, { equity: EQUITY, name: 'renamed' }));
    ({ runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' }));
    expect((await waitForRunEnd(stack.container.knex, runId, 120_000)).status).toBe('completed');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the change as the vendor does: the old bars end, the new ticker continues, the events endpoint reports it', () => {
    expect(stack.sim.model.barOn('AMZN', CHANGE, { adjusted: false })).toBeUndefined();
    expect(stack.sim.model.barOn('AMZN', addTradingDays(CHANGE, -1), { adjusted: false })).toBeDefined();
    expect(stack.sim.model.barOn('AMZX', addTradingDays(CHANGE, -1), { adjusted: false })).toBeUndefined();
    expect(stack.sim.model.tickerEvents('AMZN')!.events[0]).toEqual({ type: 'ticker_change', date: CHANGE, ticker_change: { ticker: 'AMZX' } });
  });

  it('finds the change during the run and fetches the new ticker in the same run', async () => {
    const stored = await stack.container.knex('ticker_changes').select('previous_symbol', 'symbol', 'change_date');
    expect(stored).toEqual([{ previous_symbol: 'AMZN', symbol: 'AMZX', change_date: CHANGE }]);
    const asked = stack.sim.requests().filter((r) => r.kind === 'range' && r.ticker === 'AMZX');
    expect(asked.length).toBe(1);
    const status = await stack.container.runControl.getRunStatus({ runId });
    expect(status!.activityLog.map((a) => a.message).join('\n')).toMatch(/following ticker changes: fetching AMZX/);
  });

  it('values the position with the new ticker from the change on: no stale day, every day complete, identities hold', async () => {
    const rows = await snapshotsOf(stack.container.knex, portfolioId);
    expect(rows.map((r) => r.snapshot_date)).toEqual(tradingDaysBetween(ENTRY, TEST_TARGET));
    expect(rows.every((r) => r.is_complete)).toBe(true);
    expect(rows.every((r) => r.max_stale_days === 0)).toBe(true);
    const msft = (d: string): number => stack.sim.model.barOn('MSFT', d, { adjusted: false })!.c;
    const cost = positions.reduce((c, p) => c + p.quantity * p.entryPrice, 0);
    let pnl = 0;
    for (const r of rows) {
      const at = r.snapshot_date;
      pnl += r.daily_pnl;
      const dividends = at >= EX_DATE ? 100 * 0.5 : 0;
      expect(r.long_value, at).toBeCloseTo(100 * closeOn(at) + 10 * msft(at), 1);
      expect(Math.abs(r.total_value - (r.long_value + r.short_value + r.cash_value)), at).toBeLessThan(0.015);
      expect(r.cumulative_pnl, at).toBeCloseTo(pnl, 2);
      expect(r.cumulative_dividend_pnl, at).toBeCloseTo(dividends, 2);
      expect(Math.abs(r.total_value - (EQUITY - cost + dividends + 100 * closeOn(at) + 10 * msft(at))), at).toBeLessThan(0.05);
    }
    // The position moves with the new ticker after the change (it would stay at its last close without it).
    const after = rows.filter((r) => r.snapshot_date >= CHANGE).map((r) => r.long_value);
    expect(new Set(after).size).toBe(after.length);
    const byDate = new Map(rows.map((r) => [r.snapshot_date, r]));
    expect(byDate.get(EX_DATE)!.daily_dividend_pnl).toBeCloseTo(50, 2);
  });

  it('keeps the position id and symbol, says it is followed, and computes its betas on the continuous series', async () => {
    const detail = await stack.container.services.portfolios.get({ userId: null }, portfolioId);
    expect(detail.analytics.status).not.toBe('long_stale');
    const amzn = detail.positions.find((p) => p.symbol === 'AMZN')!;
    expect(amzn.notices.map((n) => n.message)).toEqual([
      `AMZN trades as AMZX since ${CHANGE}; the position is followed under AMZX since ${CHANGE} (its prices, splits and dividends), keeping the symbol AMZN`,
    ]);
    // The new ticker's dividend is among those the position went through, under the typed symbol.
    expect(detail.corporateActions.filter((a) => a.kind === 'dividend').map((a) => [a.symbol, a.date, a.cash])).toEqual([['AMZN', EX_DATE, 50]]);
    const market = (symbol: string) =>
      stack.container.knex('symbol_factor_exposures as e')
        .join('factor_definitions as f', 'f.id', 'e.factor_id')
        .where({ 'e.symbol': symbol, 'f.name': 'Market Beta' })
        .orderBy('e.calculation_date')
        .select('e.calculation_date as date', 'e.observations as n') as Promise<{ date: string; n: number }[]>;
    const [renamedBetas, msft] = await Promise.all([market('AMZN'), market('MSFT')]);
    expect(renamedBetas.map((r) => r.date)).toEqual(tradingDaysBetween(ENTRY, TEST_TARGET));
    // Every return after the change is in the regression: as many observations as a symbol never renamed.
    expect(renamedBetas.map((r) => r.n)).toEqual(msft.map((r) => r.n));
    const exposures = (await stack.container.knex('position_factor_exposures').whereIn('position_id', stack.container.knex('positions').where({ portfolio_id: portfolioId, symbol: 'AMZN' }).select('id')).where('calculation_date', TEST_TARGET).count('* as n').first()) as { n: number };
    expect(Number(exposures.n)).toBeGreaterThan(0);
  });

  it('a later portfolio in the old ticker is planned with the new one from the stored change, and gives the same rows', async () => {
    const knex = stack.container.knex;
    stack.sim.reset();
    const { portfolioId: second } = await seedPortfolio(knex, positions, { equity: EQUITY, name: 'renamed again' });
    const run = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: second, source: 'onboarding' });
    expect((await waitForRunEnd(knex, run.runId, 120_000)).status).toBe('completed');
    const status = await stack.container.runControl.getRunStatus({ runId: run.runId });
    expect(status!.activityLog.map((a) => a.message).join('\n')).not.toMatch(/following ticker changes/);
    // Everything is cached: nothing asked of the vendor.
    expect(stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped')).toEqual([]);
    const strip = (rows: SnapshotRow[]) => rows.map((r) => ({ ...r, id: undefined, portfolio_id: undefined, run_id: undefined, created_at: undefined, updated_at: undefined }));
    expect(strip(await snapshotsOf(knex, second))).toEqual(strip(await snapshotsOf(knex, portfolioId)));
  });
});

describe('a ticker change whose new ticker cannot be fetched in the run that finds it', () => {
  let stack: TestStack;
  let portfolioId: string;
  let runId: string;

  beforeAll(async () => {
    // AMZX answers 403 on every request of the first run.
    stack = await startTestStack({
      sim: {
        events: { seeded: false, tickerChanges: [{ ticker: 'AMZN', newTicker: 'AMZX', date: CHANGE }] },
        faults: { forbiddenTickers: ['AMZX'] },
      },
    });
    ({ portfolioId } = await seedPortfolio(
      stack.container.knex,
      [{ symbol: 'AMZN', quantity: 100, entryPrice: stack.sim.model.barOn('AMZN', ENTRY, { adjusted: false })!.c, entryDate: ENTRY }],
      { equity: EQUITY, name: 'renamed, pending' },
    ));
    ({ runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' }));
    expect((await waitForRunEnd(stack.container.knex, runId, 120_000)).status).toBe('partial');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('leaves the days from the change on incomplete (data_pending for the new ticker), never stale and complete', async () => {
    const rows = await snapshotsOf(stack.container.knex, portfolioId);
    expect(rows.map((r) => r.snapshot_date)).toEqual(tradingDaysBetween(ENTRY, TEST_TARGET));
    for (const r of rows) expect(r.is_complete, r.snapshot_date).toBe(r.snapshot_date < CHANGE);
    const snap = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: portfolioId, snapshot_date: TEST_TARGET }).first('warnings')) as {
      warnings: { code: string; symbol?: string; message: string }[];
    };
    expect(snap.warnings.find((w) => w.code === 'data_pending' && w.symbol === 'AMZN')?.message).toMatch(/^AMZN \(trading as AMZX\): vendor data for/);
  });

  it('the next run fetches the new ticker and completes every day with its prices', async () => {
    stack.sim.setFaults({});
    const healed = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' });
    expect((await waitForRunEnd(stack.container.knex, healed.runId, 120_000)).status).toBe('completed');
    const rows = await snapshotsOf(stack.container.knex, portfolioId);
    expect(rows.every((r) => r.is_complete)).toBe(true);
    expect(rows.every((r) => r.max_stale_days === 0)).toBe(true);
    const last = rows.at(-1)!;
    expect(last.long_value).toBeCloseTo(100 * stack.sim.model.barOn('AMZX', TEST_TARGET, { adjusted: false })!.c, 1);
  });
});
