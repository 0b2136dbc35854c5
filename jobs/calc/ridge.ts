/**
 * Ridge regression on standardised regressors (SPEC §4, style factors).
 */
import { solveLinearSystem } from './linear-algebra.js';
import { centredMoments, type CentredMoments } from './moments.js';
import { MIN_REGRESSOR_VARIANCE } from './ols.js';

export interface RidgeFit {
  /** β_j = w_j / σ_j per regressor (unclipped; 0 where not finite or the regressor is constant). */
  betas: Float64Array;
  /** w = (XsᵀXs + αI)⁻¹ Xsᵀ y_c, the coefficients on the standardised regressors. */
  weights: Float64Array;
  /** Population standard deviations σ_j of the regressors. */
  sigmas: Float64Array;
  /** ȳ − Σ β_j x̄_j. */
  intercept: number;
  /** R² = 1 − SS_res / SS_tot of the fitted ridge model; null when y is constant. */
  rSquared: number | null;
  n: number;
}

/**
 * Ridge fit of column `yIdx` on columns `xIdx` from centred moments:
 * Xs_tj = (x_tj − x̄_j) / σ_j with σ_j² = C_jj / n (population), y_c = y − ȳ,
 * w = (XsᵀXs + αI)⁻¹ Xsᵀ y_c (no 1/n scaling; the intercept is not penalised because X and y are
 * centred), β_j = w_j / σ_j. A constant regressor (σ_j² < MIN_REGRESSOR_VARIANCE) gets w_j = β_j = 0.
 * SS_res = y_cᵀy_c − 2wᵀXsᵀy_c + wᵀXsᵀXs w, SS_tot = y_cᵀy_c.
 * Returns undefined only when the system is singular (possible only with α = 0).
 */
export function ridgeFromMoments(mo: CentredMoments, yIdx: number, xIdx: readonly number[], alpha: number): RidgeFit | undefined {
  const { n, m, mean, cross } = mo;
  const k = xIdx.length;
  if (n < 1) return undefined;
  const sigmas = new Float64Array(k);
  const active = new Uint8Array(k);
  for (let j = 0; j < k; j++) {
    const v = cross[xIdx[j]! * m + xIdx[j]!]! / n;
    sigmas[j] = Math.sqrt(Math.max(0, v));
    active[j] = v >= MIN_REGRESSOR_VARIANCE ? 1 : 0;
  }
  const gram = new Float64Array(k * k); // XsᵀXs
  const rhs = new Float64Array(k); // Xsᵀ y_c
  for (let j = 0; j < k; j++) {
    if (!active[j]) continue;
    const cj = xIdx[j]!;
    rhs[j] = cross[cj * m + yIdx]! / sigmas[j]!;
    for (let l = 0; l < k; l++) {
      if (!active[l]) continue;
      gram[j * k + l] = cross[cj * m + xIdx[l]!]! / (sigmas[j]! * sigmas[l]!);
    }
  }
  const a = Float64Array.from(gram);
  for (let j = 0; j < k; j++) a[j * k + j] = active[j] ? a[j * k + j]! + alpha : 1;
  const w = solveLinearSystem(a, rhs, k);
  if (!w) return undefined;
  const betas = new Float64Array(k);
  let intercept = mean[yIdx]!;
  for (let j = 0; j < k; j++) {
    const b = active[j] ? w[j]! / sigmas[j]! : 0;
    betas[j] = Number.isFinite(b) ? b : 0;
    intercept -= betas[j]! * mean[xIdx[j]!]!;
  }
  const ssTot = Math.max(0, cross[yIdx * m + yIdx]!);
  let wtb = 0;
  let wgw = 0;
  for (let j = 0; j < k; j++) {
    wtb += w[j]! * rhs[j]!;
    for (let l = 0; l < k; l++) wgw += w[j]! * gram[j * k + l]! * w[l]!;
  }
  const ssRes = Math.max(0, ssTot - 2 * wtb + wgw);
  const rSquared = ssTot > 0 ? 1 - ssRes / ssTot : null;
  return { betas, weights: w, sigmas, intercept, rSquared, n };
}

/**
 * Ridge regression of y on the columns of X (each an array of n observations), see ridgeFromMoments.
 */
export function ridge(xColumns: readonly ArrayLike<number>[], y: ArrayLike<number>, alpha: number): RidgeFit | undefined {
  for (const c of xColumns) {
    if (c.length !== y.length) throw new RangeError(`ridge: a regressor has ${c.length} observations, y has ${y.length}`);
  }
  const mo = centredMoments([y, ...xColumns], 0, y.length);
  return ridgeFromMoments(mo, 0, xColumns.map((_, j) => j + 1), alpha);
}
