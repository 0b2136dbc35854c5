/**
 * One-day value at risk and expected shortfall, historical and parametric, at 95 % and 99 %.
 * Positive numbers are losses; a historical VaR may come out negative (the window's worst days were
 * gains) and is reported as computed.
 */
import { figure, missing, tooFew, type Figure } from './figure.js';
import type { DenseWindow } from './series.js';

export const CONFIDENCE_LEVELS = [0.95, 0.99] as const;
export type ConfidenceLevel = (typeof CONFIDENCE_LEVELS)[number];
/** Standard normal quantiles z_c. */
export const Z_SCORES: Readonly<Record<ConfidenceLevel, number>> = { 0.95: 1.6448536, 0.99: 2.3263479 };
export const HISTORICAL_VAR_WINDOW = 252;
export const HISTORICAL_VAR_MIN_DAYS = 126;

/**
 * The p-quantile of ascending `sorted` values with linear interpolation between order statistics:
 * h = (n − 1)p, q = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋) (the default of common numerical libraries).
 */
export function quantileLinear(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileLinear: no values');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  return sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!);
}

/**
 * Historical VaR and ES of a P&L sample at confidence c: VaR = −q with q the (1 − c)-quantile
 * (quantileLinear), ES = −mean of the P&L values ≤ q. No minimum here (see historicalVarEs).
 */
export function historicalTail(pnl: ArrayLike<number>, c: number): { valueAtRisk: number; expectedShortfall: number } {
  return tailOfSorted(Float64Array.from(pnl).sort(), c);
}

function tailOfSorted(sorted: Float64Array, c: number): { valueAtRisk: number; expectedShortfall: number } {
  const q = quantileLinear(sorted, 1 - c);
  let sum = 0;
  let count = 0;
  for (const v of sorted) {
    if (v > q) break;
    sum += v;
    count++;
  }
  return { valueAtRisk: -q, expectedShortfall: -sum / count };
}

export interface VarFigures {
  var95: Figure;
  var99: Figure;
  es95: Figure;
  es99: Figure;
}

function allMissing(f: Figure): VarFigures {
  return { var95: f, var99: f, es95: f, es99: f };
}

export interface HistoricalVarResult extends VarFigures {
  /** Days on which some holding has a return (the P&L sample). */
  days: number;
}

/**
 * Historical VaR/ES over one window: PnL_t = Σ_i MV_i r_{i,t} on each day on which at least one
 * holding has a return (a missing return counts 0); needs `minDays` such days.
 */
export function historicalVarEs(windows: readonly DenseWindow[], marketValues: readonly number[], minDays = HISTORICAL_VAR_MIN_DAYS): HistoricalVarResult {
  if (windows.length === 0) return { ...allMissing(missing('insufficient_holdings', 'historical VaR: no holding with returns')), days: 0 };
  const length = windows[0]!.length;
  const pnl = new Float64Array(length);
  const any = new Uint8Array(length);
  windows.forEach((w, i) => {
    const mv = marketValues[i]!;
    for (let k = 0; k < length; k++) {
      if (!w.present[k]) continue;
      pnl[k] = pnl[k]! + mv * w.values[k]!;
      any[k] = 1;
    }
  });
  let days = 0;
  for (let k = 0; k < length; k++) if (any[k]) pnl[days++] = pnl[k]!;
  if (days < minDays) return { ...allMissing(tooFew('historical VaR (days on which a holding has a return)', days, minDays)), days };
  const sorted = pnl.subarray(0, days).sort();
  const t95 = tailOfSorted(sorted, 0.95);
  const t99 = tailOfSorted(sorted, 0.99);
  return {
    var95: figure(t95.valueAtRisk, 'historical VaR 95 %'),
    var99: figure(t99.valueAtRisk, 'historical VaR 99 %'),
    es95: figure(t95.expectedShortfall, 'historical ES 95 %'),
    es99: figure(t99.expectedShortfall, 'historical ES 99 %'),
    days,
  };
}

/** Standard normal density φ(z) = e^(−z²/2) / √(2π). */
export function normalDensity(z: number): number {
  return Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
}

/** Parametric (normal) VaR = z_c σ₁ and ES = φ(z_c) / (1 − c) × σ₁ for a one-day dollar std σ₁. */
export function parametricVarEs(sigma: Figure): VarFigures {
  if (sigma.value === null) return allMissing(missing('unavailable_input', `parametric VaR needs the total variance: ${sigma.unavailable.message}`));
  const s = sigma.value;
  const es = (c: ConfidenceLevel): number => (normalDensity(Z_SCORES[c]) / (1 - c)) * s;
  return {
    var95: figure(Z_SCORES[0.95] * s, 'parametric VaR 95 %'),
    var99: figure(Z_SCORES[0.99] * s, 'parametric VaR 99 %'),
    es95: figure(es(0.95), 'parametric ES 95 %'),
    es99: figure(es(0.99), 'parametric ES 99 %'),
  };
}
