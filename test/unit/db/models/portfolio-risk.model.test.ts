import { describe, expect, it } from 'vitest';
import { RISK_SUMMARY_FIGURES, figureColumn } from '../../../../db/models/portfolio-risk.model.js';
import { MAX_USER_SCENARIOS } from '../../../../db/models/risk-scenario.model.js';
import { SECTORS, STRESS_CATALOGUE, SUMMARY_FIGURES } from '../../../../jobs/calc/risk/index.js';

describe('the stored risk summary', () => {
  it('has a column for every figure the calculation produces, in the same order', () => {
    expect([...RISK_SUMMARY_FIGURES]).toEqual([...SUMMARY_FIGURES]);
  });

  it('names columns in snake_case with the numbers split off, except top3/top10', () => {
    expect(figureColumn('volatility21d')).toBe('volatility_21d');
    expect(figureColumn('top3Share')).toBe('top3_share');
    expect(figureColumn('top10Share')).toBe('top10_share');
    expect(figureColumn('historicalVar95ShareOfNav')).toBe('historical_var_95_share_of_nav');
    expect(figureColumn('contributionLowVolatility')).toBe('contribution_low_volatility');
    expect(new Set(RISK_SUMMARY_FIGURES.map(figureColumn)).size).toBe(RISK_SUMMARY_FIGURES.length);
  });

  it('keeps a portfolio-day under 60 rows: a summary, at most one row per sector, the catalogue and the user scenarios', () => {
    expect(1 + SECTORS.length + STRESS_CATALOGUE.length + MAX_USER_SCENARIOS).toBeLessThan(60);
  });
});
