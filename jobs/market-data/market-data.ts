/**
 * The market-data port of the pipeline: make sure the cache holds every daily bar a run needs, asking
 * the vendor only for what is missing, in as few calls as the API allows; and read closes back.
 */
import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import type { Logger } from '../../core/logger.js';
import { assertIsoDate, nextTradingDay, previousTradingDay, tradingDaysBetween } from '../calc/trading-calendar.js';
import type { IsoDate } from '../../core/dates.js';
import { BarModel, type BarWrite } from '../../db/models/bar.model.js';
import { PriceCoverageModel } from '../../db/models/price-coverage.model.js';
import { SymbolModel, type PriceStatusWrite } from '../../db/models/symbol.model.js';
import { MarketDataAbortedError, PolygonAuthError, describeError, isMarketDataError } from './errors.js';
import { barsForScope, looksLikeMutualFund, mergeCoverage, planFallbackRanges, planFetch, widenToCoverage } from './fetch-planner.js';
import type { CoverageWindow, FetchPlan, RangeCall } from './fetch-planner.js';
import { emptyCallStats } from './limiter.js';
import type { CallLimiter, CallStats } from './limiter.js';
import type { DailyBar, PolygonClient } from './polygon-client.js';

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
}

export interface MarketData {
  ensureBars(symbols: string[], from: IsoDate, to: IsoDate, opts?: EnsureBarsOptions): Promise<EnsureBarsResult>;
  /** Stored closes, ascending by date; every requested symbol has an entry (possibly empty). */
  loadCloses(symbols: string[], from: IsoDate, to: IsoDate): Promise<Map<string, { date: IsoDate; close: number }[]>>;
}

const positiveOrNull = (x: number): number | null => (Number.isFinite(x) && x > 0 ? x : null);

function adjacentTradingDays(a: IsoDate, b: IsoDate): boolean {
  return a < b && nextTradingDay(a) >= b;
}

function normaliseSymbols(symbols: readonly string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0))].sort();
}

/** Runs `fn` over `items` with at most `n` in flight; stops taking new items once `stop()` is true. */
async function pool<T>(items: readonly T[], n: number, stop: () => boolean, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, () => worker()));
}

export function createMarketData(deps: MarketDataDeps): MarketData {
  const { db, client, logger } = deps;
  const source = deps.source ?? 'polygon';
  const concurrency = deps.concurrency ?? 8;

  const toRows = (symbol: string, bars: readonly DailyBar[]): BarWrite[] =>
    bars
      .filter((b) => Number.isFinite(b.close) && b.close > 0)
      .map((b) => ({
        symbol,
        date: b.date,
        open: positiveOrNull(b.open),
        high: positiveOrNull(b.high),
        low: positiveOrNull(b.low),
        close: b.close,
        volume: Number.isFinite(b.volume) && b.volume >= 0 ? b.volume : null,
        source,
      }));

  async function ensureBars(symbolsIn: string[], from: IsoDate, to: IsoDate, opts: EnsureBarsOptions = {}): Promise<EnsureBarsResult> {
    assertIsoDate(from);
    assertIsoDate(to);
    const symbols = normaliseSymbols(symbolsIn);
    const stats: CallStats = emptyCallStats();
    const result: EnsureBarsResult = {
      fetched: [],
      alreadyCached: 0,
      unavailable: [],
      failed: [],
      calls: { planned: 0, made: 0, retried: 0, rateLimited: 0 },
      barsWritten: 0,
      plan: { strategy: 'none', groupedDates: 0, rangeCalls: 0, fallbackRangeCalls: 0, naiveCalls: 0 },
    };
    const days = from <= to ? tradingDaysBetween(from, to) : [];
    if (symbols.length === 0 || days.length === 0) {
      result.alreadyCached = symbols.length;
      return result;
    }

    const [uncached, coverage, info] = await Promise.all([
      BarModel.uncachedDays(db, symbols, days),
      PriceCoverageModel.windows(db, symbols),
      SymbolModel.priceInfo(db, symbols),
    ]);
    const groupedIneligible = new Set(
      symbols.filter((s) => looksLikeMutualFund(s) || info.get(s)?.assetType === 'mutual_fund' || info.get(s)?.priceStatus === 'unavailable'),
    );
    // Known to have no prices and checked recently: reported, not asked again until the recheck is due.
    const recheckMs = deps.unavailableRecheckMs ?? DEFAULT_UNAVAILABLE_RECHECK_MS;
    const resting = new Set(
      symbols.filter((s) => {
        const i = info.get(s);
        return i?.priceStatus === 'unavailable' && i.statusAgeMs < recheckMs;
      }),
    );
    for (const s of resting) {
      const i = info.get(s)!;
      result.unavailable.push({ symbol: s, reason: i.unavailableReason ?? 'no data' });
    }
    const plan = planFetch({
      symbols: symbols.filter((s) => !resting.has(s)),
      days,
      uncached,
      coverage,
      groupedIneligible,
      allowGrouped: deps.allowGrouped ?? true,
    });
    result.alreadyCached = plan.alreadyCached.length + resting.size;
    result.plan = {
      strategy: plan.strategy,
      groupedDates: plan.groupedDates.length,
      rangeCalls: plan.rangeCalls.length,
      fallbackRangeCalls: 0,
      naiveCalls: plan.naiveCalls,
    };
    let callsPlanned = plan.callsPlanned;
    let callsDone = 0;
    logger.info(
      { symbols: symbols.length, from, to, strategy: plan.strategy, callsPlanned, groupedDates: plan.groupedDates.length, rangeCalls: plan.rangeCalls.length, naiveCalls: plan.naiveCalls },
      'market-data plan',
    );
    if (callsPlanned === 0) return finish();

    // One controller for the whole call: a bad key stops every other request at once.
    const controller = new AbortController();
    // Every call in flight listens to this signal: more than Node's default of 10 is expected.
    setMaxListeners(0, controller.signal);
    let fatal: unknown;
    const onOuterAbort = (): void => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) throw new MarketDataAbortedError({ cause: opts.signal.reason });
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const stopped = (): boolean => controller.signal.aborted;

    const fetchedBars = new Map<string, number>();
    const statuses = new Map<string, PriceStatusWrite>();
    const missingBySymbol = new Map(plan.needs.map((n) => [n.symbol, n.missing]));

    const progress = async (): Promise<void> => {
      callsDone++;
      if (opts.onProgress) {
        const p: EnsureBarsProgress = { callsDone, callsPlanned };
        if (deps.limiter) p.etaSeconds = deps.limiter.etaSeconds(Math.max(0, callsPlanned - callsDone));
        await opts.onProgress(p);
      }
    };

    /** Records a per-call failure, or makes it fatal (bad key) and stops the rest. */
    const onCallError = (e: unknown, symbols: readonly string[]): void => {
      if (e instanceof PolygonAuthError) {
        fatal ??= e;
        controller.abort(e);
        return;
      }
      if (stopped()) return;
      const code = isMarketDataError(e) ? e.code : undefined;
      for (const symbol of symbols) {
        result.failed.push({ symbol, error: describeError(e), ...(code ? { code } : {}) });
      }
      logger.warn({ symbols: symbols.length > 5 ? symbols.length : symbols, code, err: describeError(e) }, 'vendor call failed');
    };

    try {
      // 1. Grouped daily: one call per date, keeping only in-scope symbols that lack that date.
      const wantsDate = new Map<IsoDate, string[]>();
      for (const symbol of plan.groupedSymbols) {
        for (const d of missingBySymbol.get(symbol) ?? []) {
          const list = wantsDate.get(d);
          if (list) list.push(symbol);
          else wantsDate.set(d, [symbol]);
        }
      }
      const received = new Map<string, Set<IsoDate>>();
      const groupedFailed = new Map<IsoDate, unknown>();
      await pool(plan.groupedDates, concurrency, stopped, async (date) => {
        const wanted = wantsDate.get(date) ?? [];
        try {
          const res = await client.getGroupedDaily(date, { signal: controller.signal, stats });
          const rows: BarWrite[] = [];
          for (const [symbol, bar] of barsForScope(res.bars, wanted)) {
            const r = toRows(symbol, [bar]);
            if (r.length === 0) continue;
            rows.push(...r);
            let set = received.get(symbol);
            if (!set) received.set(symbol, (set = new Set()));
            set.add(date);
          }
          // Read-modify-write of the total only after the await: workers run concurrently.
          const written = await BarModel.upsertMany(db, rows);
          result.barsWritten += written;
          for (const r of rows) fetchedBars.set(r.symbol, (fetchedBars.get(r.symbol) ?? 0) + 1);
        } catch (e) {
          // Not replaced by range calls: that could turn one failed call into one call per symbol.
          // The date stays missing and the next run asks for it again.
          if (e instanceof PolygonAuthError) onCallError(e, []);
          else if (!stopped()) {
            groupedFailed.set(date, e);
            logger.warn({ date, err: describeError(e) }, 'grouped daily call failed');
          }
        }
        await progress();
      });
      if (fatal || stopped()) throw fatal ?? new MarketDataAbortedError({ cause: opts.signal?.reason });

      // Coverage of grouped-served symbols, and what grouped daily did not provide.
      const lacking = new Map<string, IsoDate[]>();
      const groupedCoverage: { symbol: string; window: CoverageWindow }[] = [];
      const failedByDate = new Map<IsoDate, string[]>();
      for (const symbol of plan.groupedSymbols) {
        const missing = missingBySymbol.get(symbol) ?? [];
        const got = received.get(symbol) ?? new Set<IsoDate>();
        const failedDate = missing.find((d) => groupedFailed.has(d));
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
          groupedCoverage.push({ symbol, window: mergeCoverage(coverage.get(symbol), asked, adjacentTradingDays) });
        }
      }
      for (const [date, symbols] of failedByDate) onCallError(groupedFailed.get(date), symbols);
      if (groupedCoverage.length > 0) {
        await db.transaction(async (trx) => {
          await PriceCoverageModel.upsertMany(trx, groupedCoverage.map((c) => ({ symbol: c.symbol, from: c.window.from, to: c.window.to })));
          await SymbolModel.setPriceStatus(trx, groupedCoverage.map((c) => ({ symbol: c.symbol, status: 'ok' as const, reason: null })));
        });
      }

      // 2. Range calls: the plan's, then the fallbacks for symbols grouped daily lacked.
      const fallback = planFallbackRanges(lacking);
      result.plan.fallbackRangeCalls = fallback.length;
      callsPlanned += fallback.length;
      const calls: RangeCall[] = [...plan.rangeCalls, ...fallback].map((c) =>
        widenToCoverage(c, coverage.get(c.symbol), nextTradingDay, previousTradingDay),
      );
      const windowDays = new Set(days);

      await pool(calls, concurrency, stopped, async (call) => {
        try {
          const res = await client.getDailyRange(call.symbol, call.from, call.to, { signal: controller.signal, stats });
          const uncachedSet = new Set(uncached.get(call.symbol) ?? []);
          const inRange = res.bars.filter((b) => b.date >= call.from && b.date <= call.to);
          // Bars inside the window that the cache already holds are not rewritten.
          const rows = toRows(call.symbol, inRange.filter((b) => !windowDays.has(b.date) || uncachedSet.has(b.date)));
          const window = mergeCoverage(coverage.get(call.symbol), { from: call.from, to: call.to }, adjacentTradingDays);
          let status: PriceStatusWrite | undefined;
          if (inRange.length > 0) {
            status = { symbol: call.symbol, status: 'ok', reason: null };
          } else {
            const held = await BarModel.anyOf(db, call.symbol);
            if (!held && (fetchedBars.get(call.symbol) ?? 0) === 0) {
              const reason = res.notFound
                ? `Polygon returned 404 (no data) for ${call.from}..${call.to}`
                : `Polygon has no daily bars for ${call.from}..${call.to} (not exchange traded, unknown or delisted)`;
              status = { symbol: call.symbol, status: 'unavailable', reason };
            }
          }
          const written = await db.transaction(async (trx) => {
            const n = await BarModel.upsertMany(trx, rows);
            await PriceCoverageModel.upsertMany(trx, [{ symbol: call.symbol, from: window.from, to: window.to }]);
            if (status) await SymbolModel.setPriceStatus(trx, [status]);
            return n;
          });
          result.barsWritten += written;
          if (status) statuses.set(call.symbol, status);
          if (rows.length > 0) fetchedBars.set(call.symbol, (fetchedBars.get(call.symbol) ?? 0) + rows.length);
        } catch (e) {
          onCallError(e, [call.symbol]);
        }
        await progress();
      });
      if (fatal) throw fatal;
      if (stopped()) throw new MarketDataAbortedError({ cause: opts.signal?.reason });

      for (const s of statuses.values()) if (s.status === 'unavailable') result.unavailable.push({ symbol: s.symbol, reason: s.reason ?? 'no data' });
      result.fetched = [...fetchedBars].map(([symbol, bars]) => ({ symbol, bars })).sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
      return finish();
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }

    function finish(): EnsureBarsResult {
      result.calls = { planned: callsPlanned, made: stats.made, retried: stats.retried, rateLimited: stats.rateLimited };
      logger.info(
        {
          calls: result.calls,
          barsWritten: result.barsWritten,
          fetched: result.fetched.length,
          alreadyCached: result.alreadyCached,
          unavailable: result.unavailable.length,
          failed: result.failed.length,
        },
        'market-data done',
      );
      return result;
    }
  }

  return {
    ensureBars,
    async loadCloses(symbols, from, to) {
      return BarModel.closes(db, normaliseSymbols(symbols), from, to);
    },
  };
}
