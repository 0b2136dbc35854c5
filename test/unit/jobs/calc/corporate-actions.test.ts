import { describe, expect, it } from 'vitest';
import {
  dailyTotalReturns,
  NO_CORPORATE_ACTIONS,
  prepareCorporateActions,
  priceInBasisOf,
  sharesInForce,
  splitAdjustedSeries,
  splitFactor,
  totalReturnIndex,
  type CorporateActions,
} from '../../../../jobs/calc/corporate-actions.js';
import { alignedTotalReturns, toPriceSeries } from '../../../../jobs/calc/returns.js';
import { addTradingDays } from '../../../../jobs/calc/trading-calendar.js';

// A 4-for-1 split executed on Monday 2024-06-10 (the 06-10 close is the first in the new basis) and
// a 1-for-10 reverse split executed on 2024-09-16.
const actions: CorporateActions = {
  splits: [
    { date: '2024-09-16', from: 10, to: 1 },
    { date: '2024-06-10', from: 1, to: 4 },
  ],
  dividends: [],
};

describe('split factors and shares in force', () => {
  it('multiplies the ratios of the splits after the first date and on or before the second', () => {
    expect(splitFactor(actions, '2024-06-07', '2024-06-10')).toBe(4);
    expect(splitFactor(actions, '2024-06-10', '2024-06-11')).toBe(1); // executed on the first date: not after it
    expect(splitFactor(actions, '2024-01-02', '2024-12-31')).toBe(0.4); // 4 × 1/10
    expect(splitFactor(actions, '2024-12-31', '2024-01-02')).toBe(2.5); // backwards: the reciprocal
    expect(splitFactor(NO_CORPORATE_ACTIONS, '2024-01-02', '2024-12-31')).toBe(1);
  });

  it('gives the share count of a position typed on its entry date', () => {
    // 100 shares typed on 2024-06-03 (pre-split): 100 up to 06-07, 400 from 06-10, 40 after the reverse split.
    expect(sharesInForce(100, '2024-06-03', '2024-06-07', actions)).toBe(100);
    expect(sharesInForce(100, '2024-06-03', '2024-06-10', actions)).toBe(400);
    expect(sharesInForce(100, '2024-06-03', '2024-09-16', actions)).toBe(40);
    // Typed on the execution date: already in the new basis.
    expect(sharesInForce(100, '2024-06-10', '2024-07-01', actions)).toBe(100);
    // 1,000 × 1 / 10 stays exact.
    expect(sharesInForce(1_000, '2024-09-13', '2024-09-16', actions)).toBe(100);
    expect(sharesInForce(-30, '2024-06-07', '2024-06-10', actions)).toBe(-120);
  });

  it('carries a price between share bases', () => {
    expect(priceInBasisOf(404, '2024-06-07', '2024-06-10', actions)).toBe(101);
    expect(priceInBasisOf(101, '2024-06-10', '2024-06-07', actions)).toBe(404);
    expect(priceInBasisOf(2, '2024-09-13', '2024-09-16', actions)).toBe(20);
  });
});

describe('derived series', () => {
  const closes = toPriceSeries([
    { date: '2024-06-06', close: 400 },
    { date: '2024-06-07', close: 404 },
    { date: '2024-06-10', close: 101.5 }, // as traded, after the 4-for-1 split
    { date: '2024-06-11', close: 102 },
  ]);
  const split4: CorporateActions = { splits: [{ date: '2024-06-10', from: 1, to: 4 }], dividends: [] };

  it('split-adjusts into the basis after every split (what adjusted=true would return today)', () => {
    expect(splitAdjustedSeries({ closes, actions: split4 }).map((b) => b.close)).toEqual([100, 101, 101.5, 102]);
    // Without splits the series is returned as is.
    expect(splitAdjustedSeries({ closes, actions: NO_CORPORATE_ACTIONS })).toBe(closes);
  });

  it('builds a total-return index r_t = (P_t + D_t) / P_{t−1} − 1 in the same basis', () => {
    // Dividend of $2 per pre-split share, ex 2024-06-07 (basis of that date: pre-split), and $0.25 per
    // post-split share ex 2024-06-11. Adjusted closes 100, 101, 101.5, 102; dividends in the adjusted
    // basis: 2 / 4 = 0.5 on 06-07, 0.25 on 06-11.
    // I = 100; 100 × (101 + 0.5) / 100 = 101.5; 101.5 × 101.5 / 101; × (102 + 0.25) / 101.5.
    const withDividends: CorporateActions = {
      splits: split4.splits,
      dividends: [
        { exDate: '2024-06-07', amount: 2, type: 'CD' },
        { exDate: '2024-06-11', amount: 0.25, type: 'SC' },
      ],
    };
    const idx = totalReturnIndex({ closes, actions: withDividends }).map((b) => b.close);
    expect(idx[0]).toBe(100);
    expect(idx[1]).toBeCloseTo(101.5, 12);
    expect(idx[2]).toBeCloseTo((101.5 * 101.5) / 101, 12);
    expect(idx[3]).toBeCloseTo(((101.5 * 101.5) / 101) * (102.25 / 101.5), 12);
    // The aligned daily total returns: no split-day jump, the dividend counted on its ex-date.
    const r = alignedTotalReturns({ x: { closes, actions: withDividends } });
    expect([...r.returns.x!].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([
      Math.round((101.5 / 100 - 1) * 1e12) / 1e12,
      Math.round((101.5 / 101 - 1) * 1e12) / 1e12,
      Math.round((102.25 / 101.5 - 1) * 1e12) / 1e12,
    ]);
  });

  it('credits a dividend whose ex-date has no bar (a halt) to the first bar after it', () => {
    // Halted on 06-10 and 06-11 (no bars), ex-date 06-10: the return 06-07 → 06-12 carries it.
    const halted = toPriceSeries([
      { date: '2024-06-07', close: 50 },
      { date: '2024-06-12', close: 49 },
      { date: '2024-06-13', close: 49.5 },
    ]);
    const idx = totalReturnIndex({ closes: halted, actions: { splits: [], dividends: [{ exDate: '2024-06-10', amount: 1, type: 'CD' }] } });
    expect(idx.map((b) => b.close)).toEqual([50, 50, 50 * (49.5 / 49)]);
    // A dividend on or before the first bar has no previous close: left out.
    const early = totalReturnIndex({ closes: halted, actions: { splits: [], dividends: [{ exDate: '2024-06-07', amount: 1, type: 'CD' }] } });
    [50, 49, 49.5].forEach((v, i) => expect(early[i]!.close).toBeCloseTo(v, 12));
  });
});

describe('daily total returns', () => {
  it('are (P_t + D_t) / P_{t−1} − 1 of each pair of bars, in the split-adjusted basis', () => {
    const closes = toPriceSeries([
      { date: '2024-06-06', close: 400 },
      { date: '2024-06-07', close: 404 },
      { date: '2024-06-10', close: 101.5 },
      { date: '2024-06-11', close: 102 },
    ]);
    const withDividends: CorporateActions = {
      splits: [{ date: '2024-06-10', from: 1, to: 4 }],
      dividends: [
        { exDate: '2024-06-07', amount: 2, type: 'CD' },
        { exDate: '2024-06-11', amount: 0.25, type: 'SC' },
      ],
    };
    expect(dailyTotalReturns({ closes, actions: withDividends })).toEqual([
      { date: '2024-06-07', value: (101 + 0.5) / 100 - 1 },
      { date: '2024-06-10', value: 101.5 / 101 - 1 },
      { date: '2024-06-11', value: (102 + 0.25) / 101.5 - 1 },
    ]);
    expect(dailyTotalReturns({ closes: closes.slice(0, 1), actions: withDividends })).toEqual([]);
  });

  it('give every day the same bits whatever bar the history starts on', () => {
    // A year of closes with quarterly dividends and a split: the returns of the last 60 days from the
    // full history and from histories starting later are identical, not merely close.
    const days = Array.from({ length: 260 }, (_, i) => addTradingDays('2024-01-02', i));
    const closes = toPriceSeries(days.map((date, i) => ({ date, close: (i < 130 ? 200 : 100) + 7 * Math.sin(i / 3) + i * 0.013 })));
    const actions: CorporateActions = {
      splits: [{ date: days[130]!, from: 1, to: 2 }],
      dividends: [40, 100, 170, 230].map((i) => ({ exDate: days[i]!, amount: 0.37, type: 'CD' as const })),
    };
    const full = dailyTotalReturns({ closes, actions }).slice(-60);
    for (const start of [1, 37, 150, 199]) {
      expect(dailyTotalReturns({ closes: closes.slice(start), actions }).slice(-60), `from bar ${start}`).toEqual(full);
    }
  });
});

describe('validation', () => {
  it('names the field and the row of bad corporate actions', () => {
    const bad = (a: unknown): (() => unknown) => () => prepareCorporateActions(a as CorporateActions, 'XYZ');
    expect(bad({ splits: [{ date: '2024-06-10', from: 0, to: 4 }], dividends: [] })).toThrow(/XYZ: corporate actions: splits\[0\]\.from must be a finite number > 0/);
    expect(bad({ splits: [{ date: '2024-6-10', from: 1, to: 4 }], dividends: [] })).toThrow(/splits\[0\]\.date/);
    expect(bad({ splits: [], dividends: [{ exDate: '2024-06-10', amount: -1, type: 'CD' }] })).toThrow(/dividends\[0\]\.amount/);
    expect(bad({ splits: [], dividends: [{ exDate: '2024-06-10', amount: 1, type: 'XX' }] })).toThrow(/dividends\[0\]\.type must be one of CD, SC, LT, ST/);
    expect(
      bad({
        splits: [
          { date: '2024-06-10', from: 1, to: 4 },
          { date: '2024-06-10', from: 1, to: 2 },
        ],
        dividends: [],
      }),
    ).toThrow(/splits\[1\] \(1 → 2\) contradicts another split on 2024-06-10/);
    expect(bad({ splits: [] })).toThrow(/must be \{ splits: \[\], dividends: \[\] \}/);
  });

  it('counts identical duplicate rows once and keeps distinct dividends of one day', () => {
    const p = prepareCorporateActions({
      splits: [
        { date: '2024-06-10', from: 1, to: 4 },
        { date: '2024-06-10', from: 1, to: 4 },
      ],
      dividends: [
        { exDate: '2024-06-11', amount: 0.5, type: 'CD' },
        { exDate: '2024-06-11', amount: 0.5, type: 'CD' },
        { exDate: '2024-06-11', amount: 1.2, type: 'SC' },
        { exDate: '2024-03-11', amount: 0.4, type: 'CD' },
      ],
    });
    expect(p.splits).toHaveLength(1);
    expect(p.dividends.map((d) => `${d.exDate} ${d.type} ${d.amount}`)).toEqual(['2024-03-11 CD 0.4', '2024-06-11 CD 0.5', '2024-06-11 SC 1.2']);
  });
});
