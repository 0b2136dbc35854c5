/**
 * Simple linear regression with intercept, y = a + b·x, by ordinary least squares.
 */
import { centredMoments, type CentredMoments } from './moments.js';

/** A regressor whose population variance is below this (std below 1e-8 per period) has no slope. */
export const MIN_REGRESSOR_VARIANCE = 1e-16;

export interface OlsFit {
  /** b = C_xy / C_xx. */
  slope: number;
  /** a = ȳ − b·x̄. */
  intercept: number;
  /** R² = C_xy² / (C_xx·C_yy); null when y is constant (C_yy = 0). */
  rSquared: number | null;
  /** SE(b) = √( SS_res / (n − 2) / C_xx ), SS_res = C_yy − b·C_xy; null when n ≤ 2. */
  stdError: number | null;
  /** Observations. */
  n: number;
}

/**
 * OLS of column `yIdx` on column `xIdx` from centred moments (C = centred cross-products).
 * Returns undefined when the regressor is (numerically) constant or n < 2: no slope exists.
 */
export function olsFromMoments(mo: CentredMoments, yIdx: number, xIdx: number): OlsFit | undefined {
  const { n, m, mean, cross } = mo;
  if (n < 2) return undefined;
  const cxx = cross[xIdx * m + xIdx]!;
  const cyy = Math.max(0, cross[yIdx * m + yIdx]!);
  const cxy = cross[xIdx * m + yIdx]!;
  if (!(cxx / n >= MIN_REGRESSOR_VARIANCE)) return undefined;
  const slope = cxy / cxx;
  const intercept = mean[yIdx]! - slope * mean[xIdx]!;
  const rSquared = cyy > 0 ? Math.min(1, (cxy * cxy) / (cxx * cyy)) : null;
  const ssRes = Math.max(0, cyy - slope * cxy);
  const stdError = n > 2 ? Math.sqrt(ssRes / (n - 2) / cxx) : null;
  return { slope, intercept, rSquared, stdError, n };
}

/** OLS y = a + b·x over paired observations (two-pass centred sums). */
export function ols(x: ArrayLike<number>, y: ArrayLike<number>): OlsFit | undefined {
  if (x.length !== y.length) throw new RangeError(`ols: x has ${x.length} observations, y has ${y.length}`);
  return olsFromMoments(centredMoments([y, x], 0, x.length), 0, 1);
}
