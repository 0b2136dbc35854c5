/**
 * Factor exposures of positions and portfolios, with the share of the book each one covers.
 *
 * Position exposure: β_i,f × mv_i. Portfolio exposure: Σ_i β_i,f × mv_i (dollars) and that sum over
 * equity_d (a ratio). Positions without a beta for a factor add nothing to its sums: the figure is
 * not rescaled to the positions that have one, so a book half without betas shows half the exposure,
 * and `coverage` says so: the share of the gross exposure Σ|mv_i| of the positions in scope (held,
 * priced, public) whose symbol has a beta for the factor on the date.
 */
import { FACTORS, type FactorName } from './factors.js';
import type { BetaLookup } from './factor-betas.js';
import type { IsoDate } from './types.js';

export interface PositionExposure {
  positionId: string;
  factor: FactorName;
  /** The symbol's beta for the factor on the date. */
  betaValue: number;
  /** β × market value (signed dollars). */
  exposureDollar: number;
}

export interface PortfolioExposure {
  factor: FactorName;
  /** Σ_i β_i × mv_i / equity_d; null when equity_d ≤ 0 (a ratio to non-positive equity is meaningless). */
  exposureValue: number | null;
  /** Σ_i β_i × mv_i. */
  exposureDollar: number;
  /**
   * Σ|mv_i| of the positions with a beta for this factor / Σ|mv_i| of all positions in scope, in
   * [0, 1]; 1 when the positions in scope have no gross exposure.
   */
  coverage: number;
}

export interface ExposureInput {
  positionId: string;
  symbol: string;
  marketValue: number;
}

export interface ExposureResult {
  positions: PositionExposure[];
  portfolio: PortfolioExposure[];
  /** Per position, the factors without a beta on the date. */
  missing: { positionId: string; symbol: string; factors: FactorName[] }[];
  /** Σ|mv_i| over the positions in scope: the denominator of every coverage. */
  grossExposure: number;
}

/** covered / gross, in [0, 1]; 1 when there is nothing to cover. */
export function coverageOf(covered: number, gross: number): number {
  return gross > 0 ? Math.min(1, covered / gross) : 1;
}

/**
 * Position exposures β_i,f × mv_i for every position (held, priced, public) and factor with a beta on
 * `date`, and portfolio exposures with their coverage for every factor that at least one position
 * has a beta for. Factors are in display order.
 */
export function computeExposures(positions: readonly ExposureInput[], date: IsoDate, equity: number, betas: BetaLookup): ExposureResult {
  const out: PositionExposure[] = [];
  const missing: ExposureResult['missing'] = [];
  const sums = new Map<FactorName, { dollar: number; covered: number }>();
  let gross = 0;
  for (const p of positions) {
    const size = Math.abs(p.marketValue);
    gross += size;
    const lacking: FactorName[] = [];
    for (const f of FACTORS) {
      const beta = betas(p.symbol, f.name, date);
      if (beta === undefined || !Number.isFinite(beta)) {
        lacking.push(f.name);
        continue;
      }
      const dollar = beta * p.marketValue;
      out.push({ positionId: p.positionId, factor: f.name, betaValue: beta, exposureDollar: dollar });
      const s = sums.get(f.name);
      if (s) {
        s.dollar += dollar;
        s.covered += size;
      } else sums.set(f.name, { dollar, covered: size });
    }
    if (lacking.length > 0) missing.push({ positionId: p.positionId, symbol: p.symbol, factors: lacking });
  }
  const portfolio: PortfolioExposure[] = [];
  for (const f of FACTORS) {
    const s = sums.get(f.name);
    if (s === undefined) continue;
    portfolio.push({ factor: f.name, exposureDollar: s.dollar, exposureValue: equity > 0 ? s.dollar / equity : null, coverage: coverageOf(s.covered, gross) });
  }
  return { positions: out, portfolio, missing, grossExposure: gross };
}
