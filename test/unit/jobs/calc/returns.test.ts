import { describe, expect, it } from 'vitest';
import { alignedReturns, closeOn, indexOnOrBefore, lastCloseOnOrBefore, toPriceSeries } from '../../../../jobs/calc/returns.js';

describe('price series and aligned returns', () => {
  const a = toPriceSeries([
    { date: '2024-07-05', close: 110 },
    { date: '2024-07-01', close: 100 },
    { date: '2024-07-02', close: 102 },
    { date: '2024-07-03', close: 99 },
    { date: '2024-07-08', close: 121 },
    { date: '2024-07-02', close: 101 }, // duplicate: the later row wins
    { date: '2024-07-09', close: 0 }, // not a usable close
  ]);
  const b = toPriceSeries([
    { date: '2024-07-01', close: 10 },
    { date: '2024-07-02', close: 11 },
    // 2024-07-03 missing in b
    { date: '2024-07-05', close: 12 },
    { date: '2024-07-08', close: 12.6 },
    { date: '2024-07-09', close: 13 },
  ]);

  it('sorts, dedupes and drops unusable closes', () => {
    expect(a.map((x) => x.date)).toEqual(['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05', '2024-07-08']);
    expect(a[1]!.close).toBe(101);
  });

  it('looks up the last close on or before a date in O(log n)', () => {
    expect(lastCloseOnOrBefore(a, '2024-07-04')?.date).toBe('2024-07-03'); // holiday
    expect(lastCloseOnOrBefore(a, '2024-07-07')?.close).toBe(110); // Sunday
    expect(lastCloseOnOrBefore(a, '2024-06-30')).toBeUndefined();
    expect(lastCloseOnOrBefore(a, '2030-01-01')?.date).toBe('2024-07-08');
    expect(indexOnOrBefore([], '2024-01-01')).toBe(-1);
    expect(closeOn(a, '2024-07-04')).toBeUndefined();
    expect(closeOn(a, '2024-07-05')?.close).toBe(110);
  });

  it('returns over consecutive trading days only; a gap in any series drops the returns spanning it', () => {
    // Hand-worked: common dates are 07-01, 07-02, 07-05, 07-08 (07-03 missing in b, 07-09 missing in a).
    // 07-04 is a holiday, so 07-03 → 07-05 would be consecutive, but 07-03 is not common:
    // returns exist for 07-02 (from 07-01) and 07-08 (from 07-05); 07-05's predecessor 07-03 is missing.
    const r = alignedReturns({ a, b });
    expect(r.dates).toEqual(['2024-07-02', '2024-07-08']);
    expect(r.returns.a![0]).toBeCloseTo(101 / 100 - 1, 15);
    expect(r.returns.b![0]).toBeCloseTo(11 / 10 - 1, 15);
    expect(r.returns.a![1]).toBeCloseTo(121 / 110 - 1, 15);
    expect(r.returns.b![1]).toBeCloseTo(12.6 / 12 - 1, 15);
  });

  it('treats days around a holiday as consecutive and filters by end date', () => {
    const r = alignedReturns({ a });
    expect(r.dates).toEqual(['2024-07-02', '2024-07-03', '2024-07-05', '2024-07-08']);
    expect(r.returns.a![2]).toBeCloseTo(110 / 99 - 1, 15); // 07-03 → 07-05 spans the 07-04 holiday
    const f = alignedReturns({ a }, '2024-07-05', '2024-07-05');
    expect(f.dates).toEqual(['2024-07-05']);
    expect(f.returns.a![0]).toBeCloseTo(110 / 99 - 1, 15);
  });

  it('ignores bars on non-trading days', () => {
    const s = toPriceSeries([
      { date: '2024-07-05', close: 1 },
      { date: '2024-07-06', close: 5 }, // Saturday: bad data
      { date: '2024-07-08', close: 2 },
    ]);
    const r = alignedReturns({ s });
    expect(r.dates).toEqual(['2024-07-08']);
    expect(r.returns.s![0]).toBe(1);
  });
});
