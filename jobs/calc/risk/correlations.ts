/**
 * Correlations between a portfolio's holdings over the last 90 trading days: the pairwise Pearson
 * matrix, its weighted average and the diversification ratio.
 *
 * Weights w_i = MV_i / NAV enter only through ratios in which NAV cancels (|w_i w_j| / Σ|w_k w_l|
 * and Σ|w_i|σ_i / σ(Σ w_i r_i)), so the figures are computed from market values and exist for any NAV.
 */
import { figure, missing, tooFew, type Figure, type Unavailable } from './figure.js';
import type { DenseWindow } from './series.js';
import { sampleVariance } from './volatility.js';

export const CORRELATION_WINDOW = 90;
export const CORRELATION_MIN_OBSERVATIONS = 30;

/** A variance below this share of the raw sum of squares is cancellation noise: the series is constant. */
const CONSTANT_TOLERANCE = 1e-14;

export interface CorrelationMatrix {
  symbols: string[];
  /** values[i][j] = values[j][i] ∈ [−1, 1], null when the pair has fewer than 30 common days or a constant series; diagonal 1 (null for a series without enough observations). */
  values: (number | null)[][];
  /** Days on which both have a return (the diagonal: the holding's own observations). */
  observations: number[][];
  /** Why each null pair (i < j) and null diagonal entry (i = j) is null. */
  unavailable: { i: number; j: number; unavailable: Unavailable }[];
}

function pairLabel(symbols: readonly string[], i: number, j: number): string {
  return i === j ? symbols[i]! : `${symbols[i]!}/${symbols[j]!}`;
}

/** The last `length` days of a dense window (a view, no copy). */
export function windowTail(w: DenseWindow, length: number): DenseWindow {
  if (length >= w.length) return w;
  const start = w.length - length;
  const present = w.present.subarray(start);
  let count = 0;
  for (const p of present) count += p;
  return { length, values: w.values.subarray(start), present, count };
}

/** Mean over present days. */
function meanOf(w: DenseWindow): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) if (w.present[k]) s += w.values[k]!;
  return w.count > 0 ? s / w.count : 0;
}

/**
 * Pearson correlation of every pair of windows (all of one length) on the days both have a return;
 * a pair with fewer than `minCommon` such days, or constant on them, is null.
 */
export function pairwiseCorrelations(symbols: readonly string[], windows: readonly DenseWindow[], minCommon = CORRELATION_MIN_OBSERVATIONS): CorrelationMatrix {
  const n = windows.length;
  const values: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  const observations: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const unavailable: CorrelationMatrix['unavailable'] = [];
  // Centre each series on its own mean first: the sums below then stay free of cancellation.
  const stats = windows.map((w) => {
    const mean = meanOf(w);
    const x = new Float64Array(w.length);
    let ss = 0;
    for (let k = 0; k < w.length; k++) {
      if (!w.present[k]) continue;
      const d = w.values[k]! - mean;
      x[k] = d;
      ss += d * d;
    }
    const constant = !(ss > CONSTANT_TOLERANCE * (ss + w.count * mean * mean));
    return { x, ss, full: w.count === w.length, constant };
  });
  const need = Math.max(2, minCommon);
  for (let i = 0; i < n; i++) {
    const wi = windows[i]!;
    const si = stats[i]!;
    for (let j = i; j < n; j++) {
      const wj = windows[j]!;
      const sj = stats[j]!;
      let c = 0;
      let cxx: number;
      let cyy: number;
      let cxy: number;
      let constant: boolean;
      if (si.full && sj.full) {
        // Every day is common: the series are already centred on the common days' means.
        c = wi.length;
        let dot = 0;
        for (let k = 0; k < c; k++) dot += si.x[k]! * sj.x[k]!;
        cxx = si.ss;
        cyy = sj.ss;
        cxy = dot;
        constant = si.constant || sj.constant;
      } else {
        let sx = 0;
        let sy = 0;
        let sxx = 0;
        let syy = 0;
        let sxy = 0;
        for (let k = 0; k < wi.length; k++) {
          if (!(wi.present[k]! & wj.present[k]!)) continue;
          const x = si.x[k]!;
          const y = sj.x[k]!;
          c++;
          sx += x;
          sy += y;
          sxx += x * x;
          syy += y * y;
          sxy += x * y;
        }
        cxx = sxx - (sx * sx) / c;
        cyy = syy - (sy * sy) / c;
        cxy = sxy - (sx * sy) / c;
        constant = !(cxx > CONSTANT_TOLERANCE * sxx) || !(cyy > CONSTANT_TOLERANCE * syy);
      }
      observations[i]![j] = c;
      observations[j]![i] = c;
      if (c < need) {
        unavailable.push({ i, j, unavailable: tooFew(`correlation ${pairLabel(symbols, i, j)} (common days)`, c, need).unavailable! });
        continue;
      }
      if (constant || !(cxx > 0) || !(cyy > 0)) {
        unavailable.push({ i, j, unavailable: missing('zero_variance', `correlation ${pairLabel(symbols, i, j)}: a series is constant on the common days`).unavailable! });
        continue;
      }
      const r = i === j ? 1 : Math.max(-1, Math.min(1, cxy / Math.sqrt(cxx * cyy)));
      if (!Number.isFinite(r)) {
        unavailable.push({ i, j, unavailable: missing('not_finite', `correlation ${pairLabel(symbols, i, j)} is not a finite number`).unavailable! });
        continue;
      }
      values[i]![j] = r;
      values[j]![i] = r;
    }
  }
  return { symbols: [...symbols], values, observations, unavailable };
}

/**
 * Σ_{i<j} |w_i w_j| ρ_ij / Σ_{i<j} |w_i w_j| over the pairs with a correlation (weights from the
 * holdings' market values, in the matrix's order).
 */
export function weightedAverageCorrelation(matrix: CorrelationMatrix, marketValues: readonly number[]): Figure {
  const n = matrix.symbols.length;
  if (n < 2) return missing('insufficient_holdings', `average correlation needs two holdings with returns, there ${n === 1 ? 'is 1' : `are ${n}`}`);
  let num = 0;
  let den = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const r = matrix.values[i]![j];
      if (r === null || r === undefined) continue;
      const w = Math.abs(marketValues[i]! * marketValues[j]!);
      num += w * r;
      den += w;
      pairs++;
    }
  }
  if (pairs === 0) return missing('insufficient_observations', `average correlation: no pair of holdings has ${CORRELATION_MIN_OBSERVATIONS} common days with a return`);
  if (!(den > 0)) return missing('insufficient_holdings', 'average correlation: every pair with a correlation includes a holding of zero value');
  return figure(Math.max(-1, Math.min(1, num / den)), 'average correlation');
}

export interface DiversificationResult {
  /** Σ|w_i|σ_i / σ_p. */
  ratio: Figure;
  /** Symbols left out for having fewer than 30 returns in the window. */
  excluded: string[];
  /** Days in σ_p's sample: days on which at least one included holding has a return. */
  days: number;
}

/**
 * Diversification ratio Σ|w_i|σ_i / σ_p over one window: σ_i the sample standard deviation of holding
 * i's own returns, σ_p the sample standard deviation of Σ w_i r_{i,t} with today's weights (a missing
 * return counts as 0) over the days on which at least one included holding has a return. Holdings
 * with fewer than `minObservations` returns are left out of both sums and listed.
 */
export function diversificationRatio(
  symbols: readonly string[],
  windows: readonly DenseWindow[],
  marketValues: readonly number[],
  minObservations = CORRELATION_MIN_OBSERVATIONS,
): DiversificationResult {
  const excluded: string[] = [];
  const included: number[] = [];
  windows.forEach((w, i) => {
    if (w.count >= minObservations) included.push(i);
    else excluded.push(symbols[i]!);
  });
  if (included.length === 0) {
    const why = windows.length === 0 ? 'no holding with returns' : `no holding has ${minObservations} returns in the window`;
    return { ratio: missing('insufficient_holdings', `diversification ratio: ${why}`), excluded, days: 0 };
  }
  const length = windows[included[0]!]!.length;
  const pnl = new Float64Array(length);
  const any = new Uint8Array(length);
  let weighted = 0;
  for (const i of included) {
    const w = windows[i]!;
    const mu = meanOf(w);
    let ss = 0;
    for (let k = 0; k < length; k++) {
      if (!w.present[k]) continue;
      const d = w.values[k]! - mu;
      ss += d * d;
      pnl[k] = pnl[k]! + marketValues[i]! * w.values[k]!;
      any[k] = 1;
    }
    weighted += Math.abs(marketValues[i]!) * Math.sqrt(sampleVariance(ss, mu, w.count));
  }
  let days = 0;
  let mean = 0;
  for (let k = 0; k < length; k++) {
    if (!any[k]) continue;
    days++;
    mean += pnl[k]!;
  }
  mean /= days;
  let ss = 0;
  let raw = 0;
  for (let k = 0; k < length; k++) {
    if (!any[k]) continue;
    ss += (pnl[k]! - mean) ** 2;
    raw += pnl[k]! * pnl[k]!;
  }
  const sigmaP = Math.sqrt(ss / (days - 1));
  if (!(sigmaP > 0) || !(ss > CONSTANT_TOLERANCE * raw)) return { ratio: missing('zero_variance', 'diversification ratio: the portfolio series is constant over the window'), excluded, days };
  return { ratio: figure(weighted / sigmaP, 'diversification ratio'), excluded, days };
}
