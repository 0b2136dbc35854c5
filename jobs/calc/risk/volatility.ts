/**
 * Volatility of a daily return series (a portfolio's or a holding's) on a day d: realized over 21,
 * 63 and 252 trading days, an EWMA forecast, the 21/63 trend and the percentile of today's 21-day
 * volatility within the last year.
 */
import { centredMoments } from '../moments.js';
import { TRADING_DAYS_PER_YEAR } from '../risk.js';
import type { IsoDate } from '../types.js';
import { figure, missing, tooFew, type Figure } from './figure.js';
import { lowerBound, tradingOrdinalOrThrow, windowRange, type ReturnSeries } from './series.js';

const ANNUALISE = Math.sqrt(TRADING_DAYS_PER_YEAR);

/** Realized volatility windows (trading days) and their minimum observations. */
export const REALIZED_WINDOWS = [
  { window: 21, minObservations: 15 },
  { window: 63, minObservations: 40 },
  { window: 252, minObservations: 150 },
] as const;
export const EWMA_LAMBDA = 0.94;
export const EWMA_WINDOW = 252;
export const EWMA_MIN_OBSERVATIONS = 42;
/** Returns whose sample variance seeds the EWMA recursion. */
export const EWMA_SEED_OBSERVATIONS = 21;
/** The percentile compares today's 21-day volatility with that of the last 252 trading days (today included). */
export const PERCENTILE_LOOKBACK = 252;
export const PERCENTILE_MIN_VALUES = 126;

export interface VolatilityFigures {
  /** Annualised sample standard deviation over 21 trading days (≥ 15 returns). */
  vol21: Figure;
  /** … over 63 trading days (≥ 40 returns). */
  vol63: Figure;
  /** … over 252 trading days (≥ 150 returns). */
  vol252: Figure;
  /** Annualised EWMA (λ 0.94) forecast over the returns of the last 252 trading days (≥ 42). */
  ewma: Figure;
  /** vol21 / vol63 − 1. */
  trend: Figure;
  /** Share of the last 252 trading days' 21-day volatilities that are ≤ today's (≥ 126 values), in [0, 1]. */
  percentile: Figure;
  /** Returns in each window: 21, 63 and 252 trading days. */
  observations: { days21: number; days63: number; days252: number };
}

/** A past day's 21-day volatility, e.g. as stored; null where it was unavailable. */
export interface Vol21Point {
  date: IsoDate;
  value: number | null;
}

/**
 * Sample variance (n − 1) from a column's centred sum of squares and mean. A centred sum below 1e-14
 * of the raw sum of squares is rounding left over from a constant series: the variance is then 0.
 */
export function sampleVariance(centredSquares: number, mean: number, n: number): number {
  const raw = centredSquares + n * mean * mean;
  // An overflowed sum stays non-finite, so that the figure built on it is reported as not finite.
  if (!Number.isFinite(raw)) return centredSquares / (n - 1);
  return centredSquares > 1e-14 * raw ? centredSquares / (n - 1) : 0;
}

/** Annualised sample standard deviation (n − 1) of values[lo, hi). */
function annualisedStd(values: Float64Array, lo: number, hi: number): number {
  const mo = centredMoments([values], lo, hi);
  return Math.sqrt(sampleVariance(mo.cross[0]!, mo.mean[0]!, mo.n)) * ANNUALISE;
}

/** Realized volatility over the window of `window` trading days ending at ordinal `end`. */
export function realizedWindowVolatility(series: ReturnSeries, end: number, window: number, minObservations: number): Figure {
  const { lo, hi } = windowRange(series, end, window);
  const n = hi - lo;
  if (n < Math.max(2, minObservations)) return tooFew(`${window}-day realized volatility`, n, Math.max(2, minObservations));
  return figure(annualisedStd(series.values, lo, hi), `${window}-day realized volatility`);
}

/**
 * EWMA (RiskMetrics) volatility of returns in date order: σ²₀ = sample variance (n − 1) of the first
 * `seed` returns; then σ² ← λσ² + (1 − λ)r² for each later return (the seed returns are not replayed);
 * the result is σ × √252. Needs at least `minObservations` returns.
 */
export function ewmaVolatility(
  returns: ArrayLike<number>,
  lambda = EWMA_LAMBDA,
  seed = EWMA_SEED_OBSERVATIONS,
  minObservations = EWMA_MIN_OBSERVATIONS,
): Figure {
  const n = returns.length;
  const required = Math.max(minObservations, seed, 2);
  if (n < required) return tooFew('EWMA volatility', n, required);
  const values = Float64Array.from(returns);
  const mo = centredMoments([values], 0, seed);
  let variance = sampleVariance(mo.cross[0]!, mo.mean[0]!, seed);
  for (let t = seed; t < n; t++) variance = lambda * variance + (1 - lambda) * values[t]! * values[t]!;
  return figure(Math.sqrt(variance) * ANNUALISE, 'EWMA volatility');
}

/**
 * 21-day volatility on each of the `days` trading days ending at ordinal `end` (oldest first), null
 * where the window holds fewer than 15 returns. The window's sums slide one day at a time (a return
 * in, a return out) instead of being recomputed for each day; they are taken about a shift (the first
 * value of the window at the last rebuild) and rebuilt from the data every 64 slides, which bounds
 * rounding drift.
 */
export function rollingVol21(series: ReturnSeries, end: number, days: number): (number | null)[] {
  const { window, minObservations } = REALIZED_WINDOWS[0];
  const { ordinals, values } = series;
  const out: (number | null)[] = [];
  let lo = lowerBound(ordinals, end - days + 1 - window + 1);
  let hi = lo;
  let shift = 0;
  let sum = 0;
  let sumSq = 0;
  let slides = 64;
  for (let day = end - days + 1; day <= end; day++) {
    const oldLo = lo;
    const oldHi = hi;
    while (lo < ordinals.length && ordinals[lo]! < day - window + 1) lo++;
    while (hi < ordinals.length && ordinals[hi]! <= day) hi++;
    if (slides >= 64 || lo >= oldHi) {
      shift = hi > lo ? values[lo]! : 0;
      sum = 0;
      sumSq = 0;
      for (let i = lo; i < hi; i++) {
        const x = values[i]! - shift;
        sum += x;
        sumSq += x * x;
      }
      slides = 0;
    } else {
      for (let i = oldHi; i < hi; i++) {
        const x = values[i]! - shift;
        sum += x;
        sumSq += x * x;
      }
      for (let i = oldLo; i < lo; i++) {
        const x = values[i]! - shift;
        sum -= x;
        sumSq -= x * x;
      }
      slides++;
    }
    const n = hi - lo;
    if (n < minObservations) {
      out.push(null);
      continue;
    }
    const centred = Math.max(0, sumSq - (sum * sum) / n);
    out.push(Math.sqrt(sampleVariance(centred, shift + sum / n, n)) * ANNUALISE);
  }
  return out;
}

/**
 * Share of `history` (the 21-day volatilities of the last 252 trading days, nulls skipped, today's
 * included) that is ≤ `today`. Needs PERCENTILE_MIN_VALUES values.
 */
export function volatilityPercentile(today: number, history: readonly (number | null)[]): Figure {
  let count = 0;
  let atMost = 0;
  for (const v of history) {
    if (v === null || !Number.isFinite(v)) continue;
    count++;
    if (v <= today) atMost++;
  }
  if (count < PERCENTILE_MIN_VALUES) return tooFew('volatility percentile (values of the 21-day volatility)', count, PERCENTILE_MIN_VALUES);
  return figure(atMost / count, 'volatility percentile');
}

export interface VolatilityOptions {
  /**
   * Past days' 21-day volatilities (e.g. as stored), used for the percentile instead of recomputing
   * them from the returns. Only dates within the 251 trading days before d count; today's value is
   * always computed from the returns.
   */
  vol21History?: readonly Vol21Point[];
}

/** Every volatility figure of a return series on trading day `date` (see VolatilityFigures). */
export function computeVolatility(series: ReturnSeries, date: IsoDate, options: VolatilityOptions = {}): VolatilityFigures {
  const end = tradingOrdinalOrThrow(date, 'computeVolatility');
  const [w21, w63, w252] = REALIZED_WINDOWS;
  const vol21 = realizedWindowVolatility(series, end, w21.window, w21.minObservations);
  const vol63 = realizedWindowVolatility(series, end, w63.window, w63.minObservations);
  const vol252 = realizedWindowVolatility(series, end, w252.window, w252.minObservations);
  const r252 = windowRange(series, end, EWMA_WINDOW);
  const ewma = ewmaVolatility(series.values.subarray(r252.lo, r252.hi));

  let trend: Figure;
  if (vol21.value === null) trend = missing('unavailable_input', `volatility trend needs the 21-day volatility: ${vol21.unavailable.message}`);
  else if (vol63.value === null) trend = missing('unavailable_input', `volatility trend needs the 63-day volatility: ${vol63.unavailable.message}`);
  else if (vol63.value === 0) trend = missing('zero_variance', 'volatility trend: the 63-day volatility is 0');
  else trend = figure(vol21.value / vol63.value - 1, 'volatility trend');

  let percentile: Figure;
  if (vol21.value === null) {
    percentile = missing('unavailable_input', `volatility percentile needs today's 21-day volatility: ${vol21.unavailable.message}`);
  } else if (options.vol21History !== undefined) {
    const first = end - PERCENTILE_LOOKBACK + 1;
    const byDay = new Map<number, number | null>();
    for (const p of options.vol21History) {
      const o = tradingOrdinalOrThrow(p.date, 'vol21History');
      if (o >= first && o < end) byDay.set(o, p.value);
    }
    percentile = volatilityPercentile(vol21.value, [...byDay.values(), vol21.value]);
  } else {
    const history = rollingVol21(series, end, PERCENTILE_LOOKBACK);
    // Today's value from the same sliding sums as the history, so equal windows compare equal.
    percentile = volatilityPercentile(history[history.length - 1] ?? vol21.value, history);
  }

  const count = (window: number): number => {
    const r = windowRange(series, end, window);
    return r.hi - r.lo;
  };
  return { vol21, vol63, vol252, ewma, trend, percentile, observations: { days21: count(21), days63: count(63), days252: r252.hi - r252.lo } };
}
