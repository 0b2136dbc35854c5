/**
 * Vendor calls and wall time of the market-data plane on realistic workloads, bars and corporate
 * actions (splits, dividends, ticker details and events) together, next to the naive strategy (bars:
 * one call per symbol per missing date; corporate actions: one splits and one dividends call per
 * symbol every night). Runs against the Polygon simulator with a paid-plan limit and a scratch
 * database (DATABASE_URL, else an embedded PostgreSQL). Prints figures, with the free plan's ETA
 * (calls x 12.5 s); asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { addTradingDays, tradingDaysBetween } from '../jobs/calc/trading-calendar.js';
import { FACTOR_PROXIES } from '../jobs/calc/factors.js';
import { createLimiter, limiterSettings } from '../jobs/market-data/limiter.js';
import { createMarketData } from '../jobs/market-data/market-data.js';
import type { EnsureBarsResult } from '../jobs/market-data/market-data.js';
import { createPolygonClient } from '../jobs/market-data/polygon-client.js';
import { simulatedUniverse, startPolygonSim } from '../jobs/market-data/polygon-sim.js';
import { BarModel } from '../db/models/bar.model.js';
import { PriceCoverageModel } from '../db/models/price-coverage.model.js';
import { CorporateActionCoverageModel } from '../db/models/corporate-action-coverage.model.js';
import { SymbolProfileModel } from '../db/models/symbol-profile.model.js';
import { createKnex, migrateLatest } from '../db/knex.js';
import { scratchDatabase } from './scratch-db.js';

const LOOKBACK = 180;
const TARGET = '2025-06-30';
const PAID = { callsPerSecond: 50, maxConcurrent: 8 };
const KEY = 'bench-key';
const FUNDS = ['GGIPX', 'GINDX', 'NEAIX'];
const PORTFOLIO = [...FUNDS, 'GOVT', 'IAU', 'IEFA', 'MUB', 'VO', 'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'];
const ONBOARD_SCOPE = [...PORTFOLIO, ...FACTOR_PROXIES];

const freeMinTime = limiterSettings({ plan: 'free' }).minTimeMs;
const paidMinTime = limiterSettings({ plan: 'paid', ...PAID }).minTimeMs;

interface Row {
  workload: string;
  strategy: string;
  calls: number;
  /** Of which splits, dividends, ticker details and events. */
  caCalls: number;
  caStrategy: string;
  naiveCaCalls: number;
  wallMs: number;
  naiveCalls: number;
  barsWritten: number;
}

function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const db = createKnex({ url: scratch.url, poolMax: 10 });
  await migrateLatest(db);
  // The simulator enforces a paid-plan-like ceiling above the limiter's cap: any 429 would show in the figures.
  const sim = await startPolygonSim({ apiKey: KEY, rateLimit: { calls: 100, windowMs: 1000 }, lastDate: TARGET });
  const logger = pino({ level: 'warn' });
  const limiter = createLimiter({ plan: 'paid', ...PAID, logger });
  const client = createPolygonClient({ baseUrl: sim.url, apiKey: KEY, limiter, logger });
  const md = createMarketData({ db, client, logger, limiter });
  const rows: Row[] = [];

  const measure = async (workload: string, symbols: string[], from: string, to: string, firstSight: boolean): Promise<EnsureBarsResult> => {
    sim.reset();
    const t0 = performance.now();
    const r = await md.ensureBars(symbols, from, to, { corporateActions: { asOf: to } });
    const wallMs = performance.now() - t0;
    const reqs = sim.requests();
    const made = reqs.length;
    const caCalls = reqs.filter((q) => q.kind !== 'range' && q.kind !== 'grouped').length;
    const s = r.plan;
    const strategy = s.strategy === 'none' ? 'none' : `${s.groupedDates} grouped + ${s.rangeCalls + s.fallbackRangeCalls} range`;
    const ca = r.corporateActions!;
    const caStrategy = ca.listCalls + ca.detailsCalls + ca.eventsCalls === 0 ? 'none' : `splits ${ca.updateMode.splits}, dividends ${ca.updateMode.dividends}; ${ca.detailsCalls} details, ${ca.eventsCalls} events`;
    // Naive: one splits and one dividends call per symbol each time (plus details and events on first sight).
    const naiveCaCalls = symbols.length * (firstSight ? 4 : 2);
    rows.push({ workload, strategy, calls: made, caCalls, caStrategy, naiveCaCalls, wallMs, naiveCalls: s.naiveCalls, barsWritten: r.barsWritten });
    if (r.calls.rateLimited > 0 || r.failed.length > 0) console.warn(`${workload}: ${r.calls.rateLimited} rate-limited, ${r.failed.length} failed`);
    return r;
  };

  try {
    const nightlyDay = TARGET;
    const lastSeeded = addTradingDays(TARGET, -5);
    const onboardTo = lastSeeded;
    const onboardFrom = addTradingDays(onboardTo, -(254 + LOOKBACK - 1));

    // 1. Onboarding: 13 positions + 8 factor ETFs over 254 days plus 180 days of lookback.
    await measure(`onboarding: ${ONBOARD_SCOPE.length} symbols x ${tradingDaysBetween(onboardFrom, onboardTo).length} days`, ONBOARD_SCOPE, onboardFrom, onboardTo, true);
    await measure('onboarding again (all cached)', ONBOARD_SCOPE, onboardFrom, onboardTo, false);

    // Seed 1,179 more symbols as earlier nightly runs would have left them, up to the day before the
    // first nightly workload below.
    const others = simulatedUniverse(1200 - ONBOARD_SCOPE.length);
    const seedFrom = addTradingDays(lastSeeded, -(LOOKBACK + 10));
    const seedTo = addTradingDays(lastSeeded, -1);
    const t0 = performance.now();
    for (let i = 0; i < others.length; i += 200) {
      const chunk = others.slice(i, i + 200);
      await BarModel.upsertMany(
        db,
        chunk.flatMap((symbol) =>
          sim.model.bars(symbol, seedFrom, seedTo, { adjusted: false }).map((b) => ({ symbol, date: b.date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, source: 'polygon' })),
        ),
      );
    }
    await PriceCoverageModel.upsertMany(db, others.map((symbol) => ({ symbol, from: seedFrom, to: seedTo })));
    // Their corporate actions as checked by the previous night, and profiles fetched this month.
    await CorporateActionCoverageModel.upsertMany(
      db,
      others.flatMap((symbol) => (['splits', 'dividends', 'ticker_events'] as const).map((kind) => ({ symbol, kind, checkedThrough: seedTo }))),
    );
    await SymbolProfileModel.upsertMany(
      db,
      others.map((symbol) => ({
        symbol,
        status: 'ok' as const,
        name: null,
        type: 'CS',
        market: 'stocks',
        primaryExchange: null,
        active: true,
        listDate: null,
        delistedOn: null,
        sicCode: null,
        sicDescription: null,
        sector: 'Unknown',
        marketCap: null,
        sharesOutstanding: null,
      })),
    );
    const seedMs = performance.now() - t0;
    const universe = [...ONBOARD_SCOPE, ...others];

    // 2. Nightly: 1,200 symbols, one new day (window: the day plus its 180-day lookback).
    const oneFrom = addTradingDays(lastSeeded, -LOOKBACK);
    await measure(`nightly: ${universe.length} symbols x 1 new day`, universe, oneFrom, lastSeeded, false);
    // 3. Nightly after 5 missed nights.
    const fiveFrom = addTradingDays(nightlyDay, -(LOOKBACK + 4));
    await measure(`nightly: ${universe.length} symbols x 5 missed days`, universe, fiveFrom, nightlyDay, false);
    await measure('nightly again (all cached)', universe, fiveFrom, nightlyDay, false);

    console.log('\nmarket-data bench (Polygon simulator, paid-plan limiter: %d calls/s, %d concurrent)', PAID.callsPerSecond, PAID.maxConcurrent);
    console.log('seeding 1,179 symbols into the cache (not a vendor workload): %s\n', fmtDuration(seedMs));
    const header = ['workload', 'bars plan', 'corporate-action plan', 'vendor calls', 'of which CA', 'wall time', 'bars written', 'naive calls*', 'naive @paid**', 'free plan: planned', 'free plan: naive'];
    const table = rows.map((r) => [
      r.workload,
      r.strategy,
      r.caStrategy,
      String(r.calls),
      String(r.caCalls),
      fmtDuration(r.wallMs),
      String(r.barsWritten),
      String(r.naiveCalls + r.naiveCaCalls),
      fmtDuration((r.naiveCalls + r.naiveCaCalls) * paidMinTime),
      fmtDuration(r.calls * freeMinTime),
      fmtDuration((r.naiveCalls + r.naiveCaCalls) * freeMinTime),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const t of table) console.log(line(t));
    console.log('\n*  naive = bars: one call per symbol per missing date; corporate actions: one splits and one dividends call per symbol (plus details and events on first sight); counted, not executed.');
    console.log(`** lower bound at the paid limiter's spacing (${paidMinTime} ms per call); free-plan columns use ${freeMinTime} ms per call (5 calls/min).`);
    console.log(`limiter totals: ${JSON.stringify(limiter.counters())}`);
  } finally {
    await client.close();
    await limiter.close();
    await sim.close();
    await db.destroy();
    await scratch.drop();
  }
}

await main();
