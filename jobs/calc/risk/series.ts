/**
 * Daily return series for risk figures, and windows of trading days over them.
 *
 * A window of N days ending at d is the last N NYSE trading days up to and including d; a series'
 * observations in it are its returns dated on those days (a missing day is missing for that series
 * only). Series carry the trading-day ordinal of every date, so a window is two binary searches.
 */
import { tradingDayOrdinal } from '../trading-calendar.js';
import type { IsoDate } from '../types.js';

/** Daily returns dated on trading days, ascending, finite. Build with toReturnSeries or dailyTotalReturns. */
export interface ReturnSeries {
  readonly dates: readonly IsoDate[];
  /** tradingDayOrdinal of each date, strictly ascending. */
  readonly ordinals: Int32Array;
  readonly values: Float64Array;
}

export interface ReturnPoint {
  date: IsoDate;
  value: number;
}

export const EMPTY_RETURNS: ReturnSeries = { dates: [], ordinals: new Int32Array(0), values: new Float64Array(0) };

function byDate<T extends { date: IsoDate }>(a: T, b: T): number {
  return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
}

/**
 * A ReturnSeries from points in any order. Throws a RangeError naming `label` and the point when a
 * date is not an NYSE trading day, appears twice, or a value is not a finite number.
 */
export function toReturnSeries(points: Iterable<ReturnPoint>, label = 'returns'): ReturnSeries {
  const list = [...points];
  list.forEach((p, i) => {
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) {
      throw new RangeError(`${label}[${i}] (${String(p.date)}): the return ${String(p.value)} is not a finite number`);
    }
  });
  list.sort(byDate);
  const ordinals = new Int32Array(list.length);
  list.forEach((p, i) => {
    const o = tradingDayOrdinal(p.date);
    if (o < 0) throw new RangeError(`${label}: ${p.date} is not an NYSE trading day`);
    if (i > 0 && list[i - 1]!.date === p.date) throw new RangeError(`${label}: ${p.date} appears twice`);
    ordinals[i] = o;
  });
  return { dates: list.map((p) => p.date), ordinals, values: Float64Array.from(list, (p) => p.value) };
}

/** A close on a trading day (split-adjusted, in the share basis of the latest date). */
export interface AdjustedClose {
  date: IsoDate;
  close: number;
  /** A cash dividend per share going ex on this date, in the same basis (the same as a CashDividend of that date). */
  dividend?: number;
}

/** A cash dividend per share (same basis as the closes) with its ex-dividend date. */
export interface CashDividend {
  date: IsoDate;
  amount: number;
}

/**
 * Daily simple total returns r_t = (P_t + D_t) / P_{t−1} − 1, where P_{t−1} is the last close before
 * t however far back (a halted symbol's first close after the halt carries the whole move) and D_t
 * is the sum of the dividends whose ex-date falls after that previous close and on or before t (a
 * dividend going ex while the symbol has no close is paid into the next return).
 *
 * Closes: rows in any order; a repeated date keeps the last row; rows whose close is not a finite
 * positive number and rows on days the NYSE is closed are ignored (their dividend still counts).
 * Dividends come as a separate list, as a `dividend` on the close rows, or both (they add up). Dividends on or before the first
 * close span no return and are ignored. A dividend amount that is negative or not finite throws a
 * RangeError naming the row.
 */
export function dailyTotalReturns(closes: Iterable<AdjustedClose>, dividends: Iterable<CashDividend> = [], label = 'closes'): ReturnSeries {
  const byDay = new Map<IsoDate, number>();
  const divs = [...dividends];
  for (const c of closes) {
    if (c.dividend !== undefined && c.dividend !== 0) divs.push({ date: c.date, amount: c.dividend });
    if (Number.isFinite(c.close) && c.close > 0 && tradingDayOrdinal(c.date) >= 0) byDay.set(c.date, c.close);
    else byDay.delete(c.date);
  }
  const bars = [...byDay].map(([date, close]) => ({ date, close })).sort(byDate);
  divs.forEach((d, i) => {
    if (!(Number.isFinite(d.amount) && d.amount >= 0)) {
      throw new RangeError(`${label}: dividend[${i}] (${String(d.date)}) has amount ${String(d.amount)}; a cash dividend is a finite amount ≥ 0`);
    }
  });
  divs.sort(byDate);
  const n = Math.max(0, bars.length - 1);
  const dates: IsoDate[] = new Array<IsoDate>(n);
  const ordinals = new Int32Array(n);
  const values = new Float64Array(n);
  let k = 0;
  // Dividends dated on or before the first close are skipped.
  while (k < divs.length && bars.length > 0 && divs[k]!.date <= bars[0]!.date) k++;
  for (let i = 1; i < bars.length; i++) {
    const bar = bars[i]!;
    let paid = 0;
    while (k < divs.length && divs[k]!.date <= bar.date) paid += divs[k++]!.amount;
    dates[i - 1] = bar.date;
    ordinals[i - 1] = tradingDayOrdinal(bar.date);
    values[i - 1] = (bar.close + paid) / bars[i - 1]!.close - 1;
  }
  return { dates, ordinals, values };
}

/**
 * A portfolio's return on a day with a capital flow taken at the start of the day:
 * pnl / (equity before the day + flow); 0 when that base is ≤ 0 (the snapshots' convention).
 */
export function flowAdjustedReturn(pnl: number, previousEquity: number, flow = 0): number {
  const base = previousEquity + flow;
  return base > 0 ? pnl / base : 0;
}

/** One portfolio day for flowAdjustedReturns. */
export interface PortfolioDayFlow {
  date: IsoDate;
  pnl: number;
  /** Equity at the close of the previous day (the portfolio's opening equity on its first day). */
  previousEquity: number;
  /** Contributions (+) and withdrawals (−) at the start of the day. */
  flow?: number;
}

/** The portfolio's daily return series from its daily P&L, equity and flows (see flowAdjustedReturn). */
export function flowAdjustedReturns(days: Iterable<PortfolioDayFlow>, label = 'portfolio days'): ReturnSeries {
  const points: ReturnPoint[] = [];
  let i = 0;
  for (const d of days) {
    for (const [field, v] of [['pnl', d.pnl], ['previousEquity', d.previousEquity], ['flow', d.flow ?? 0]] as const) {
      if (!Number.isFinite(v)) throw new RangeError(`${label}[${i}] (${d.date}): ${field} ${String(v)} is not a finite number`);
    }
    points.push({ date: d.date, value: flowAdjustedReturn(d.pnl, d.previousEquity, d.flow ?? 0) });
    i++;
  }
  return toReturnSeries(points, label);
}

/** First index whose ordinal is ≥ o. */
export function lowerBound(ordinals: Int32Array, o: number): number {
  let lo = 0;
  let hi = ordinals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ordinals[mid]! < o) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [lo, hi) of the observations in the window of `length` trading days ending at ordinal `end`. */
export function windowRange(series: ReturnSeries, end: number, length: number): { lo: number; hi: number } {
  return { lo: lowerBound(series.ordinals, end - length + 1), hi: lowerBound(series.ordinals, end + 1) };
}

/** The trading-day ordinal of d; a RangeError when d is not an NYSE trading day. */
export function tradingOrdinalOrThrow(d: IsoDate, what: string): number {
  const o = tradingDayOrdinal(d);
  if (o < 0) throw new RangeError(`${what}: ${d} is not an NYSE trading day`);
  return o;
}

/** A series' returns on each of the `length` trading days of a window, oldest first; absent days are 0 with present 0. */
export interface DenseWindow {
  readonly length: number;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Days with a return. */
  readonly count: number;
}

/** The dense form of a series over the window of `length` trading days ending at ordinal `end`. */
export function denseWindow(series: ReturnSeries, end: number, length: number): DenseWindow {
  const values = new Float64Array(length);
  const present = new Uint8Array(length);
  const { lo, hi } = windowRange(series, end, length);
  const first = end - length + 1;
  for (let i = lo; i < hi; i++) {
    const k = series.ordinals[i]! - first;
    values[k] = series.values[i]!;
    present[k] = 1;
  }
  return { length, values, present, count: hi - lo };
}
