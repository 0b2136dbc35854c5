import { describe, expect, it } from 'vitest';
import type { FactorName } from '../../../../jobs/calc/factors.js';
import { computePortfolioDays, type PortfolioDayResult, type PositionInput } from '../../../../jobs/calc/portfolio-day.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';
import { realizedVolatility } from '../../../../jobs/calc/risk.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import type { Bar } from '../../../../jobs/calc/types.js';
import { plainAll, prng } from './synthetic.js';

const pos = (p: Partial<PositionInput> & Pick<PositionInput, 'id' | 'symbol' | 'quantity' | 'entryPrice' | 'entryDate'>): PositionInput => ({
  exitDate: null,
  exitPrice: null,
  investmentClass: 'PUBLIC',
  ...p,
});

describe('computePortfolioDays: hand-worked portfolio', () => {
  // Equity 10,000. A: +10 AAA bought at 100 on 01-02, sold at 108 on 01-05. B: −5 BBB shorted at 50 on
  // 01-03 (no BBB close on 01-04: stale). C: PRIVATE, 2 at 1,000 from 01-02.
  const positions = [
    pos({ id: 'A', symbol: 'AAA', quantity: 10, entryPrice: 100, entryDate: '2024-01-02', exitDate: '2024-01-05', exitPrice: 108 }),
    pos({ id: 'B', symbol: 'BBB', quantity: -5, entryPrice: 50, entryDate: '2024-01-03' }),
    pos({ id: 'C', symbol: 'PRIV', quantity: 2, entryPrice: 1000, entryDate: '2024-01-02', investmentClass: 'PRIVATE' }),
  ];
  const closes = plainAll({
    AAA: toPriceSeries([
      { date: '2023-12-29', close: 99 },
      { date: '2024-01-02', close: 102 },
      { date: '2024-01-03', close: 104 },
      { date: '2024-01-04', close: 103 },
      { date: '2024-01-05', close: 107 },
      { date: '2024-01-08', close: 110 },
    ]),
    BBB: toPriceSeries([
      { date: '2024-01-02', close: 49 },
      { date: '2024-01-03', close: 51 },
      { date: '2024-01-05', close: 48 },
      { date: '2024-01-08', close: 47 },
    ]),
  });
  const betaTable: Record<string, Partial<Record<FactorName, number>>> = { AAA: { 'Market Beta': 1.5, Value: 0.2 }, BBB: { 'Market Beta': 0.8 } };
  const betas = (s: string, f: FactorName): number | undefined => betaTable[s]?.[f];
  const dates = tradingDaysBetween('2024-01-02', '2024-01-08'); // 02, 03, 04, 05, 08
  const run = computePortfolioDays({ portfolio: { equityBalance: 10_000 }, positions, dates, prior: null, histories: closes, betas });
  const day = (d: string): PortfolioDayResult => run.find((r) => r.date === d)!;

  it('values, P&L and rolls equity forward day by day', () => {
    // 01-02: A (102 − 100)·10 = 20, mv 1,020; C mv 2,000, P&L 0. Equity 10,020; return 20/10,000.
    expect(day('2024-01-02').snapshot).toMatchObject({
      dailyPnl: 20, totalValue: 10_020, longValue: 3_020, shortValue: 0, netExposure: 3_020, grossExposure: 3_020,
      cashValue: 7_000, numPositions: 2, numLong: 2, numShort: 0, cumulativePnl: 20, isComplete: true,
    });
    expect(day('2024-01-02').snapshot.dailyReturn).toBeCloseTo(0.002, 15);
    // 01-03: A +20 (mv 1,040); B entry (51 − 50)·(−5) = −5 (mv −255). P&L 15, equity 10,035.
    const s3 = day('2024-01-03').snapshot;
    expect(s3).toMatchObject({ dailyPnl: 15, totalValue: 10_035, longValue: 3_040, shortValue: -255, netExposure: 2_785, grossExposure: 3_295, numPositions: 3, numLong: 2, numShort: 1 });
    // Daily returns are kept to 10 decimals, the precision of portfolio_snapshots.daily_return.
    expect(s3.dailyReturn).toBe(0.001497006);
    expect(s3.dailyReturn).toBeCloseTo(15 / 10_020, 10);
    // Market beta (1.5·1,040 + 0.8·(−255)) / 10,035.
    expect(s3.betaMarket).toBeCloseTo((1.5 * 1040 - 0.8 * 255) / 10_035, 15);
    // 01-04: A −10; B stale at 51, P&L 0. Equity 10,025.
    expect(day('2024-01-04').snapshot).toMatchObject({ dailyPnl: -10, totalValue: 10_025, shortValue: -255, isComplete: true });
    expect(day('2024-01-04').warnings.some((w) => w.code === 'stale_price' && w.positionId === 'B')).toBe(true);
    expect(day('2024-01-04').positions.find((p) => p.positionId === 'B')).toMatchObject({ price: 51, stale: true, priceDate: '2024-01-03' });
  });

  it('realises (exit_price − P_prev)·q on the exit date and holds nothing afterwards', () => {
    // 01-05: A realises (108 − 103)·10 = 50 with no market value; B (48 − 51)·(−5) = 15 (P_prev is
    // the stale 01-04 price 51). P&L 65, equity 10,090; A no longer counts as a position.
    const s5 = day('2024-01-05');
    expect(s5.snapshot).toMatchObject({ dailyPnl: 65, totalValue: 10_090, longValue: 2_000, shortValue: -240, numPositions: 2, numLong: 1, numShort: 1 });
    expect(s5.positions.find((p) => p.positionId === 'A')).toMatchObject({ realised: true, marketValue: 0, dailyPnl: 50, previousPrice: 103, price: 108 });
    expect(s5.positionExposures.some((e) => e.positionId === 'A')).toBe(false);
    // 01-08: A is gone (its 01-08 close of 110 must not count); B (47 − 48)·(−5) = 5.
    const s8 = day('2024-01-08');
    expect(s8.positions.map((p) => p.positionId).sort()).toEqual(['B', 'C']);
    expect(s8.snapshot).toMatchObject({ dailyPnl: 5, totalValue: 10_095, cumulativePnl: 95 });
  });

  it('computes position and portfolio factor exposures for the factors that have betas', () => {
    const r = day('2024-01-02');
    expect(r.positionExposures).toEqual([
      { positionId: 'A', factor: 'Market Beta', betaValue: 1.5, exposureDollar: 1530 },
      { positionId: 'A', factor: 'Value', betaValue: 0.2, exposureDollar: 204 },
    ]);
    // Coverage: A is the only public position held (the PRIVATE one is not in scope), and it has both.
    expect(r.portfolioExposures).toEqual([
      { factor: 'Market Beta', exposureDollar: 1530, exposureValue: 1530 / 10_020, coverage: 1 },
      { factor: 'Value', exposureDollar: 204, exposureValue: 204 / 10_020, coverage: 1 },
    ]);
    // 01-03: A (mv 1,040) has a Value beta, B (mv −255) has none: coverage 1,040 / (1,040 + 255).
    const value3 = day('2024-01-03').portfolioExposures.find((e) => e.factor === 'Value')!;
    expect(value3.coverage).toBeCloseTo(1040 / 1295, 15);
    expect(value3.exposureDollar).toBeCloseTo(0.2 * 1040, 12);
    expect(day('2024-01-03').snapshot.betaMarketCoverage).toBe(1);
    // BBB lacks 11 betas (a warning); the PRIVATE position is not warned about.
    const w = day('2024-01-03').warnings.filter((x) => x.code === 'missing_beta');
    expect(w.map((x) => x.positionId)).toEqual(['A', 'B']);
  });

  it('gives the same result when the run is split into chained batches', () => {
    const first = computePortfolioDays({ portfolio: { equityBalance: 10_000 }, positions, dates: dates.slice(0, 2), prior: null, histories: closes, betas });
    const rest = computePortfolioDays({ portfolio: { equityBalance: 10_000 }, positions, dates: dates.slice(2), prior: first.at(-1)!.next, histories: closes, betas });
    expect([...first, ...rest]).toEqual(run);
  });

  it('flags an unpriced position, never valuing it at 0, and marks the snapshot incomplete', () => {
    const res = computePortfolioDays({
      portfolio: { equityBalance: 1_000 },
      positions: [pos({ id: 'U', symbol: 'NOPE', quantity: 3, entryPrice: 10, entryDate: '2024-01-02' })],
      dates: ['2024-01-02'],
      prior: null,
      histories: plainAll({ NOPE: [] }),
      betas: () => undefined,
    });
    expect(res[0]!.snapshot).toMatchObject({ isComplete: false, longValue: 0, numPositions: 1, dailyPnl: 0, totalValue: 1_000 });
    // Its move from the entry price is booked the day its first close arrives, not before.
    expect(res[0]!.positions[0]).toMatchObject({ marketValue: null, price: null, dailyPnl: 0 });
    expect(res[0]!.warnings.map((w) => w.code)).toContain('unpriced_position');
    expect(res[0]!.snapshot.betaMarket).toBeNull();
  });

  it('rejects dates that are not consecutive trading days after the prior state', () => {
    const base = { portfolio: { equityBalance: 1 }, positions: [], histories: {}, betas: () => undefined };
    expect(() => computePortfolioDays({ ...base, dates: ['2024-01-02', '2024-01-04'], prior: null })).toThrow(RangeError);
    expect(() => computePortfolioDays({ ...base, dates: ['2024-01-06'], prior: null })).toThrow(/not an NYSE trading day/);
    expect(() =>
      computePortfolioDays({ ...base, dates: ['2024-01-05'], prior: { date: '2024-01-03', equity: 1, cumulativePnl: 0, cumulativeDividendPnl: 0, recentDailyReturns: [] } }),
    ).toThrow(/2024-01-04/);
  });
});

describe('realised volatility', () => {
  it('is the sample std × √252 once enough returns exist', () => {
    // Returns ±1 %: mean 0, Σ(r − mean)² = 4e-4, sample variance 4e-4/3.
    expect(realizedVolatility([0.01, -0.01, 0.01, -0.01], 4)).toBeCloseTo(Math.sqrt(4e-4 / 3) * Math.sqrt(252), 15);
    expect(realizedVolatility([0.01, -0.01, 0.01], 4)).toBeNull();
  });
});

describe('computePortfolioDays: accounting identities on generated portfolios', () => {
  const days = tradingDaysBetween('2023-10-02', '2024-06-28');
  const firstDay = days.findIndex((d) => d >= '2024-01-02');
  const dates = days.slice(firstDay);

  function generate(seed: number): { positions: PositionInput[]; closes: Record<string, Bar[]> } {
    const rnd = prng(seed);
    const closes: Record<string, Bar[]> = {};
    const symbols = Array.from({ length: 8 }, (_, i) => `S${i}`);
    for (const s of symbols) {
      let p = 20 + rnd() * 200;
      closes[s] = [];
      for (const d of days) {
        p *= 1 + (rnd() - 0.5) * 0.06;
        const gap = rnd() < (s === 'S7' ? 0.5 : 0.05); // S7 is often unpriced for days
        if (!gap) closes[s].push({ date: d, close: p });
      }
    }
    const positions: PositionInput[] = Array.from({ length: 14 }, (_, i) => {
      const entryIdx = Math.floor(rnd() * dates.length * 0.6);
      const exitIdx = rnd() < 0.5 ? entryIdx + Math.floor(rnd() * (dates.length - entryIdx)) : -1;
      const symbol = symbols[Math.floor(rnd() * symbols.length)]!;
      const exitDate = exitIdx >= 0 ? dates[exitIdx]! : null;
      return pos({
        id: `P${i}`,
        symbol,
        quantity: Math.round((rnd() - 0.35) * 200),
        entryPrice: 10 + rnd() * 200,
        entryDate: dates[entryIdx]!,
        exitDate,
        exitPrice: exitDate !== null && rnd() < 0.9 ? 10 + rnd() * 200 : null,
        investmentClass: rnd() < 0.1 ? 'PRIVATE' : 'PUBLIC',
      });
    });
    return { positions, closes };
  }

  it.each([1, 2, 3, 4, 5, 6])('holds for seed %i', (seed) => {
    const { positions, closes } = generate(seed);
    const series = plainAll(Object.fromEntries(Object.entries(closes).map(([k, v]) => [k, toPriceSeries(v)])));
    const betas = (s: string, f: FactorName): number | undefined => (f === 'Market Beta' && s !== 'S3' ? 1 + s.charCodeAt(1) / 100 : undefined);
    const res = computePortfolioDays({ portfolio: { equityBalance: 50_000 }, positions, dates, prior: null, histories: series, betas });
    expect(res.map((r) => r.date)).toEqual(dates);
    let equityPrev = 50_000;
    let cumulative = 0;
    const returns: number[] = [];
    const byId = new Map(positions.map((p) => [p.id, p]));
    let previous: PortfolioDayResult | undefined;
    for (const r of res) {
      const s = r.snapshot;
      for (const v of Object.values(s)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
      expect(s.totalValue).toBeCloseTo(equityPrev + s.dailyPnl, 8);
      cumulative += s.dailyPnl;
      expect(s.cumulativePnl).toBeCloseTo(cumulative, 8);
      expect(s.longValue + s.shortValue).toBeCloseTo(s.netExposure, 8);
      expect(s.longValue - s.shortValue).toBeCloseTo(s.grossExposure, 8);
      expect(s.cashValue).toBeCloseTo(s.totalValue - s.netExposure, 8);
      expect(s.shortValue).toBeLessThanOrEqual(0);
      // The ledger is kept in cents (as stored) and daily returns to 10 decimals.
      expect(s.dailyReturn).toBeCloseTo(equityPrev > 0 ? s.dailyPnl / equityPrev : 0, 10);
      const pnlSum = r.positions.reduce((a, p) => a + (p.dailyPnl ?? 0), 0);
      expect(Math.abs(s.dailyPnl - pnlSum)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.round(s.dailyPnl * 100)).toBeCloseTo(s.dailyPnl * 100, 6);
      expect(s.isComplete).toBe(!r.warnings.some((w) => w.code === 'unpriced_position'));
      returns.push(s.dailyReturn);
      expect(s.realizedVolatility21d === null).toBe(returns.length < 21);
      if (returns.length >= 63) expect(s.realizedVolatility63d).toBeCloseTo(realizedVolatility(returns, 63)!, 12);
      for (const pv of r.positions) {
        const p = byId.get(pv.positionId)!;
        // Nothing before entry or after exit.
        expect(pv.realised ? r.date === p.exitDate : p.entryDate <= r.date && (p.exitDate === null || r.date < p.exitDate)).toBe(true);
        if (pv.marketValue !== null) expect(pv.marketValue).not.toBeNaN();
        // The exit date realises (exit_price − P_prev)·q with P_prev the previous day's price.
        if (pv.realised && p.exitPrice !== null && p.entryDate < r.date && p.investmentClass === 'PUBLIC') {
          const before = previous?.positions.find((x) => x.positionId === p.id);
          if (before?.price != null && pv.previousPrice !== null) {
            expect(pv.previousPrice).toBe(before.price);
            expect(pv.dailyPnl).toBeCloseTo((p.exitPrice - before.price) * p.quantity, 9);
          }
          expect(pv.marketValue).toBe(0);
        }
      }
      expect(s.numPositions).toBe(r.positions.filter((p) => !p.realised).length);
      const mvSum = r.positionExposures.reduce((a, e) => a + e.exposureDollar, 0);
      const pm = r.portfolioExposures.find((e) => e.factor === 'Market Beta');
      if (pm) {
        expect(pm.exposureDollar).toBeCloseTo(mvSum, 8);
        expect(s.betaMarket).toBeCloseTo(pm.exposureDollar / s.totalValue, 12);
      }
      equityPrev = s.totalValue;
      previous = r;
    }
  });
});
