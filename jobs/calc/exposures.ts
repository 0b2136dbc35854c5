/**
 * Factor exposures of positions and portfolios (SPEC §5).
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
}

/**
 * Position exposures β_i,f × mv_i for every position and factor with a beta on `date`, and portfolio
 * exposures per factor that at least one position has a beta for. Factors are in display order.
 */
export function computeExposures(positions: readonly ExposureInput[], date: IsoDate, equity: number, betas: BetaLookup): ExposureResult {
  const out: PositionExposure[] = [];
  const missing: ExposureResult['missing'] = [];
  const sums = new Map<FactorName, number>();
  for (const p of positions) {
    const lacking: FactorName[] = [];
    for (const f of FACTORS) {
      const beta = betas(p.symbol, f.name, date);
      if (beta === undefined || !Number.isFinite(beta)) {
        lacking.push(f.name);
        continue;
      }
      const dollar = beta * p.marketValue;
      out.push({ positionId: p.positionId, factor: f.name, betaValue: beta, exposureDollar: dollar });
      sums.set(f.name, (sums.get(f.name) ?? 0) + dollar);
    }
    if (lacking.length > 0) missing.push({ positionId: p.positionId, symbol: p.symbol, factors: lacking });
  }
  const portfolio: PortfolioExposure[] = [];
  for (const f of FACTORS) {
    const dollar = sums.get(f.name);
    if (dollar === undefined) continue;
    portfolio.push({ factor: f.name, exposureDollar: dollar, exposureValue: equity > 0 ? dollar / equity : null });
  }
  return { positions: out, portfolio, missing };
}
