/**
 * The market-data port of the pipeline: make sure the cache holds every daily bar a run needs, asking
 * the vendor only for what is missing, in as few calls as the API allows; and read closes back.
 */
import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import type { Logger } from '../../core/logger.js';
import { assertIsoDate, nextTradingDay, previousTradingDay, tradingDaysBetween } from '../calc/trading-calendar.js';
import type { IsoDate } from '../../core/dates.js';
import { BarModel, type BarWrite, type Closes } from '../../db/models/bar.model.js';
import { PriceCoverageModel } from '../../db/models/price-coverage.model.js';
import { SymbolModel, type PriceStatusWrite, type SymbolPriceInfo } from '../../db/models/symbol.model.js';
import { isConnectionLoss } from '../../db/connection-errors.js';
import { withFetchLocks } from '../../db/fetch-locks.js';
import { CorporateActionFetch } from './corporate-action-fetch.js';
import type { CallHooks, CorporateActionOptions, CorporateActionsResult } from './corporate-action-fetch.js';
import type { CorporateActionPlan } from './corporate-action-planner.js';
import { MarketDataAbortedError, PolygonAuthError, describeError, isMarketDataError } from './errors.js';
import { barsForScope, looksLikeMutualFund, mergeCoverage, planFallbackRanges, planFetch, widenToCoverage } from './fetch-planner.js';
import type { CoverageWindow, FetchPlan, RangeCall } from './fetch-planner.js';
import { emptyCallStats } from './limiter.js';
import type { CallLimiter, CallStats } from './limiter.js';
import type { DailyBar, PolygonClient } from './polygon-client.js';
import { pool } from '../pool.js';

export interface MarketDataDeps {
  db: Knex;
  client: PolygonClient;
  logger: Logger;
  /** The client's limiter, for ETAs in progress reports. */
  limiter?: CallLimiter;
  /** Range calls in flight at once (the limiter still bounds the rate); default 8. */
  concurrency?: number;
  /** Set false where the plan has no grouped daily. */
  allowGrouped?: boolean;
  /** Value of market_data_cache.source (default 'polygon'). */
  source?: string;
  /**
   * A symbol found to have no bars at all is not asked again for this long, even when the window
   * grows by a day (default 7 days): an open-end fund in scope would otherwise cost a call every night.
   */
  unavailableRecheckMs?: number;
}

export const DEFAULT_UNAVAILABLE_RECHECK_MS = 7 * 86_400_000;

export interface EnsureBarsProgress {
  callsDone: number;
  callsPlanned: number;
  /** Lower bound on the seconds the remaining calls take at the limiter's rate (when known). */
  etaSeconds?: number;
}

export interface EnsureBarsOptions {
  signal?: AbortSignal;
  /**
   * Also bring splits, dividends, ticker details and ticker events of the symbols up to date through
   * this day, planned and counted with the bars (one progress, one ETA, one call count).
   */
  corporateActions?: CorporateActionOptions;
  onProgress?: (p: EnsureBarsProgress) => void | Promise<void>;
}

export interface EnsureBarsResult {
  /** Symbols that received bars in this call, with how many. */
  fetched: { symbol: string; bars: number }[];
  /** Symbols that needed nothing. */
  alreadyCached: number;
  /** Symbols for which the vendor has no bars at all. */
  unavailable: { symbol: string; reason: string }[];
  /** Per-symbol failures that did not stop the others (403, exhausted retries, malformed bodies). */
  failed: { symbol: string; error: string; code?: string }[];
  calls: { planned: number; made: number; retried: number; rateLimited: number };
  barsWritten: number;
  plan: { strategy: FetchPlan['strategy']; groupedDates: number; rangeCalls: number; fallbackRangeCalls: number; naiveCalls: number };
  /** When asked for: what the corporate-action and reference calls did. */
  corporateActions?: CorporateActionsResult;
}

export interface MarketData {
  ensureBars(symbols: string[], from: IsoDate, to: IsoDate, opts?: EnsureBarsOptions): Promise<EnsureBarsResult>;
  /** Stored closes, ascending by date; every requested symbol has an entry (possibly empty). */
  loadCloses(symbols: string[], from: IsoDate, to: IsoDate): Promise<Closes>;
}

const positiveOrNull = (x: number): number | null => (Number.isFinite(x) && x > 0 ? x : null);

function adjacentTradingDays(a: IsoDate, b: IsoDate): boolean {
  return a < b && nextTradingDay(a) >= b;
}

function normaliseSymbols(symbols: readonly string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0))].sort();
}

/** What the cache and the universe say about the symbols in scope, read once per call. */
interface CacheState {
  /**
   * Per symbol, the window's trading days outside its coverage without a cached bar (inside the
   * coverage the vendor was already asked: a day without a bar there is a halt or a hole it has).
   */
  uncached: Map<string, IsoDate[]>;
  /** Per symbol, the span the vendor was already asked for. */
  coverage: Map<string, CoverageWindow>;
  info: Map<string, SymbolPriceInfo>;
}

/** What the grouped-daily calls brought: the dates each symbol received, and the dates whose call failed. */
interface GroupedOutcome {
  received: Map<string, Set<IsoDate>>;
  failedDates: Map<IsoDate, unknown>;
}

/** A lost database connection while storing (not a vendor failure, whose network errors carry the same socket codes). */
function isStoreLoss(e: unknown): boolean {
  return !isMarketDataError(e) && isConnectionLoss(e);
}

/**
 * One `ensureBars` call, step by step: read the cache state, plan the calls, fetch grouped daily,
 * record what it covered, fetch ranges (the plan's and the fallbacks), sum up. One abort controller
 * serves the whole call: a rejected key stops every other request at once.
 */
class BarFetch {
  readonly result: EnsureBarsResult = {
    fetched: [],
    alreadyCached: 0,
    unavailable: [],
    failed: [],
    calls: { planned: 0, made: 0, retried: 0, rateLimited: 0 },
    barsWritten: 0,
    plan: { strategy: 'none', groupedDates: 0, rangeCalls: 0, fallbackRangeCalls: 0, naiveCalls: 0 },
  };
  private readonly stats: CallStats = emptyCallStats();
  private readonly controller = new AbortController();
  private fatal: unknown;
  private callsPlanned = 0;
  private callsDone = 0;
  /** Bars written per symbol by this call. */
  private readonly fetchedBars = new Map<string, number>();
  private readonly statuses = new Map<string, PriceStatusWrite>();

  constructor(
    private readonly deps: MarketDataDeps & { source: string; concurrency: number },
    readonly symbols: string[],
    readonly days: IsoDate[],
    private readonly opts: EnsureBarsOptions,
  ) {
    // Every call in flight listens to this signal: more than Node's default of 10 is expected.
    setMaxListeners(0, this.controller.signal);
  }

  private toRows(symbol: string, bars: readonly DailyBar[]): BarWrite[] {
    return bars
      .filter((b) => Number.isFinite(b.close) && b.close > 0)
      .map((b) => ({
        symbol,
        date: b.date,
        open: positiveOrNull(b.open),
        high: positiveOrNull(b.high),
        low: positiveOrNull(b.low),
        close: b.close,
        volume: Number.isFinite(b.volume) && b.volume >= 0 ? b.volume : null,
        source: this.deps.source,
      }));
  }

  private stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async progress(): Promise<void> {
    this.callsDone++;
    if (this.opts.onProgress) {
      const p: EnsureBarsProgress = { callsDone: this.callsDone, callsPlanned: this.callsPlanned };
      if (this.deps.limiter) p.etaSeconds = this.deps.limiter.etaSeconds(Math.max(0, this.callsPlanned - this.callsDone));
      await this.opts.onProgress(p);
    }
  }

  /** Records a per-call failure, or makes it fatal (bad key) and stops the rest. */
  private onCallError(e: unknown, symbols: readonly string[]): void {
    // A bad key, or a database that went away while storing: stop the rest (the run resumes later).
    if (e instanceof PolygonAuthError || isStoreLoss(e)) {
      this.fatal ??= e;
      this.controller.abort(e);
      return;
    }
    if (this.stopped()) return;
    const code = isMarketDataError(e) ? e.code : undefined;
    for (const symbol of symbols) this.result.failed.push({ symbol, error: describeError(e), ...(code ? { code } : {}) });
    this.deps.logger.warn({ symbols: symbols.length > 5 ? symbols.length : symbols, code, err: describeError(e) }, 'vendor call failed');
  }

  /** Step 1: per symbol, the uncached days, the coverage window and the price status. */
  async readCache(): Promise<CacheState> {
    const { db } = this.deps;
    const [coverage, info] = await Promise.all([PriceCoverageModel.windows(db, this.symbols), SymbolModel.priceInfo(db, this.symbols)]);
    const uncached = await BarModel.uncachedDays(db, this.symbols, this.days, coverage);
    return { uncached, coverage, info };
  }

  /**
   * Step 2: the cheapest plan for what is missing. Symbols known to have no prices and checked
   * recently are reported, not asked again until their recheck is due.
   */
  planCalls(cache: CacheState): FetchPlan {
    const { info } = cache;
    const groupedIneligible = new Set(
      this.symbols.filter((s) => looksLikeMutualFund(s) || info.get(s)?.assetType === 'mutual_fund' || info.get(s)?.priceStatus === 'unavailable'),
    );
    // Planned again under the fetch locks: start from a clean slate.
    this.result.unavailable = [];
    const recheckMs = this.deps.unavailableRecheckMs ?? DEFAULT_UNAVAILABLE_RECHECK_MS;
    const resting = new Set(
      this.symbols.filter((s) => {
        const i = info.get(s);
        return i?.priceStatus === 'unavailable' && i.statusAgeMs < recheckMs;
      }),
    );
    for (const s of resting) this.result.unavailable.push({ symbol: s, reason: info.get(s)!.unavailableReason ?? 'no data' });
    const plan = planFetch({
      symbols: this.symbols.filter((s) => !resting.has(s)),
      days: this.days,
      uncached: cache.uncached,
      coverage: cache.coverage,
      groupedIneligible,
      allowGrouped: this.deps.allowGrouped ?? true,
    });
    this.result.alreadyCached = plan.alreadyCached.length + resting.size;
    this.result.plan = {
      strategy: plan.strategy,
      groupedDates: plan.groupedDates.length,
      rangeCalls: plan.rangeCalls.length,
      fallbackRangeCalls: 0,
      naiveCalls: plan.naiveCalls,
    };
    this.callsPlanned = plan.callsPlanned;
    this.deps.logger.info(
      {
        symbols: this.symbols.length,
        from: this.days[0],
        to: this.days[this.days.length - 1],
        strategy: plan.strategy,
        callsPlanned: plan.callsPlanned,
        groupedDates: plan.groupedDates.length,
        rangeCalls: plan.rangeCalls.length,
        naiveCalls: plan.naiveCalls,
      },
      'market-data plan',
    );
    return plan;
  }

  resetPlanned(): void {
    this.callsPlanned = 0;
  }

  /** Adds calls planned by another step (corporate actions) to the progress and ETA. */
  addPlanned(n: number): void {
    this.callsPlanned += n;
  }

  get planned(): number {
    return this.callsPlanned;
  }

  /** This call's signal, counters and progress, lent to the corporate-action fetch. */
  hooks(): CallHooks {
    return {
      signal: this.controller.signal,
      stats: this.stats,
      progress: () => this.progress(),
      fatal: (e) => {
        if (!(e instanceof PolygonAuthError)) return false;
        this.onCallError(e, []);
        return true;
      },
      addPlanned: (n) => this.addPlanned(n),
      stopped: () => this.stopped(),
    };
  }

  /** Throws the fatal error, or an abort, when the call was stopped. */
  throwIfStopped(): void {
    if (this.fatal) throw this.fatal;
    if (this.stopped()) throw new MarketDataAbortedError({ cause: this.opts.signal?.reason });
  }

  /** Runs the vendor steps with the caller's signal wired to this call's controller. */
  async withVendorCalls(steps: () => Promise<void>): Promise<void> {
    const outer = this.opts.signal;
    if (outer?.aborted) throw new MarketDataAbortedError({ cause: outer.reason });
    const onOuterAbort = (): void => this.controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      await steps();
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /**
   * Step 3: grouped daily, one call per date, keeping only in-scope symbols that lack that date. A
   * failed date is not replaced by range calls (that could turn one failed call into one call per
   * symbol): it stays missing and the next run asks for it again.
   */
  async fetchGrouped(plan: FetchPlan, missingBySymbol: Map<string, IsoDate[]>): Promise<GroupedOutcome> {
    const wantsDate = new Map<IsoDate, string[]>();
    for (const symbol of plan.groupedSymbols) {
      for (const d of missingBySymbol.get(symbol) ?? []) {
        const list = wantsDate.get(d);
        if (list) list.push(symbol);
        else wantsDate.set(d, [symbol]);
      }
    }
    const received = new Map<string, Set<IsoDate>>();
    const failedDates = new Map<IsoDate, unknown>();
    await pool(plan.groupedDates, this.deps.concurrency, () => this.stopped(), async (date) => {
      try {
        const res = await this.deps.client.getGroupedDaily(date, { signal: this.controller.signal, stats: this.stats });
        const rows: BarWrite[] = [];
        for (const [symbol, bar] of barsForScope(res.bars, wantsDate.get(date) ?? [])) {
          const r = this.toRows(symbol, [bar]);
          if (r.length === 0) continue;
          rows.push(...r);
          let set = received.get(symbol);
          if (!set) received.set(symbol, (set = new Set()));
          set.add(date);
        }
        // Read-modify-write of the total only after the await: workers run concurrently.
        const written = await BarModel.upsertMany(this.deps.db, rows);
        this.result.barsWritten += written;
        for (const r of rows) this.fetchedBars.set(r.symbol, (this.fetchedBars.get(r.symbol) ?? 0) + 1);
      } catch (e) {
        if (e instanceof PolygonAuthError || isStoreLoss(e)) this.onCallError(e, []);
        else if (!this.stopped()) {
          failedDates.set(date, e);
          this.deps.logger.warn({ date, err: describeError(e) }, 'grouped daily call failed');
        }
      }
      await this.progress();
    });
    if (this.fatal || this.stopped()) throw this.fatal ?? new MarketDataAbortedError({ cause: this.opts.signal?.reason });
    return { received, failedDates };
  }

  /**
   * Step 4: the coverage of the symbols grouped daily served in full (and their status: priced), the
   * failures of symbols whose date failed, and per symbol the dates grouped daily did not provide.
   */
  async recordGrouped(plan: FetchPlan, cache: CacheState, missingBySymbol: Map<string, IsoDate[]>, grouped: GroupedOutcome): Promise<Map<string, IsoDate[]>> {
    const lacking = new Map<string, IsoDate[]>();
    const covered: { symbol: string; window: CoverageWindow }[] = [];
    const failedByDate = new Map<IsoDate, string[]>();
    for (const symbol of plan.groupedSymbols) {
      const missing = missingBySymbol.get(symbol) ?? [];
      const got = grouped.received.get(symbol) ?? new Set<IsoDate>();
      const failedDate = missing.find((d) => grouped.failedDates.has(d));
      if (failedDate !== undefined) {
        const list = failedByDate.get(failedDate);
        if (list) list.push(symbol);
        else failedByDate.set(failedDate, [symbol]);
        continue;
      }
      const stillMissing = missing.filter((d) => !got.has(d));
      if (stillMissing.length > 0) lacking.set(symbol, stillMissing);
      else if (missing.length > 0) {
        const asked = { from: missing[0]!, to: missing[missing.length - 1]! };
        covered.push({ symbol, window: mergeCoverage(cache.coverage.get(symbol), asked, adjacentTradingDays) });
      }
    }
    for (const [date, symbols] of failedByDate) this.onCallError(grouped.failedDates.get(date), symbols);
    if (covered.length > 0) {
      await this.deps.db.transaction(async (trx) => {
        await PriceCoverageModel.upsertMany(
          trx,
          covered.map((c) => ({ symbol: c.symbol, from: c.window.from, to: c.window.to })),
        );
        await SymbolModel.setPriceStatus(
          trx,
          covered.map((c) => ({ symbol: c.symbol, status: 'ok' as const, reason: null })),
        );
      });
    }
    return lacking;
  }

  /** The range calls to make: the plan's, then one per symbol grouped daily lacked, each touching its coverage. */
  rangeCalls(plan: FetchPlan, cache: CacheState, lacking: Map<string, IsoDate[]>): RangeCall[] {
    const fallback = planFallbackRanges(lacking);
    this.result.plan.fallbackRangeCalls = fallback.length;
    this.callsPlanned += fallback.length;
    return [...plan.rangeCalls, ...fallback].map((c) => widenToCoverage(c, cache.coverage.get(c.symbol), nextTradingDay, previousTradingDay));
  }

  /** Why a symbol the vendor answered without bars has no prices, or undefined while the cache or this call has bars of it. */
  private async unavailableReason(call: RangeCall, notFound: boolean): Promise<string | undefined> {
    if ((this.fetchedBars.get(call.symbol) ?? 0) > 0 || (await BarModel.anyOf(this.deps.db, call.symbol))) return undefined;
    return notFound
      ? `Polygon returned 404 (no data) for ${call.from}..${call.to}`
      : `Polygon has no daily bars for ${call.from}..${call.to} (not exchange traded, unknown or delisted)`;
  }

  /**
   * Step 5: the range calls. Each stores its bars (not rewriting bars inside the window the cache
   * already holds), its coverage and the symbol's price status in one transaction.
   */
  async fetchRanges(calls: readonly RangeCall[], cache: CacheState): Promise<void> {
    const windowDays = new Set(this.days);
    await pool(calls, this.deps.concurrency, () => this.stopped(), async (call) => {
      try {
        const res = await this.deps.client.getDailyRange(call.symbol, call.from, call.to, { signal: this.controller.signal, stats: this.stats });
        const inRange = res.bars.filter((b) => b.date >= call.from && b.date <= call.to);
        // The window's days of this range without a cached bar, coverage or not: only those are written.
        const asked = this.days.filter((d) => d >= call.from && d <= call.to);
        const uncachedSet = new Set((await BarModel.uncachedDays(this.deps.db, [call.symbol], asked)).get(call.symbol) ?? []);
        const rows = this.toRows(
          call.symbol,
          inRange.filter((b) => !windowDays.has(b.date) || uncachedSet.has(b.date)),
        );
        const window = mergeCoverage(cache.coverage.get(call.symbol), { from: call.from, to: call.to }, adjacentTradingDays);
        let status: PriceStatusWrite | undefined;
        if (inRange.length > 0) status = { symbol: call.symbol, status: 'ok', reason: null };
        else {
          const reason = await this.unavailableReason(call, res.notFound);
          if (reason) status = { symbol: call.symbol, status: 'unavailable', reason };
        }
        const written = await this.deps.db.transaction(async (trx) => {
          const n = await BarModel.upsertMany(trx, rows);
          await PriceCoverageModel.upsertMany(trx, [{ symbol: call.symbol, from: window.from, to: window.to }]);
          if (status) await SymbolModel.setPriceStatus(trx, [status]);
          return n;
        });
        this.result.barsWritten += written;
        if (status) this.statuses.set(call.symbol, status);
        if (rows.length > 0) this.fetchedBars.set(call.symbol, (this.fetchedBars.get(call.symbol) ?? 0) + rows.length);
      } catch (e) {
        this.onCallError(e, [call.symbol]);
      }
      await this.progress();
    });
    if (this.fatal) throw this.fatal;
    if (this.stopped()) throw new MarketDataAbortedError({ cause: this.opts.signal?.reason });
    for (const s of this.statuses.values()) if (s.status === 'unavailable') this.result.unavailable.push({ symbol: s.symbol, reason: s.reason ?? 'no data' });
    this.result.fetched = [...this.fetchedBars].map(([symbol, bars]) => ({ symbol, bars })).sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  }

  /** Step 6: the call counts, logged. */
  finish(): EnsureBarsResult {
    const r = this.result;
    r.calls = { planned: this.callsPlanned, made: this.stats.made, retried: this.stats.retried, rateLimited: this.stats.rateLimited };
    this.deps.logger.info(
      { calls: r.calls, barsWritten: r.barsWritten, fetched: r.fetched.length, alreadyCached: r.alreadyCached, unavailable: r.unavailable.length, failed: r.failed.length },
      'market-data done',
    );
    return r;
  }
}

export function createMarketData(deps: MarketDataDeps): MarketData {
  const settings = { ...deps, source: deps.source ?? 'polygon', concurrency: deps.concurrency ?? 8 };
  return {
    async ensureBars(symbolsIn, from, to, opts = {}) {
      assertIsoDate(from);
      assertIsoDate(to);
      if (opts.corporateActions) assertIsoDate(opts.corporateActions.asOf);
      const symbols = normaliseSymbols(symbolsIn);
      const days = from <= to ? tradingDaysBetween(from, to) : [];
      const fetch = new BarFetch(settings, symbols, days, opts);
      if (symbols.length === 0) return fetch.result;
      const ca = opts.corporateActions ? new CorporateActionFetch(settings, symbols, opts.corporateActions) : undefined;

      const planAll = async (): Promise<{ cache: CacheState | undefined; plan: FetchPlan | undefined; caPlan: CorporateActionPlan | undefined }> => {
        const cache = days.length > 0 ? await fetch.readCache() : undefined;
        const plan = cache ? fetch.planCalls(cache) : undefined;
        const caPlan = ca ? await ca.plan() : undefined;
        if (caPlan) fetch.addPlanned(caPlan.callsPlanned);
        return { cache, plan, caPlan };
      };
      const first = await planAll();
      const lockKeys = new Set<string>(first.plan?.needs.map((n) => n.symbol) ?? []);
      if (first.caPlan) {
        for (const c of first.caPlan.listCalls) for (const s of c.covers) lockKeys.add(s);
        for (const s of [...first.caPlan.details, ...first.caPlan.events]) lockKeys.add(s);
      }
      if (fetch.planned === 0 || lockKeys.size === 0) {
        if (days.length === 0) fetch.result.alreadyCached = symbols.length;
        if (ca) fetch.result.corporateActions = ca.result;
        return fetch.finish();
      }

      // Another run fetching any of these symbols holds their locks: wait for it, then plan again
      // from what it stored, so that no range is asked twice.
      const work = async (): Promise<void> => {
        fetch.resetPlanned();
        const { cache, plan, caPlan } = await planAll();
        if (fetch.planned === 0) return;
        await fetch.withVendorCalls(async () => {
          if (cache && plan && plan.callsPlanned > 0) {
            const missingBySymbol = new Map(plan.needs.map((n) => [n.symbol, n.missing]));
            const grouped = await fetch.fetchGrouped(plan, missingBySymbol);
            const lacking = await fetch.recordGrouped(plan, cache, missingBySymbol, grouped);
            await fetch.fetchRanges(fetch.rangeCalls(plan, cache, lacking), cache);
          }
          if (ca && caPlan && caPlan.callsPlanned > 0) {
            await ca.run(caPlan, fetch.hooks());
            fetch.throwIfStopped();
          }
        });
      };
      const keys = [...lockKeys].map((s) => `symbol:${s}`);
      await withFetchLocks(deps.db, keys, work, { signal: opts.signal }).catch((e: unknown) => {
        if (opts.signal?.aborted && !isMarketDataError(e)) throw new MarketDataAbortedError({ cause: opts.signal.reason });
        throw e;
      });
      if (ca) fetch.result.corporateActions = ca.result;
      return fetch.finish();
    },
    async loadCloses(symbols, from, to) {
      return BarModel.closes(deps.db, normaliseSymbols(symbols), from, to);
    },
  };
}
