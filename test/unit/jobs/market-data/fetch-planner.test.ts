import { describe, expect, it } from 'vitest';
import { nextTradingDay, previousTradingDay, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import {
  barsForScope,
  coalesceGaps,
  looksLikeMutualFund,
  mergeCoverage,
  missingDays,
  planFallbackRanges,
  planFetch,
  widenToCoverage,
} from '../../../../jobs/market-data/fetch-planner.js';
import type { CoverageWindow } from '../../../../jobs/market-data/fetch-planner.js';

const days = tradingDaysBetween('2024-03-01', '2024-03-29'); // 20 trading days (Good Friday 2024-03-29 closed)
const adjacent = (a: string, b: string): boolean => a < b && nextTradingDay(a) >= b;

function allMissing(symbols: string[], window = days): Map<string, string[]> {
  return new Map(symbols.map((s) => [s, [...window]]));
}

describe('coalesceGaps', () => {
  it('joins consecutive trading days across weekends and splits at cached days', () => {
    // 2024-03-08 (Fri) and 2024-03-11 (Mon) are consecutive trading days.
    expect(coalesceGaps(['2024-03-07', '2024-03-08', '2024-03-11', '2024-03-14', '2024-03-15'], days)).toEqual([
      { from: '2024-03-07', to: '2024-03-11' },
      { from: '2024-03-14', to: '2024-03-15' },
    ]);
    expect(coalesceGaps([], days)).toEqual([]);
  });
});

describe('missingDays', () => {
  it('drops days inside the coverage window and days outside the run window', () => {
    const coverage = new Map<string, CoverageWindow>([['AAPL', { from: '2024-03-01', to: '2024-03-15' }]]);
    const m = missingDays({ symbols: ['AAPL', 'MSFT', 'AAPL'], days, uncached: allMissing(['AAPL', 'MSFT']), coverage });
    expect(m.get('AAPL')).toEqual(tradingDaysBetween('2024-03-18', '2024-03-28'));
    expect(m.get('MSFT')).toHaveLength(days.length);
    expect([...m.keys()]).toEqual(['AAPL', 'MSFT']);
  });
});

describe('planFetch', () => {
  it('plans one range call per symbol for a backfill, and nothing for cached symbols', () => {
    const uncached = allMissing(['AAPL', 'MSFT', 'SPY']);
    uncached.delete('SPY');
    const plan = planFetch({ symbols: ['AAPL', 'MSFT', 'SPY'], days, uncached, coverage: new Map() });
    expect(plan.strategy).toBe('range');
    expect(plan.rangeCalls).toEqual([
      { symbol: 'AAPL', from: days[0], to: days.at(-1) },
      { symbol: 'MSFT', from: days[0], to: days.at(-1) },
    ]);
    expect(plan.alreadyCached).toEqual(['SPY']);
    expect(plan.callsPlanned).toBe(2);
    expect(plan.naiveCalls).toBe(2 * days.length);
  });

  it('covers two gaps of one symbol with a single range call', () => {
    const uncached = new Map([['AAPL', ['2024-03-04', '2024-03-05', '2024-03-20', '2024-03-21']]]);
    const plan = planFetch({ symbols: ['AAPL'], days, uncached, coverage: new Map() });
    expect(plan.needs[0]!.gaps).toEqual([
      { from: '2024-03-04', to: '2024-03-05' },
      { from: '2024-03-20', to: '2024-03-21' },
    ]);
    expect(plan.rangeCalls).toEqual([{ symbol: 'AAPL', from: '2024-03-04', to: '2024-03-21' }]);
    expect(plan.callsPlanned).toBe(1);
  });

  it('uses one grouped call per date when many symbols miss the same few days', () => {
    const symbols = Array.from({ length: 1200 }, (_, i) => `S${String(i).padStart(4, '0')}`);
    const one = planFetch({ symbols, days, uncached: new Map(symbols.map((s) => [s, ['2024-03-28']])), coverage: new Map() });
    expect(one.strategy).toBe('grouped');
    expect(one.groupedDates).toEqual(['2024-03-28']);
    expect(one.rangeCalls).toEqual([]);
    expect(one.callsPlanned).toBe(1);

    const five = tradingDaysBetween('2024-03-22', '2024-03-28');
    const plan5 = planFetch({ symbols, days, uncached: new Map(symbols.map((s) => [s, five])), coverage: new Map() });
    expect(plan5.groupedDates).toEqual(five);
    expect(plan5.callsPlanned).toBe(5);
    expect(plan5.naiveCalls).toBe(6000);
  });

  it('prefers range calls when grouped daily would cost as much or more', () => {
    const plan = planFetch({ symbols: ['AAPL', 'MSFT'], days, uncached: new Map([['AAPL', ['2024-03-28']], ['MSFT', ['2024-03-27', '2024-03-28']]]), coverage: new Map() });
    expect(plan.strategy).toBe('range');
    expect(plan.callsPlanned).toBe(2);
  });

  it('mixes: grouped for the many symbols missing one day, range for a newly onboarded few', () => {
    const symbols = Array.from({ length: 50 }, (_, i) => `T${String(i).padStart(3, '0')}`);
    const uncached = new Map<string, string[]>(symbols.map((s) => [s, ['2024-03-28']]));
    uncached.set('NEW1', [...days]);
    uncached.set('NEW2', [...days]);
    const plan = planFetch({ symbols: [...symbols, 'NEW1', 'NEW2'], days, uncached, coverage: new Map() });
    expect(plan.strategy).toBe('mixed');
    expect(plan.groupedDates).toEqual(['2024-03-28']);
    expect(plan.rangeCalls.map((c) => c.symbol)).toEqual(['NEW1', 'NEW2']);
    expect(plan.callsPlanned).toBe(3);
  });

  it('always gives grouped-ineligible symbols (mutual funds) a range call', () => {
    const symbols = ['AAPL', 'MSFT', 'NVDA', 'GGIPX'];
    const uncached = new Map(symbols.map((s) => [s, ['2024-03-28']]));
    const plan = planFetch({ symbols, days, uncached, coverage: new Map(), groupedIneligible: new Set(['GGIPX']) });
    expect(plan.groupedDates).toEqual(['2024-03-28']);
    expect(plan.groupedSymbols).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(plan.rangeCalls).toEqual([{ symbol: 'GGIPX', from: '2024-03-28', to: '2024-03-28' }]);
    expect(looksLikeMutualFund('GGIPX')).toBe(true);
    expect(looksLikeMutualFund('GOOGL')).toBe(false);
    expect(looksLikeMutualFund('AAPL')).toBe(false);
  });

  it('asks for nothing when every uncached day was already asked (empty coverage for a fund)', () => {
    const coverage = new Map<string, CoverageWindow>([['NEAIX', { from: days[0]!, to: days.at(-1)! }]]);
    const plan = planFetch({ symbols: ['NEAIX'], days, uncached: allMissing(['NEAIX']), coverage });
    expect(plan.callsPlanned).toBe(0);
    expect(plan.alreadyCached).toEqual(['NEAIX']);
    expect(plan.strategy).toBe('none');
  });

  it('can be told not to use grouped daily', () => {
    const symbols = ['A1', 'A2', 'A3'];
    const plan = planFetch({ symbols, days, uncached: new Map(symbols.map((s) => [s, ['2024-03-28']])), coverage: new Map(), allowGrouped: false });
    expect(plan.strategy).toBe('range');
    expect(plan.callsPlanned).toBe(3);
  });
});

describe('grouped results and fallbacks', () => {
  it('keeps only in-scope symbols of a grouped answer', () => {
    const grouped = new Map([['AAPL', 1], ['MSFT', 2], ['ZZZQ', 3], ['SPY', 4]]);
    expect([...barsForScope(grouped, ['AAPL', 'SPY', 'GGIPX']).keys()]).toEqual(['AAPL', 'SPY']);
  });

  it('plans one range call per symbol grouped daily lacked', () => {
    expect(planFallbackRanges(new Map([['NEAIX', ['2024-03-28', '2024-03-27']], ['AAPL', []]]))).toEqual([
      { symbol: 'NEAIX', from: '2024-03-27', to: '2024-03-28' },
    ]);
  });
});

describe('coverage', () => {
  it('merges windows that overlap or touch, replaces disjoint ones', () => {
    expect(mergeCoverage(undefined, { from: '2024-03-01', to: '2024-03-08' }, adjacent)).toEqual({ from: '2024-03-01', to: '2024-03-08' });
    expect(mergeCoverage({ from: '2024-03-01', to: '2024-03-08' }, { from: '2024-03-11', to: '2024-03-12' }, adjacent)).toEqual({ from: '2024-03-01', to: '2024-03-12' });
    expect(mergeCoverage({ from: '2024-03-05', to: '2024-03-08' }, { from: '2024-03-01', to: '2024-03-06' }, adjacent)).toEqual({ from: '2024-03-01', to: '2024-03-08' });
    expect(mergeCoverage({ from: '2024-03-01', to: '2024-03-04' }, { from: '2024-03-20', to: '2024-03-21' }, adjacent)).toEqual({ from: '2024-03-20', to: '2024-03-21' });
  });

  it('widens a range call to touch the coverage window without adding a call', () => {
    const call = { symbol: 'AAPL', from: '2024-03-20', to: '2024-03-21' };
    expect(widenToCoverage(call, { from: '2024-03-01', to: '2024-03-08' }, nextTradingDay, previousTradingDay)).toEqual({ symbol: 'AAPL', from: '2024-03-11', to: '2024-03-21' });
    expect(widenToCoverage(call, { from: '2024-03-25', to: '2024-03-28' }, nextTradingDay, previousTradingDay)).toEqual({ symbol: 'AAPL', from: '2024-03-20', to: '2024-03-22' });
    expect(widenToCoverage(call, undefined, nextTradingDay, previousTradingDay)).toBe(call);
  });
});
