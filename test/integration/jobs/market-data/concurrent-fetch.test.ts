import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../../../db/knex.js';
import { BarModel } from '../../../../db/models/bar.model.js';
import { addTradingDays } from '../../../../jobs/calc/trading-calendar.js';
import { createLimiter } from '../../../../jobs/market-data/limiter.js';
import { createMarketData } from '../../../../jobs/market-data/market-data.js';
import type { MarketData } from '../../../../jobs/market-data/market-data.js';
import { createPolygonClient } from '../../../../jobs/market-data/polygon-client.js';
import { startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import type { PolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import { createTestDatabase } from '../../../helpers/db.js';
import type { TestDatabase } from '../../../helpers/db.js';

const KEY = 'pk_concurrent_7f6e5d4c3b2a';
const logger = pino({ level: 'silent' });
const AS_OF = '2025-06-30';
const FROM = addTradingDays(AS_OF, -120);

let db: TestDatabase;
let sim: PolygonSim;
const open: { close(): Promise<void> }[] = [];

/** A market-data port with its own connection pool, client and limiter: what a second worker process has. */
function port(): MarketData {
  const knex = createKnex({ url: db.url, poolMax: 4 });
  const limiter = createLimiter({ plan: 'paid', callsPerSecond: 500, maxConcurrent: 4, logger });
  const client = createPolygonClient({ baseUrl: sim.url, apiKey: KEY, limiter, logger });
  open.push(client, limiter, { close: () => knex.destroy() });
  return createMarketData({ db: knex, client, logger, limiter });
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Every answer takes a while, so the two runs surely overlap.
  sim = await startPolygonSim({ apiKey: KEY, lastDate: '2025-07-15', faults: { delayMs: 40 } });
});
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
  await sim.close();
  await db.destroy();
});

describe('two runs fetching overlapping symbols at once', () => {
  it('fetch each range and each corporate-action list once; the second waits for the first and finds them stored', async () => {
    const nightly = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'IWM', 'MTUM', 'QUAL', 'VUG', 'VTV', 'TLT', 'GOVT', 'IAU'];
    const onboarding = ['AAPL', 'MSFT', 'SPY', 'QUAL', 'VUG', 'AMZN', 'GOOGL'];
    const a = port();
    const b = port();
    const [ra, rb] = await Promise.all([
      a.ensureBars(nightly, FROM, AS_OF, { corporateActions: { asOf: AS_OF } }),
      b.ensureBars(onboarding, FROM, AS_OF, { corporateActions: { asOf: AS_OF } }),
    ]);
    const union = [...new Set([...nightly, ...onboarding])].sort();
    const reqs = sim.requests();
    const per = (kind: string): Map<string, number> => {
      const m = new Map<string, number>();
      for (const r of reqs) if (r.kind === kind) m.set(r.ticker ?? '*', (m.get(r.ticker ?? '*') ?? 0) + 1);
      return m;
    };
    for (const kind of ['range', 'splits', 'dividends', 'ticker-details']) {
      const m = per(kind);
      expect([...m.keys()].sort(), kind).toEqual(union);
      expect([...m.values()].every((n) => n === 1), kind).toBe(true);
    }
    expect(ra.calls.made + rb.calls.made).toBe(reqs.length);
    expect(ra.failed).toEqual([]);
    expect(rb.failed).toEqual([]);
    // Each bar written once, by one of them.
    const stored = await BarModel.closes(db.knex, union, FROM, AS_OF);
    const bars = [...stored.values()].reduce((n, l) => n + l.length, 0);
    expect(ra.barsWritten + rb.barsWritten).toBe(bars);
  });

  it('does not rewrite a stored bar with the same values; writes one whose values changed', async () => {
    const rows = (await BarModel.closes(db.knex, ['AAPL'], FROM, AS_OF)).get('AAPL')!.slice(0, 3);
    const writes = rows.map((r) => ({ symbol: 'AAPL', date: r.date, open: null, high: null, low: null, close: r.close, volume: null, source: 'polygon' }));
    // The stored rows carry open/high/low/volume: these differ, so they are written once...
    expect(await BarModel.upsertMany(db.knex, writes)).toBe(3);
    // ... and not again.
    expect(await BarModel.upsertMany(db.knex, writes)).toBe(0);
    expect(await BarModel.upsertMany(db.knex, [{ ...writes[0]!, close: writes[0]!.close + 1 }, writes[1]!])).toBe(1);
  });
});
