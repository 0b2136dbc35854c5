/**
 * A local Polygon-compatible server for tests, benchmarks and the demo, with the vendor's JSON shapes
 * and error bodies: daily aggregates (range and grouped daily, `adjusted` true or false), splits,
 * dividends, ticker details and ticker events; a vendor-like rate limit, authentication, fault
 * injection and `next_url` pagination. Every request is recorded (GET /__sim/requests, POST
 * /__sim/reset).
 *
 * Prices and corporate actions come from a seeded model (sim-market.ts: a factor market with
 * volatility clustering and jump days; sim-events.ts: splits, dividends, halts, delistings, ticker
 * changes and holes; sim-model.ts: the price paths, as traded and split-adjusted to the simulated
 * today). Everything is deterministic from the seed and the simulated today.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FACTOR_PROXIES } from '../calc/factors.js';
import { isValidIsoDate } from '../calc/trading-calendar.js';
import type { IsoDate } from '../calc/types.js';
import { looksLikeMutualFund } from './fetch-planner.js';
import { fnv1a, mulberry32 } from './prng.js';
import { eventCastTickers } from './sim-events.js';
import type { SimDividendInput, SimEventOptions, SimSplitInput } from './sim-events.js';
import { PriceModel } from './sim-model.js';
import type { DividendRow, SplitRow } from './sim-model.js';
import { effectiveQuery, listQuery } from './sim-reference.js';
import type { ListSpec } from './sim-reference.js';
import { KNOWN_SYMBOLS, spreadTickers } from './sim-symbols.js';

export { SIM_START_DATE, simulatedBetas, simulatedIdioVol, simulatedLoadings, simulatedMarketBeta } from './sim-market.js';
export type { SimLoadings } from './sim-market.js';
export { nyMidnightMs, PriceModel } from './sim-model.js';
export type { DividendRow, PriceModelOptions, SimBar, SplitRow, TickerDetails, TickerEvents } from './sim-model.js';
export { simulatedEventCast } from './sim-events.js';
export type {
  SimDelistingInput,
  SimDividendInput,
  SimEventOptions,
  SimHaltInput,
  SimMissingBarsInput,
  SimSplitInput,
  SimTickerChangeInput,
} from './sim-events.js';
export { KNOWN_SYMBOLS, SPLIT_ROTATION } from './sim-symbols.js';

export const LARGE_CAPS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'GOVT', 'IAU', 'IEFA', 'MUB', 'VO'] as const;

/** Open-end mutual funds (5 letters ending in X): no exchange bars, absent from grouped daily. */
export function isMutualFundLike(ticker: string): boolean {
  return looksLikeMutualFund(ticker);
}

/**
 * A deterministic universe of `size` four-letter tickers (spread over the alphabet, never clashing
 * with the known symbols, never fund-like).
 */
export function simulatedUniverse(size: number): string[] {
  return spreadTickers(4, 7919, 12345, size, new Set<string>([...FACTOR_PROXIES, ...LARGE_CAPS, ...KNOWN_SYMBOLS.map((s) => s.ticker)]));
}

/** Grouped daily's market: the known symbols, `generated` generated tickers and the event cast. */
export function defaultSimUniverse(generated = 1_300): string[] {
  return [...new Set([...FACTOR_PROXIES, ...KNOWN_SYMBOLS.map((s) => s.ticker), ...simulatedUniverse(generated), ...eventCastTickers()])];
}

/** What a request asks for (the request log's `kind`); faults and the rate limit apply to the data kinds. */
export type RequestKind = 'range' | 'grouped' | 'splits' | 'dividends' | 'ticker-details' | 'ticker-events' | 'sim' | 'other';
export type DataKind = Exclude<RequestKind, 'sim' | 'other'>;

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
  /** Every Nth data request gets a 200 with the full Content-Length but only half the body, then the socket is destroyed. */
  truncatedBodyEveryNth?: number;
  /** Every Nth data request gets a complete-length 200 body that is not valid JSON (its last byte is a space). */
  invalidJsonEveryNth?: number;
  /** Tickers answered with 403 NOT_AUTHORIZED (range, reference calls naming them). */
  forbiddenTickers?: string[];
  /** Only requests of these kinds count and get faults (default: every data kind). */
  kinds?: DataKind[];
}

export interface PolygonSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** When set, requests must carry this key (Bearer or ?apiKey=); 401 otherwise. */
  apiKey?: string;
  seed?: number;
  /** Tickers in grouped daily and in market-wide reference calls (default: `defaultSimUniverse()`). */
  universe?: string[];
  /** Vendor-like limit: at most `calls` accepted data requests in any sliding `windowMs`; 429 beyond. */
  rateLimit?: { calls: number; windowMs: number; retryAfterSeconds?: number };
  faults?: SimFaults;
  /** Range responses with more bars than this are split with `next_url` (default: no pagination). */
  pageSize?: number;
  /** Origin written into `next_url` (default: the simulator's own URL); lets tests mimic the public host. */
  nextUrlOrigin?: string;
  /**
   * The simulated "today": no bars after it, adjusted bars are in its share basis, reference data is
   * as known on it. Default: the New York date of the wall clock. Moved later with `setToday`.
   */
  lastDate?: IsoDate;
  /** Tickers whose bars start at a later date (IPO). */
  ipoDates?: Record<string, IsoDate>;
  /** Tickers with no data at all from any endpoint, besides fund-like ones. */
  noDataTickers?: string[];
  /** Corporate actions and market events: the seeded schedule (default on) plus exact ones. */
  events?: SimEventOptions;
}

export interface RecordedRequest {
  seq: number;
  /** Arrival time, epoch ms. */
  at: number;
  method: string;
  /** Path and query as received, with any apiKey parameter removed. */
  path: string;
  kind: RequestKind;
  ticker?: string;
  date?: IsoDate;
  from?: IsoDate;
  to?: IsoDate;
  /** HTTP status sent (−1: connection destroyed before an answer). */
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
  /** The simulated today. */
  today(): IsoDate;
  /** Moves the simulated today (undefined: follow the wall clock). */
  setToday(d: IsoDate | undefined): void;
  /** Announces a split executing after today; throws naming the field on bad input. */
  addSplit(split: SimSplitInput): SplitRow;
  /** Announces a dividend going ex after today; throws naming the field on bad input. */
  addDividend(dividend: SimDividendInput): void;
  close(): Promise<void>;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const RANGE_RE = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/;
const GROUPED_RE = /^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/([^/]+)$/;
const DETAILS_RE = /^\/v3\/reference\/tickers\/([^/]+)$/;
const EVENTS_RE = /^\/vX\/reference\/tickers\/([^/]+)\/events$/;
const DATA_KINDS: readonly DataKind[] = ['range', 'grouped', 'splits', 'dividends', 'ticker-details', 'ticker-events'];

let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % 1e9;
  return `sim${Date.now().toString(16)}${requestCounter.toString(16).padStart(8, '0')}`;
}

type Mangle = 'truncated-body' | 'invalid-json' | undefined;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, mangle: Mangle = undefined): void {
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
  if (mangle === 'truncated-body') {
    // A transport glitch: the promised length never arrives.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
    return;
  }
  if (mangle === 'invalid-json') {
    const broken = Buffer.from(bytes);
    broken[broken.length - 1] = 0x20;
    res.end(broken);
    return;
  }
  res.end(bytes);
}

const notFound = (message = 'Data not found.'): Record<string, unknown> => ({ status: 'NOT_FOUND', request_id: requestId(), message });
const badRequest = (error: string): Record<string, unknown> => ({ status: 'ERROR', request_id: requestId(), error });

const SPLITS_SPEC: ListSpec<SplitRow> = {
  filters: [
    { param: 'ticker', kind: 'ticker', ranges: true, value: (r) => r.ticker },
    { param: 'execution_date', kind: 'date', ranges: true, value: (r) => r.execution_date },
    // reverse_split=true keeps rows with split_from > split_to; false the others.
    { param: 'reverse_split', kind: 'bool', ranges: false, value: (r) => r.split_from > r.split_to },
  ],
  sortFields: { execution_date: (r) => r.execution_date, ticker: (r) => r.ticker },
  defaultSort: 'execution_date',
  tieBreak: (r) => `${r.ticker}\u0000${r.execution_date}\u0000${r.id}`,
};

const DIVIDENDS_SPEC: ListSpec<DividendRow> = {
  filters: [
    { param: 'ticker', kind: 'ticker', ranges: true, value: (r) => r.ticker },
    { param: 'ex_dividend_date', kind: 'date', ranges: true, value: (r) => r.ex_dividend_date },
    { param: 'record_date', kind: 'date', ranges: true, value: (r) => r.record_date },
    { param: 'declaration_date', kind: 'date', ranges: true, value: (r) => r.declaration_date },
    { param: 'pay_date', kind: 'date', ranges: true, value: (r) => r.pay_date },
    { param: 'cash_amount', kind: 'number', ranges: true, value: (r) => r.cash_amount },
    { param: 'frequency', kind: 'enum', ranges: false, values: ['0', '1', '2', '4', '12', '24', '52'], value: (r) => String(r.frequency) },
    { param: 'dividend_type', kind: 'enum', ranges: false, values: ['CD', 'SC', 'LT', 'ST'], value: (r) => r.dividend_type },
  ],
  sortFields: {
    ex_dividend_date: (r) => r.ex_dividend_date,
    ticker: (r) => r.ticker,
    cash_amount: (r) => r.cash_amount,
    declaration_date: (r) => r.declaration_date,
    pay_date: (r) => r.pay_date,
    record_date: (r) => r.record_date,
  },
  defaultSort: 'ex_dividend_date',
  tieBreak: (r) => `${r.ticker}\u0000${r.ex_dividend_date}\u0000${r.id}`,
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

export async function startPolygonSim(opts: PolygonSimOptions = {}): Promise<PolygonSim> {
  const model = new PriceModel(opts.seed ?? 42, {
    ...(opts.ipoDates ? { ipoDates: opts.ipoDates } : {}),
    ...(opts.noDataTickers ? { noDataTickers: opts.noDataTickers } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    ...(opts.lastDate !== undefined ? { today: opts.lastDate } : {}),
  });
  const universe = opts.universe ?? defaultSimUniverse();
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
    let mangle: Mangle;
    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      rec.status = status;
      sendJson(res, status, body, headers, status === 200 ? mangle : undefined);
    };

    if (u.pathname.startsWith('/__sim/')) {
      rec.kind = 'sim';
      await control(u, req, reply);
      return;
    }

    const rangeMatch = RANGE_RE.exec(u.pathname);
    const groupedMatch = GROUPED_RE.exec(u.pathname);
    const detailsMatch = DETAILS_RE.exec(u.pathname);
    const eventsMatch = EVENTS_RE.exec(u.pathname);
    if (rangeMatch) {
      rec.kind = 'range';
      rec.ticker = decodeURIComponent(rangeMatch[1]!);
      rec.from = rangeMatch[4]!;
      rec.to = rangeMatch[5]!;
    } else if (groupedMatch) {
      rec.kind = 'grouped';
      rec.date = groupedMatch[1]!;
    } else if (u.pathname === '/v3/reference/splits' || u.pathname === '/v3/reference/dividends') {
      rec.kind = u.pathname.endsWith('splits') ? 'splits' : 'dividends';
      const t = u.searchParams.get('ticker');
      if (t !== null) rec.ticker = t;
    } else if (detailsMatch) {
      rec.kind = 'ticker-details';
      rec.ticker = decodeURIComponent(detailsMatch[1]!);
    } else if (eventsMatch) {
      rec.kind = 'ticker-events';
      rec.ticker = decodeURIComponent(eventsMatch[1]!);
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
      reply(404, notFound());
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

    if ((faults.kinds ?? DATA_KINDS).includes(rec.kind as DataKind)) {
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
      if (everyNth(faults.truncatedBodyEveryNth)) mangle = 'truncated-body';
      else if (everyNth(faults.invalidJsonEveryNth)) mangle = 'invalid-json';
      if (mangle) rec.fault = mangle;
    }

    if (rec.ticker !== undefined && faults.forbiddenTickers?.includes(rec.ticker)) {
      reply(403, {
        status: 'NOT_AUTHORIZED',
        request_id: requestId(),
        message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing',
      });
      return;
    }

    switch (rec.kind) {
      case 'range':
        serveRange(rec, u, reply);
        return;
      case 'grouped':
        serveGrouped(rec, u, reply);
        return;
      case 'splits':
        serveList((scope) => model.splits(scope), u, SPLITS_SPEC, reply);
        return;
      case 'dividends':
        serveList((scope) => model.dividends(scope), u, DIVIDENDS_SPEC, reply);
        return;
      case 'ticker-details': {
        const details = model.tickerDetails(rec.ticker!);
        if (!details) reply(404, notFound('Ticker not found.'));
        else reply(200, { results: details, status: 'OK', request_id: requestId() });
        return;
      }
      case 'ticker-events': {
        const events = model.tickerEvents(rec.ticker!);
        const types = u.searchParams.get('types');
        if (!events) reply(404, notFound('Ticker not found.'));
        else {
          const wanted = types === null || types.split(',').includes('ticker_change');
          reply(200, { results: { ...events, events: wanted ? events.events : [] }, status: 'OK', request_id: requestId() });
        }
        return;
      }
    }
  };

  /** Splits or dividends: of one ticker, or market-wide (the universe and tickers with planted events). */
  const serveList = <Row>(rowsOf: (scope: { ticker?: string; tickers?: Iterable<string> }) => Row[], u: URL, spec: ListSpec<Row>, reply: (s: number, b: unknown) => void): void => {
    const eq = effectiveQuery(u.searchParams);
    if (!eq.ok) {
      reply(400, badRequest(eq.error));
      return;
    }
    const ticker = new URLSearchParams(eq.query).get('ticker');
    const rows = rowsOf(ticker !== null ? { ticker } : { tickers: universe });
    const r = listQuery(rows, eq, spec, (cursor) => `${opts.nextUrlOrigin ?? selfUrl}${u.pathname}?cursor=${cursor}`);
    if (!r.ok) {
      reply(400, badRequest(r.error));
      return;
    }
    const body: Record<string, unknown> = { results: r.page, status: 'OK', request_id: requestId() };
    if (r.next !== undefined) body.next_url = r.next;
    reply(200, body);
  };

  const serveRange = (rec: RecordedRequest, u: URL, reply: (s: number, b: unknown) => void): void => {
    const ticker = rec.ticker!;
    const m = RANGE_RE.exec(u.pathname)!;
    const [multiplier, timespan, from, to] = [m[2]!, m[3]!, m[4]!, m[5]!];
    if (multiplier !== '1' || timespan !== 'day') {
      reply(400, badRequest('The simulator serves 1/day aggregates only.'));
      return;
    }
    if (!DATE_RE.test(from) || !DATE_RE.test(to)) {
      reply(400, badRequest(`Could not parse the time parameter: '${DATE_RE.test(from) ? 'to' : 'from'}'.`));
      return;
    }
    const adjusted = u.searchParams.get('adjusted') !== 'false';
    const all = model.bars(ticker, from, to, { adjusted });
    const cursor = Number(u.searchParams.get('cursor') ?? '0');
    const offset = Number.isInteger(cursor) && cursor > 0 ? cursor : 0;
    const limit = Math.min(Number(u.searchParams.get('limit') ?? '5000') || 5000, 50_000);
    const pageSize = Math.min(limit, opts.pageSize ?? Number.POSITIVE_INFINITY);
    const page = all.slice(offset, offset + pageSize);
    const id = requestId();
    if (page.length === 0) {
      reply(200, { ticker, queryCount: 0, resultsCount: 0, adjusted, status: 'OK', request_id: id });
      return;
    }
    const body: Record<string, unknown> = {
      ticker,
      queryCount: page.length,
      resultsCount: page.length,
      adjusted,
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

  const serveGrouped = (rec: RecordedRequest, u: URL, reply: (s: number, b: unknown) => void): void => {
    const date = rec.date!;
    if (!DATE_RE.test(date)) {
      reply(400, badRequest("Could not parse the time parameter: 'date'."));
      return;
    }
    const adjusted = u.searchParams.get('adjusted') !== 'false';
    const id = requestId();
    const rows = isValidIsoDate(date) ? model.grouped(date, universe, { adjusted }) : [];
    if (rows.length === 0) {
      reply(200, { queryCount: 0, resultsCount: 0, adjusted, status: 'OK', request_id: id });
      return;
    }
    const close16 = rows[0]!.t + 16 * 3_600_000;
    const results = rows.map((b) => ({ T: b.T, v: b.v, vw: b.vw, o: b.o, c: b.c, h: b.h, l: b.l, t: close16, n: b.n }));
    reply(200, { queryCount: results.length, resultsCount: results.length, adjusted, results, status: 'OK', request_id: id });
  };

  /** Test controls: the request log, reset, the simulated today and announcements. */
  const control = async (u: URL, req: IncomingMessage, reply: (s: number, b: unknown) => void): Promise<void> => {
    const route = `${req.method ?? 'GET'} ${u.pathname}`;
    try {
      switch (route) {
        case 'GET /__sim/requests':
          reply(200, { requests: recorded.filter((r) => r.kind !== 'sim') });
          return;
        case 'POST /__sim/reset':
          reset();
          reply(200, { ok: true });
          return;
        case 'GET /__sim/today':
          reply(200, { today: model.today() });
          return;
        case 'POST /__sim/today': {
          const body = (await readBody(req)) as { today?: IsoDate | null };
          model.setToday(body.today ?? undefined);
          reply(200, { today: model.today() });
          return;
        }
        case 'POST /__sim/splits':
          reply(200, { split: model.addSplit((await readBody(req)) as SimSplitInput) });
          return;
        case 'POST /__sim/dividends':
          model.addDividend((await readBody(req)) as SimDividendInput);
          reply(200, { ok: true });
          return;
        default:
          reply(404, notFound());
      }
    } catch (e) {
      reply(400, badRequest(e instanceof Error ? e.message : String(e)));
    }
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
    today: () => model.today(),
    setToday: (d) => model.setToday(d),
    addSplit: (s) => model.addSplit(s),
    addDividend: (d) => model.addDividend(d),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
