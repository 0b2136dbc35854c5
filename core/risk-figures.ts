/**
 * The numeric figures of a portfolio's daily risk summary, camelCase as the analytics compute them;
 * the database stores one snake_case column each. One list for both sides (docs/risk.md defines
 * every figure).
 */
export const RISK_SUMMARY_FIGURES = [
  'volatility21d',
  'volatility63d',
  'volatility252d',
  'volatilityEwma',
  'volatilityTrend',
  'volatilityPercentile',
  'averageCorrelation',
  'diversificationRatio',
  'hhi',
  'effectiveHoldings',
  'top3Share',
  'top10Share',
  'factorVariance',
  'idiosyncraticVariance',
  'totalVariance',
  'factorShare',
  'factorRisk',
  'idiosyncraticRisk',
  'totalRisk',
  'totalRiskShareOfNav',
  'contributionMarket',
  'contributionRates',
  'contributionValue',
  'contributionGrowth',
  'contributionMomentum',
  'contributionQuality',
  'contributionSize',
  'contributionLowVolatility',
  'historicalVar95',
  'historicalVar99',
  'historicalEs95',
  'historicalEs99',
  'parametricVar95',
  'parametricVar99',
  'parametricEs95',
  'parametricEs99',
  'historicalVar95ShareOfNav',
  'historicalVar99ShareOfNav',
  'historicalEs95ShareOfNav',
  'historicalEs99ShareOfNav',
  'parametricVar95ShareOfNav',
  'parametricVar99ShareOfNav',
  'parametricEs95ShareOfNav',
  'parametricEs99ShareOfNav',
] as const;
export type RiskSummaryFigure = (typeof RISK_SUMMARY_FIGURES)[number];

/** The counts and sizes a daily risk summary carries beside its figures. */
export type RiskSummaryCounts = {
  nav: number;
  /** G = Σ|MV_i| over priced holdings (PRIVATE included). */
  grossValue: number;
  /** Priced holdings (after merging by symbol), of which PUBLIC and PRIVATE; unpriced symbols. */
  holdings: number;
  publicHoldings: number;
  privateHoldings: number;
  unpricedHoldings: number;
  /** Pairs of holdings with a correlation. */
  correlationPairs: number;
  /** Days in the diversification ratio's and the historical VaR's samples. */
  diversificationDays: number;
  varDays: number;
  /** The factor covariance: days used, rank (null when unavailable), whether it was repaired. */
  covarianceObservations: number;
  covarianceRank: number | null;
  covarianceRepaired: boolean;
};
