/**
 * Linear regression with intercept from centred moments: ordinary least squares, ridge, and ridge
 * with some coefficients left unpenalised, on regressors that may be linear combinations of the
 * moment columns (a style-minus-market excess return VTV − SPY is the combination [VTV: 1, SPY: −1]).
 * Because centred cross-products are bilinear, the moments of such a combination follow from the
 * moments of the raw columns, so one set of rolling sums serves every regression of a symbol.
 */
import { solveInPlace, solveLinearSystem } from './linear-algebra.js';
import type { CentredMoments } from './moments.js';
import { MIN_REGRESSOR_VARIANCE } from './ols.js';

/** A regressor as Σ weight × column over columns of the moments: [[column, weight], …]. */
export type Regressor = readonly (readonly [column: number, weight: number])[];

export interface LinearModelOptions {
  /** Ridge penalty α on the standardised coefficients; 0 is ordinary least squares. */
  alpha: number;
  /** Per regressor, whether α applies to it (default: every regressor). */
  penalised?: readonly boolean[];
  /** Also compute standard errors (only meaningful, and only done, when no active regressor is penalised). */
  stdErrors?: boolean;
}

export interface LinearModelFit {
  /** β_j per regressor (0 for an inactive one; never NaN). */
  coefficients: Float64Array;
  /** w_j = β_j σ_j, the coefficients on the standardised regressors. */
  weights: Float64Array;
  /** Population standard deviation σ_j of each regressor over the window. */
  sigmas: Float64Array;
  /** 0 where the regressor did not vary (σ_j² < MIN_REGRESSOR_VARIANCE): no slope exists for it. */
  active: Uint8Array;
  /** ȳ − Σ β_j x̄_j. */
  intercept: number;
  /** 1 − SS_res / SS_tot of the fitted model; null when y is constant. */
  rSquared: number | null;
  /**
   * OLS standard errors √(s² (XᵀX)⁻¹_jj) with s² = SS_res / (n − k − 1), k the active regressors;
   * null when not requested, when the fit is penalised, or when n ≤ k + 1. NaN for inactive regressors.
   */
  stdErrors: Float64Array | null;
  n: number;
}

/**
 * Fits y = a + Σ β_j x_j by minimising Σ (y_t − a − Σ β_j x_tj)² + α Σ_{penalised j} (σ_j β_j)²:
 * with Xs_tj = (x_tj − x̄_j) / σ_j (population σ) and y_c = y − ȳ, the standardised coefficients solve
 * (XsᵀXs + α P) w = Xsᵀ y_c, P the diagonal 0/1 penalty mask (no 1/n scaling; the intercept is never
 * penalised because X and y are centred), and β_j = w_j / σ_j. An inactive regressor gets β_j = 0.
 * SS_res = y_cᵀy_c − 2 wᵀXsᵀy_c + wᵀXsᵀXs w, SS_tot = y_cᵀy_c.
 * Returns undefined when n < 1 or the system is singular (possible only where no penalty applies).
 */
export function linearFitFromMoments(mo: CentredMoments, yIdx: number, regressors: readonly Regressor[], options: LinearModelOptions): LinearModelFit | undefined {
  const { n, m, mean, cross } = mo;
  const k = regressors.length;
  if (n < 1) return undefined;
  const { start, cols, weights: legWeights } = compiled(regressors);
  // Centred cross-products of y (index 0) and the regressors (1..k), by bilinearity of C:
  // D_0j = Σ_a w_a C[c_a, y], D_jl = Σ_a Σ_b w_a w_b C[c_a, c_b] over the legs of j and l.
  const k1 = k + 1;
  const dm = scratch(0, k1 * k1);
  const xMean = scratch(1, k);
  dm[0] = cross[yIdx * m + yIdx]!;
  for (let j = 0; j < k; j++) {
    let cyj = 0;
    let mj = 0;
    for (let q = start[j]!; q < start[j + 1]!; q++) {
      cyj += legWeights[q]! * cross[cols[q]! * m + yIdx]!;
      mj += legWeights[q]! * mean[cols[q]!]!;
    }
    xMean[j] = mj;
    dm[j + 1] = cyj;
    dm[(j + 1) * k1] = cyj;
    for (let l = j; l < k; l++) {
      let s = 0;
      for (let q = start[j]!; q < start[j + 1]!; q++) {
        const row = cols[q]! * m;
        let inner = 0;
        for (let r = start[l]!; r < start[l + 1]!; r++) inner += legWeights[r]! * cross[row + cols[r]!]!;
        s += legWeights[q]! * inner;
      }
      dm[(j + 1) * k1 + l + 1] = s;
      dm[(l + 1) * k1 + j + 1] = s;
    }
  }
  const sigmas = new Float64Array(k);
  const active = new Uint8Array(k);
  const rhs = scratch(2, k); // Xsᵀ y_c
  const gram = scratch(3, k * k); // XsᵀXs
  for (let j = 0; j < k; j++) {
    const v = dm[(j + 1) * k1 + j + 1]! / n;
    sigmas[j] = Math.sqrt(Math.max(0, v));
    active[j] = v >= MIN_REGRESSOR_VARIANCE ? 1 : 0;
  }
  for (let j = 0; j < k; j++) {
    if (!active[j]) continue;
    rhs[j] = dm[j + 1]! / sigmas[j]!;
    for (let l = 0; l < k; l++) {
      if (active[l]) gram[j * k + l] = dm[(j + 1) * k1 + l + 1]! / (sigmas[j]! * sigmas[l]!);
    }
  }
  const a = scratch(4, k * k);
  for (let i = 0; i < k * k; i++) a[i] = gram[i]!;
  let penalisedActive = false;
  let kActive = 0;
  for (let j = 0; j < k; j++) {
    const pen = options.alpha !== 0 && (options.penalised?.[j] ?? true);
    if (!active[j]) a[j * k + j] = 1;
    else {
      kActive++;
      if (pen) {
        a[j * k + j] = a[j * k + j]! + options.alpha;
        penalisedActive = true;
      }
    }
  }
  const wantErrors = options.stdErrors === true && !penalisedActive && n - kActive - 1 > 0;
  // (XsᵀXs)⁻¹_jj for the standard errors, one column at a time, before `a` is eliminated in place.
  let inverseDiagonal: Float64Array | undefined;
  if (wantErrors) {
    inverseDiagonal = new Float64Array(k).fill(Number.NaN);
    const unit = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      if (!active[j]) continue;
      unit.fill(0);
      unit[j] = 1;
      const z = solveLinearSystem(a, unit, k);
      if (z) inverseDiagonal[j] = z[j]!;
    }
  }
  let w: Float64Array | undefined = new Float64Array(k);
  for (let j = 0; j < k; j++) w[j] = rhs[j]!;
  if (k > 0 && !solveInPlace(a, w, k)) w = undefined;
  if (!w) return undefined;
  const coefficients = new Float64Array(k);
  let intercept = mean[yIdx]!;
  for (let j = 0; j < k; j++) {
    const b = active[j] ? w[j]! / sigmas[j]! : 0;
    coefficients[j] = Number.isFinite(b) ? b : 0;
    intercept -= coefficients[j]! * xMean[j]!;
  }
  const ssTot = Math.max(0, dm[0]!);
  let wtb = 0;
  let wgw = 0;
  for (let j = 0; j < k; j++) {
    wtb += w[j]! * rhs[j]!;
    for (let l = 0; l < k; l++) wgw += w[j]! * gram[j * k + l]! * w[l]!;
  }
  const ssRes = Math.max(0, ssTot - 2 * wtb + wgw);
  const rSquared = ssTot > 0 ? 1 - ssRes / ssTot : null;

  let stdErrors: Float64Array | null = null;
  if (inverseDiagonal) {
    // Var(w) = s² (XsᵀXs)⁻¹ on the standardised scale; β_j = w_j / σ_j.
    const s2 = ssRes / (n - kActive - 1);
    stdErrors = new Float64Array(k).fill(Number.NaN);
    for (let j = 0; j < k; j++) if (active[j]) stdErrors[j] = Math.sqrt(Math.max(0, s2 * inverseDiagonal[j]!)) / sigmas[j]!;
  }
  return { coefficients, weights: w, sigmas, active, intercept, rSquared, stdErrors, n };
}

const pool: Float64Array[] = [];

/**
 * A zeroed work buffer of at least `size` entries, reused across calls (slot = which buffer). Only for
 * intermediate values: nothing returned to a caller is a scratch buffer.
 */
function scratch(slot: number, size: number): Float64Array {
  let b = pool[slot];
  if (b === undefined || b.length < size) pool[slot] = b = new Float64Array(Math.max(size, 64));
  else b.fill(0, 0, size);
  return b;
}

interface CompiledRegressors {
  /** Legs of regressor j are start[j] .. start[j + 1] − 1. */
  start: Int32Array;
  cols: Int32Array;
  weights: Float64Array;
}

const compiledCache = new WeakMap<readonly Regressor[], CompiledRegressors>();

/** Flat arrays of the regressors' legs, memoised per regressors array (callers reuse theirs). */
function compiled(regressors: readonly Regressor[]): CompiledRegressors {
  let c = compiledCache.get(regressors);
  if (!c) {
    const start = new Int32Array(regressors.length + 1);
    const cols: number[] = [];
    const weights: number[] = [];
    regressors.forEach((reg, j) => {
      for (const [col, w] of reg) {
        cols.push(col);
        weights.push(w);
      }
      start[j + 1] = cols.length;
    });
    c = { start, cols: Int32Array.from(cols), weights: Float64Array.from(weights) };
    compiledCache.set(regressors, c);
  }
  return c;
}

export interface TwoRegressorFit {
  /** β_1, β_2. */
  coefficients: [number, number];
  /** OLS standard errors of β_1, β_2; null when n ≤ 3. */
  stdErrors: [number | null, number | null];
  intercept: number;
  /** 1 − SS_res / SS_tot; null when y is constant. */
  rSquared: number | null;
  n: number;
}

/**
 * OLS y = a + β_1 x_1 + β_2 x_2 (regressors [x_1, x_2]) in closed form (Cramer's rule on the 2×2 centred normal equations),
 * the same fit as linearFitFromMoments with α = 0 and two regressors, without its allocations: it runs
 * for every date of every symbol (IR beta and the four spreads). Returns undefined when x_2 does not
 * vary or x_1 and x_2 are collinear (1 − ρ² ≤ 1e-14); when only x_1 does not vary, β_1 = 0 and β_2 is
 * the simple regression slope.
 */
export function twoRegressorOlsFromMoments(mo: CentredMoments, yIdx: number, regressors: readonly [Regressor, Regressor] | readonly Regressor[]): TwoRegressorFit | undefined {
  const { n, m, mean, cross } = mo;
  if (n < 2) return undefined;
  if (regressors.length !== 2) throw new RangeError(`twoRegressorOlsFromMoments: expected 2 regressors, got ${regressors.length}`);
  const { start, cols, weights } = compiled(regressors);
  // C(x_a, x_b), C(x_a, y) and x̄_a over the legs of the regressors (bilinearity of C).
  let s11raw = 0;
  let s22 = 0;
  let s12raw = 0;
  let s1yRaw = 0;
  let s2y = 0;
  let mu1 = 0;
  let mu2 = 0;
  for (let q = start[0]!; q < start[1]!; q++) {
    const cq = cols[q]! * m;
    const wq = weights[q]!;
    s1yRaw += wq * cross[cq + yIdx]!;
    mu1 += wq * mean[cols[q]!]!;
    for (let r = start[0]!; r < start[1]!; r++) s11raw += wq * weights[r]! * cross[cq + cols[r]!]!;
    for (let r = start[1]!; r < start[2]!; r++) s12raw += wq * weights[r]! * cross[cq + cols[r]!]!;
  }
  for (let q = start[1]!; q < start[2]!; q++) {
    const cq = cols[q]! * m;
    const wq = weights[q]!;
    s2y += wq * cross[cq + yIdx]!;
    mu2 += wq * mean[cols[q]!]!;
    for (let r = start[1]!; r < start[2]!; r++) s22 += wq * weights[r]! * cross[cq + cols[r]!]!;
  }
  if (!(s22 / n >= MIN_REGRESSOR_VARIANCE)) return undefined;
  const active1 = s11raw / n >= MIN_REGRESSOR_VARIANCE;
  const s11 = active1 ? s11raw : 0;
  const s12 = active1 ? s12raw : 0;
  const s1y = active1 ? s1yRaw : 0;
  const syy = Math.max(0, cross[yIdx * m + yIdx]!);
  let b1 = 0;
  let b2: number;
  let v1 = Number.NaN;
  let v2: number;
  let dof: number;
  if (active1) {
    const det = s11 * s22 - s12 * s12;
    if (!(det > 1e-14 * s11 * s22)) return undefined;
    b1 = (s22 * s1y - s12 * s2y) / det;
    b2 = (s11 * s2y - s12 * s1y) / det;
    v1 = s22 / det;
    v2 = s11 / det;
    dof = n - 3;
  } else {
    b2 = s2y / s22;
    v2 = 1 / s22;
    dof = n - 2;
  }
  const ssRes = Math.max(0, syy - b1 * s1y - b2 * s2y);
  const s2 = dof > 0 ? ssRes / dof : Number.NaN;
  return {
    coefficients: [b1, b2],
    stdErrors: dof > 0 ? [active1 ? Math.sqrt(s2 * v1) : null, Math.sqrt(s2 * v2)] : [null, null],
    intercept: mean[yIdx]! - b1 * mu1 - b2 * mu2,
    rSquared: syy > 0 ? Math.min(1, 1 - ssRes / syy) : null,
    n,
  };
}
