import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays, nextTradingDay, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { PolygonAuthError } from '../../../../jobs/market-data/errors.js';
import { createLimiter } from '../../../../jobs/market-data/limiter.js';
import type { CallLimiter, LimiterOptions } from '../../../../jobs/market-data/limiter.js';
import { createMarketData } from '../../../../jobs/market-data/market-data.js';
import { createPolygonClient } from '../../../../jobs/market-data/polygon-client.js';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { simulatedUniverse, startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import type { PolygonSim, PolygonSimOptions, RecordedRequest } from '../../../../jobs/market-data/polygon-sim.js';
import { BarModel } from '../../../../db/models/bar.model.js';
import { PriceCoverageModel } from '../../../../db/models/price-coverage.model.js';
import { createTestDatabase } from '../../../helpers/db.js';
import type { TestDatabase } from '../../../helpers/db.js';

const KEY = 'pk_integration_4e5f6a7b8c9d';
const logger = pino({ level: 'silent' });

const FUNDS = ['GGIPX', 'GINDX', 'NEAIX'];
const PORTFOLIO = [...FUNDS, 'GOVT', 'IAU', 'IEFA', 'MUB', 'VO', 'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'];
const SCOPE = [...PORTFOLIO, ...FACTOR_PROXIES];
const TO = '2025-06-30';
const FROM = addTradingDays(TO, -253);
const DAYS = tradingDaysBetween(FROM, TO);

let db: TestDatabase;
const open: { close(): Promise<void> }[] = [];

interface Harness {
  sim: PolygonSim;
  limiter: CallLimiter;
  md: ReturnType<typeof createMarketData>;
}

async function harness(simOpts: PolygonSimOptions = {}, limiterOpts: LimiterOptions = { plan: 'paid', callsPerSecond: 500, maxConcurrent: 8, retry: { baseDelayMs: 5, maxDelayMs: 100 } }, apiKey = KEY): Promise<Harness> {
  const sim = await startPolygonSim({ apiKey: KEY, ...simOpts });
  const limiter = createLimiter({ ...limiterOpts, logger });
  const client = createPolygonClient({ baseUrl: sim.url, apiKey, limiter, logger });
  open.push(client, limiter, sim);
  return { sim, limiter, md: createMarketData({ db: db.knex, client, logger, limiter }) };
}

function rangeRequestsBySymbol(reqs: RecordedRequest[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of reqs) if (r.kind === 'range') m.set(r.ticker!, (m.get(r.ticker!) ?? 0) + 1);
  return m;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const o of open.reverse()) await o.close();
  await db.destroy();
});

describe('ensureBars against the simulator', () => {
  it('onboarding: one range call per symbol over 254 days; funds end unavailable', async () => {
    expect(DAYS).toHaveLength(254);
    const { sim, md } = await harness();
    const progress: number[] = [];
    const r = await md.ensureBars(SCOPE, FROM, TO, { onProgress: (p) => void progress.push(p.callsDone) });

    const reqs = sim.requests();
    expect(reqs.every((q) => q.kind === 'range')).toBe(true);
    const perSymbol = rangeRequestsBySymbol(reqs);
    expect([...perSymbol.keys()].sort()).toEqual([...SCOPE].sort());
    expect([...perSymbol.values()].every((n) => n === 1)).toBe(true);
    expect(r.calls).toEqual({ planned: 21, made: 21, retried: 0, rateLimited: 0 });
    expect(r.plan.strategy).toBe('range');
    expect(progress).toHaveLength(21);

    expect(r.fetched).toHaveLength(18);
    expect(r.fetched.every((f) => f.bars === 254)).toBe(true);
    expect(r.barsWritten).toBe(18 * 254);
    expect(r.unavailable.map((u) => u.symbol).sort()).toEqual([...FUNDS].sort());
    expect(r.failed).toEqual([]);

    const statuses = await db.knex('symbol_universe').select('symbol', 'price_status', 'unavailable_reason').whereIn('symbol', SCOPE);
    for (const s of statuses as { symbol: string; price_status: string; unavailable_reason: string | null }[]) {
      if (FUNDS.includes(s.symbol)) {
        expect(s.price_status).toBe('unavailable');
        expect(s.unavailable_reason).toMatch(/no daily bars/);
      } else {
        expect(s.price_status).toBe('ok');
      }
    }
    const coverage = await db.knex('price_coverage').select('symbol', 'covered_from', 'covered_to').whereIn('symbol', SCOPE);
    expect(coverage).toHaveLength(21);
    expect(coverage.every((c: { covered_from: string; covered_to: string }) => c.covered_from === FROM && c.covered_to === TO)).toBe(true);

    // The stored closes are the simulator's, ascending.
    const closes = await md.loadCloses(['aapl', 'GGIPX'], FROM, TO);
    const aapl = closes.get('AAPL')!;
    expect(aapl).toHaveLength(254);
    expect(aapl.map((b) => b.date)).toEqual(DAYS);
    expect(aapl.map((b) => b.close)).toEqual(sim.model.bars('AAPL', FROM, TO, { adjusted: false }).map((b) => b.c));
    expect(closes.get('GGIPX')).toEqual([]);
  });

  it('the same request again makes no vendor call', async () => {
    const { sim, md } = await harness();
    const r = await md.ensureBars(SCOPE, FROM, TO);
    expect(sim.requests()).toEqual([]);
    expect(r.calls.made).toBe(0);
    expect(r.alreadyCached).toBe(21);
    expect(r.barsWritten).toBe(0);
  });

  it('one more trading day for 1,200 symbols: one grouped call; the funds, checked days ago, are not asked again', async () => {
    const { sim, md } = await harness();
    // Seed the cache as if earlier runs had fetched 1,179 more symbols; a 21-day window keeps the
    // seeding quick (the onboarded 21 symbols hold the whole year).
    const from = addTradingDays(TO, -20);
    const others = simulatedUniverse(1179);
    const rows = others.flatMap((symbol) =>
      sim.model.bars(symbol, from, TO, { adjusted: false }).map((b) => ({ symbol, date: b.date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, source: 'polygon' })),
    );
    await BarModel.upsertMany(db.knex, rows);
    await PriceCoverageModel.upsertMany(db.knex, others.map((symbol) => ({ symbol, from, to: TO })));
    const scope = [...SCOPE, ...others];
    expect(scope).toHaveLength(1200);

    const next = nextTradingDay(TO);
    const r = await md.ensureBars(scope, from, next);
    const reqs = sim.requests();
    expect(reqs.filter((q) => q.kind === 'grouped').map((q) => q.date)).toEqual([next]);
    expect(rangeRequestsBySymbol(reqs).size).toBe(0);
    expect(r.calls.made).toBe(1);
    expect(r.plan).toMatchObject({ groupedDates: 1, rangeCalls: 0 });
    expect(r.unavailable.map((u) => u.symbol).sort()).toEqual([...FUNDS].sort());
    expect(r.unavailable.every((u) => /no daily bars/.test(u.reason))).toBe(true);
    expect(r.barsWritten).toBe(1197);
    expect(r.failed).toEqual([]);

    const stored = (await db.knex('market_data_cache').where({ date: next }).count({ n: '*' }))[0] as { n: number };
    expect(Number(stored.n)).toBe(1197);
    // Grouped daily answered the whole simulated market; only symbols in scope were kept.
    const distinct = (await db.knex('market_data_cache').countDistinct({ n: 'symbol' }))[0] as { n: number };
    expect(Number(distinct.n)).toBe(1197);
    expect(await db.knex('price_coverage').where({ symbol: 'AAPL' }).first()).toMatchObject({ covered_from: FROM, covered_to: next });
    expect(await db.knex('price_coverage').where({ symbol: others[0] }).first()).toMatchObject({ covered_from: from, covered_to: next });
    expect(await db.knex('price_coverage').where({ symbol: 'GGIPX' }).first()).toMatchObject({ covered_from: FROM, covered_to: TO });

    const again = await md.ensureBars(scope, from, next);
    expect(again.calls.made).toBe(0);

    // A week later the funds are due again: one range call each for the days not yet asked.
    sim.reset();
    await db.knex('symbol_universe').whereIn('symbol', FUNDS).update({ updated_at: db.knex.raw(`now() - interval '8 days'`) });
    const due = await md.ensureBars(scope, from, next);
    expect([...rangeRequestsBySymbol(sim.requests()).keys()].sort()).toEqual([...FUNDS].sort());
    expect(due.calls.made).toBe(3);
    expect(due.unavailable.map((u) => u.symbol).sort()).toEqual([...FUNDS].sort());
    expect(await db.knex('price_coverage').where({ symbol: 'GGIPX' }).first()).toMatchObject({ covered_from: FROM, covered_to: next });
    // Confirmed again: resting for another week.
    sim.reset();
    expect((await md.ensureBars(scope, from, next)).calls.made).toBe(0);
    expect(sim.requests()).toEqual([]);
  });

  it('a failed grouped call marks its symbols failed without turning into one range call per symbol', async () => {
    const { sim, md } = await harness(
      { faults: { serverErrorEveryNth: 1 } },
      { plan: 'paid', callsPerSecond: 500, retry: { maxAttempts: 2, baseDelayMs: 5 } },
    );
    const symbols = simulatedUniverse(1300).slice(1290);
    const day = '2025-07-07';
    const from = addTradingDays(day, -5);
    await BarModel.upsertMany(
      db.knex,
      symbols.flatMap((symbol) => sim.model.bars(symbol, from, addTradingDays(day, -1), { adjusted: false }).map((b) => ({ symbol, date: b.date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, source: 'polygon' }))),
    );
    const r = await md.ensureBars(symbols, from, day);
    expect(r.calls.made).toBe(2);
    expect(sim.requests().every((q) => q.kind === 'grouped')).toBe(true);
    expect(r.failed).toHaveLength(10);
    expect(r.failed.every((f) => f.code === 'POLYGON_SERVER')).toBe(true);

    sim.setFaults({});
    sim.reset();
    const retry = await md.ensureBars(symbols, from, day);
    expect(retry.calls.made).toBe(1);
    expect(retry.barsWritten).toBe(10);
  });

  it('stays under a 5-calls-per-window vendor limit on a 40-call workload (no 429)', async () => {
    const window = { calls: 5, ms: 1000 };
    // The real plan's 60 s window leaves 2.5 s of slack for arrival jitter at the default safety
    // factor; squeezed into 1 s the same factor leaves 40 ms, less than event-loop lag on a loaded
    // machine, so this test widens the spacing to keep an absolute margin (200 ms).
    const { sim, md } = await harness({ rateLimit: { calls: window.calls, windowMs: window.ms } }, { plan: 'free', window, safetyFactor: 1.2 });
    const symbols = simulatedUniverse(1240).slice(1200);
    const r = await md.ensureBars(symbols, '2025-01-02', '2025-03-31');
    expect(r.calls).toMatchObject({ planned: 40, made: 40, rateLimited: 0 });
    const reqs = sim.requests();
    expect(reqs.filter((q) => q.status === 429)).toEqual([]);
    const times = reqs.map((q) => q.at).sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + window.ms).length;
      expect(inWindow).toBeLessThanOrEqual(window.calls);
    }
  });

  it('with injected 429s, 5xx and dropped connections every bar still arrives exactly once', async () => {
    // About a third of the attempts fail; ten attempts make exhausting them on one call (0.32^10) negligible.
    const { sim, md } = await harness(
      { faults: { rateLimitEveryNth: 6, serverErrorEveryNth: 9, dropEveryNth: 13 } },
      { plan: 'paid', callsPerSecond: 500, maxConcurrent: 8, retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 100 } },
    );
    const symbols = simulatedUniverse(1270).slice(1240);
    const r = await md.ensureBars(symbols, FROM, TO);
    expect(r.failed).toEqual([]);
    expect(r.calls.retried).toBeGreaterThan(0);
    expect(r.calls.rateLimited).toBeGreaterThan(0);
    expect(r.barsWritten).toBe(30 * 254);
    const ok = sim.requests().filter((q) => q.status === 200);
    const okPerSymbol = rangeRequestsBySymbol(ok);
    expect(okPerSymbol.size).toBe(30);
    expect([...okPerSymbol.values()].every((n) => n === 1)).toBe(true);
    const counts = (await db.knex('market_data_cache').select('symbol').count({ n: '*' }).whereIn('symbol', symbols).groupBy('symbol')) as { n: number }[];
    expect(counts).toHaveLength(30);
    expect(counts.every((c) => Number(c.n) === 254)).toBe(true);
  });

  it('records a 403 for one symbol and carries on with the others', async () => {
    const { md } = await harness({ faults: { forbiddenTickers: ['ZZZZ'] } });
    const r = await md.ensureBars(['ZZZZ', 'YYYY'], '2025-01-02', '2025-01-31');
    expect(r.failed).toEqual([expect.objectContaining({ symbol: 'ZZZZ', code: 'POLYGON_NOT_ENTITLED' })]);
    expect(r.fetched).toEqual([{ symbol: 'YYYY', bars: 20 }]);
    // Not recorded as asked: a later run on a better plan asks again.
    expect(await db.knex('price_coverage').where({ symbol: 'ZZZZ' }).first()).toBeUndefined();
  });

  it('a bad key fails the whole call with an error naming POLYGON_API_KEY and not the key', async () => {
    const wrong = 'pk_wrong_key_31415926';
    const { sim, md } = await harness({}, undefined, wrong);
    const err = await md.ensureBars(['QQQQ', 'RRRR', 'SSSS', 'TTTT'], '2025-01-02', '2025-01-31').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolygonAuthError);
    expect((err as Error).message).toContain('POLYGON_API_KEY');
    expect((err as Error).message).not.toContain(wrong);
    expect(sim.requests().every((q) => q.status === 401)).toBe(true);
    expect(await db.knex('price_coverage').whereIn('symbol', ['QQQQ', 'RRRR', 'SSSS', 'TTTT'])).toEqual([]);
  });
});
