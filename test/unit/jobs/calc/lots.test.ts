/**
 * FIFO lot matching, each case worked by hand next to it.
 */
import { describe, expect, it } from 'vitest';
import { fifoOrder, matchTrade, type OpenLot } from '../../../../jobs/calc/lots.js';

const lot = (id: string, quantity: number, entryPrice: number, entryDate: string, splitFactor = 1): OpenLot => ({ id, quantity, entryPrice, entryDate, splitFactor });

describe('matchTrade', () => {
  const longs = [lot('L1', 10, 100, '2024-01-02'), lot('L2', 5, 110, '2024-01-03')];

  it('a sell closes the oldest lot first, then splits the next one', () => {
    // Sell 12 @ 120: L1 (10 @ 100) closes in full, realized 10 × (120 − 100) = 200; L2 (5 @ 110)
    // gives 2 shares, realized 2 × (120 − 110) = 20, and keeps 3 open. Total 220.
    const m = matchTrade(longs, { quantity: -12, price: 120, date: '2024-01-05', allowShort: false });
    expect(m).toEqual({
      ok: true,
      plan: {
        closed: [{ id: 'L1', quantity: 10, realizedPnl: 200 }],
        split: { id: 'L2', keep: 3, closedQuantity: 2, realizedPnl: 20 },
        opened: null,
        realizedPnl: 220,
        heldBefore: 15,
      },
    });
  });

  it('a buy of a held symbol opens a new lot and closes nothing', () => {
    const m = matchTrade(longs, { quantity: 7, price: 99, date: '2024-01-05', allowShort: false });
    expect(m.ok && m.plan).toEqual({ closed: [], split: null, opened: { quantity: 7 }, realizedPnl: 0, heldBefore: 15 });
  });

  it('selling more than is held is refused without the short flag, and opens a short with it', () => {
    const refused = matchTrade(longs, { quantity: -20, price: 120, date: '2024-01-05', allowShort: false });
    expect(refused).toMatchObject({ ok: false, held: 15 });
    expect(!refused.ok && refused.message).toMatch(/sells 20 shares but only 15 are held on 2024-01-05; set allowShort/);
    // With the flag: both lots close (200 + 5 × 10 = 250) and −5 opens short at 120.
    const shorted = matchTrade(longs, { quantity: -20, price: 120, date: '2024-01-05', allowShort: true });
    expect(shorted.ok && shorted.plan).toMatchObject({ closed: [{ id: 'L1' }, { id: 'L2' }], split: null, opened: { quantity: -5 }, realizedPnl: 250 });
  });

  it('a sell with nothing held says so', () => {
    const m = matchTrade([], { quantity: -1, price: 10, date: '2024-01-05', allowShort: false });
    expect(!m.ok && m.message).toMatch(/none are held on 2024-01-05/);
  });

  it('a buy covers shorts first: realized is positive when covered lower', () => {
    // Short −10 @ 50, buy 4 @ 40: 4 covered, realized 4 × (50 − 40) = 40, −6 stay short.
    const m = matchTrade([lot('S', -10, 50, '2024-01-02')], { quantity: 4, price: 40, date: '2024-01-04', allowShort: false });
    expect(m.ok && m.plan).toEqual({ closed: [], split: { id: 'S', keep: -6, closedQuantity: -4, realizedPnl: 40 }, opened: null, realizedPnl: 40, heldBefore: -10 });
  });

  it('a cover of more than is short opens a long with the rest', () => {
    const m = matchTrade([lot('S', -10, 50, '2024-01-02')], { quantity: 15, price: 55, date: '2024-01-04', allowShort: false });
    // Covered at a loss: 10 × (50 − 55) = −50; +5 opens long.
    expect(m.ok && m.plan).toMatchObject({ closed: [{ id: 'S', realizedPnl: -50 }], opened: { quantity: 5 }, realizedPnl: -50 });
  });

  it('works in the share basis of the trade date across a split', () => {
    // 10 shares @ 100 before a 2-for-1 split are 20 shares @ 50 on the trade date. Selling 20 @ 60
    // closes the lot: realized 20 × (60 − 50) = 200. Selling 5 splits it: 2.5 entry-basis shares go.
    const pre = [lot('P', 10, 100, '2024-01-02', 2)];
    expect(matchTrade(pre, { quantity: -20, price: 60, date: '2024-03-01', allowShort: false })).toMatchObject({ ok: true, plan: { closed: [{ id: 'P', realizedPnl: 200 }], realizedPnl: 200, heldBefore: 20 } });
    expect(matchTrade(pre, { quantity: -5, price: 60, date: '2024-03-01', allowShort: false })).toMatchObject({ ok: true, plan: { split: { id: 'P', keep: 7.5, closedQuantity: 2.5, realizedPnl: 50 } } });
  });

  it('only lots entered before the trade date can be closed', () => {
    expect(fifoOrder(longs, '2024-01-03').map((l) => l.id)).toEqual(['L1']);
    const m = matchTrade(longs, { quantity: -12, price: 120, date: '2024-01-03', allowShort: false });
    expect(m).toMatchObject({ ok: false, held: 10 });
  });

  it('equal entry dates keep the order the lots were opened in', () => {
    const same = [lot('B', 1, 10, '2024-01-02'), lot('A', 1, 20, '2024-01-02')];
    const m = matchTrade(same, { quantity: -1, price: 30, date: '2024-01-04', allowShort: false });
    expect(m.ok && m.plan.closed).toEqual([{ id: 'B', quantity: 1, realizedPnl: 20 }]);
  });

  it('rejects a zero quantity', () => {
    expect(() => matchTrade(longs, { quantity: 0, price: 1, date: '2024-01-05', allowShort: false })).toThrow(RangeError);
  });
});
