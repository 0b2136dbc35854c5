/**
 * Factor risk: the covariance of the model's eight factor return series, and a portfolio's variance
 * split into a factor part bᵀΣb (b = dollar exposures) and an idiosyncratic part Σ MV_i² s_i² (s_i²
 * the variance of holding i's residual after its factor betas).
 *
 * The four spread factors are linear combinations of these eight; they are reported as exposures
 * elsewhere but never enter a risk sum (they would count the same risk twice).
 */
import { nearestPositiveSemidefinite } from '../linear-algebra.js';
import { TRADING_DAYS_PER_YEAR } from '../risk.js';
import type { FactorName } from '../factors.js';
import { figure, missing, tooFew, type Figure, type Unavailable } from './figure.js';
import type { DenseWindow, ReturnSeries } from './series.js';
import { denseWindow } from './series.js';
import { sampleVariance } from './volatility.js';

/** The eight risk factors: a short key (used in scenarios and stored columns) and the factor's name. */
export const RISK_FACTORS = [
  { key: 'market', name: 'Market Beta' },
  { key: 'rates', name: 'IR Beta' },
  { key: 'value', name: 'Value' },
  { key: 'growth', name: 'Growth' },
  { key: 'momentum', name: 'Momentum' },
  { key: 'quality', name: 'Quality' },
  { key: 'size', name: 'Size' },
  { key: 'lowVolatility', name: 'Low Volatility' },
] as const satisfies readonly { key: string; name: FactorName }[];

export type RiskFactorKey = (typeof RISK_FACTORS)[number]['key'];
export type RiskFactorName = (typeof RISK_FACTORS)[number]['name'];
export const RISK_FACTOR_KEYS: readonly RiskFactorKey[] = RISK_FACTORS.map((f) => f.key);
export const FACTOR_COUNT = RISK_FACTORS.length;

const KEY_BY_NAME = new Map<string, RiskFactorKey>(RISK_FACTORS.map((f) => [f.name, f.key]));

/** The risk factor key of a factor name ('Market Beta' → 'market'); undefined for spreads and unknown names. */
export function riskFactorKeyOf(name: string): RiskFactorKey | undefined {
  return KEY_BY_NAME.get(name);
}

/** Values per risk factor (betas, exposures, returns); a missing key means "none". */
export type PerFactor<T> = Partial<Record<RiskFactorKey, T>>;

export const FACTOR_COVARIANCE_WINDOW = 252;
export const FACTOR_COVARIANCE_MIN_OBSERVATIONS = 60;
export const FACTOR_COVARIANCE_LAMBDA = 0.94;
export const RESIDUAL_WINDOW = 90;
/** A holding's residual variance needs this many days with its return and every factor's. */
export const RESIDUAL_MIN_OBSERVATIONS = 30;

/**
 * EWMA covariance of T observations of m columns (row-major T×m, oldest first): weights λ^k with
 * k = 0 for the latest row, normalised to sum 1; centred on the weighted mean; no bias correction:
 * Σ = Σ_t w_t (x_t − μ)(x_t − μ)ᵀ, μ = Σ_t w_t x_t. Row-major m×m.
 */
export function ewmaCovariance(rows: ArrayLike<number>, t: number, m: number, lambda = FACTOR_COVARIANCE_LAMBDA): Float64Array {
  const weights = new Float64Array(t);
  let total = 0;
  let w = 1;
  for (let k = t - 1; k >= 0; k--) {
    weights[k] = w;
    total += w;
    w *= lambda;
  }
  const mean = new Float64Array(m);
  for (let r = 0; r < t; r++) {
    weights[r] = weights[r]! / total;
    for (let j = 0; j < m; j++) mean[j] = mean[j]! + weights[r]! * rows[r * m + j]!;
  }
  const cov = new Float64Array(m * m);
  const dev = new Float64Array(m);
  for (let r = 0; r < t; r++) {
    for (let j = 0; j < m; j++) dev[j] = rows[r * m + j]! - mean[j]!;
    const wr = weights[r]!;
    for (let j = 0; j < m; j++) {
      const dj = wr * dev[j]!;
      for (let k = j; k < m; k++) cov[j * m + k] = cov[j * m + k]! + dj * dev[k]!;
    }
  }
  for (let j = 0; j < m; j++) for (let k = 0; k < j; k++) cov[j * m + k] = cov[k * m + j]!;
  return cov;
}

/**
 * The eight factors' returns on each of the last 252 trading days ending at d (oldest first), and
 * whether every factor has a return that day (only such days enter the covariance and residuals).
 */
export interface FactorPanel {
  readonly length: number;
  /** Row-major length × 8, RISK_FACTORS order; 0 where a factor has no return. */
  readonly rows: Float64Array;
  /** 1 where every factor has a return. */
  readonly complete: Uint8Array;
  /** Factors without any series given. */
  readonly missingFactors: RiskFactorKey[];
}

/** Builds the factor panel for the window of `length` trading days ending at ordinal `end`. */
export function factorPanel(factorReturns: PerFactor<ReturnSeries>, end: number, length = FACTOR_COVARIANCE_WINDOW): FactorPanel {
  const rows = new Float64Array(length * FACTOR_COUNT);
  const complete = new Uint8Array(length).fill(1);
  const missingFactors: RiskFactorKey[] = [];
  RISK_FACTORS.forEach((f, j) => {
    const series = factorReturns[f.key];
    if (series === undefined) {
      missingFactors.push(f.key);
      complete.fill(0);
      return;
    }
    const w = denseWindow(series, end, length);
    for (let k = 0; k < length; k++) {
      rows[k * FACTOR_COUNT + j] = w.values[k]!;
      if (!w.present[k]) complete[k] = 0;
    }
  });
  return { length, rows, complete, missingFactors };
}

export interface FactorCovariance {
  readonly factors: readonly RiskFactorKey[];
  /** Row-major 8×8 in RISK_FACTORS order, daily return units, positive semi-definite; null when unavailable. */
  readonly matrix: Float64Array | null;
  /** Days used (every factor has a return), at most 252. */
  readonly observations: number;
  /** Eigenvalues above 1e-10 × the largest; < 8 means some factors are collinear over the window. */
  readonly rank: number | null;
  /** Smallest and largest eigenvalue before any repair. */
  readonly minEigenvalue: number | null;
  readonly maxEigenvalue: number | null;
  /** A negative eigenvalue (rounding) was raised to 0 and the matrix rebuilt. */
  readonly repaired: boolean;
  readonly unavailable: Unavailable | null;
}

/** EWMA factor covariance over the panel's complete days (at least 60). */
export function factorCovariance(panel: FactorPanel): FactorCovariance {
  const factors = RISK_FACTOR_KEYS;
  const none = (unavailable: Unavailable, observations: number): FactorCovariance => ({
    factors,
    matrix: null,
    observations,
    rank: null,
    minEigenvalue: null,
    maxEigenvalue: null,
    repaired: false,
    unavailable,
  });
  if (panel.missingFactors.length > 0) {
    return none(missing('unavailable_input', `factor covariance: no return series for ${panel.missingFactors.join(', ')}`).unavailable!, 0);
  }
  let t = 0;
  for (const c of panel.complete) t += c;
  if (t < FACTOR_COVARIANCE_MIN_OBSERVATIONS) {
    return none(tooFew('factor covariance (days on which every factor has a return)', t, FACTOR_COVARIANCE_MIN_OBSERVATIONS).unavailable!, t);
  }
  const rows = new Float64Array(t * FACTOR_COUNT);
  let r = 0;
  for (let k = 0; k < panel.length; k++) {
    if (!panel.complete[k]) continue;
    rows.set(panel.rows.subarray(k * FACTOR_COUNT, (k + 1) * FACTOR_COUNT), r * FACTOR_COUNT);
    r++;
  }
  const raw = ewmaCovariance(rows, t, FACTOR_COUNT);
  for (const v of raw) {
    if (!Number.isFinite(v)) return none(missing('not_finite', 'factor covariance is not finite (factor returns out of range)').unavailable!, t);
  }
  const psd = nearestPositiveSemidefinite(raw, FACTOR_COUNT);
  return {
    factors,
    matrix: psd.matrix,
    observations: t,
    rank: psd.rank,
    minEigenvalue: psd.eigenvalues[0]!,
    maxEigenvalue: psd.eigenvalues[FACTOR_COUNT - 1]!,
    repaired: psd.repaired,
    unavailable: null,
  };
}

/** Betas per factor as a vector in RISK_FACTORS order (a missing or non-finite beta is 0). */
export function factorVector(values: PerFactor<number> | undefined): Float64Array {
  return Float64Array.from(RISK_FACTORS, (f) => {
    const v = values?.[f.key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  });
}

export interface ResidualVariance {
  /** Sample variance (n − 1) of r_t − Σ_f β_f x_{f,t}, daily return units. */
  variance: Figure;
  /** Days with the holding's return and every factor's return in the window. */
  observations: number;
}

/**
 * Variance of a holding's residual r_t − Σ_f β_f x_{f,t} over a window: `returns` and the panel's
 * last `returns.length` days are aligned; days where the holding or any factor lacks a return are skipped.
 */
export function residualVariance(returns: DenseWindow, betas: Float64Array, panel: FactorPanel, minObservations = RESIDUAL_MIN_OBSERVATIONS): ResidualVariance {
  const offset = panel.length - returns.length;
  if (offset < 0) throw new RangeError(`residualVariance: the factor panel covers ${panel.length} days, the returns ${returns.length}`);
  const res = new Float64Array(returns.length);
  let n = 0;
  let mean = 0;
  for (let k = 0; k < returns.length; k++) {
    if (!returns.present[k] || !panel.complete[offset + k]) continue;
    let e = returns.values[k]!;
    const row = (offset + k) * FACTOR_COUNT;
    for (let j = 0; j < FACTOR_COUNT; j++) e -= betas[j]! * panel.rows[row + j]!;
    res[n++] = e;
    mean += e;
  }
  if (n < Math.max(2, minObservations)) return { variance: tooFew('residual variance (days with the holding\'s and every factor\'s return)', n, Math.max(2, minObservations)), observations: n };
  mean /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (res[t]! - mean) ** 2;
  return { variance: figure(sampleVariance(ss, mean, n), 'residual variance'), observations: n };
}

/** Σ b, bᵀΣb for an 8×8 matrix. */
export function quadraticForm(b: Float64Array, sigma: Float64Array): { sigmaB: Float64Array; value: number } {
  const m = b.length;
  const sigmaB = new Float64Array(m);
  let value = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += sigma[i * m + j]! * b[j]!;
    sigmaB[i] = s;
    value += b[i]! * s;
  }
  return { sigmaB, value };
}

/**
 * Share of the factor variance from each factor: b_f (Σb)_f / (bᵀΣb); the shares sum to 1 (a hedge
 * can make one negative). When bᵀΣb is zero (no exposure, or exposure only along directions the
 * factors do not vary in: bᵀΣb ≤ 1e-12 ‖b‖² λ_max) the shares are undefined and every one is
 * unavailable with reason 'zero_variance'.
 */
export function factorContributions(b: Float64Array, sigma: Float64Array, maxEigenvalue: number): Record<RiskFactorKey, Figure> {
  const { sigmaB, value } = quadraticForm(b, sigma);
  let norm2 = 0;
  for (const v of b) norm2 += v * v;
  const out = {} as Record<RiskFactorKey, Figure>;
  const zero = !(value > 1e-12 * norm2 * Math.max(0, maxEigenvalue)) || !(value > 0);
  RISK_FACTORS.forEach((f, j) => {
    out[f.key] = zero
      ? missing('zero_variance', 'factor contributions are undefined: the portfolio has no factor variance')
      : figure((b[j]! * sigmaB[j]!) / value, `${f.name} contribution`);
  });
  return out;
}

const ANNUALISE = Math.sqrt(TRADING_DAYS_PER_YEAR);

export interface FactorRiskFigures {
  /** bᵀΣb, daily dollars². */
  factorVariance: Figure;
  /** Σ MV_i² s_i² over the holdings with a residual variance, daily dollars². */
  idiosyncraticVariance: Figure;
  /** factor + idiosyncratic. */
  totalVariance: Figure;
  /** factor / total. */
  factorShare: Figure;
  /** √factorVariance × √252: annualised dollars. */
  factorRisk: Figure;
  idiosyncraticRisk: Figure;
  totalRisk: Figure;
  /** Per factor b_f (Σb)_f / (bᵀΣb). */
  contributions: Record<RiskFactorKey, Figure>;
}

/**
 * Factor and idiosyncratic risk of dollar exposures `b` given the covariance and the idiosyncratic
 * variance (computed by the caller from the holdings' residual variances).
 */
export function factorRiskFigures(b: Float64Array, cov: FactorCovariance, idiosyncratic: Figure): FactorRiskFigures {
  let factorVariance: Figure;
  let contributions: Record<RiskFactorKey, Figure>;
  if (cov.matrix === null) {
    const why = missing('unavailable_input', `factor covariance is unavailable: ${cov.unavailable?.message ?? 'not computed'}`);
    factorVariance = why;
    contributions = Object.fromEntries(RISK_FACTOR_KEYS.map((k) => [k, why])) as Record<RiskFactorKey, Figure>;
  } else {
    factorVariance = figure(Math.max(0, quadraticForm(b, cov.matrix).value), 'factor variance');
    contributions = factorContributions(b, cov.matrix, cov.maxEigenvalue ?? 0);
  }
  const risk = (v: Figure, what: string): Figure => (v.value === null ? v : figure(Math.sqrt(v.value) * ANNUALISE, what));
  let totalVariance: Figure;
  if (factorVariance.value === null) totalVariance = factorVariance;
  else if (idiosyncratic.value === null) totalVariance = missing('unavailable_input', `idiosyncratic variance is unavailable: ${idiosyncratic.unavailable.message}`);
  else totalVariance = figure(factorVariance.value + idiosyncratic.value, 'total variance');
  let factorShare: Figure;
  if (totalVariance.value === null || factorVariance.value === null) factorShare = totalVariance;
  else if (!(totalVariance.value > 0)) factorShare = missing('zero_variance', 'factor share is undefined: the total variance is 0');
  else factorShare = figure(factorVariance.value / totalVariance.value, 'factor share');
  return {
    factorVariance,
    idiosyncraticVariance: idiosyncratic,
    totalVariance,
    factorShare,
    factorRisk: risk(factorVariance, 'factor risk'),
    idiosyncraticRisk: risk(idiosyncratic, 'idiosyncratic risk'),
    totalRisk: risk(totalVariance, 'total risk'),
    contributions,
  };
}
