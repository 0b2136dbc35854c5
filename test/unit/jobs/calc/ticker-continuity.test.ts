/**
 * Golden tests of the continuous history across a ticker change, worked by hand next to each.
 */
import { describe, expect, it } from 'vitest';
import { NO_CORPORATE_ACTIONS, type CorporateActions, type SymbolHistory } from '../../../../jobs/calc/corporate-actions.js';
import { computePortfolioDays, type PositionInput } from '../../../../jobs/calc/portfolio-day.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';
import {
  continuousActions,
  continuousCloses,
  stitchHistory,
  successorsBeyond,
  successorsOf,
  tickerSegments,
  tradedAs,
  type TickerChange,
} from '../../../../jobs/calc/ticker-continuity.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';

const history = (closes: [string, number][], actions: CorporateActions = NO_CORPORATE_ACTIONS): SymbolHistory => ({
  closes: toPriceSeries(closes.map(([date, close]) => ({ date, close }))),
  actions,
});

// OLDT trades as NEWT from Wednesday 2024-06-05 on: OLDT's last bar is 06-04.
const D = '2024-06-05';
const change: TickerChange = { previousSymbol: 'OLDT', symbol: 'NEWT', date: D };
const oldHistory = history(
  [
    ['2024-06-03', 10],
    ['2024-06-04', 11],
    // A later bar under the old name (a reused ticker) is not the renamed security's.
    ['2024-06-06', 99],
  ],
  { splits: [], dividends: [{ exDate: '2024-06-04', amount: 0.5, type: 'CD' }] },
);
const newHistory = history(
  [
    // A bar of the new name before the change is another security's (or a vendor back-fill): not used.
    ['2024-06-03', 50],
    ['2024-06-05', 12],
    ['2024-06-06', 13],
  ],
  { splits: [], dividends: [{ exDate: '2024-06-06', amount: 1, type: 'CD' }] },
);

describe('stitchHistory', () => {
  it("takes the old ticker's closes and actions before the change date and the new ticker's from it on", () => {
    const s = stitchHistory(oldHistory, newHistory, D);
    expect(s.closes).toEqual([
      { date: '2024-06-03', close: 10 },
      { date: '2024-06-04', close: 11 },
      { date: '2024-06-05', close: 12 },
      { date: '2024-06-06', close: 13 },
    ]);
    expect(s.actions.dividends).toEqual([
      { exDate: '2024-06-04', amount: 0.5, type: 'CD' },
      { exDate: '2024-06-06', amount: 1, type: 'CD' },
    ]);
    expect(s.actions.splits).toEqual([]);
  });

  it('values a position typed in the old ticker with the new closes, and books the new dividend as P&L', () => {
    // 100 OLDT bought at $10 on 06-03 (cash 10,000 − 1,000 = 9,000).
    // 06-03: 100 × 10 − 1,000 = 0.   06-04: 100 × (11 − 10) = +100, plus the 0.50 dividend: +50 → +150.
    // 06-05: 100 × (12 − 11) = +100 (NEWT's first close; not stale).
    // 06-06: 100 × (13 − 12) = +100, plus NEWT's 1.00 dividend: +100 → +200. Cumulative 450.
    const position: PositionInput = { id: 'P', symbol: 'OLDT', quantity: 100, entryPrice: 10, entryDate: '2024-06-03', exitDate: null, exitPrice: null, investmentClass: 'PUBLIC' };
    const stitched = stitchHistory(oldHistory, newHistory, D);
    const run = computePortfolioDays({
      portfolio: { equityBalance: 10_000 },
      positions: [position],
      dates: tradingDaysBetween('2024-06-03', '2024-06-06'),
      prior: null,
      histories: { OLDT: stitched },
      betas: () => undefined,
    });
    expect(run.map((r) => r.snapshot.dailyPnl)).toEqual([0, 150, 100, 200]);
    expect(run.map((r) => r.snapshot.dailyDividendPnl)).toEqual([0, 50, 0, 100]);
    expect(run.map((r) => r.positions[0]!.marketValue)).toEqual([1_000, 1_100, 1_200, 1_300]);
    expect(run.map((r) => r.positions[0]!.staleDays)).toEqual([0, 0, 0, 0]);
    expect(run.map((r) => r.maxStaleDays)).toEqual([0, 0, 0, 0]);
    expect(run.at(-1)!.snapshot).toMatchObject({ cumulativePnl: 450, cumulativeDividendPnl: 150, cashValue: 9_150, totalValue: 10_450 });
    for (const r of run) expect(r.snapshot.totalValue).toBeCloseTo(r.positions[0]!.marketValue! + r.snapshot.cashValue, 9);
    // Without the continuity the position is stuck at 11 from 06-05 on and misses both moves and the dividend.
    const stuck = computePortfolioDays({
      portfolio: { equityBalance: 10_000 },
      positions: [position],
      dates: tradingDaysBetween('2024-06-03', '2024-06-06'),
      prior: null,
      histories: { OLDT: history([['2024-06-03', 10], ['2024-06-04', 11]], oldHistory.actions) },
      betas: () => undefined,
    });
    expect(stuck.at(-1)!.snapshot.cumulativePnl).toBe(150);
  });

  it("applies the new ticker's split from the change date on (shares in force continue)", () => {
    // NEWT splits 2-for-1 on 06-06: 100 OLDT shares become 200; 200 × 6.5 = 1,300, no P&L from the split.
    const splitNew = history(
      [
        ['2024-06-05', 12],
        ['2024-06-06', 6.5],
      ],
      { splits: [{ date: '2024-06-06', from: 1, to: 2 }], dividends: [] },
    );
    const run = computePortfolioDays({
      portfolio: { equityBalance: 10_000 },
      positions: [{ id: 'P', symbol: 'OLDT', quantity: 100, entryPrice: 10, entryDate: '2024-06-03', exitDate: null, exitPrice: null, investmentClass: 'PUBLIC' }],
      dates: tradingDaysBetween('2024-06-03', '2024-06-06'),
      prior: null,
      histories: { OLDT: stitchHistory(history([['2024-06-03', 10], ['2024-06-04', 11]]), splitNew, D) },
      betas: () => undefined,
    });
    expect(run.map((r) => r.snapshot.dailyPnl)).toEqual([0, 100, 100, 100]);
    expect(run.at(-1)!.positions[0]).toMatchObject({ shares: 200, marketValue: 1_300 });
  });
});

describe('continuous maps and chains', () => {
  const closes = new Map([
    ['OLDT', oldHistory.closes],
    ['NEWT', newHistory.closes],
    ['FINE', [{ date: '2024-06-03', close: 5 }]],
  ]);

  it('replaces only the renamed series, keeps the new ticker under its own name, and is idempotent', () => {
    const once = continuousCloses(closes, [change]);
    expect(once.get('OLDT')!.map((b) => b.close)).toEqual([10, 11, 12, 13]);
    expect(once.get('NEWT')).toBe(newHistory.closes);
    expect(once.get('FINE')).toBe(closes.get('FINE'));
    expect(continuousCloses(once, [change])).toEqual(once);
    const actions = continuousActions(
      new Map([
        ['OLDT', oldHistory.actions],
        ['NEWT', newHistory.actions],
      ]),
      [change],
    );
    expect(actions.get('OLDT')!.dividends.map((d) => d.exDate)).toEqual(['2024-06-04', '2024-06-06']);
  });

  it('gives back the same maps when nothing is renamed', () => {
    expect(continuousCloses(closes, [])).toBe(closes);
    expect(continuousCloses(closes, [{ previousSymbol: 'ELSE', symbol: 'OTHR', date: D }])).toBe(closes);
  });

  it('follows a chain A → B → C and stops at a cycle', () => {
    const chain: TickerChange[] = [
      { previousSymbol: 'BBB', symbol: 'CCC', date: '2024-06-06' },
      { previousSymbol: 'AAA', symbol: 'BBB', date: '2024-06-04' },
    ];
    expect(tickerSegments('AAA', chain)).toEqual([
      { symbol: 'AAA', from: null, until: '2024-06-04' },
      { symbol: 'BBB', from: '2024-06-04', until: '2024-06-06' },
      { symbol: 'CCC', from: '2024-06-06', until: null },
    ]);
    expect(successorsOf('AAA', chain)).toEqual(['BBB', 'CCC']);
    // The tickers to read besides the held ones: each once, none already known.
    expect(successorsBeyond(['AAA', 'BBB', 'XXX'], chain)).toEqual(['CCC']);
    expect(successorsBeyond(['AAA', 'XXX'], chain, new Set(['CCC']))).toEqual(['BBB']);
    expect(successorsBeyond(['AAA'], [])).toEqual([]);
    expect(['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07'].map((d) => tradedAs('AAA', d, chain))).toEqual(['AAA', 'BBB', 'BBB', 'CCC', 'CCC']);
    const stitched = continuousCloses(
      new Map([
        ['AAA', [{ date: '2024-06-03', close: 1 }]],
        ['BBB', [{ date: '2024-06-04', close: 2 }, { date: '2024-06-05', close: 3 }]],
        ['CCC', [{ date: '2024-06-06', close: 4 }, { date: '2024-06-07', close: 5 }]],
      ]),
      chain,
    );
    expect(stitched.get('AAA')!.map((b) => b.close)).toEqual([1, 2, 3, 4, 5]);
    // B → A later would come back to a name the chain went through: it ends at B.
    expect(successorsOf('AAA', [chain[1]!, { previousSymbol: 'BBB', symbol: 'AAA', date: '2024-06-06' }])).toEqual(['BBB']);
  });
});
