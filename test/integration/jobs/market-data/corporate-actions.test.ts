import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { loadCorporateActions } from '../../../../jobs/market-data/corporate-actions.js';
import { createLimiter } from '../../../../jobs/market-data/limiter.js';
import { createMarketData } from '../../../../jobs/market-data/market-data.js';
import { createPolygonClient } from '../../../../jobs/market-data/polygon-client.js';
import { defaultSimUniverse, simulatedEventCast, startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import type { PolygonSim, PolygonSimOptions, RecordedRequest } from '../../../../jobs/market-data/polygon-sim.js';
import { CashDividendModel } from '../../../../db/models/cash-dividend.model.js';
import { StockSplitModel } from '../../../../db/models/stock-split.model.js';
import { SymbolProfileModel } from '../../../../db/models/symbol-profile.model.js';
import { TickerChangeModel } from '../../../../db/models/ticker-change.model.js';
import { createTestDatabase } from '../../../helpers/db.js';
import type { TestDatabase } from '../../../helpers/db.js';

const KEY = 'pk_corporate_1a2b3c4d5e6f';
const logger = pino({ level: 'silent' });
const PORTFOLIO = ['AAPL', 'MSFT', 'NVDA', 'GOVT', 'IAU', 'GOOGL', 'TLT'];
const SCOPE = [...new Set([...PORTFOLIO, ...FACTOR_PROXIES])].sort();
const TODAY = '2025-07-15';
const AS_OF = '2025-06-30';
const FROM = addTradingDays(AS_OF, -60);

const open: { close(): Promise<void> }[] = [];

async function harness(db: TestDatabase, simOpts: PolygonSimOptions = {}): Promise<{ sim: PolygonSim; md: ReturnType<typeof createMarketData> }> {
  const sim = await startPolygonSim({ apiKey: KEY, lastDate: TODAY, ...simOpts });
  const limiter = createLimiter({ plan: 'paid', callsPerSecond: 500, maxConcurrent: 8, retry: { baseDelayMs: 5, maxDelayMs: 50 }, logger });
  const client = createPolygonClient({ baseUrl: sim.url, apiKey: KEY, limiter, logger });
  open.push(client, limiter, sim);
  return { sim, md: createMarketData({ db: db.knex, client, logger, limiter }) };
}

const byKind = (reqs: RecordedRequest[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of reqs) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
  await db.destroy();
});

describe('corporate actions through the market-data port', () => {
  it('first sight: per symbol the whole history of splits and dividends and the ticker details, counted with the bars', async () => {
    const { sim, md } = await harness(db);
    const progress: { done: number; planned: number }[] = [];
    const r = await md.ensureBars(SCOPE, FROM, AS_OF, {
      corporateActions: { asOf: AS_OF },
      onProgress: (p) => void progress.push({ done: p.callsDone, planned: p.callsPlanned }),
    });
    const reqs = sim.requests();
    const kinds = byKind(reqs);
    expect(kinds).toEqual({ range: SCOPE.length, splits: SCOPE.length, dividends: SCOPE.length, 'ticker-details': SCOPE.length });
    expect(reqs.filter((q) => q.kind === 'splits' || q.kind === 'dividends').every((q) => q.ticker !== undefined)).toBe(true);
    expect(r.calls.made).toBe(reqs.length);
    expect(r.calls.planned).toBe(reqs.length);
    expect(progress.at(-1)).toEqual({ done: reqs.length, planned: reqs.length });
    expect(r.corporateActions?.failed).toEqual([]);

    // Stored exactly as the vendor lists them.
    const splits = await StockSplitModel.bySymbols(db.knex, SCOPE);
    for (const s of SCOPE) {
      expect(splits.get(s)!.map((x) => [x.executionDate, x.from, x.to])).toEqual(sim.model.splits({ ticker: s }).map((x) => [x.execution_date, x.split_from, x.split_to]));
    }
    expect([...splits.values()].flat().length).toBeGreaterThan(0);
    const dividends = await CashDividendModel.bySymbols(db.knex, ['TLT', 'AAPL']);
    expect(dividends.get('TLT')!.length).toBe(sim.model.dividends({ ticker: 'TLT' }).length);
    expect(dividends.get('TLT')!.length).toBeGreaterThan(5);
    const profiles = await SymbolProfileModel.bySymbols(db.knex, ['AAPL', 'SPY']);
    expect(profiles.get('AAPL')).toMatchObject({ status: 'ok', active: true, sector: 'Information Technology' });
    expect(profiles.get('SPY')).toMatchObject({ status: 'ok', sector: 'ETF' });
    const ca = await loadCorporateActions(db.knex, ['AAPL']);
    expect(ca.get('AAPL')!.dividends.length).toBe(sim.model.dividends({ ticker: 'AAPL' }).length);

    // Asked again through the same day: nothing.
    sim.reset();
    const again = await md.ensureBars(SCOPE, FROM, AS_OF, { corporateActions: { asOf: AS_OF } });
    expect(sim.requests()).toEqual([]);
    expect(again.calls.planned).toBe(0);
  });

  it('nightly: one market-wide call per endpoint since the last check, kept to the symbols in scope; a new symbol gets its history', async () => {
    const { sim, md } = await harness(db);
    const next = addTradingDays(AS_OF, 1);
    const r = await md.ensureBars([...SCOPE, 'AMZN'], FROM, next, { corporateActions: { asOf: next } });
    const reqs = sim.requests();
    const wide = reqs.filter((q) => (q.kind === 'splits' || q.kind === 'dividends') && q.ticker === undefined);
    expect(wide.map((q) => q.kind).sort()).toEqual(['dividends', 'splits']);
    for (const q of wide) expect(q.path).toMatch(/(execution_date|ex_dividend_date)\.gte=2025-06-30/);
    expect(reqs.filter((q) => q.ticker === 'AMZN').map((q) => q.kind).sort()).toEqual(['dividends', 'range', 'splits', 'ticker-details']);
    expect(reqs.filter((q) => q.kind === 'ticker-details' || q.kind === 'ticker-events').every((q) => q.ticker === 'AMZN')).toBe(true);
    expect(r.corporateActions?.updateMode).toEqual({ splits: 'market-wide', dividends: 'market-wide' });
    expect(r.calls.made).toBe(reqs.length);
    // The market-wide answer listed other tickers too; none of them was stored.
    const scope = new Set([...SCOPE, 'AMZN']);
    const listed = sim.model.dividends({ tickers: defaultSimUniverse() }).filter((d) => d.ex_dividend_date >= AS_OF);
    expect(listed.filter((d) => !scope.has(d.ticker)).length).toBeGreaterThan(0);
    const rows = await db.knex('cash_dividends').distinct('symbol').pluck('symbol');
    expect(rows.every((s: string) => scope.has(s))).toBe(true);
    // and every in-scope dividend it listed was stored.
    const stored = await CashDividendModel.bySymbols(db.knex, [...scope]);
    for (const d of listed.filter((x) => scope.has(x.ticker))) expect(stored.get(d.ticker)!.map((x) => x.exDate)).toContain(d.ex_dividend_date);
  });

  it('records the ticker change and the delisting the vendor reports', async () => {
    const cast = simulatedEventCast();
    const renamed = cast.tickerChanges.find((c) => c.date <= AS_OF)!;
    const delisted = cast.delistings.find((d) => d.date <= AS_OF)!;
    const { md } = await harness(db);
    const r = await md.ensureBars([renamed.ticker, delisted.ticker], FROM, AS_OF, { corporateActions: { asOf: AS_OF } });
    expect(r.corporateActions?.failed).toEqual([]);
    const changes = await TickerChangeModel.involving(db.knex, [renamed.ticker]);
    expect(changes).toContainEqual({ previousSymbol: renamed.ticker, symbol: renamed.newTicker, date: renamed.date });
    const profile = (await SymbolProfileModel.bySymbols(db.knex, [delisted.ticker])).get(delisted.ticker);
    expect(profile).toMatchObject({ active: false, delistedOn: delisted.date });
    expect(r.corporateActions?.inactive.map((i) => i.symbol)).toContain(delisted.ticker);
  });

  it('a body cut short on a corporate-action call is retried and stored; a failed call leaves its coverage for the next run', async () => {
    const fresh = await createTestDatabase();
    open.push({ close: () => fresh.destroy() });
    const { sim, md } = await harness(fresh, { faults: { truncatedBodyEveryNth: 2, kinds: ['splits', 'dividends'] } });
    const r = await md.ensureBars(['AAPL', 'MSFT'], FROM, AS_OF, { corporateActions: { asOf: AS_OF } });
    expect(r.corporateActions?.failed).toEqual([]);
    expect(sim.requests().filter((q) => q.fault === 'truncated-body').length).toBeGreaterThan(0);
    expect((await StockSplitModel.bySymbols(fresh.knex, ['AAPL'])).get('AAPL')!.length).toBe(sim.model.splits({ ticker: 'AAPL' }).length);

    sim.setFaults({ forbiddenTickers: ['NVDA'] });
    const denied = await md.ensureBars(['NVDA'], FROM, AS_OF, { corporateActions: { asOf: AS_OF } });
    expect(denied.corporateActions?.failed.map((f) => f.kind).sort()).toEqual(['dividends', 'splits', 'ticker_details']);
    sim.setFaults({});
    sim.reset();
    const healed = await md.ensureBars(['NVDA'], FROM, AS_OF, { corporateActions: { asOf: AS_OF } });
    expect(healed.corporateActions?.failed).toEqual([]);
    expect(byKind(sim.requests())).toEqual({ range: 1, splits: 1, dividends: 1, 'ticker-details': 1 });
    expect(tradingDaysBetween(FROM, AS_OF).length).toBe(61);
  });
});
