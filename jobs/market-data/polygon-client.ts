/**
 * Polygon (Massive) REST client on undici: one keep-alive pool for the configured origin, Bearer auth
 * (so URLs carry no key and are safe to log), zod-validated bodies, typed errors. Every HTTP request,
 * each page of a paginated range included, goes through the call limiter, which owns rate and retries.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { Logger } from '../../core/logger.js';
import type { z } from 'zod';
import { nyDateOf } from '../calc/trading-calendar.js';
import type { IsoDate } from '../../core/dates.js';
import {
  MarketDataAbortedError,
  PolygonAuthError,
  PolygonForeignNextUrlError,
  PolygonMalformedResponseError,
  PolygonNetworkError,
  PolygonNotEntitledError,
  PolygonRateLimitError,
  PolygonServerError,
  PolygonUnexpectedResponseError,
  isMarketDataError,
  redact,
} from './errors.js';
import type { CallLimiter, CallStats } from './limiter.js';
import { AggRangeResponse, GroupedDailyResponse, readErrorBody, requestIdOf } from './polygon-schemas.js';

export interface DailyBar {
  date: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number | undefined;
  transactions?: number | undefined;
}

export interface RangeResult {
  ticker: string;
  /** Ascending by date, one bar per date. */
  bars: DailyBar[];
  /** 404 from the vendor: recorded as no data. */
  notFound: boolean;
  pages: number;
  requestIds: string[];
}

export interface GroupedResult {
  date: IsoDate;
  bars: Map<string, DailyBar>;
  requestId: string | undefined;
  notFound: boolean;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  stats?: CallStats | undefined;
}

export interface PolygonClientOptions {
  /** e.g. https://api.massive.com or the simulator's URL. Paths are appended to it. */
  baseUrl: string;
  apiKey: string;
  limiter: CallLimiter;
  logger?: Logger | undefined;
  /** Keep-alive connections in the pool (default 8). */
  connections?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Follow at most this many `next_url` pages per range (default 100); a loop guard. */
  maxPages?: number;
}

export interface PolygonClient {
  readonly baseUrl: string;
  /** Daily bars of `ticker` in [from, to] (inclusive), following `next_url`. 0 results and 404 are no bars. */
  getDailyRange(ticker: string, from: IsoDate, to: IsoDate, opts?: RequestOptions): Promise<RangeResult>;
  /** Every exchange-listed ticker's bar on `date`. */
  getGroupedDaily(date: IsoDate, opts?: RequestOptions): Promise<GroupedResult>;
  close(): Promise<void>;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function errorCode(e: unknown): string | undefined {
  if (e !== null && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function toDailyBar(date: IsoDate, b: { o: number; h: number; l: number; c: number; v: number; vw?: number | undefined; n?: number | undefined }): DailyBar {
  return { date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw, transactions: b.n };
}

/** Parses a range body into bars (exported for fixture tests). Bars are sorted and deduplicated by date. */
export function parseRangeBody(json: unknown, path: string): { body: AggRangeResponse; bars: DailyBar[] } {
  const body = validate(AggRangeResponse, json, path);
  const byDate = new Map<IsoDate, DailyBar>();
  for (const r of body.results ?? []) {
    // `t` is New York midnight of the trading day in UTC ms; the UTC date would be right only by luck.
    byDate.set(nyDateOf(r.t), toDailyBar(nyDateOf(r.t), r));
  }
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { body, bars };
}

/** Parses a grouped-daily body (exported for fixture tests). The date comes from the request. */
export function parseGroupedBody(json: unknown, date: IsoDate, path: string): { body: GroupedDailyResponse; bars: Map<string, DailyBar> } {
  const body = validate(GroupedDailyResponse, json, path);
  const bars = new Map<string, DailyBar>();
  for (const r of body.results ?? []) bars.set(r.T, toDailyBar(date, r));
  return { body, bars };
}

function validate<S extends z.ZodType>(schema: S, json: unknown, path: string): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'schema mismatch';
    throw new PolygonMalformedResponseError(where, { path, requestId: requestIdOf(json), cause: parsed.error });
  }
  return parsed.data;
}

class UndiciPolygonClient implements PolygonClient {
  readonly baseUrl: string;
  private readonly origin: URL;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly secrets: string[];
  private readonly maxPages: number;

  constructor(private readonly opts: PolygonClientOptions) {
    this.origin = new URL(opts.baseUrl);
    if (this.origin.protocol !== 'https:' && this.origin.protocol !== 'http:') {
      throw new Error(`Polygon base URL must be http(s): ${this.origin.origin}`);
    }
    this.basePath = this.origin.pathname.replace(/\/+$/, '');
    this.baseUrl = `${this.origin.origin}${this.basePath}`;
    this.secrets = [opts.apiKey];
    this.maxPages = opts.maxPages ?? 100;
    this.pool = new Pool(this.origin.origin, {
      connections: opts.connections ?? 8,
      connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
      headersTimeout: opts.headersTimeoutMs ?? 30_000,
      bodyTimeout: opts.bodyTimeoutMs ?? 30_000,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
    });
  }

  async getDailyRange(ticker: string, from: IsoDate, to: IsoDate, opts: RequestOptions = {}): Promise<RangeResult> {
    const first = `${this.basePath}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${from}/${to}?adjusted=false&sort=asc&limit=50000`;
    const byDate = new Map<IsoDate, DailyBar>();
    const requestIds: string[] = [];
    let path: string | undefined = first;
    let pages = 0;
    while (path !== undefined) {
      if (pages >= this.maxPages) {
        throw new PolygonMalformedResponseError(`more than ${this.maxPages} pages of next_url`, { path });
      }
      const res = await this.getJson(path, opts);
      pages++;
      if (res.status === 404) {
        return { ticker, bars: [], notFound: true, pages, requestIds };
      }
      const { body, bars } = parseRangeBody(res.json, path);
      if (body.request_id !== undefined) requestIds.push(body.request_id);
      for (const b of bars) byDate.set(b.date, b);
      path = body.next_url !== undefined ? this.rebase(body.next_url, path) : undefined;
    }
    const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return { ticker, bars, notFound: false, pages, requestIds };
  }

  async getGroupedDaily(date: IsoDate, opts: RequestOptions = {}): Promise<GroupedResult> {
    const path = `${this.basePath}/v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=false`;
    const res = await this.getJson(path, opts);
    if (res.status === 404) return { date, bars: new Map(), requestId: undefined, notFound: true };
    const { body, bars } = parseGroupedBody(res.json, date, path);
    return { date, bars, requestId: body.request_id, notFound: false };
  }

  /**
   * `next_url` is absolute and may name the public host even when we talk to a mirror or the
   * simulator; keep its path and query, and refuse any host other than the configured one (or the
   * vendor's own, which is the same service) so the key is never sent elsewhere.
   */
  private rebase(nextUrl: string, currentPath: string): string {
    let u: URL;
    try {
      u = new URL(nextUrl, this.origin);
    } catch (e) {
      throw new PolygonMalformedResponseError('next_url is not a URL', { path: currentPath, cause: e });
    }
    const trusted = new Set([this.origin.host, 'api.polygon.io', 'api.massive.com']);
    if (!trusted.has(u.host)) throw new PolygonForeignNextUrlError(u.host, this.origin.host, { path: currentPath });
    u.searchParams.delete('apiKey');
    let p = u.pathname;
    if (this.basePath !== '' && !p.startsWith(`${this.basePath}/`)) p = `${this.basePath}${p}`;
    return `${p}${u.search}`;
  }

  private async getJson(path: string, opts: RequestOptions): Promise<{ status: number; json: unknown }> {
    return this.opts.limiter.schedule(() => this.request(path, opts.signal), { signal: opts.signal, stats: opts.stats });
  }

  /** One HTTP attempt. Throws typed errors; 404 is returned for the caller to treat as no data. */
  private async request(path: string, signal: AbortSignal | undefined): Promise<{ status: number; json: unknown }> {
    const started = Date.now();
    let statusCode: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await this.pool.request({
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json' },
        signal,
      });
      statusCode = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (e) {
      throw this.translateNetworkError(e, path, signal);
    }
    this.opts.logger?.debug({ path, status: statusCode, ms: Date.now() - started }, 'polygon response');

    if (statusCode === 200) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new PolygonMalformedResponseError('body is not JSON', { path, status: statusCode, cause: e });
      }
      return { status: statusCode, json };
    }
    const { message: raw, requestId } = readErrorBody(text);
    const message = raw === undefined ? undefined : redact(raw, this.secrets);
    const details = { path, status: statusCode, requestId };
    if (statusCode === 404) return { status: 404, json: undefined };
    if (statusCode === 401) throw new PolygonAuthError(message, details);
    if (statusCode === 403) throw new PolygonNotEntitledError(message, details);
    if (statusCode === 429) {
      throw new PolygonRateLimitError(message, { ...details, retryAfterMs: parseRetryAfter(headers['retry-after']) });
    }
    if (statusCode >= 500) throw new PolygonServerError(message, details);
    throw new PolygonUnexpectedResponseError(message, details);
  }

  private translateNetworkError(e: unknown, path: string, signal: AbortSignal | undefined): Error {
    if (isMarketDataError(e)) return e;
    if (signal?.aborted) return new MarketDataAbortedError({ path, cause: signal.reason });
    const code = errorCode(e) ?? errorCode((e as { cause?: unknown } | null)?.cause);
    const reason = redact(e instanceof Error ? e.message : String(e), this.secrets);
    if (e instanceof undiciErrors.RequestAbortedError) return new MarketDataAbortedError({ path, cause: e });
    if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) {
      return new PolygonNetworkError(`${code}: ${reason}`, { path, cause: e });
    }
    // Unknown transport failures are treated as transient too: retries are capped.
    return new PolygonNetworkError(reason, { path, cause: e });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

export function createPolygonClient(opts: PolygonClientOptions): PolygonClient {
  if (opts.apiKey.trim() === '') {
    throw new PolygonAuthError('no API key configured');
  }
  return new UndiciPolygonClient(opts);
}
