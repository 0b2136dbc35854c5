/**
 * Price-series lookups and aligned daily returns.
 */
import { totalReturnIndex, type SymbolHistory } from './corporate-actions.js';
import { countOnOrBefore } from './dates.js';
import { addTradingDays, tradingDayOrdinal } from './trading-calendar.js';
import type { Bar, IsoDate, PriceSeries } from './types.js';

/**
 * Builds a PriceSeries from rows in any order: sorts ascending by date, keeps the last row of a
 * duplicated date, and drops rows whose close is not a finite positive number (a zero or negative
 * close would turn into an infinite or meaningless return).
 */
export function toPriceSeries(rows: Iterable<{ date: IsoDate; close: number }>): PriceSeries {
  const byDate = new Map<IsoDate, number>();
  for (const r of rows) {
    if (Number.isFinite(r.close) && r.close > 0) byDate.set(r.date, r.close);
    else byDate.delete(r.date);
  }
  return [...byDate.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([date, close]) => ({ date, close }));
}

/** Index of the last bar with date ≤ d, or −1 when every bar is after d. O(log n). */
export function indexOnOrBefore(series: PriceSeries, d: IsoDate): number {
  return countOnOrBefore(series, d, barDate) - 1;
}

const barDate = (b: Bar): IsoDate => b.date;

/** The latest bar dated on or before d ("last close on or before"), or undefined. O(log n). */
export function lastCloseOnOrBefore(series: PriceSeries, d: IsoDate): Bar | undefined {
  const i = indexOnOrBefore(series, d);
  return i < 0 ? undefined : series[i];
}

/** The bar dated exactly d, or undefined. O(log n). */
export function closeOn(series: PriceSeries, d: IsoDate): Bar | undefined {
  const bar = lastCloseOnOrBefore(series, d);
  return bar !== undefined && bar.date === d ? bar : undefined;
}

/**
 * Freshness of a symbol's own analytics: a symbol gets factor betas and a metrics price on d only when
 * it has a close on d or in the 5 trading days before (a symbol that stopped trading does not keep
 * producing dated figures). Portfolio valuation is not bound by it: a position is valued at its last
 * close however old (portfolio-day.ts).
 */
export const STALE_PRICE_TRADING_DAYS = 5;

/**
 * The close that prices a symbol on d under the stale rule: the last close on or before d if it is
 * dated no earlier than STALE_PRICE_TRADING_DAYS trading days before d, else undefined.
 * `oldestUsable` may be passed when the caller has already computed addTradingDays(d, −5).
 */
export function usableCloseOnOrBefore(series: PriceSeries, d: IsoDate, oldestUsable?: IsoDate): Bar | undefined {
  const bar = lastCloseOnOrBefore(series, d);
  if (bar === undefined) return undefined;
  return bar.date >= (oldestUsable ?? addTradingDays(d, -STALE_PRICE_TRADING_DAYS)) ? bar : undefined;
}

export interface AlignedReturns {
  /** End date of each one-day return, ascending. */
  dates: IsoDate[];
  /** Per input key, r_t = P_t / P_{t−1} − 1, index-aligned with `dates`. */
  returns: Record<string, Float64Array>;
}

/**
 * Daily total returns r_t = (P_t + D_t) / P_{t−1} − 1 (split-adjusted closes, cash dividends D_t) of
 * several symbols on a common set of dates, from their as-traded closes and corporate actions: the
 * entry point for any return-based statistic (volatility, correlations, regressions). Same alignment
 * and filters as alignedReturns.
 */
export function alignedTotalReturns(histories: Record<string, SymbolHistory>, from?: IsoDate, to?: IsoDate): AlignedReturns {
  const series: Record<string, PriceSeries> = {};
  for (const [k, h] of Object.entries(histories)) series[k] = totalReturnIndex(h);
  return alignedReturns(series, from, to);
}

/**
 * Simple daily returns r_t = P_t / P_{t−1} − 1 of several series already in one price basis (e.g.
 * total-return indexes; as-traded closes jump on split days, use alignedTotalReturns for those), on
 * a common set of dates.
 *
 * A return ending at t exists only when t and the trading day before it (t−1, NYSE calendar) both
 * have a close in every series, so every observation covers the same one-day interval for every
 * series; a missing close in any series drops the two returns that span it. Bars on non-trading days
 * are ignored. `from` / `to` (inclusive) filter the end dates t; the close at t−1 may precede `from`.
 */
export function alignedReturns(series: Record<string, PriceSeries>, from?: IsoDate, to?: IsoDate): AlignedReturns {
  const keys = Object.keys(series);
  const lists = keys.map((k) => series[k]!);
  const returns: Record<string, number[]> = {};
  for (const k of keys) returns[k] = [];
  const dates: IsoDate[] = [];
  if (lists.length === 0) return { dates, returns: {} };

  // Merge-walk all series on common dates; cursors only move forward.
  const cursors = new Array<number>(lists.length).fill(0);
  const prevCloses = new Float64Array(lists.length);
  let prevOrdinal = -2;
  const first = lists[0]!;
  for (let i0 = 0; i0 < first.length; i0++) {
    const d = first[i0]!.date;
    if (to !== undefined && d > to) break;
    let inAll = true;
    for (let s = 1; s < lists.length; s++) {
      const list = lists[s]!;
      let c = cursors[s]!;
      while (c < list.length && list[c]!.date < d) c++;
      cursors[s] = c;
      if (c >= list.length || list[c]!.date !== d) {
        inAll = false;
        break;
      }
    }
    // A missing trading day breaks adjacency through the ordinals below; nothing to reset here.
    if (!inAll) continue;
    const ordinal = tradingDayOrdinal(d);
    if (ordinal < 0) continue;
    const consecutive = ordinal === prevOrdinal + 1;
    const emit = consecutive && (from === undefined || d >= from);
    for (let s = 0; s < lists.length; s++) {
      const close = s === 0 ? first[i0]!.close : lists[s]![cursors[s]!]!.close;
      if (emit) returns[keys[s]!]!.push(close / prevCloses[s]! - 1);
      prevCloses[s] = close;
    }
    if (emit) dates.push(d);
    prevOrdinal = ordinal;
  }
  const out: Record<string, Float64Array> = {};
  for (const k of keys) out[k] = Float64Array.from(returns[k]!);
  return { dates, returns: out };
}
