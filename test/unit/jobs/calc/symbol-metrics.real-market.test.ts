import { describe, expect, it } from 'vitest';
import type { CorporateActions } from '../../../../jobs/calc/corporate-actions.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';
import { computeSymbolMetrics } from '../../../../jobs/calc/symbol-metrics.js';

// As-traded closes of a stock that splits 4-for-1 on 2024-06-10 and pays $1.00 per pre-split share
// ex 2024-05-15 and $0.30 per post-split share ex 2024-06-12.
const bars = toPriceSeries([
  { date: '2023-06-12', close: 320 },
  { date: '2023-12-29', close: 360 },
  { date: '2024-05-14', close: 396 },
  { date: '2024-05-15', close: 395 },
  { date: '2024-05-31', close: 400 },
  { date: '2024-06-07', close: 404 },
  { date: '2024-06-10', close: 101.5 },
  { date: '2024-06-11', close: 102 },
  { date: '2024-06-12', close: 101.9 },
]);
const actions: CorporateActions = {
  splits: [{ date: '2024-06-10', from: 1, to: 4 }],
  dividends: [
    { exDate: '2024-05-15', amount: 1, type: 'CD' },
    { exDate: '2024-06-12', amount: 0.3, type: 'CD' },
  ],
};

describe('computeSymbolMetrics with corporate actions', () => {
  const m = computeSymbolMetrics('SPLT', { closes: bars, actions }, '2024-06-12');

  it('reports the price as traded and split-adjusted price returns', () => {
    // Adjusted (post-split basis): 2023-06-12 80, 2023-12-29 90, 2024-05-31 100, 06-07 101, 06-11 102,
    // 06-12 101.9.
    expect(m.price).toBe(101.9);
    expect(m.return1d).toBeCloseTo(101.9 / 102 - 1, 12);
    expect(m.returnMtd).toBeCloseTo(101.9 / 100 - 1, 12); // anchor 2024-05-31
    expect(m.returnYtd).toBeCloseTo(101.9 / 90 - 1, 12); // +13 %, not −72 %
    expect(m.return1y).toBeCloseTo(101.9 / 80 - 1, 12); // anchor 2023-06-12
  });

  it('adds the dividends of the period, reinvested, for the total returns', () => {
    // 1d: (101.9 + 0.30) / 102 − 1.
    expect(m.totalReturn1d).toBeCloseTo(102.2 / 102 - 1, 12);
    // MTD from 05-31: 06-07 101/100, 06-10 101.5/101, 06-11 102/101.5, 06-12 102.2/102.
    expect(m.totalReturnMtd).toBeCloseTo((101 / 100) * (101.5 / 101) * (102 / 101.5) * (102.2 / 102) - 1, 12);
    // YTD also spans ex 05-15: $1.00 pre-split = $0.25 adjusted, on 05-14 → 05-15 (99 → 98.75 adjusted).
    const ytd = (99 / 90) * ((98.75 + 0.25) / 99) * (100 / 98.75) * (101 / 100) * (101.5 / 101) * (102 / 101.5) * (102.2 / 102) - 1;
    expect(m.totalReturnYtd).toBeCloseTo(ytd, 12);
    expect(m.totalReturnYtd!).toBeGreaterThan(m.returnYtd!);
    expect(m.missing).toEqual([]);
  });

  it('gives the same figures for dates before the split whether the split was known or not', () => {
    const early = bars.filter((b) => b.date <= '2024-06-07');
    const before = computeSymbolMetrics('SPLT', { closes: early, actions: { splits: [], dividends: actions.dividends.slice(0, 1) } }, '2024-06-07');
    const after = computeSymbolMetrics('SPLT', { closes: bars, actions }, '2024-06-07');
    expect(after.price).toBe(404);
    for (const k of ['return1d', 'returnMtd', 'returnYtd', 'return1y', 'totalReturn1d', 'totalReturnMtd', 'totalReturnYtd', 'totalReturn1y'] as const) {
      expect(after[k]).toBeCloseTo(before[k]!, 12);
    }
  });
});
