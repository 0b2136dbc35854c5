import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolygonMalformedResponseError, redact } from '../../../../jobs/market-data/errors.js';
import {
  parseDividendsBody,
  parseGroupedBody,
  parseRangeBody,
  parseRetryAfter,
  parseSplitsBody,
  parseTickerDetailsBody,
  parseTickerEventsBody,
} from '../../../../jobs/market-data/polygon-client.js';
import { readErrorBody } from '../../../../jobs/market-data/polygon-schemas.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/polygon/${name}`, import.meta.url), 'utf8')) as unknown;
const raw = (name: string): string => readFileSync(new URL(`../../../fixtures/polygon/${name}`, import.meta.url), 'utf8');

describe('range bodies', () => {
  it('parses bars, converts t (New York midnight) to the trading date across DST, keeps next_url', () => {
    const { body, bars } = parseRangeBody(fixture('range-page1.json'), '/p');
    expect(body.next_url).toMatch(/cursor=/);
    expect(body.request_id).toBe('6a7e466379af0a71039d60cc78e72282');
    // 2024-03-11 is the first trading day after the switch to daylight saving (midnight = 04:00 UTC).
    expect(bars.map((b) => b.date)).toEqual(['2024-03-07', '2024-03-08', '2024-03-11']);
    expect(bars[0]).toEqual({ date: '2024-03-07', open: 402.22, high: 409.48, low: 401.77, close: 409.14, volume: 21485873, vwap: 406.0532, transactions: 281245 });
  });

  it('accepts bars without n, and fractional volumes', () => {
    const { bars } = parseRangeBody(fixture('range-page2.json'), '/p');
    expect(bars).toEqual([{ date: '2024-03-12', open: 407.62, high: 415.57, low: 406.79, close: 415.28, volume: 17466553, vwap: 412.8347, transactions: undefined }]);
    const grouped = parseGroupedBody(fixture('grouped-daily.json'), '2024-03-08', '/g');
    expect(grouped.bars.get('ZZZQ')?.volume).toBe(1200.5);
  });

  it('maps the end of daylight saving correctly (2024-11-04 midnight is 05:00 UTC)', () => {
    expect(parseRangeBody(fixture('range-dst.json'), '/p').bars.map((b) => b.date)).toEqual(['2024-11-01', '2024-11-04']);
  });

  it('treats a 0-result body without results as no bars', () => {
    const { body, bars } = parseRangeBody(fixture('range-empty.json'), '/p');
    expect(body.resultsCount).toBe(0);
    expect(bars).toEqual([]);
  });

  it('rejects a malformed body with a typed error carrying the request id', () => {
    let err: unknown;
    try {
      parseRangeBody(fixture('range-malformed.json'), '/v2/aggs/ticker/MSFT/range/1/day/2024-03-07/2024-03-07');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolygonMalformedResponseError);
    const e = err as PolygonMalformedResponseError;
    expect(e.code).toBe('POLYGON_MALFORMED_RESPONSE');
    expect(e.requestId).toBe('c0ffee00c0ffee00c0ffee00c0ffee00');
    expect(e.message).toContain('c0ffee00c0ffee00c0ffee00c0ffee00');
    expect(e.message).toContain('results.0.o');
    expect(e.cause).toBeDefined();
  });

  it('rejects error statuses in a 200 body and bodies that are not objects', () => {
    expect(() => parseRangeBody({ ...(fixture('range-empty.json') as object), status: 'ERROR' }, '/p')).toThrow(PolygonMalformedResponseError);
    expect(() => parseRangeBody(null, '/p')).toThrow(PolygonMalformedResponseError);
  });
});

describe('grouped daily bodies', () => {
  it('keys bars by ticker and dates them from the request, not from t (16:00 New York)', () => {
    const { bars } = parseGroupedBody(fixture('grouped-daily.json'), '2024-03-08', '/g');
    expect([...bars.keys()]).toEqual(['AAPL', 'MSFT', 'SPY', 'ZZZQ']);
    expect(bars.get('SPY')).toMatchObject({ date: '2024-03-08', close: 511.72 });
  });

  it('parses a holiday answer without results', () => {
    expect(parseGroupedBody(fixture('grouped-empty.json'), '2024-03-29', '/g').bars.size).toBe(0);
  });
});

describe('reference bodies', () => {
  it('reads splits (4-for-1 is 1 -> 4, a reverse split 10 -> 1) and keeps next_url', () => {
    const { body, rows } = parseSplitsBody(fixture('splits.json'), '/s');
    expect(body.next_url).toContain('cursor=');
    expect(rows).toEqual([
      { ticker: 'GOOGL', executionDate: '2022-07-18', from: 1, to: 20, vendorId: 'E1d2c3b4a' },
      { ticker: 'XYZQ', executionDate: '2023-05-02', from: 10, to: 1, vendorId: 'E9f8e7d6c' },
    ]);
    expect(() => parseSplitsBody({ status: 'OK', results: [{ ticker: 'X', execution_date: '2023-01-01', split_from: 0, split_to: 2 }] }, '/s')).toThrow(/split_from/);
  });

  it('reads dividends with optional dates, a default currency and the dividend type', () => {
    const { rows } = parseDividendsBody(fixture('dividends.json'), '/d');
    expect(rows[0]).toMatchObject({ ticker: 'AAPL', exDate: '2024-02-09', type: 'CD', amount: 0.24, payDate: '2024-02-15', frequency: 4 });
    expect(rows[1]).toEqual({
      ticker: 'COST',
      exDate: '2024-03-01',
      type: 'SC',
      amount: 1.5,
      currency: 'USD',
      declarationDate: null,
      recordDate: null,
      payDate: null,
      frequency: 0,
      vendorId: null,
    });
    expect(() => parseDividendsBody({ status: 'OK', results: [{ ticker: 'X', ex_dividend_date: '2024-01-02', cash_amount: 1, dividend_type: 'XX' }] }, '/d')).toThrow(
      PolygonMalformedResponseError,
    );
  });

  it('reads ticker details, a delisting date from delisted_utc, and ticker events in date order', () => {
    expect(parseTickerDetailsBody(fixture('ticker-details.json'), '/t')).toMatchObject({ ticker: 'META', active: true, sicCode: '7370', listDate: '2012-05-18', delistedOn: null, marketCap: 1200000000000.5 });
    expect(parseTickerDetailsBody(fixture('ticker-details-delisted.json'), '/t')).toMatchObject({ ticker: 'TWTR', active: false, delistedOn: '2022-11-08', sicCode: null });
    expect(parseTickerEventsBody(fixture('ticker-events.json'), '/e')).toEqual([
      { date: '2012-05-18', ticker: 'FB' },
      { date: '2022-06-09', ticker: 'META' },
    ]);
  });
});

describe('error bodies', () => {
  it('reads error ?? message and the request id of each vendor error shape', () => {
    expect(readErrorBody(raw('error-401.json'))).toEqual({ message: 'Unknown API Key', requestId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
    expect(readErrorBody(raw('error-403.json')).message).toMatch(/not entitled/);
    expect(readErrorBody(raw('error-404.json'))).toEqual({ message: 'Data not found.', requestId: '9f8e7d6c5b4a39281706f5e4d3c2b1a0' });
    expect(readErrorBody(raw('error-429.json')).message).toMatch(/exceeded the maximum requests/);
    expect(readErrorBody('<html>Bad gateway</html>')).toEqual({ message: '<html>Bad gateway</html>', requestId: undefined });
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter(['3'])).toBe(3_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    const now = Date.parse('2024-03-08T12:00:00Z');
    expect(parseRetryAfter('Fri, 08 Mar 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('redacts secrets from text', () => {
    expect(redact('key=abcd1234 and abcd1234', ['abcd1234'])).toBe('key=[redacted] and [redacted]');
  });
});
