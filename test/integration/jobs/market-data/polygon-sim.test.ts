import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { isTradingDay, nyDateOf } from '../../../../jobs/calc/trading-calendar.js';
import { AggRangeResponse, GroupedDailyResponse } from '../../../../jobs/market-data/polygon-schemas.js';
import { defaultSimUniverse, PriceModel, SIM_START_DATE, simulatedEventCast, startPolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
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

describe('reference endpoints, the adjusted flag and body faults', () => {
  const TODAY = '2026-11-20';
  let ref: PolygonSim;
  const call = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(path.startsWith('http') ? path : `${ref.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  type Rows = Record<string, unknown>[];

  beforeAll(async () => {
    ref = await startPolygonSim({ apiKey: KEY, lastDate: TODAY });
  });
  afterAll(async () => {
    await ref.close();
  });

  it('lists splits per ticker or market-wide, filtered, sorted and paginated like the vendor', async () => {
    const aapl = await call('/v3/reference/splits?ticker=AAPL&execution_date.gte=2020-01-01&limit=1000&order=asc&sort=execution_date');
    expect(aapl.status).toBe(200);
    expect(aapl.body).toMatchObject({ status: 'OK', request_id: expect.stringMatching(/^sim/) as unknown });
    expect(aapl.body.next_url).toBeUndefined();
    const rows = aapl.body.results as Rows;
    expect(rows.map((r) => r.execution_date)).toEqual(['2020-05-07', '2022-09-01', '2024-12-31']);
    expect(rows[0]).toEqual({ id: expect.stringMatching(/^E/) as unknown, ticker: 'AAPL', execution_date: '2020-05-07', split_from: 2, split_to: 3 });

    // Market-wide, default order (newest first) and limit (10), then every page through next_url.
    const first = await call('/v3/reference/splits?execution_date.gte=2024-01-01');
    const page1 = first.body.results as Rows;
    expect(page1).toHaveLength(10);
    expect(page1.map((r) => r.execution_date as string)).toEqual([...page1.map((r) => r.execution_date as string)].sort().reverse());
    const next = new URL(first.body.next_url as string);
    expect([...next.searchParams.keys()]).toEqual(['cursor']);
    const all = [...page1];
    let url: string | undefined = first.body.next_url as string;
    while (url) {
      const page = await call(url);
      all.push(...(page.body.results as Rows));
      url = page.body.next_url as string | undefined;
    }
    const expected = ref.model.splits({ tickers: defaultSimUniverse() }).filter((s) => s.execution_date >= '2024-01-01');
    expect(all).toHaveLength(expected.length);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all.some((r) => (r.execution_date as string) > TODAY)).toBe(true);

    const reverse = (await call('/v3/reference/splits?reverse_split=true&limit=1000')).body.results as Rows;
    expect(reverse.length).toBeGreaterThan(0);
    expect(reverse.every((r) => (r.split_from as number) > (r.split_to as number))).toBe(true);
    const byTicker = (await call('/v3/reference/splits?ticker.gte=A&ticker.lt=B&sort=ticker&order=asc&limit=1000')).body.results as Rows;
    expect(byTicker.every((r) => (r.ticker as string).startsWith('A'))).toBe(true);
    expect(byTicker.map((r) => r.ticker)).toEqual(byTicker.map((r) => r.ticker as string).sort());

    expect(await call('/v3/reference/splits?ticker=GGIPX')).toMatchObject({ status: 200, body: { results: [], status: 'OK' } });
    expect(await call('/v3/reference/splits?limit=1001')).toMatchObject({ status: 400, body: { status: 'ERROR', error: expect.stringMatching(/^limit/) as unknown } });
    expect(await call('/v3/reference/splits?execution_date.gte=2024-13-01')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^execution_date\.gte/) as unknown } });
    expect(await call('/v3/reference/splits?cursor=bogus')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^cursor/) as unknown } });
  });

  it('lists dividends with their types, frequencies and dates', async () => {
    const aapl = (await call('/v3/reference/dividends?ticker=AAPL&ex_dividend_date.gte=2025-01-01&ex_dividend_date.lt=2026-01-01&order=asc')).body.results as Rows;
    expect(aapl).toHaveLength(4);
    expect(aapl[0]).toEqual({
      id: expect.stringMatching(/^E/) as unknown,
      ticker: 'AAPL',
      cash_amount: expect.any(Number) as unknown,
      currency: 'USD',
      declaration_date: expect.any(String) as unknown,
      ex_dividend_date: '2025-02-10',
      record_date: '2025-02-10',
      pay_date: expect.any(String) as unknown,
      frequency: 4,
      dividend_type: 'CD',
    });
    const monthly = (await call('/v3/reference/dividends?frequency=12&ex_dividend_date=2025-03-03&limit=1000')).body.results as Rows;
    expect(monthly.map((r) => r.ticker)).toEqual(expect.arrayContaining(['TLT', 'GOVT', 'MUB']));
    const specials = (await call('/v3/reference/dividends?dividend_type=SC&limit=50')).body.results as Rows;
    expect(specials.length).toBeGreaterThan(0);
    expect(specials.every((r) => r.dividend_type === 'SC' && r.frequency === 0)).toBe(true);
    const big = (await call('/v3/reference/dividends?ticker=SPY&cash_amount.gt=1&sort=cash_amount&order=desc&limit=1000')).body.results as Rows;
    expect(big.every((r) => (r.cash_amount as number) > 1)).toBe(true);
    expect(await call('/v3/reference/dividends?dividend_type=XX')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^dividend_type/) as unknown } });
  });

  it('answers ticker details and ticker events, 404 for what the vendor does not know', async () => {
    const aapl = await call('/v3/reference/tickers/AAPL');
    expect(aapl).toMatchObject({
      status: 200,
      body: { status: 'OK', results: { ticker: 'AAPL', name: 'Apple Inc.', type: 'CS', active: true, market: 'stocks', primary_exchange: 'XNAS', sic_code: '3571', sic_description: 'ELECTRONIC COMPUTERS', list_date: '1980-12-12' } },
    });
    const spy = (await call('/v3/reference/tickers/SPY')).body.results as Record<string, unknown>;
    expect(spy).toMatchObject({ type: 'ETF', active: true });
    expect('sic_code' in spy).toBe(false);
    expect(await call('/v3/reference/tickers/GGIPX')).toMatchObject({ status: 404, body: { status: 'NOT_FOUND', message: 'Ticker not found.' } });

    const cast = simulatedEventCast();
    const delisted = (await call(`/v3/reference/tickers/${cast.delistings[0]!.ticker}`)).body.results as Record<string, unknown>;
    expect(delisted).toMatchObject({ active: false, delisted_utc: `${cast.delistings[0]!.date}T00:00:00Z` });
    const change = cast.tickerChanges.find((c) => c.date <= TODAY)!;
    const events = await call(`/vX/reference/tickers/${change.ticker}/events?types=ticker_change`);
    expect(events.status).toBe(200);
    expect((events.body.results as { events: unknown[] }).events[0]).toEqual({ type: 'ticker_change', date: change.date, ticker_change: { ticker: change.newTicker } });
    expect(await call('/vX/reference/tickers/GGIPX/events')).toMatchObject({ status: 404 });
  });

  it('serves as-traded bars with adjusted=false and split-adjusted ones otherwise, on range and grouped daily', async () => {
    // AAPL split 3-for-2 on 2024-12-31.
    const traded = await call('/v2/aggs/ticker/AAPL/range/1/day/2024-12-27/2024-12-31?adjusted=false');
    const adjusted = await call('/v2/aggs/ticker/AAPL/range/1/day/2024-12-27/2024-12-31');
    expect(traded.body.adjusted).toBe(false);
    expect(adjusted.body.adjusted).toBe(true);
    const t = traded.body.results as { c: number }[];
    const a = adjusted.body.results as { c: number }[];
    // Adjusted to today (2026-11-20): the 2024-12-31 split and the rotation's later AAPL split, if any, apply before it.
    const later = ref.model.splits({ ticker: 'AAPL' }).filter((s) => s.execution_date > '2024-12-31' && s.execution_date <= TODAY);
    const afterFactor = later.reduce((f, s) => f * (s.split_from / s.split_to), 1);
    expect(a[0]!.c).toBeCloseTo(t[0]!.c * (2 / 3) * afterFactor, 3);
    expect(a[2]!.c).toBeCloseTo(t[2]!.c * afterFactor, 3);

    const gTraded = await call('/v2/aggs/grouped/locale/us/market/stocks/2024-12-27?adjusted=false');
    const gAdjusted = await call('/v2/aggs/grouped/locale/us/market/stocks/2024-12-27');
    expect(gTraded.body.adjusted).toBe(false);
    const row = (b: Record<string, unknown>, T: string): { c: number } => (b.results as { T: string; c: number }[]).find((r) => r.T === T)!;
    expect(row(gTraded.body, 'AAPL').c).toBe(t[0]!.c);
    expect(row(gAdjusted.body, 'AAPL').c).toBe(a[0]!.c);
    expect(row(gTraded.body, 'SPY').c).toBe(row(gAdjusted.body, 'SPY').c);
    // Nothing after today.
    expect((await call('/v2/aggs/grouped/locale/us/market/stocks/2026-11-23')).body).toMatchObject({ resultsCount: 0 });
    expect((await call('/v2/aggs/ticker/AAPL/range/1/day/2026-11-16/2026-11-30')).body.resultsCount).toBe(5);
  });

  it('moves today and announces splits at runtime (programmatic and over HTTP)', async () => {
    const before = (await call('/v2/aggs/ticker/MSFT/range/1/day/2026-11-02/2026-11-20?adjusted=false')).body.results;
    const res = await fetch(`${ref.url}/__sim/splits`, { method: 'POST', body: JSON.stringify({ ticker: 'MSFT', execution_date: '2026-11-30', split_from: 1, split_to: 10 }) });
    expect(res.status).toBe(200);
    const bad = await fetch(`${ref.url}/__sim/splits`, { method: 'POST', body: JSON.stringify({ ticker: 'MSFT', execution_date: '2026-11-20', split_from: 1, split_to: 10 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/execution_date/);
    expect(((await call('/v3/reference/splits?ticker=MSFT&execution_date=2026-11-30')).body.results as Rows)).toHaveLength(1);
    const moved = await fetch(`${ref.url}/__sim/today`, { method: 'POST', body: JSON.stringify({ today: '2026-12-01' }) });
    expect(await moved.json()).toEqual({ today: '2026-12-01' });
    expect((await call('/v2/aggs/ticker/MSFT/range/1/day/2026-11-02/2026-11-20?adjusted=false')).body.results).toEqual(before);
    const adjusted = (await call('/v2/aggs/ticker/MSFT/range/1/day/2026-11-02/2026-11-20')).body.results as { c: number }[];
    expect(adjusted[0]!.c).toBeCloseTo((before as { c: number }[])[0]!.c / 10, 3);
    ref.setToday(TODAY);
    expect(ref.today()).toBe(TODAY);
  });

  it('can cut a body short or send an invalid one, on any endpoint kind, and logs the kinds', async () => {
    ref.reset();
    ref.setFaults({ truncatedBodyEveryNth: 1, kinds: ['splits'] });
    const cut = await fetch(`${ref.url}/v3/reference/splits?ticker=AAPL`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
    expect((await call('/v3/reference/tickers/AAPL')).status).toBe(200);
    ref.setFaults({ invalidJsonEveryNth: 1, kinds: ['dividends', 'range'] });
    const broken = await fetch(`${ref.url}/v3/reference/dividends?ticker=AAPL`, { headers: { authorization: `Bearer ${KEY}` } });
    const text = await broken.text();
    expect(text.length).toBe(Number(broken.headers.get('content-length')));
    expect(() => JSON.parse(text) as unknown).toThrow();
    ref.setFaults({ forbiddenTickers: ['NVDA'] });
    expect(await call('/v3/reference/tickers/NVDA')).toMatchObject({ status: 403, body: { status: 'NOT_AUTHORIZED' } });
    ref.setFaults({});
    await call('/vX/reference/tickers/AAPL/events');
    const log = ref.requests();
    expect(log.map((r) => [r.kind, r.fault])).toEqual([
      ['splits', 'truncated-body'],
      ['ticker-details', undefined],
      ['dividends', 'invalid-json'],
      ['ticker-details', undefined],
      ['ticker-events', undefined],
    ]);
    expect(log[0]).toMatchObject({ ticker: 'AAPL', status: 200 });
  });

  it('applies authentication and the rate limit to the reference endpoints', async () => {
    const limited = await startPolygonSim({ apiKey: KEY, lastDate: TODAY, rateLimit: { calls: 2, windowMs: 60_000 } });
    try {
      const at = (p: string, key = KEY): Promise<Response> => fetch(`${limited.url}${p}`, { headers: { authorization: `Bearer ${key}` } });
      expect((await at('/v3/reference/splits?ticker=AAPL', 'wrong')).status).toBe(401);
      expect((await at('/v3/reference/splits?ticker=AAPL')).status).toBe(200);
      expect((await at('/v3/reference/tickers/AAPL')).status).toBe(200);
      expect((await at('/vX/reference/tickers/AAPL/events')).status).toBe(429);
      expect(limited.requests().map((r) => r.status)).toEqual([401, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
