import { describe, expect, it } from 'vitest';
import { NO_CORPORATE_ACTIONS, type CorporateActions } from '../../../../jobs/calc/corporate-actions.js';
import { checkEntryPrice } from '../../../../jobs/calc/entry-price.js';

// A 4-for-1 split on 2024-06-10 and a 3-for-2 split on 2022-03-01.
const actions: CorporateActions = {
  splits: [
    { date: '2024-06-10', from: 1, to: 4 },
    { date: '2022-03-01', from: 2, to: 3 },
  ],
  dividends: [],
};
const check = (entryPrice: number, entryDate: string, close: { date: string; close: number }, a: CorporateActions = actions): ReturnType<typeof checkEntryPrice> =>
  checkEntryPrice({ symbol: 'SPLT', entryPrice, entryDate, close, actions: a });

describe('checkEntryPrice', () => {
  it('accepts a price within ±50 % of the close that matches no split ratio', () => {
    expect(check(400, '2024-06-03', { date: '2024-06-03', close: 402 })).toBeNull();
    expect(check(300, '2024-06-03', { date: '2024-06-03', close: 402 })).toBeNull(); // −25 %
  });

  it('names a price typed in post-split terms for an entry before the split', () => {
    // Entry 2024-06-03 (close 402, pre-split) typed as 100.5, i.e. today's adjusted price: r = 0.25 = 1/4.
    const w = check(100.5, '2024-06-03', { date: '2024-06-03', close: 402 })!;
    expect(w).toMatchObject({ code: 'entry_price_split_basis', basis: 'post', split: { date: '2024-06-10', from: 1, to: 4 }, suggestedPrice: 402 });
    expect(w.ratio).toBeCloseTo(0.25, 12);
    expect(w.message).toMatch(/4-for-1 split of 2024-06-10/);
    expect(w.message).toMatch(/about 402\.00/);
  });

  it('names a price typed in pre-split terms for an entry after the split', () => {
    // Entry 2024-06-12 (close 102, post-split) typed as 408: r = 4.
    const w = check(408, '2024-06-12', { date: '2024-06-12', close: 102 })!;
    expect(w).toMatchObject({ code: 'entry_price_split_basis', basis: 'pre', split: { date: '2024-06-10' }, suggestedPrice: 102 });
    // Both splits before the entry: typed before 2022 the price is 4 × 1.5 = 6 times today's.
    const both = check(612, '2024-06-12', { date: '2024-06-12', close: 102 })!;
    expect(both).toMatchObject({ basis: 'pre', split: { date: '2022-03-01', from: 2, to: 3 } });
    expect(both.suggestedPrice).toBeCloseTo(102, 9);
    // A 3-for-2 ratio (1.5) is still told apart: r = 1.5 within 10 %.
    expect(check(150, '2022-03-02', { date: '2022-03-02', close: 100 })).toMatchObject({ code: 'entry_price_split_basis', basis: 'pre' });
  });

  it('carries an older close into the entry date basis before comparing', () => {
    // Entry on Saturday 2024-06-08 with the Friday close; entry on 06-10 with the 06-07 close (split between).
    expect(check(404, '2024-06-08', { date: '2024-06-07', close: 404 })).toBeNull();
    expect(check(101, '2024-06-10', { date: '2024-06-07', close: 404 })).toBeNull();
  });

  it('flags a price beyond ±50 % of the close that matches no split', () => {
    const w = check(700, '2024-06-03', { date: '2024-06-03', close: 402 }, NO_CORPORATE_ACTIONS)!;
    expect(w).toMatchObject({ code: 'entry_price_far_from_close' });
    expect(w.message).toMatch(/\+74 % from the 2024-06-03 close of 402\.00 \(beyond ±50 %\)/);
    expect(check(150, '2024-06-03', { date: '2024-06-03', close: 402 }, NO_CORPORATE_ACTIONS)).toMatchObject({ code: 'entry_price_far_from_close' });
    // Without the split in the table a post-split typo is only "far".
    expect(check(100.5, '2024-06-03', { date: '2024-06-03', close: 402 }, NO_CORPORATE_ACTIONS)).toMatchObject({ code: 'entry_price_far_from_close' });
  });

  it('rejects unusable input with a RangeError naming it', () => {
    expect(() => check(0, '2024-06-03', { date: '2024-06-03', close: 402 })).toThrow(/entryPrice of SPLT/);
    expect(() => check(400, '2024-06-03', { date: '2024-06-04', close: 402 })).toThrow(/after the entry date/);
    expect(() => check(400, '2024-06-03', { date: '2024-06-03', close: Number.NaN })).toThrow(/close of SPLT/);
  });
});
