import { describe, expect, it } from 'vitest';
import { computeSymbolMetrics } from '../../../../jobs/calc/symbol-metrics.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';
import { plain } from './synthetic.js';

// A hand-made series: only the closes a lookup could pick are listed, so each expected anchor is
// visible in the test.
const closes = plain(toPriceSeries([
  { date: '2023-01-03', close: 80 },
  { date: '2023-03-31', close: 85 },
  { date: '2023-12-28', close: 95 },
  { date: '2023-12-29', close: 100 }, // last close of 2023 (Friday; 2024-01-01 is a holiday)
  { date: '2024-01-02', close: 103 }, // first trading day of 2024
  { date: '2024-01-03', close: 101 },
  { date: '2024-01-31', close: 104 },
  { date: '2024-02-28', close: 108 },
  { date: '2024-02-29', close: 110 }, // leap day
  { date: '2024-03-28', close: 120 }, // Thursday before Good Friday 2024-03-29
  { date: '2024-04-01', close: 126 },
]));

describe('computeSymbolMetrics', () => {
  it('uses the last close of the previous year for YTD on the first trading days of January', () => {
    const m = computeSymbolMetrics('X', closes, '2024-01-02');
    expect(m.price).toBe(103);
    expect(m.stale).toBe(false);
    expect(m.returnYtd).toBeCloseTo(103 / 100 - 1, 15); // anchor 2023-12-31 → close of 2023-12-29
    expect(m.returnMtd).toBeCloseTo(103 / 100 - 1, 15);
    expect(m.return1d).toBeCloseTo(103 / 100 - 1, 15); // previous trading day is 2023-12-29
    const m2 = computeSymbolMetrics('X', closes, '2024-01-03');
    expect(m2.returnYtd).toBeCloseTo(101 / 100 - 1, 15);
    expect(m2.return1d).toBeCloseTo(101 / 103 - 1, 15);
  });

  it('clamps the month anchor and rolls back to the last close on or before it', () => {
    // 2024-04-01: 1m anchor 2024-03-01 → last close on or before = 2024-02-29 (110);
    // 3m anchor 2024-01-01 → 2023-12-29 (100); 12m anchor 2023-04-01 (Saturday) → 2023-03-31 (85);
    // MTD anchor 2024-03-31 → 2024-03-28 (120); 1d: previous trading day 2024-03-28 (Good Friday closed).
    const m = computeSymbolMetrics('X', closes, '2024-04-01');
    expect(m.return1m).toBeCloseTo(126 / 110 - 1, 15);
    expect(m.return3m).toBeCloseTo(126 / 100 - 1, 15);
    expect(m.return1y).toBeCloseTo(126 / 85 - 1, 15);
    expect(m.returnMtd).toBeCloseTo(126 / 120 - 1, 15);
    expect(m.return1d).toBeCloseTo(126 / 120 - 1, 15);
    expect(m.missing).toEqual([]);
  });

  it('clamps 31 March to 29 February in a leap year', () => {
    // Valuing on Sunday 2024-03-31: price is the stale 2024-03-28 close; 1m anchor = 2024-02-29 (110).
    const m = computeSymbolMetrics('X', closes, '2024-03-31');
    expect(m.price).toBe(120);
    expect(m.stale).toBe(true);
    expect(m.priceDate).toBe('2024-03-28');
    expect(m.return1m).toBeCloseTo(120 / 110 - 1, 15);
  });

  it('reports why values are missing instead of returning 0', () => {
    const m = computeSymbolMetrics('X', closes, '2023-02-15');
    expect(m.price).toBeNull(); // latest close 2023-01-03 is more than 5 trading days old
    expect(m.return1d).toBeNull();
    expect(m.missing[0]).toMatch(/^price: /);
    const young = computeSymbolMetrics('X', closes, '2023-01-03');
    expect(young.price).toBe(80);
    expect(young.return1y).toBeNull();
    expect(young.returnYtd).toBeNull();
    expect(young.missing.some((s) => s.startsWith('return1y: insufficient history'))).toBe(true);
    expect(computeSymbolMetrics('X', plain([]), '2024-01-02').missing).toHaveLength(13);
  });
});
