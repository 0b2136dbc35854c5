/**
 * Golden test of the lifecycle accounting of computePortfolioDays (docs/lifecycle.md), worked by
 * hand: a buy, a contribution, a partial sell with fees, a withdrawal.
 */
import { describe, expect, it } from 'vitest';
import { NO_CORPORATE_ACTIONS } from '../../../../jobs/calc/corporate-actions.js';
import { computePortfolioDays, type PortfolioDayResult, type PositionInput } from '../../../../jobs/calc/portfolio-day.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';

const dates = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];
const closes = toPriceSeries(
  [100, 110, 120, 115].map((close, i) => ({ date: dates[i]!, close })),
);
// Bought 10 X @ 100 on 01-02; sold 4 @ 121 on 01-04 (fees 5): FIFO splits the lot into A (6, open)
// and B (4, exits 01-04 @ 121). +1,000 contributed on 01-03, 500 withdrawn on 01-05.
const positions: PositionInput[] = [
  { id: 'A', symbol: 'X', quantity: 6, entryPrice: 100, entryDate: '2024-01-02', exitDate: null, exitPrice: null, investmentClass: 'PUBLIC' },
  { id: 'B', symbol: 'X', quantity: 4, entryPrice: 100, entryDate: '2024-01-02', exitDate: '2024-01-04', exitPrice: 121, investmentClass: 'PUBLIC' },
];
const input = {
  portfolio: { equityBalance: 10_000 },
  positions,
  histories: { X: { closes, actions: NO_CORPORATE_ACTIONS } },
  betas: () => undefined,
  fees: [{ date: '2024-01-04', amount: 5 }],
  cashFlows: [
    { date: '2024-01-03', amount: 1_000 },
    { date: '2024-01-06', amount: -500 }, // a Saturday: booked on Monday 01-08, outside the dates
    { date: '2024-01-05', amount: -500 },
  ],
};

describe('lifecycle accounting', () => {
  const run = computePortfolioDays({ ...input, dates, prior: null });
  const s = run.map((r) => r.snapshot);

  it('books realized P&L, fees and flows as worked by hand', () => {
    // 01-02: entry day at the close of 100: P&L 0.
    // 01-03: 10 × (110 − 100) = 100; +1,000 flow → equity 10,000 + 100 + 1,000 = 11,100; r = 100 / 10,000.
    // 01-04: A 6 × (120 − 110) = 60; B exits: 4 × 121 − 4 × 110 = 44; fees 5 → P&L 99; realized 4 × (121 − 100) = 84.
    //        equity 11,199; r = 99 / 11,100 = 0.0089189189.
    // 01-05: A 6 × (115 − 120) = −30; −500 flow → equity 10,669; r = −30 / 11,199 = −0.0026788106.
    expect(s.map((x) => x.dailyPnl)).toEqual([0, 100, 99, -30]);
    expect(s.map((x) => x.dailyCapitalFlow)).toEqual([0, 1_000, 0, -500]);
    expect(s.map((x) => x.totalValue)).toEqual([10_000, 11_100, 11_199, 10_669]);
    expect(s.map((x) => x.dailyRealizedPnl)).toEqual([0, 0, 84, 0]);
    expect(s.map((x) => x.cumulativeRealizedPnl)).toEqual([0, 0, 84, 84]);
    expect(s.map((x) => x.dailyFees)).toEqual([0, 0, 5, 0]);
    expect(s.map((x) => x.dailyReturn)).toEqual([0, 0.01, 0.0089189189, -0.0026788106]);
    // (1.01)(1.0089189189) − 1 = 0.0190081081; (1.0190081081)(1 − 0.0026788106) − 1 = 0.0162783784.
    expect(s.map((x) => x.cumulativeTwr)).toEqual([0, 0.01, 0.0190081081, 0.0162783784]);
    expect(s.map((x) => x.cumulativeCapitalFlow)).toEqual([0, 1_000, 1_000, 500]);
    // Cash: 10,669 − 6 × 115 = 9,979.
    expect(s[3]!.cashValue).toBe(9_979);
  });

  it('keeps the identities on every day', () => {
    expectLifecycleIdentities(run, 10_000, positions);
  });

  it('gives the same figures computed in chained calls', () => {
    const first = computePortfolioDays({ ...input, dates: dates.slice(0, 2), prior: null });
    const rest = computePortfolioDays({ ...input, dates: dates.slice(2), prior: first.at(-1)!.next });
    expect([...first, ...rest].map((r) => r.snapshot)).toEqual(s);
  });
});

/** equity_d = equity_{d−1} + P&L + flow; P&L = Δunrealized + realized + dividends − fees; TWR compounds; sums run. */
function expectLifecycleIdentities(run: PortfolioDayResult[], equityBalance: number, lots: readonly PositionInput[]): void {
  const cost = new Map(lots.map((p) => [p.id, p.quantity * p.entryPrice]));
  let equity = equityBalance;
  let twr = 0;
  let unrealizedBefore = 0;
  const sums = { pnl: 0, realized: 0, fees: 0, flow: 0 };
  for (const r of run) {
    const x = r.snapshot;
    expect(x.totalValue).toBeCloseTo(equity + x.dailyPnl + x.dailyCapitalFlow, 6);
    expect(x.dailyReturn).toBeCloseTo(equity > 0 ? x.dailyPnl / equity : 0, 9);
    twr = (1 + twr) * (1 + x.dailyReturn) - 1;
    expect(x.cumulativeTwr).toBeCloseTo(twr, 8);
    // Unrealized level: market value − cost of the lots held at the close.
    const unrealized = r.positions.filter((p) => !p.realised && p.marketValue !== null).reduce((a, p) => a + p.marketValue! - cost.get(p.positionId)!, 0);
    expect(x.dailyPnl).toBeCloseTo(unrealized - unrealizedBefore + x.dailyRealizedPnl + x.dailyDividendPnl - x.dailyFees, 6);
    unrealizedBefore = unrealized;
    sums.pnl += x.dailyPnl;
    sums.realized += x.dailyRealizedPnl;
    sums.fees += x.dailyFees;
    sums.flow += x.dailyCapitalFlow;
    expect(x.cumulativePnl).toBeCloseTo(sums.pnl, 6);
    expect(x.cumulativeRealizedPnl).toBeCloseTo(sums.realized, 6);
    expect(x.cumulativeFees).toBeCloseTo(sums.fees, 6);
    expect(x.cumulativeCapitalFlow).toBeCloseTo(sums.flow, 6);
    expect(x.totalValue).toBeCloseTo(equityBalance + x.cumulativePnl + x.cumulativeCapitalFlow, 6);
    equity = x.totalValue;
  }
}

