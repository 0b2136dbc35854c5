/**
 * Ridge regression on standardised regressors (the estimator of the style factors), a special case
 * of linear-model.ts: every regressor is one column and every coefficient is penalised.
 */
import { linearFitFromMoments } from './linear-model.js';
import { centredMoments, type CentredMoments } from './moments.js';

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
  const fit = linearFitFromMoments(
    mo,
    yIdx,
    xIdx.map((c) => [[c, 1]] as const),
    { alpha },
  );
  if (!fit) return undefined;
  return { betas: fit.coefficients, weights: fit.weights, sigmas: fit.sigmas, intercept: fit.intercept, rSquared: fit.rSquared, n: fit.n };
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
