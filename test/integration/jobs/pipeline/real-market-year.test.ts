/**
 * A simulated year with every real-market event the analytics must survive: a forward and a reverse
 * split, regular and special dividends on a long and on a short, a 7-day halt, a halt still running
 * at the target (long-stale), and a factor proxy with a hole. Every figure is checked against what the
 * simulator serves (as-traded bars, its split and dividend lists), computed independently here.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CashDividendModel } from '../../../../db/models/cash-dividend.model.js';
import { StockSplitModel } from '../../../../db/models/stock-split.model.js';
import { addTradingDays, tradingDayOnOrAfter, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import type { PolygonSim, SimBar } from '../../../../jobs/market-data/polygon-sim.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../helpers/stack.js';
import { seedPortfolio, waitForRunEnd, type SeedPosition, snapshotsOf, type SnapshotRow } from '../../../helpers/portfolios.js';

const ENTRY = addTradingDays(TEST_TARGET, -250);
const EQUITY = 1_000_000;
const AAPL_SPLIT = tradingDayOnOrAfter('2026-03-02');
const NVDA_REVERSE = tradingDayOnOrAfter('2026-06-01');
const AMZN_HALT = { from: tradingDayOnOrAfter('2026-04-06'), to: addTradingDays(tradingDayOnOrAfter('2026-04-06'), 6) };
const GOOGL_HALT = { from: addTradingDays(TEST_TARGET, -11), to: TEST_TARGET };
const MTUM_HOLE = { from: tradingDayOnOrAfter('2026-07-06'), to: addTradingDays(tradingDayOnOrAfter('2026-07-06'), 2) };
/** After the target: announced on the target date, executed before the next run's target. */
const LATE_SPLIT = '2026-11-24';
const NEXT_TARGET = '2026-11-25';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'];

const simEvents = {
  seeded: false,
  splits: [
    { ticker: 'AAPL', execution_date: AAPL_SPLIT, split_from: 1, split_to: 4 },
    { ticker: 'NVDA', execution_date: NVDA_REVERSE, split_from: 10, split_to: 1 },
  ],
  dividends: [
    { ticker: 'AAPL', ex_dividend_date: tradingDayOnOrAfter('2026-02-09'), cash_amount: 0.96 },
    { ticker: 'AAPL', ex_dividend_date: tradingDayOnOrAfter('2026-05-11'), cash_amount: 0.26 },
    { ticker: 'AAPL', ex_dividend_date: tradingDayOnOrAfter('2026-08-10'), cash_amount: 0.26 },
    { ticker: 'MSFT', ex_dividend_date: tradingDayOnOrAfter('2026-02-18'), cash_amount: 0.83 },
    { ticker: 'MSFT', ex_dividend_date: tradingDayOnOrAfter('2026-05-20'), cash_amount: 0.83 },
    { ticker: 'MSFT', ex_dividend_date: tradingDayOnOrAfter('2026-08-19'), cash_amount: 0.91 },
    { ticker: 'NVDA', ex_dividend_date: tradingDayOnOrAfter('2026-09-15'), cash_amount: 1.5, dividend_type: 'SC' as const },
  ],
  halts: [
    { ticker: 'AMZN', ...AMZN_HALT, reopenReturn: -0.25 },
    { ticker: 'GOOGL', ...GOOGL_HALT, reopenReturn: 0.1 },
  ],
  missingBars: [{ ticker: 'MTUM', ...MTUM_HOLE }],
};

/**
 * Until the market-data phase stores splits and dividends itself, the test writes the simulator's
 * own lists into the tables it would fill. With fetched corporate actions, drop the calls to this.
 */
async function storeCorporateActions(knex: Knex, sim: PolygonSim): Promise<void> {
  await StockSplitModel.upsertMany(
    knex,
    sim.model.splits({ tickers: SYMBOLS }).map((s) => ({ symbol: s.ticker, executionDate: s.execution_date, from: s.split_from, to: s.split_to, vendorId: s.id, source: 'test' })),
  );
  await CashDividendModel.upsertMany(
    knex,
    sim.model.dividends({ tickers: SYMBOLS }).map((d) => ({
      symbol: d.ticker,
      exDate: d.ex_dividend_date,
      type: d.dividend_type,
      amount: d.cash_amount,
      currency: 'USD',
      declarationDate: d.declaration_date,
      recordDate: d.record_date,
      payDate: d.pay_date,
      frequency: d.frequency,
      vendorId: d.id,
      source: 'test',
    })),
  );
}

/** What one position is worth and has earned on d, from the simulator's lists alone. */
function independent(sim: PolygonSim, positions: SeedPosition[], until: string) {
  const bars = new Map<string, SimBar[]>(positions.map((p) => [p.symbol, sim.model.bars(p.symbol, addTradingDays(ENTRY, -10), until, { adjusted: false })]));
  const splits = sim.model.splits({ tickers: SYMBOLS });
  const dividends = sim.model.dividends({ tickers: SYMBOLS });
  const shares = (p: SeedPosition, d: string): number =>
    splits.filter((s) => s.ticker === p.symbol && s.execution_date > p.entryDate && s.execution_date <= d).reduce((q, s) => (q * s.split_to) / s.split_from, p.quantity);
  return {
    marketValue(d: string): number {
      let mv = 0;
      for (const p of positions) {
        const last = bars.get(p.symbol)!.filter((b) => b.date <= d).at(-1)!;
        mv += shares(p, d) * last.c;
      }
      return mv;
    },
    dividendsTo(d: string): number {
      let cash = 0;
      for (const p of positions) {
        for (const x of dividends) if (x.ticker === p.symbol && x.ex_dividend_date > p.entryDate && x.ex_dividend_date <= d) cash += shares(p, x.ex_dividend_date) * x.cash_amount;
      }
      return cash;
    },
    entryCost: positions.reduce((c, p) => c + p.quantity * p.entryPrice, 0),
  };
}

function checkIdentities(rows: SnapshotRow[], ind: ReturnType<typeof independent>): void {
  let pnl = 0;
  let dividends = 0;
  for (const r of rows) {
    pnl += r.daily_pnl;
    dividends += r.daily_dividend_pnl;
    const at = r.snapshot_date;
    expect(r.cumulative_pnl, at).toBeCloseTo(pnl, 2);
    expect(r.cumulative_dividend_pnl, at).toBeCloseTo(dividends, 2);
    // Each column is stored in cents: their sum may differ from the total by a cent.
    expect(Math.abs(r.total_value - (r.long_value + r.short_value + r.cash_value)), at).toBeLessThan(0.015);
    expect(r.total_value, at).toBeCloseTo(EQUITY + r.cumulative_pnl, 2);
    // Independently: positions at shares in force × as-traded closes, cash = equity − entry cost + dividends.
    expect(Math.abs(r.long_value + r.short_value - ind.marketValue(at)), at).toBeLessThan(0.02);
    expect(Math.abs(r.cumulative_dividend_pnl - ind.dividendsTo(at)), at).toBeLessThan(0.02);
    // Daily P&L is rounded to cents: over a year the ledger may drift from exact arithmetic by cents.
    expect(Math.abs(r.total_value - (EQUITY - ind.entryCost + ind.dividendsTo(at) + ind.marketValue(at))), at).toBeLessThan(0.5);
  }
}

describe('a simulated year of splits, dividends, halts and a proxy hole', () => {
  let stack: TestStack;
  let positions: SeedPosition[];
  let portfolioId: string;
  let userId: string;

  beforeAll(async () => {
    stack = await startTestStack({ sim: { events: simEvents } });
    const close = (t: string): number => stack.sim.model.barOn(t, ENTRY, { adjusted: false })!.c;
    positions = [
      { symbol: 'AAPL', quantity: 100, entryPrice: close('AAPL'), entryDate: ENTRY },
      { symbol: 'MSFT', quantity: -50, entryPrice: close('MSFT'), entryDate: ENTRY },
      // Typed in post-reverse-split terms (×10): accepted, with a notice naming the split.
      { symbol: 'NVDA', quantity: 300, entryPrice: Math.round(close('NVDA') * 10 * 100) / 100, entryDate: ENTRY },
      { symbol: 'AMZN', quantity: 200, entryPrice: close('AMZN'), entryDate: ENTRY },
      { symbol: 'GOOGL', quantity: 150, entryPrice: close('GOOGL'), entryDate: ENTRY },
    ];
    await storeCorporateActions(stack.container.knex, stack.sim);
    ({ portfolioId, userId } = await seedPortfolio(stack.container.knex, positions, { equity: EQUITY, name: 'year' }));
    const r = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });
    expect((await waitForRunEnd(stack.container.knex, r.runId, 120_000)).status).toBe('completed');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('values every day at shares in force × as-traded closes, books dividends, and every identity holds', async () => {
    const rows = await snapshotsOf(stack.container.knex, portfolioId);
    expect(rows.map((r) => r.snapshot_date)).toEqual(tradingDaysBetween(ENTRY, TEST_TARGET));
    expect(rows.every((r) => r.is_complete)).toBe(true);
    checkIdentities(rows, independent(stack.sim, positions, TEST_TARGET));
    // Long dividends received, the short's paid.
    const byDate = new Map(rows.map((r) => [r.snapshot_date, r]));
    expect(byDate.get(tradingDayOnOrAfter('2026-02-18'))!.daily_dividend_pnl).toBeCloseTo(-50 * 0.83, 2);
    expect(byDate.get(tradingDayOnOrAfter('2026-05-11'))!.daily_dividend_pnl).toBeCloseTo(400 * 0.26, 2);
    expect(byDate.get(tradingDayOnOrAfter('2026-09-15'))!.daily_dividend_pnl).toBeCloseTo(30 * 1.5, 2);
  });

  it('computes symbol returns on split-adjusted prices (the 4-for-1 split is no loss)', async () => {
    const m = (await stack.container.knex('symbol_daily_metrics').where({ symbol: 'AAPL', metrics_date: TEST_TARGET }).first()) as { price: number; return_1y: number };
    const adjusted = (d: string) => stack.sim.model.bars('AAPL', addTradingDays(d, -5), d, { adjusted: true }).at(-1)!.c;
    expect(m.price).toBeCloseTo(stack.sim.model.barOn('AAPL', TEST_TARGET, { adjusted: false })!.c, 4);
    expect(m.return_1y).toBeCloseTo(adjusted(TEST_TARGET) / adjusted('2025-11-20') - 1, 4);
    expect(m.return_1y).toBeGreaterThan(-0.5);
  });

  it('carries halted positions at their last close, books the move when trading resumes, and marks the days stale', async () => {
    const rows = await snapshotsOf(stack.container.knex, portfolioId);
    const byDate = new Map(rows.map((r) => [r.snapshot_date, r]));
    expect(byDate.get(AMZN_HALT.to)!.max_stale_days).toBe(7);
    expect(byDate.get(addTradingDays(AMZN_HALT.to, 1))!.max_stale_days).toBe(0);
    expect(byDate.get(TEST_TARGET)!.max_stale_days).toBe(12);
    const detail = await stack.container.services.portfolios.get({ userId: null }, portfolioId);
    expect(detail.analytics.status).toBe('long_stale');
    expect(detail.analytics.message).toMatch(/GOOGL/);
    // GOOGL has no beta while halted: coverage below 1, the position listed on the snapshot.
    expect(detail.analytics.betaMarketCoverage).toBeLessThan(1);
    expect((detail.analytics.warnings as { code: string; symbol: string }[]).some((w) => w.code === 'missing_beta' && w.symbol === 'GOOGL')).toBe(true);
    const nvda = detail.positions.find((p) => p.symbol === 'NVDA')!;
    expect(nvda.notices.map((n) => n.code)).toEqual(['entry_price_split_basis']);
    expect(detail.positions.find((p) => p.symbol === 'AAPL')!.notices).toEqual([]);
    // The corporate actions the portfolio met, as the demo summary lists them.
    expect(detail.corporateActions.filter((a) => a.kind === 'split').map((a) => [a.symbol, a.date, a.shares])).toEqual([
      ['AAPL', AAPL_SPLIT, 400],
      ['NVDA', NVDA_REVERSE, 30],
    ]);
    const cash = detail.corporateActions.filter((a) => a.kind === 'dividend').reduce((c, a) => c + (a.cash ?? 0), 0);
    expect(cash).toBeCloseTo(byDate.get(TEST_TARGET)!.cumulative_dividend_pnl, 2);
  });

  it('a split announced later changes no stored bar, and the next run gives the rows of a fresh onboarding', async () => {
    const knex = stack.container.knex;
    const barsBefore = await knex('market_data_cache').orderBy(['symbol', 'date']).select('symbol', 'date', 'close');
    stack.sim.addSplit({ ticker: 'MSFT', execution_date: LATE_SPLIT, split_from: 1, split_to: 3 });
    stack.sim.setToday(NEXT_TARGET);
    stack.setNow(new Date(`${NEXT_TARGET}T22:30:00Z`));
    await storeCorporateActions(knex, stack.sim);
    const nightly = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' });
    expect((await waitForRunEnd(knex, nightly.runId, 120_000)).status).toBe('completed');
    const barsAfter = await knex('market_data_cache').where('date', '<=', TEST_TARGET).orderBy(['symbol', 'date']).select('symbol', 'date', 'close');
    expect(barsAfter).toEqual(barsBefore);

    const rows = await snapshotsOf(knex, portfolioId);
    expect(rows.at(-1)!.snapshot_date).toBe(NEXT_TARGET);
    checkIdentities(rows, independent(stack.sim, positions, NEXT_TARGET));

    // The same positions onboarded now, through the API's service.
    const fresh = await stack.container.services.portfolios.onboard(userId, {
      name: 'year, onboarded after the split',
      equityBalance: EQUITY,
      positions: positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, entryPrice: p.entryPrice, entryDate: p.entryDate })),
    });
    expect(fresh.warnings.map((w) => [w.row, w.code])).toEqual([[3, 'entry_price_split_basis']]);
    expect((await waitForRunEnd(knex, fresh.runId, 120_000)).status).toBe('completed');
    const strip = (r: SnapshotRow[]) =>
      r.map((x) => ({
        ...x,
        id: undefined,
        portfolio_id: undefined,
        run_id: undefined,
        created_at: undefined,
        updated_at: undefined,
        warnings: (x as unknown as { warnings: Record<string, unknown>[] }).warnings.map((w) => ({ ...w, positionId: undefined })),
      }));
    expect(strip(await snapshotsOf(knex, fresh.portfolioId))).toEqual(strip(rows));
    const exposures = async (id: string) =>
      (await knex('factor_exposures').where({ portfolio_id: id }).orderBy(['calculation_date', 'factor_id']).select('factor_id', 'calculation_date', 'exposure_value', 'exposure_dollar', 'coverage')) as unknown[];
    expect(await exposures(fresh.portfolioId)).toEqual(await exposures(portfolioId));
  }, 180_000);
});
