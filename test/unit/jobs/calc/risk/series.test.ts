import { describe, expect, it } from 'vitest';
import {
  dailyTotalReturns,
  denseWindow,
  flowAdjustedReturn,
  flowAdjustedReturns,
  toReturnSeries,
  windowRange,
} from '../../../../../jobs/calc/risk/index.js';
import { tradingDayOrdinal } from '../../../../../jobs/calc/trading-calendar.js';

describe('toReturnSeries', () => {
  it('sorts by date and keeps ordinals', () => {
    const s = toReturnSeries([
      { date: '2024-01-04', value: 0.02 },
      { date: '2024-01-02', value: 0.01 },
    ]);
    expect(s.dates).toEqual(['2024-01-02', '2024-01-04']);
    expect(Array.from(s.values)).toEqual([0.01, 0.02]);
    expect(s.ordinals[1]! - s.ordinals[0]!).toBe(2);
  });

  it('names the bad point: weekend, duplicate, non-finite', () => {
    expect(() => toReturnSeries([{ date: '2024-01-06', value: 0 }], 'AAA')).toThrow(/AAA: 2024-01-06 is not an NYSE trading day/);
    expect(() => toReturnSeries([{ date: '2024-01-02', value: 0 }, { date: '2024-01-02', value: 1 }], 'AAA')).toThrow(/appears twice/);
    expect(() => toReturnSeries([{ date: '2024-01-02', value: Number.NaN }], 'AAA')).toThrow(/AAA\[0\] \(2024-01-02\).*not a finite number/);
  });
});

describe('dailyTotalReturns: (P_t + D_t) / P_{t−1} − 1 with the last close before t', () => {
  it('carries a halt and a dividend that went ex while halted into the reopening return', () => {
    // Closes 100 (01-02), 102 (01-03), none on 01-04 (dividend 0.50 ex that day), 99.96 (01-05).
    // 01-03: 102/100 − 1 = 0.02; 01-05: (99.96 + 0.50)/102 − 1 = 100.46/102 − 1 = −0.0150980392…
    // A bar on Saturday 01-06 is ignored; the dividend dated on the first close spans no return.
    const s = dailyTotalReturns(
      [
        { date: '2024-01-05', close: 99.96 },
        { date: '2024-01-02', close: 100 },
        { date: '2024-01-03', close: 102 },
        { date: '2024-01-06', close: 500 },
      ],
      [
        { date: '2024-01-04', amount: 0.5 },
        { date: '2024-01-02', amount: 9 },
      ],
    );
    expect(s.dates).toEqual(['2024-01-03', '2024-01-05']);
    expect(s.values[0]).toBeCloseTo(0.02, 15);
    expect(s.values[1]).toBeCloseTo(100.46 / 102 - 1, 15);
    expect(s.ordinals[1]).toBe(tradingDayOrdinal('2024-01-05'));
  });

  it('takes dividends on the close rows too: (date, adjusted close, dividend)', () => {
    // Same days as above, the dividend on a row without a usable close (01-04): (99.96 + 0.5)/102 − 1.
    const s = dailyTotalReturns([
      { date: '2024-01-02', close: 100 },
      { date: '2024-01-03', close: 102, dividend: 0 },
      { date: '2024-01-04', close: Number.NaN, dividend: 0.5 },
      { date: '2024-01-05', close: 99.96 },
    ]);
    expect(s.dates).toEqual(['2024-01-03', '2024-01-05']);
    expect(s.values[1]).toBeCloseTo(100.46 / 102 - 1, 15);
  });

  it('ignores non-positive closes and rejects a negative dividend naming the row', () => {
    const s = dailyTotalReturns([
      { date: '2024-01-02', close: 10 },
      { date: '2024-01-03', close: 0 },
      { date: '2024-01-04', close: 11 },
    ]);
    expect(s.dates).toEqual(['2024-01-04']);
    expect(s.values[0]).toBeCloseTo(0.1, 15);
    expect(() => dailyTotalReturns([{ date: '2024-01-02', close: 10 }], [{ date: '2024-01-03', amount: -1 }], 'XYZ')).toThrow(/XYZ: dividend\[0\]/);
  });
});

describe('flow-adjusted portfolio returns', () => {
  it('divides the P&L by the equity plus the start-of-day flow; 0 on a non-positive base', () => {
    // 50 / (900 + 100) = 0.05
    expect(flowAdjustedReturn(50, 900, 100)).toBeCloseTo(0.05, 15);
    expect(flowAdjustedReturn(50, 100, -100)).toBe(0);
    const s = flowAdjustedReturns([
      { date: '2024-01-02', pnl: 10, previousEquity: 1000 },
      { date: '2024-01-03', pnl: -20, previousEquity: 1010, flow: 990 },
    ]);
    expect(Array.from(s.values)).toEqual([0.01, -0.01]);
    expect(() => flowAdjustedReturns([{ date: '2024-01-02', pnl: Number.NaN, previousEquity: 1 }])).toThrow(/pnl/);
  });
});

describe('windows of trading days', () => {
  it('selects the returns dated in the last N trading days and lays them out densely', () => {
    // Returns on 01-02, 01-03, 01-05, 01-08; the 3-day window ending 01-08 is {01-04, 01-05, 01-08}.
    const s = toReturnSeries([
      { date: '2024-01-02', value: 1 },
      { date: '2024-01-03', value: 2 },
      { date: '2024-01-05', value: 3 },
      { date: '2024-01-08', value: 4 },
    ]);
    const end = tradingDayOrdinal('2024-01-08');
    expect(windowRange(s, end, 3)).toEqual({ lo: 2, hi: 4 });
    const w = denseWindow(s, end, 3);
    expect(Array.from(w.values)).toEqual([0, 3, 4]);
    expect(Array.from(w.present)).toEqual([0, 1, 1]);
    expect(w.count).toBe(2);
  });
});
