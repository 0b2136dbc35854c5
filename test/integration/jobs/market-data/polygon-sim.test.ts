import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { isTradingDay, nyDateOf, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { AggRangeResponse, GroupedDailyResponse } from '../../../../jobs/market-data/polygon-schemas.js';
import { PriceModel, SIM_START_DATE, simulatedBetas, startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import type { PolygonSim } from '../../../../jobs/market-data/polygon-sim.js';

const KEY = 'sim-key-123456';
let sim: PolygonSim;

async function get(path: string, key = KEY): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sim = await startPolygonSim({ apiKey: KEY, universe: [...FACTOR_PROXIES, 'AAPL', 'MSFT'], rateLimit: { calls: 3, windowMs: 60_000 } });
});
afterAll(async () => {
  await sim.close();
});

describe('simulated prices', () => {
  const model = new PriceModel(42);

  it('are deterministic, on NYSE trading days only, from the start date', () => {
    const a = model.bars('AAPL', '2014-06-01', '2015-01-31');
    expect(a[0]!.date).toBe(SIM_START_DATE);
    expect(a.every((b) => isTradingDay(b.date) && nyDateOf(b.t) === b.date)).toBe(true);
    expect(new PriceModel(42).bars('AAPL', '2015-01-02', '2015-01-31')).toEqual(a);
    expect(new PriceModel(7).bars('AAPL', '2015-01-02', '2015-01-31')).not.toEqual(a);
    expect(model.bars('GGIPX', '2020-01-01', '2020-12-31')).toEqual([]);
  });

  it('lets a regression recover the true betas of each ticker (independent factor returns)', () => {
    const days = tradingDaysBetween('2016-01-04', '2024-12-31');
    const ret = (t: string): number[] => {
      const c = model.bars(t, days[0]!, days.at(-1)!).map((b) => b.c);
      return c.slice(1).map((x, i) => x / c[i]! - 1);
    };
    const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
    for (const ticker of ['AAPL', 'QWER', 'NVDA']) {
      const y = ret(ticker);
      const truth = simulatedBetas(ticker);
      for (const f of FACTOR_PROXIES) {
        const x = ret(f);
        const mx = mean(x);
        const my = mean(y);
        let sxy = 0;
        let sxx = 0;
        for (let i = 0; i < x.length; i++) {
          sxy += (x[i]! - mx) * (y[i]! - my);
          sxx += (x[i]! - mx) ** 2;
        }
        expect(Math.abs(sxy / sxx - truth[f])).toBeLessThan(0.15);
      }
    }
    expect(simulatedBetas('SPY')).toMatchObject({ SPY: 1, TLT: 0 });
    expect(simulatedBetas('AAPL')).toEqual(simulatedBetas('AAPL'));
  });
});

describe('simulator HTTP surface', () => {
  it('speaks the vendor shapes, authenticates, rate limits and records requests', async () => {
    const range = await get('/v2/aggs/ticker/MSFT/range/1/day/2024-03-01/2024-03-08?adjusted=true&sort=asc&limit=50000');
    expect(range.status).toBe(200);
    expect(AggRangeResponse.parse(range.body).results).toHaveLength(6);

    const empty = await get('/v2/aggs/ticker/NEAIX/range/1/day/2024-03-01/2024-03-08');
    expect(empty.body).toMatchObject({ resultsCount: 0, status: 'OK' });
    expect('results' in empty.body).toBe(false);

    const grouped = await get('/v2/aggs/grouped/locale/us/market/stocks/2024-03-08?adjusted=true');
    const g = GroupedDailyResponse.parse(grouped.body);
    expect(g.results!.map((r) => r.T).sort()).toEqual([...FACTOR_PROXIES, 'AAPL', 'MSFT'].sort());

    // The limit is 3 calls per minute: the fourth data call is refused like the vendor does.
    const limited = await get('/v2/aggs/grouped/locale/us/market/stocks/2024-03-11');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/exceeded the maximum requests/) as unknown });

    const wrong = await get('/v2/aggs/grouped/locale/us/market/stocks/2024-03-11', 'nope');
    expect(wrong).toMatchObject({ status: 401, body: { status: 'ERROR', error: 'Unknown API Key' } });
    const none = await get('/v2/aggs/grouped/locale/us/market/stocks/2024-03-11', '');
    expect(none.status).toBe(401);
    const unknown = await get('/v3/reference/tickers');
    expect(unknown).toMatchObject({ status: 404, body: { status: 'NOT_FOUND', message: 'Data not found.' } });

    const recorded = (await get('/__sim/requests')).body.requests as { kind: string; status: number; at: number }[];
    expect(recorded.map((r) => r.status)).toEqual([200, 200, 200, 429, 401, 401, 404]);
    expect(sim.requests()).toHaveLength(7);
    const reset = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(sim.requests()).toEqual([]);
  });
});
