import { describe, expect, it } from 'vitest';
import { estimatedMarketPages, planCorporateActions, tickerChangesOf } from '../../../../jobs/market-data/corporate-action-planner.js';
import type { CorporateActionPlannerInput } from '../../../../jobs/market-data/corporate-action-planner.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';

const DAY = 86_400_000;
const tradingDaysSince = (since: string, asOf: string): number => Math.max(0, tradingDaysBetween(since, asOf).length - 1);

function input(over: Partial<CorporateActionPlannerInput>): CorporateActionPlannerInput {
  return { symbols: [], asOf: '2025-06-30', checkedThrough: new Map(), profileAgeMs: new Map(), tradingDaysSince, ...over };
}

const through = (kind: 'splits' | 'dividends' | 'ticker_events', entries: [string, string][]): [typeof kind, Map<string, string>] => [kind, new Map(entries)];

describe('corporate-action planner', () => {
  it('first sight: the whole history per symbol and endpoint, ticker details once each', () => {
    const p = planCorporateActions(input({ symbols: ['MSFT', 'AAPL', 'AAPL'] }));
    expect(p.listCalls).toEqual([
      { kind: 'splits', symbol: 'AAPL', covers: ['AAPL'], estimatedPages: 1 },
      { kind: 'splits', symbol: 'MSFT', covers: ['MSFT'], estimatedPages: 1 },
      { kind: 'dividends', symbol: 'AAPL', covers: ['AAPL'], estimatedPages: 1 },
      { kind: 'dividends', symbol: 'MSFT', covers: ['MSFT'], estimatedPages: 1 },
    ]);
    expect(p.details).toEqual(['AAPL', 'MSFT']);
    expect(p.events).toEqual([]);
    expect(p.callsPlanned).toBe(6);
  });

  it('nightly over many symbols: one market-wide call per endpoint since the oldest check', () => {
    const symbols = Array.from({ length: 1200 }, (_, i) => `S${i}`);
    const seen = symbols.map((s, i) => [s, i === 7 ? '2025-06-26' : '2025-06-27'] as [string, string]);
    const p = planCorporateActions(
      input({
        symbols,
        checkedThrough: new Map([through('splits', seen), through('dividends', seen), through('ticker_events', seen)]),
        profileAgeMs: new Map(symbols.map((s) => [s, DAY])),
      }),
    );
    expect(p.updateMode).toEqual({ splits: 'market-wide', dividends: 'market-wide' });
    expect(p.listCalls.map((c) => [c.kind, c.symbol, c.since, c.covers.length, c.estimatedPages])).toEqual([
      ['splits', undefined, '2025-06-26', 1200, 1],
      // 2 trading days x 300 ex-dates a day: one page of 1,000.
      ['dividends', undefined, '2025-06-26', 1200, 1],
    ]);
    expect(p.details).toEqual([]);
    expect(p.events).toEqual([]);
    expect(p.callsPlanned).toBe(2);
  });

  it('picks per-symbol calls when they are fewer than the market-wide pages', () => {
    const seen: [string, string][] = [['AAPL', '2024-06-28']];
    const p = planCorporateActions(input({ symbols: ['AAPL'], checkedThrough: new Map([through('splits', seen), through('dividends', seen)]) }));
    expect(p.updateMode).toEqual({ splits: 'per-symbol', dividends: 'per-symbol' });
    expect(p.listCalls).toEqual([
      { kind: 'splits', symbol: 'AAPL', since: '2024-06-28', covers: ['AAPL'], estimatedPages: 1 },
      { kind: 'dividends', symbol: 'AAPL', since: '2024-06-28', covers: ['AAPL'], estimatedPages: 1 },
    ]);
    // A year of the market's ex-dates is ~76 pages: 40 symbols are cheaper one by one, 100 are not.
    expect(estimatedMarketPages('dividends', 252)).toBe(76);
    const many = (n: number): string[] => Array.from({ length: n }, (_, i) => `T${i}`);
    const mode = (n: number): string =>
      planCorporateActions(input({ symbols: many(n), checkedThrough: new Map([through('dividends', many(n).map((s) => [s, '2024-06-28']))]) })).updateMode.dividends;
    expect(mode(40)).toBe('per-symbol');
    expect(mode(100)).toBe('market-wide');
  });

  it('mixes first sight and updates; a symbol checked through asOf needs nothing; profiles refresh monthly; events of inactive symbols once', () => {
    const seen: [string, string][] = [
      ['AAPL', '2025-06-27'],
      ['MSFT', '2025-06-27'],
      ['NVDA', '2025-06-30'],
    ];
    const p = planCorporateActions(
      input({
        symbols: ['AAPL', 'MSFT', 'NVDA', 'NEWX', 'GONE'],
        inactive: new Set(['GONE', 'NVDA']),
        checkedThrough: new Map([through('splits', seen), through('dividends', seen), through('ticker_events', seen)]),
        profileAgeMs: new Map([
          ['AAPL', 29 * DAY],
          ['MSFT', 31 * DAY],
          ['NVDA', DAY],
          ['GONE', DAY],
        ]),
      }),
    );
    expect(p.listCalls.filter((c) => c.symbol === 'NEWX' && c.since === undefined)).toHaveLength(2);
    expect(p.listCalls.filter((c) => c.symbol === 'GONE' && c.since === undefined)).toHaveLength(2);
    expect(p.listCalls.filter((c) => c.symbol === undefined).map((c) => c.covers)).toEqual([
      ['AAPL', 'MSFT'],
      ['AAPL', 'MSFT'],
    ]);
    expect(p.details).toEqual(['MSFT', 'NEWX']);
    // NVDA's events were read already; GONE's never.
    expect(p.events).toEqual(['GONE']);
    expect(p.callsPlanned).toBe(4 + 2 + 2 + 1);
  });

  it('turns ticker events into ticker changes', () => {
    expect(
      tickerChangesOf([
        { date: '2012-05-18', ticker: 'FB' },
        { date: '2022-06-09', ticker: 'META' },
        { date: '2023-01-01', ticker: 'META' },
      ]),
    ).toEqual([{ previousSymbol: 'FB', symbol: 'META', date: '2022-06-09' }]);
    expect(tickerChangesOf([{ date: '2012-05-18', ticker: 'FB' }])).toEqual([]);
  });
});
