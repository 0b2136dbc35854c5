/**
 * A local Polygon-compatible server for tests, benchmarks and the demo: the two aggregate endpoints
 * with the vendor's JSON shapes and error bodies, deterministic prices from a seeded factor model, a
 * vendor-like rate limit, authentication, fault injection and `next_url` pagination. Every request is
 * recorded (GET /__sim/requests, POST /__sim/reset).
 *
 * Price model. The eight factor ETFs get independent daily returns r_k ~ N(μ_k, σ_k) from a PRNG
 * seeded per ETF. Every other ticker's return is Σ_k β_k·r_k + ε with β = simulatedBetas(ticker) and
 * ε ~ N(0, σ_idio) seeded per ticker. Independent factors keep every regression recoverable in closed
 * form: single-factor OLS on ETF k estimates β_k, multivariate fits estimate each β_k, and a spread
 * regression on r_a − r_b estimates (β_a·σ_a² − β_b·σ_b²)/(σ_a² + σ_b²).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isTradingDay, nyDateOf, tradingDaysBetween } from '../calc/trading-calendar.js';
import { FACTOR_PROXIES } from '../calc/factors.js';
import type { FactorProxy } from '../calc/factors.js';
import type { IsoDate } from '../calc/types.js';
import { looksLikeMutualFund } from './fetch-planner.js';
import { fnv1a, mulberry32 } from './prng.js';

export const SIM_START_DATE: IsoDate = '2015-01-02';
export const LARGE_CAPS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'GOVT', 'IAU', 'IEFA', 'MUB', 'VO'] as const;

/** Drift and volatility of each factor ETF's daily return. */
const FACTOR_PARAMS: Record<FactorProxy, { mu: number; sigma: number; start: number }> = {
  SPY: { mu: 0.0004, sigma: 0.011, start: 205 },
  VTV: { mu: 0.0003, sigma: 0.009, start: 82 },
  VUG: { mu: 0.0005, sigma: 0.012, start: 101 },
  MTUM: { mu: 0.0004, sigma: 0.010, start: 68 },
  QUAL: { mu: 0.0004, sigma: 0.009, start: 59 },
  IWM: { mu: 0.0003, sigma: 0.013, start: 119 },
  USMV: { mu: 0.0003, sigma: 0.007, start: 40 },
  TLT: { mu: 0.0001, sigma: 0.009, start: 126 },
};

export function factorParams(etf: FactorProxy): { mu: number; sigma: number } {
  const p = FACTOR_PARAMS[etf];
  return { mu: p.mu, sigma: p.sigma };
}

/** Open-end mutual funds (5 letters ending in X): no exchange bars, absent from grouped daily. */
export function isMutualFundLike(ticker: string): boolean {
  return looksLikeMutualFund(ticker);
}

function normalStream(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

const isFactor = (t: string): t is FactorProxy => (FACTOR_PROXIES as readonly string[]).includes(t);

/**
 * The true factor loadings of a ticker in the simulator (hash-seeded, independent of the price seed):
 * market β in [0.6, 1.6], style βs in [−0.6, 0.6], rates β in [−0.4, 0.4]. A factor ETF loads 1 on
 * itself and 0 elsewhere.
 */
export function simulatedBetas(ticker: string): Readonly<Record<FactorProxy, number>> {
  const out = Object.fromEntries(FACTOR_PROXIES.map((f) => [f, 0])) as Record<FactorProxy, number>;
  if (isFactor(ticker)) {
    out[ticker] = 1;
    return out;
  }
  const rand = mulberry32(fnv1a(`betas:${ticker}`));
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  for (const f of FACTOR_PROXIES) {
    const u = rand();
    out[f] = f === 'SPY' ? round3(0.6 + u) : f === 'TLT' ? round3(-0.4 + 0.8 * u) : round3(-0.6 + 1.2 * u);
  }
  return out;
}

/** Daily idiosyncratic volatility of a ticker's return (hash-seeded, 0.4 % to 1.6 %). */
export function simulatedIdioVol(ticker: string): number {
  if (isFactor(ticker)) return 0;
  return 0.004 + 0.012 * mulberry32(fnv1a(`idio-vol:${ticker}`))();
}

/**
 * A deterministic universe of `size` four-letter tickers (spread over the alphabet, never clashing
 * with the factor ETFs or the large caps, never fund-like).
 */
export function simulatedUniverse(size: number): string[] {
  const reserved = new Set<string>([...FACTOR_PROXIES, ...LARGE_CAPS]);
  const space = 26 ** 4;
  const out: string[] = [];
  for (let i = 0; out.length < size && i < space; i++) {
    let n = (i * 7919 + 12345) % space;
    let name = '';
    for (let k = 0; k < 4; k++) {
      name = String.fromCharCode(65 + (n % 26)) + name;
      n = Math.floor(n / 26);
    }
    if (!reserved.has(name)) {
      reserved.add(name);
      out.push(name);
    }
  }
  return out;
}

export function defaultSimUniverse(generated = 1_300): string[] {
  return [...FACTOR_PROXIES, ...LARGE_CAPS, ...simulatedUniverse(generated)];
}

/** Midnight America/New_York of a date, in UTC milliseconds (what Polygon puts in `t` of daily bars). */
export function nyMidnightMs(d: IsoDate): number {
  const utc = Date.parse(`${d}T00:00:00Z`);
  const est = utc + 5 * 3_600_000;
  // During daylight saving, midnight is 04:00 UTC: one hour before the EST guess is still date d.
  return nyDateOf(est - 3_600_000) === d ? est - 3_600_000 : est;
}

export interface SimBar {
  date: IsoDate;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw: number;
  n: number;
  t: number;
}

/** Deterministic price series shared by the server and by tests that seed a cache directly. */
export class PriceModel {
  private days: IsoDate[] = [];
  private dayIndex = new Map<IsoDate, number>();
  private readonly factorReturns = new Map<FactorProxy, number[]>();
  private readonly factorStreams = new Map<FactorProxy, () => number>();
  private readonly closes = new Map<string, number[]>();
  private readonly idioStreams = new Map<string, () => number>();
  private readonly betas = new Map<string, Readonly<Record<FactorProxy, number>>>();

  constructor(
    private readonly seed = 42,
    private readonly ipoDates: Readonly<Record<string, IsoDate>> = {},
  ) {}

  private ensureDays(to: IsoDate): void {
    const last = this.days[this.days.length - 1];
    if (last !== undefined && last >= to) return;
    if (to < SIM_START_DATE) return;
    this.days = tradingDaysBetween(SIM_START_DATE, to);
    this.dayIndex = new Map(this.days.map((d, i) => [d, i]));
  }

  private factorReturn(f: FactorProxy, i: number): number {
    let arr = this.factorReturns.get(f);
    let stream = this.factorStreams.get(f);
    if (!arr || !stream) {
      arr = [];
      stream = normalStream(mulberry32(fnv1a(`factor:${this.seed}:${f}`)));
      this.factorReturns.set(f, arr);
      this.factorStreams.set(f, stream);
    }
    const p = FACTOR_PARAMS[f];
    while (arr.length <= i) arr.push(arr.length === 0 ? 0 : p.mu + p.sigma * stream());
    return arr[i]!;
  }

  private closeSeries(ticker: string, upto: number): number[] {
    let arr = this.closes.get(ticker);
    if (!arr) {
      arr = [];
      this.closes.set(ticker, arr);
    }
    if (arr.length > upto) return arr;
    // Materialise the factor paths first so the loop below reads plain arrays.
    for (const f of FACTOR_PROXIES) this.factorReturn(f, upto);
    const factorArrays = FACTOR_PROXIES.map((f) => this.factorReturns.get(f)!);
    const start = isFactor(ticker) ? FACTOR_PARAMS[ticker].start : 20 + (fnv1a(`price:${ticker}`) % 480);
    let betas = this.betas.get(ticker);
    if (!betas) {
      betas = simulatedBetas(ticker);
      this.betas.set(ticker, betas);
    }
    const b = FACTOR_PROXIES.map((f) => betas[f]);
    const idioVol = simulatedIdioVol(ticker);
    let eps = this.idioStreams.get(ticker);
    if (!eps) {
      eps = normalStream(mulberry32(fnv1a(`idio:${this.seed}:${ticker}`)));
      this.idioStreams.set(ticker, eps);
    }
    while (arr.length <= upto) {
      const i = arr.length;
      if (i === 0) {
        arr.push(start);
        continue;
      }
      let r = 0;
      for (let k = 0; k < factorArrays.length; k++) r += b[k]! * factorArrays[k]![i]!;
      if (idioVol > 0) r += idioVol * eps();
      // Floor the price so that a long negative drift cannot reach zero.
      arr.push(Math.max(0.5, arr[i - 1]! * (1 + r)));
    }
    return arr;
  }

  private barAt(ticker: string, i: number): SimBar {
    const closes = this.closeSeries(ticker, i);
    const c = closes[i]!;
    const prev = i === 0 ? c : closes[i - 1]!;
    const rand = mulberry32(fnv1a(`bar:${this.seed}:${ticker}:${i}`));
    const o = prev * (1 + (rand() - 0.5) * 0.004);
    const h = Math.max(o, c) * (1 + rand() * 0.006);
    const l = Math.min(o, c) * (1 - rand() * 0.006);
    const baseVolume = 1e5 + (fnv1a(`vol:${ticker}`) % 5e7);
    // Polygon volumes can be fractional (e.g. 9.4493006e+07); some tickers get fractional volumes.
    const rawVolume = baseVolume * (0.5 + rand());
    const v = fnv1a(`fracvol:${ticker}`) % 3 === 0 ? Math.round(rawVolume * 10) / 10 : Math.round(rawVolume);
    const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
    const date = this.days[i]!;
    return {
      date,
      o: round4(o),
      h: round4(h),
      l: round4(l),
      c: round4(c),
      v,
      vw: round4((o + h + l + c) / 4),
      n: Math.round(v / 120),
      t: nyMidnightMs(date),
    };
  }

  /** Whether `ticker` has exchange bars at all (fund-like tickers have none). */
  hasBars(ticker: string): boolean {
    return !isMutualFundLike(ticker);
  }

  /** Daily bars of `ticker` on trading days in [from, to] (empty for fund-like tickers and before its IPO). */
  bars(ticker: string, from: IsoDate, to: IsoDate): SimBar[] {
    if (!this.hasBars(ticker)) return [];
    const ipo = this.ipoDates[ticker];
    const start = [from, SIM_START_DATE, ipo ?? SIM_START_DATE].reduce((a, b) => (a > b ? a : b));
    if (start > to) return [];
    this.ensureDays(to);
    const out: SimBar[] = [];
    let i = this.firstIndexOnOrAfter(start);
    for (; i < this.days.length && this.days[i]! <= to; i++) out.push(this.barAt(ticker, i));
    return out;
  }

  /** The bar of `ticker` on trading day `date`, if any. */
  barOn(ticker: string, date: IsoDate): SimBar | undefined {
    if (!isTradingDay(date)) return undefined;
    return this.bars(ticker, date, date)[0];
  }

  private firstIndexOnOrAfter(d: IsoDate): number {
    const exact = this.dayIndex.get(d);
    if (exact !== undefined) return exact;
    let lo = 0;
    let hi = this.days.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.days[mid]! < d) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface SimFaults {
  /** Probability that a data request is answered with a 5xx (seeded, deterministic per sequence). */
  serverErrorRate?: number;
  /** Every Nth data request is answered with a 5xx. */
  serverErrorEveryNth?: number;
  serverErrorStatus?: number;
  /** Every Nth data request is answered with a 429, whatever the window says. */
  rateLimitEveryNth?: number;
  /** Delay before answering data requests. */
  delayMs?: number;
  /** Every Nth data request gets a 200 whose body does not match the schema. */
  malformedEveryNth?: number;
  /** Every Nth data request has its connection destroyed without an answer. */
  dropEveryNth?: number;
  /** Tickers answered with 403 NOT_AUTHORIZED. */
  forbiddenTickers?: string[];
}

export interface PolygonSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** When set, requests must carry this key (Bearer or ?apiKey=); 401 otherwise. */
  apiKey?: string;
  seed?: number;
  /** Tickers in grouped daily (default: factor ETFs, large caps and 1,300 generated tickers). */
  universe?: string[];
  /** Vendor-like limit: at most `calls` accepted data requests in any sliding `windowMs`; 429 beyond. */
  rateLimit?: { calls: number; windowMs: number; retryAfterSeconds?: number };
  faults?: SimFaults;
  /** Range responses with more bars than this are split with `next_url` (default: no pagination). */
  pageSize?: number;
  /** Origin written into `next_url` (default: the simulator's own URL); lets tests mimic the public host. */
  nextUrlOrigin?: string;
  /** No bars after this date (the simulated "today"). */
  lastDate?: IsoDate;
  /** Tickers whose bars start at a later date (IPO). */
  ipoDates?: Record<string, IsoDate>;
  /** Tickers with no data at all from any endpoint, besides fund-like ones. */
  noDataTickers?: string[];
}

export interface RecordedRequest {
  seq: number;
  /** Arrival time, epoch ms. */
  at: number;
  method: string;
  /** Path and query as received, with any apiKey parameter removed. */
  path: string;
  kind: 'range' | 'grouped' | 'sim' | 'other';
  ticker?: string;
  date?: IsoDate;
  from?: IsoDate;
  to?: IsoDate;
  status: number;
  fault?: string;
}

export interface PolygonSim {
  url: string;
  port: number;
  model: PriceModel;
  requests(): RecordedRequest[];
  /** Forgets recorded requests, the rate window and fault counters. */
  reset(): void;
  setFaults(faults: SimFaults): void;
  setRateLimit(limit: PolygonSimOptions['rateLimit'] | undefined): void;
  close(): Promise<void>;
}

const RANGE_RE = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/;
const GROUPED_RE = /^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/([^/]+)$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % 1e9;
  return `sim${Date.now().toString(16)}${requestCounter.toString(16).padStart(8, '0')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startPolygonSim(opts: PolygonSimOptions = {}): Promise<PolygonSim> {
  const model = new PriceModel(opts.seed ?? 42, opts.ipoDates ?? {});
  const universe = new Set(opts.universe ?? defaultSimUniverse());
  const noData = new Set(opts.noDataTickers ?? []);
  let faults: SimFaults = { ...opts.faults };
  let rateLimit = opts.rateLimit;
  let recorded: RecordedRequest[] = [];
  let accepted: number[] = [];
  let dataSeq = 0;
  let faultRand = mulberry32(fnv1a(`faults:${opts.seed ?? 42}`));
  const sockets = new Set<Socket>();
  let selfUrl = '';

  const everyNth = (n: number | undefined): boolean => n !== undefined && n > 0 && dataSeq % n === 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://sim.local');
    const keyParam = u.searchParams.get('apiKey');
    u.searchParams.delete('apiKey');
    const rec: RecordedRequest = {
      seq: recorded.length + 1,
      at: Date.now(),
      method: req.method ?? 'GET',
      path: `${u.pathname}${u.search}`,
      kind: 'other',
      status: 0,
    };
    recorded.push(rec);
    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      rec.status = status;
      sendJson(res, status, body, headers);
    };

    if (u.pathname === '/__sim/requests' && req.method === 'GET') {
      rec.kind = 'sim';
      reply(200, { requests: recorded.filter((r) => r.kind !== 'sim') });
      return;
    }
    if (u.pathname === '/__sim/reset' && req.method === 'POST') {
      rec.kind = 'sim';
      reset();
      reply(200, { ok: true });
      return;
    }

    const rangeMatch = RANGE_RE.exec(u.pathname);
    const groupedMatch = GROUPED_RE.exec(u.pathname);
    if (rangeMatch) {
      rec.kind = 'range';
      rec.ticker = decodeURIComponent(rangeMatch[1]!);
      rec.from = rangeMatch[4]!;
      rec.to = rangeMatch[5]!;
    } else if (groupedMatch) {
      rec.kind = 'grouped';
      rec.date = groupedMatch[1]!;
    }

    if (req.method !== 'GET') {
      reply(405, { status: 'ERROR', request_id: requestId(), error: 'Method not allowed' });
      return;
    }

    // Authentication precedes everything, as with the vendor.
    if (opts.apiKey !== undefined) {
      const auth = req.headers.authorization;
      const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const key = bearer ?? keyParam ?? undefined;
      if (key === undefined) {
        reply(401, { status: 'ERROR', request_id: requestId(), error: 'API Key was not provided' });
        return;
      }
      if (key !== opts.apiKey) {
        reply(401, { status: 'ERROR', request_id: requestId(), error: 'Unknown API Key' });
        return;
      }
    }

    if (rec.kind === 'other') {
      reply(404, { status: 'NOT_FOUND', request_id: requestId(), message: 'Data not found.' });
      return;
    }

    if (rateLimit) {
      const now = Date.now();
      accepted = accepted.filter((t) => t > now - rateLimit!.windowMs);
      if (accepted.length >= rateLimit.calls) {
        rec.fault = 'rate-window';
        const headers: Record<string, string> =
          rateLimit.retryAfterSeconds !== undefined ? { 'retry-after': String(rateLimit.retryAfterSeconds) } : {};
        reply(
          429,
          {
            status: 'ERROR',
            request_id: requestId(),
            error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
          },
          headers,
        );
        return;
      }
      accepted.push(now);
    }

    dataSeq++;
    if (faults.delayMs !== undefined && faults.delayMs > 0) {
      await new Promise((r) => setTimeout(r, faults.delayMs));
    }
    if (everyNth(faults.dropEveryNth)) {
      rec.fault = 'drop';
      rec.status = -1;
      req.socket.destroy();
      return;
    }
    if (everyNth(faults.rateLimitEveryNth)) {
      rec.fault = 'rate-injected';
      reply(429, { status: 'ERROR', request_id: requestId(), error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue." });
      return;
    }
    if (everyNth(faults.serverErrorEveryNth) || (faults.serverErrorRate !== undefined && faultRand() < faults.serverErrorRate)) {
      rec.fault = 'server-error';
      reply(faults.serverErrorStatus ?? 503, { status: 'ERROR', request_id: requestId(), error: 'Service temporarily unavailable' });
      return;
    }
    if (everyNth(faults.malformedEveryNth)) {
      rec.fault = 'malformed';
      reply(200, { status: 'OK', request_id: requestId(), resultsCount: 'many', results: 'not-an-array' });
      return;
    }

    if (rec.kind === 'range') serveRange(rec, u, reply);
    else serveGrouped(rec, reply);
  };

  const serveRange = (rec: RecordedRequest, u: URL, reply: (s: number, b: unknown) => void): void => {
    const ticker = rec.ticker!;
    const m = RANGE_RE.exec(u.pathname)!;
    const [multiplier, timespan, from, to] = [m[2]!, m[3]!, m[4]!, m[5]!];
    if (multiplier !== '1' || timespan !== 'day') {
      reply(400, { status: 'ERROR', request_id: requestId(), error: 'The simulator serves 1/day aggregates only.' });
      return;
    }
    if (!DATE_RE.test(from) || !DATE_RE.test(to)) {
      reply(400, { status: 'ERROR', request_id: requestId(), error: `Could not parse the time parameter: '${DATE_RE.test(from) ? 'to' : 'from'}'.` });
      return;
    }
    if (faults.forbiddenTickers?.includes(ticker)) {
      reply(403, {
        status: 'NOT_AUTHORIZED',
        request_id: requestId(),
        message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing',
      });
      return;
    }
    const end = opts.lastDate !== undefined && opts.lastDate < to ? opts.lastDate : to;
    const all = noData.has(ticker) ? [] : model.bars(ticker, from, end);
    const cursor = Number(u.searchParams.get('cursor') ?? '0');
    const offset = Number.isInteger(cursor) && cursor > 0 ? cursor : 0;
    const limit = Math.min(Number(u.searchParams.get('limit') ?? '5000') || 5000, 50_000);
    const pageSize = Math.min(limit, opts.pageSize ?? Number.POSITIVE_INFINITY);
    const page = all.slice(offset, offset + pageSize);
    const id = requestId();
    if (page.length === 0) {
      reply(200, { ticker, queryCount: 0, resultsCount: 0, adjusted: true, status: 'OK', request_id: id });
      return;
    }
    const body: Record<string, unknown> = {
      ticker,
      queryCount: page.length,
      resultsCount: page.length,
      adjusted: u.searchParams.get('adjusted') !== 'false',
      results: page.map((b) => ({ v: b.v, vw: b.vw, o: b.o, c: b.c, h: b.h, l: b.l, t: b.t, n: b.n })),
      status: 'OK',
      request_id: id,
    };
    if (offset + pageSize < all.length) {
      const next = new URL(`${opts.nextUrlOrigin ?? selfUrl}${u.pathname}`);
      for (const [k, v] of u.searchParams) if (k !== 'cursor') next.searchParams.set(k, v);
      next.searchParams.set('cursor', String(offset + pageSize));
      body.next_url = next.toString();
    }
    reply(200, body);
  };

  const serveGrouped = (rec: RecordedRequest, reply: (s: number, b: unknown) => void): void => {
    const date = rec.date!;
    if (!DATE_RE.test(date)) {
      reply(400, { status: 'ERROR', request_id: requestId(), error: "Could not parse the time parameter: 'date'." });
      return;
    }
    const id = requestId();
    const afterLast = opts.lastDate !== undefined && date > opts.lastDate;
    if (afterLast || !isTradingDay(date) || date < SIM_START_DATE) {
      reply(200, { queryCount: 0, resultsCount: 0, adjusted: true, status: 'OK', request_id: id });
      return;
    }
    const results: Record<string, unknown>[] = [];
    const close16 = nyMidnightMs(date) + 16 * 3_600_000;
    for (const ticker of universe) {
      if (noData.has(ticker)) continue;
      const b = model.barOn(ticker, date);
      if (!b) continue;
      results.push({ T: ticker, v: b.v, vw: b.vw, o: b.o, c: b.c, h: b.h, l: b.l, t: close16, n: b.n });
    }
    reply(200, { queryCount: results.length, resultsCount: results.length, adjusted: true, results, status: 'OK', request_id: id });
  };

  const reset = (): void => {
    recorded = [];
    accepted = [];
    dataSeq = 0;
    faultRand = mulberry32(fnv1a(`faults:${opts.seed ?? 42}`));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { status: 'ERROR', request_id: requestId(), error: String(e) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  selfUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    url: selfUrl,
    port,
    model,
    requests: () => recorded.filter((r) => r.kind !== 'sim').map((r) => ({ ...r })),
    reset,
    setFaults: (f: SimFaults) => {
      faults = { ...f };
    },
    setRateLimit: (l) => {
      rateLimit = l;
      accepted = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
