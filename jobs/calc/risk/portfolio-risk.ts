/**
 * Every risk figure of one portfolio on one trading day, assembled from one input object.
 *
 * Two levels, so that a night over many portfolios computes shared work once:
 * 1. `prepareRiskDay(date, factor returns, user scenarios)`: everything that depends only on the day
 *    (factor panel and covariance, each scenario's factor moves) plus a per-symbol cache of the
 *    holding figures (volatility, residual variance, the return window), shared by every portfolio
 *    of the day.
 * 2. `computePortfolioRisk(day, input)`: the portfolio's summary (one stored row), its sector rows
 *    and its per-scenario stress rows; `computeRiskMatrices(day, input)` the matrices of the day.
 */
import { RISK_SUMMARY_FIGURES, type RiskSummaryCounts, type RiskSummaryFigure } from '../../../core/risk-figures.js';
import type { IsoDate } from '../types.js';
import { concentration } from './concentration.js';
import { CORRELATION_WINDOW, diversificationRatio, pairwiseCorrelations, weightedAverageCorrelation, windowTail, type CorrelationMatrix } from './correlations.js';
import {
  FACTOR_COUNT,
  RESIDUAL_WINDOW,
  RISK_FACTORS,
  RISK_FACTOR_KEYS,
  factorCovariance,
  factorPanel,
  factorRiskFigures,
  factorVector,
  residualVariance,
  type FactorCovariance,
  type FactorPanel,
  type PerFactor,
  type ResidualVariance,
  type RiskFactorKey,
} from './factor-risk.js';
import { figure, missing, shareOfNav, type Figure, type Unavailable } from './figure.js';
import { mergeHoldings, type InvestmentClass, type RiskPosition } from './holdings.js';
import { denseWindow, EMPTY_RETURNS, tradingOrdinalOrThrow, type DenseWindow, type ReturnSeries } from './series.js';
import { sectorExposures, type SectorExposure } from './sectors.js';
import { isSector, sectorOf, type Sector } from './sic-sectors.js';
import { scenarioMoves, STRESS_CATALOGUE, stressPnl, validateScenario, type ScenarioMoves, type StressScenario } from './stress.js';
import { historicalVarEs, parametricVarEs } from './var.js';
import { computeVolatility, type VolatilityFigures, type Vol21Point } from './volatility.js';

/** The longest window any figure reads (VaR, factor covariance, 252-day volatility). */
export const RISK_LOOKBACK_DAYS = 252;
/** Returns a holding or portfolio series should cover before d: 252 days for the percentile's oldest 21-day window, plus 20. */
export const RETURN_HISTORY_DAYS = 252 + 20;

// ---------------------------------------------------------------------------------------------
// The day

export interface RiskDayInput {
  date: IsoDate;
  /** Daily returns of each of the eight risk factors (the series the betas were estimated on), covering the 252 trading days up to `date`. */
  factorReturns: PerFactor<ReturnSeries>;
  /** User-defined scenarios run after the catalogue (check each with validateScenario first). */
  scenarios?: readonly StressScenario[];
}

export interface RiskDay {
  readonly date: IsoDate;
  readonly ordinal: number;
  /** The factors' returns over the 252 trading days ending at `date`. */
  readonly panel: FactorPanel;
  readonly covariance: FactorCovariance;
  /** The catalogue's scenarios, then the user's, with their factor moves on this day. */
  readonly scenarios: readonly ScenarioMoves[];
  /** computeHoldingRisk results of this day by symbol (filled lazily, shared by the day's portfolios). */
  readonly holdingCache: Map<string, { data: SymbolRiskData; risk: HoldingRisk }>;
}

/**
 * The day's shared model: factor panel and covariance, each scenario's factor moves. Throws a
 * RangeError when `date` is not a trading day, or a user scenario reuses an id or fails validateScenario.
 */
export function prepareRiskDay(input: RiskDayInput): RiskDay {
  const ordinal = tradingOrdinalOrThrow(input.date, 'prepareRiskDay');
  const panel = factorPanel(input.factorReturns, ordinal, RISK_LOOKBACK_DAYS);
  const covariance = factorCovariance(panel);
  const ids = new Set<string>(STRESS_CATALOGUE.map((s) => s.id));
  (input.scenarios ?? []).forEach((s, i) => {
    if (ids.has(s.id)) throw new RangeError(`prepareRiskDay: scenarios[${i}]: scenario id ${s.id} appears twice`);
    ids.add(s.id);
    const check = validateScenario(s);
    if (!check.ok) throw new RangeError(`prepareRiskDay: scenarios[${i}] (${s.id}): ${check.issues.map((x) => `${x.field}: ${x.message}`).join('; ')}`);
  });
  const scenarios = [...STRESS_CATALOGUE, ...(input.scenarios ?? [])].map((s) => scenarioMoves(s, covariance));
  return { date: input.date, ordinal, panel, covariance, scenarios, holdingCache: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Holdings

/** What the risk figures need to know about one symbol. */
export interface SymbolRiskData {
  /** Daily total returns (see dailyTotalReturns), covering RETURN_HISTORY_DAYS trading days up to d. */
  returns?: ReturnSeries;
  /** The symbol's stored betas at d per risk factor; a missing factor counts as 0 and is noted. */
  betas?: PerFactor<number>;
  /** Vendor ticker details: SIC code and security type (ETF, FUND, CS, …), mapped by sectorOf. */
  sicCode?: string | number | null;
  type?: string | null;
  /** A sector already known (e.g. stored with the profile); wins over sicCode and type. */
  sector?: Sector | null;
  /** Stored 21-day volatilities of earlier days, used for the percentile instead of recomputing them. */
  vol21History?: readonly Vol21Point[];
}

/** The per-symbol figures of a day (the same in every portfolio holding the symbol). */
export interface HoldingRisk {
  symbol: string;
  volatility: VolatilityFigures;
  /** Residual variance over 90 days with the symbol's betas at d. */
  residual: ResidualVariance;
  /** Returns over the 252 trading days ending at d. */
  window: DenseWindow;
  /** Its last 90 days (the correlation window). */
  window90: DenseWindow;
  /** Betas in RISK_FACTORS order (0 where missing). */
  betas: Float64Array;
  /** Factors without a beta. */
  missingBetas: RiskFactorKey[];
}

function sameBetas(a: PerFactor<number> | undefined, b: PerFactor<number> | undefined): boolean {
  if (a === b) return true;
  return RISK_FACTOR_KEYS.every((k) => a?.[k] === b?.[k]);
}

/** The symbol's figures on the day, cached in the day by symbol (recomputed when its returns or betas differ). */
export function computeHoldingRisk(day: RiskDay, symbol: string, data: SymbolRiskData): HoldingRisk {
  const hit = day.holdingCache.get(symbol);
  if (hit !== undefined && hit.data.returns === data.returns && hit.data.vol21History === data.vol21History && sameBetas(hit.data.betas, data.betas)) {
    return hit.risk;
  }
  const returns = data.returns ?? EMPTY_RETURNS;
  const window = denseWindow(returns, day.ordinal, RISK_LOOKBACK_DAYS);
  const betas = factorVector(data.betas);
  const missingBetas = RISK_FACTORS.filter((f) => !Number.isFinite(data.betas?.[f.key])).map((f) => f.key);
  const window90 = windowTail(window, CORRELATION_WINDOW);
  const risk: HoldingRisk = {
    symbol,
    volatility: computeVolatility(returns, day.date, data.vol21History ? { vol21History: data.vol21History } : {}),
    residual: residualVariance(RESIDUAL_WINDOW === CORRELATION_WINDOW ? window90 : windowTail(window, RESIDUAL_WINDOW), betas, day.panel),
    window,
    window90,
    betas,
    missingBetas,
  };
  day.holdingCache.set(symbol, { data, risk });
  return risk;
}

// ---------------------------------------------------------------------------------------------
// The portfolio

export interface PortfolioRiskInput {
  /** Net asset value at d (the snapshot's total value). */
  nav: number;
  /** Positions held at the close of d (merged by symbol here). */
  positions: readonly RiskPosition[];
  /** Per symbol of the positions: returns, betas at d, sector data. */
  symbols: Readonly<Record<string, SymbolRiskData>>;
  /** The portfolio's daily returns (flow-adjusted), covering RETURN_HISTORY_DAYS trading days up to d. */
  portfolioReturns: ReturnSeries;
  /** Stored 21-day volatilities of earlier days, used for the percentile instead of recomputing them. */
  portfolioVol21History?: readonly Vol21Point[];
}

/** Why a holding is left out of some figures, or what was assumed for it. */
export type RiskNoteCode =
  | 'private_excluded'
  | 'unpriced'
  | 'no_returns'
  | 'diversification_excluded'
  | 'missing_betas'
  | 'no_residual_variance';

export interface RiskNote {
  symbol: string;
  code: RiskNoteCode;
  message: string;
}

type Cap<S extends string> = Capitalize<S>;
export type ContributionKey = `contribution${Cap<RiskFactorKey>}`;

/** The numeric figures of the daily summary (one stored column each). */
export const SUMMARY_FIGURES = RISK_SUMMARY_FIGURES;
export type SummaryFigure = RiskSummaryFigure;

/** A portfolio's risk on one day as one storable row: every figure a number or null, with the reasons for the nulls. */
export type PortfolioRiskSummary = Record<SummaryFigure, number | null> &
  RiskSummaryCounts & {
    date: IsoDate;
    /** Holdings left out of figures or assumptions made, per symbol. */
    notes: RiskNote[];
    /** For every null figure: why. */
    unavailable: Partial<Record<SummaryFigure, Unavailable>>;
  };

type SectorShare = 'netShareOfNav' | 'grossShareOfNav';
/** A SectorExposure as a storable row. */
export type SectorRow = Omit<SectorExposure, SectorShare> & Record<SectorShare, number | null> & { unavailable: Partial<Record<SectorShare, Unavailable>> };

export interface StressRow {
  scenarioId: string;
  scenarioName: string;
  direct: number | null;
  correlated: number | null;
  difference: number | null;
  directShareOfNav: number | null;
  correlatedShareOfNav: number | null;
  /** Σ_ss was singular and its pseudo-inverse was used for the implied moves. */
  pseudoInverse: boolean;
  /** Factors whose implied move was capped at ±100 %. */
  capped: RiskFactorKey[];
  unavailable: Partial<Record<'direct' | 'correlated' | 'difference' | 'directShareOfNav' | 'correlatedShareOfNav', Unavailable>>;
}

export interface HoldingRow {
  symbol: string;
  investmentClass: InvestmentClass;
  /** Merged signed market value; null when unpriced. */
  marketValue: number | null;
  sector: Sector;
  /** 'included' in every figure; PRIVATE holdings only in concentration and sectors; unpriced in none. */
  status: 'included' | 'private' | 'unpriced';
  /** The symbol's volatility figures (null for PRIVATE and unpriced holdings). */
  volatility: Record<'vol21' | 'vol63' | 'vol252' | 'ewma' | 'trend' | 'percentile', number | null> | null;
}

export interface PortfolioRiskResult {
  summary: PortfolioRiskSummary;
  sectors: SectorRow[];
  stress: StressRow[];
  holdings: HoldingRow[];
  /** b_f = Σ_i β_{i,f} MV_i over the included holdings, dollars. */
  factorExposures: Record<RiskFactorKey, number>;
}

/** Splits figures into stored values and the reasons for the nulls. */
export function flattenFigures<K extends string>(figures: Record<K, Figure>): { values: Record<K, number | null>; unavailable: Partial<Record<K, Unavailable>> } {
  const values = {} as Record<K, number | null>;
  const unavailable: Partial<Record<K, Unavailable>> = {};
  for (const key of Object.keys(figures) as K[]) {
    const f = figures[key];
    values[key] = f.value;
    if (f.value === null) unavailable[key] = f.unavailable;
  }
  return { values, unavailable };
}

function sectorOfData(data: SymbolRiskData | undefined): Sector {
  if (data?.sector !== undefined && data.sector !== null && isSector(data.sector)) return data.sector;
  return sectorOf({ type: data?.type ?? null, sicCode: data?.sicCode ?? null });
}

function volatilityRow(v: VolatilityFigures): NonNullable<HoldingRow['volatility']> {
  return { vol21: v.vol21.value, vol63: v.vol63.value, vol252: v.vol252.value, ewma: v.ewma.value, trend: v.trend.value, percentile: v.percentile.value };
}

/** The state shared by the summary and the matrices of one portfolio-day. */
interface Assembled {
  included: { symbol: string; marketValue: number; risk: HoldingRisk }[];
  correlations: CorrelationMatrix;
  b: Float64Array;
  result: PortfolioRiskResult;
}

function assemble(day: RiskDay, input: PortfolioRiskInput): Assembled {
  if (!Number.isFinite(input.nav)) throw new RangeError(`computePortfolioRisk: nav ${String(input.nav)} is not a finite number`);
  const nav = input.nav;
  const merged = mergeHoldings(input.positions);
  const notes: RiskNote[] = [];
  const holdings: HoldingRow[] = [];
  const included: Assembled['included'] = [];

  for (const symbol of merged.unpriced) {
    notes.push({ symbol, code: 'unpriced', message: `${symbol} has no price on ${day.date}: its value is unknown, so it is in no figure` });
    holdings.push({ symbol, investmentClass: input.positions.find((p) => p.symbol === symbol)!.investmentClass, marketValue: null, sector: sectorOfData(input.symbols[symbol]), status: 'unpriced', volatility: null });
  }
  for (const h of merged.priced) {
    const data = input.symbols[h.symbol];
    const sector = sectorOfData(data);
    if (h.investmentClass === 'PRIVATE') {
      notes.push({ symbol: h.symbol, code: 'private_excluded', message: `${h.symbol} is PRIVATE (no market returns): counted in NAV, concentration and sectors, excluded from volatility, correlations, VaR and factor risk` });
      holdings.push({ symbol: h.symbol, investmentClass: h.investmentClass, marketValue: h.marketValue, sector, status: 'private', volatility: null });
      continue;
    }
    const risk = computeHoldingRisk(day, h.symbol, data ?? {});
    included.push({ symbol: h.symbol, marketValue: h.marketValue, risk });
    holdings.push({ symbol: h.symbol, investmentClass: h.investmentClass, marketValue: h.marketValue, sector, status: 'included', volatility: volatilityRow(risk.volatility) });
    if (risk.window.count === 0) notes.push({ symbol: h.symbol, code: 'no_returns', message: `${h.symbol} has no return in the ${RISK_LOOKBACK_DAYS} trading days to ${day.date}: its P&L counts as 0 in the historical VaR` });
    if (risk.missingBetas.length > 0) notes.push({ symbol: h.symbol, code: 'missing_betas', message: `${h.symbol} has no beta on ${day.date} for ${risk.missingBetas.join(', ')}: counted as 0 in its exposures and residual` });
  }

  // Concentration and sectors: every priced holding.
  const conc = concentration(merged.priced.map((h) => h.marketValue));
  const sectorRows = sectorExposures(
    holdings.filter((h) => h.marketValue !== null).map((h) => ({ marketValue: h.marketValue!, sector: h.sector })),
    nav,
  ).map((r): SectorRow => {
    const f = flattenFigures({ netShareOfNav: r.netShareOfNav, grossShareOfNav: r.grossShareOfNav });
    return { sector: r.sector, holdings: r.holdings, long: r.long, short: r.short, net: r.net, gross: r.gross, ...f.values, unavailable: f.unavailable };
  });

  // Portfolio volatility.
  const vol = computeVolatility(input.portfolioReturns, day.date, input.portfolioVol21History ? { vol21History: input.portfolioVol21History } : {});

  // Correlations over 90 days.
  const symbols = included.map((h) => h.symbol);
  const mvs = included.map((h) => h.marketValue);
  const w90 = included.map((h) => h.risk.window90);
  const correlations = pairwiseCorrelations(symbols, w90);
  const avgCorr = weightedAverageCorrelation(correlations, mvs);
  const div = diversificationRatio(symbols, w90, mvs);
  for (const s of div.excluded) {
    notes.push({ symbol: s, code: 'diversification_excluded', message: `${s} has fewer than 30 returns in the ${CORRELATION_WINDOW} trading days to ${day.date}: left out of the diversification ratio` });
  }
  let pairs = 0;
  for (let i = 0; i < symbols.length; i++) for (let j = i + 1; j < symbols.length; j++) if (correlations.values[i]![j] !== null) pairs++;

  // Factor risk.
  const b = new Float64Array(FACTOR_COUNT);
  let idio = 0;
  let withResidual = 0;
  let overflow: Figure | undefined;
  for (const h of included) {
    for (let j = 0; j < FACTOR_COUNT; j++) b[j] = b[j]! + h.risk.betas[j]! * h.marketValue;
    const s2 = h.risk.residual.variance;
    if (s2.value === null) {
      // A holding short of residual days is left out (and listed); an overflow makes the sum unknown.
      if (s2.unavailable.reason === 'not_finite') overflow ??= missing('not_finite', `idiosyncratic variance: ${h.symbol}'s ${s2.unavailable.message}`);
      notes.push({ symbol: h.symbol, code: 'no_residual_variance', message: `${h.symbol}: ${s2.unavailable.message}; left out of the idiosyncratic variance` });
      continue;
    }
    idio += h.marketValue * h.marketValue * s2.value;
    withResidual++;
  }
  let idioFigure: Figure;
  if (overflow !== undefined) idioFigure = overflow;
  else if (included.length > 0 && withResidual === 0) {
    idioFigure = missing(
      'insufficient_observations',
      `idiosyncratic variance: none of the ${included.length} holdings has 30 days with a residual in the ${RESIDUAL_WINDOW} trading days to ${day.date}`,
    );
  } else idioFigure = figure(idio, 'idiosyncratic variance');
  const fr = factorRiskFigures(b, day.covariance, idioFigure);

  // VaR and ES.
  const hist = historicalVarEs(included.map((h) => h.risk.window), mvs);
  const sigma1: Figure = fr.totalVariance.value === null ? fr.totalVariance : figure(Math.sqrt(fr.totalVariance.value), 'one-day standard deviation');
  const param = parametricVarEs(sigma1);

  // Stress.
  const stress = day.scenarios.map((moves): StressRow => {
    const r = stressPnl(b, moves, nav);
    const f = flattenFigures({
      direct: r.direct,
      correlated: r.correlated,
      difference: r.difference,
      directShareOfNav: r.directShareOfNav,
      correlatedShareOfNav: r.correlatedShareOfNav,
    });
    return { scenarioId: moves.scenario.id, scenarioName: moves.scenario.name, ...f.values, pseudoInverse: r.pseudoInverse, capped: r.capped, unavailable: f.unavailable };
  });

  const contributions = Object.fromEntries(
    RISK_FACTOR_KEYS.map((k) => [`contribution${k[0]!.toUpperCase()}${k.slice(1)}`, fr.contributions[k]]),
  ) as Record<ContributionKey, Figure>;
  const figures: Record<SummaryFigure, Figure> = {
    volatility21d: vol.vol21,
    volatility63d: vol.vol63,
    volatility252d: vol.vol252,
    volatilityEwma: vol.ewma,
    volatilityTrend: vol.trend,
    volatilityPercentile: vol.percentile,
    averageCorrelation: avgCorr,
    diversificationRatio: div.ratio,
    hhi: conc.hhi,
    effectiveHoldings: conc.effectiveHoldings,
    top3Share: conc.top3Share,
    top10Share: conc.top10Share,
    factorVariance: fr.factorVariance,
    idiosyncraticVariance: fr.idiosyncraticVariance,
    totalVariance: fr.totalVariance,
    factorShare: fr.factorShare,
    factorRisk: fr.factorRisk,
    idiosyncraticRisk: fr.idiosyncraticRisk,
    totalRisk: fr.totalRisk,
    totalRiskShareOfNav: shareOfNav(fr.totalRisk, nav, 'total risk'),
    ...contributions,
    historicalVar95: hist.var95,
    historicalVar99: hist.var99,
    historicalEs95: hist.es95,
    historicalEs99: hist.es99,
    parametricVar95: param.var95,
    parametricVar99: param.var99,
    parametricEs95: param.es95,
    parametricEs99: param.es99,
    historicalVar95ShareOfNav: shareOfNav(hist.var95, nav, 'historical VaR 95 %'),
    historicalVar99ShareOfNav: shareOfNav(hist.var99, nav, 'historical VaR 99 %'),
    historicalEs95ShareOfNav: shareOfNav(hist.es95, nav, 'historical ES 95 %'),
    historicalEs99ShareOfNav: shareOfNav(hist.es99, nav, 'historical ES 99 %'),
    parametricVar95ShareOfNav: shareOfNav(param.var95, nav, 'parametric VaR 95 %'),
    parametricVar99ShareOfNav: shareOfNav(param.var99, nav, 'parametric VaR 99 %'),
    parametricEs95ShareOfNav: shareOfNav(param.es95, nav, 'parametric ES 95 %'),
    parametricEs99ShareOfNav: shareOfNav(param.es99, nav, 'parametric ES 99 %'),
  };
  const flat = flattenFigures(figures);
  const privateHoldings = merged.priced.filter((h) => h.investmentClass === 'PRIVATE').length;
  if (!Number.isFinite(conc.grossValue)) throw new RangeError('computePortfolioRisk: the sum of the market values is not finite');
  const summary: PortfolioRiskSummary = {
    date: day.date,
    nav,
    grossValue: conc.grossValue,
    holdings: merged.priced.length,
    publicHoldings: merged.priced.length - privateHoldings,
    privateHoldings,
    unpricedHoldings: merged.unpriced.length,
    ...flat.values,
    correlationPairs: pairs,
    diversificationDays: div.days,
    varDays: hist.days,
    covarianceObservations: day.covariance.observations,
    covarianceRank: day.covariance.rank,
    covarianceRepaired: day.covariance.repaired,
    notes,
    unavailable: flat.unavailable,
  };
  const factorExposures = Object.fromEntries(RISK_FACTOR_KEYS.map((k, j) => [k, b[j]!])) as Record<RiskFactorKey, number>;
  return { included, correlations, b, result: { summary, sectors: sectorRows, stress, holdings, factorExposures } };
}

/**
 * Every daily risk figure of a portfolio on the day: the summary row, one row per sector held and
 * one per scenario. Throws a RangeError for malformed input (naming the field); a figure whose
 * minimum is not met is null with its reason in `summary.unavailable` and never NaN.
 */
export function computePortfolioRisk(day: RiskDay, input: PortfolioRiskInput): PortfolioRiskResult {
  return assemble(day, input).result;
}

/** A factor's move under a scenario and the portfolio's P&L from it. */
export interface StressFactorMove {
  factor: RiskFactorKey;
  shocked: boolean;
  /** The scenario's move (rates converted to a return); 0 for an unshocked factor. */
  direct: number;
  /** The move with implied moves for the unshocked factors; null when the covariance is unavailable. */
  correlated: number | null;
  capped: boolean;
  /** b_f × move. */
  directPnl: number;
  correlatedPnl: number | null;
}

export interface RiskMatrices {
  date: IsoDate;
  /** Pairwise correlations of the included holdings over 90 trading days. */
  correlations: CorrelationMatrix;
  factorCovariance: {
    factors: readonly RiskFactorKey[];
    /** Daily return units, RISK_FACTORS order; null when unavailable. */
    matrix: number[][] | null;
    observations: number;
    rank: number | null;
    minEigenvalue: number | null;
    maxEigenvalue: number | null;
    repaired: boolean;
    unavailable: Unavailable | null;
  };
  stress: { scenarioId: string; pseudoInverse: boolean; moves: StressFactorMove[] }[];
}

/** The day's matrices for a portfolio (stored for the latest date; computed on request for others). */
export function computeRiskMatrices(day: RiskDay, input: PortfolioRiskInput): RiskMatrices {
  return matricesOf(day, assemble(day, input));
}

/** computePortfolioRisk and computeRiskMatrices in one pass (the latest date of a run). */
export function computePortfolioRiskWithMatrices(day: RiskDay, input: PortfolioRiskInput): PortfolioRiskResult & { matrices: RiskMatrices } {
  const assembled = assemble(day, input);
  return { ...assembled.result, matrices: matricesOf(day, assembled) };
}

function matricesOf(day: RiskDay, { correlations, b }: Assembled): RiskMatrices {
  const cov = day.covariance;
  const matrix = cov.matrix === null ? null : Array.from({ length: FACTOR_COUNT }, (_, i) => Array.from(cov.matrix!.subarray(i * FACTOR_COUNT, (i + 1) * FACTOR_COUNT)));
  return {
    date: day.date,
    correlations,
    factorCovariance: {
      factors: cov.factors,
      matrix,
      observations: cov.observations,
      rank: cov.rank,
      minEigenvalue: cov.minEigenvalue,
      maxEigenvalue: cov.maxEigenvalue,
      repaired: cov.repaired,
      unavailable: cov.unavailable,
    },
    stress: day.scenarios.map((m) => ({
      scenarioId: m.scenario.id,
      pseudoInverse: m.pseudoInverse,
      moves: RISK_FACTORS.map((f, j): StressFactorMove => {
        const correlated = m.correlated === null ? null : m.correlated[j]!;
        return {
          factor: f.key,
          shocked: m.shocked[j] === 1,
          direct: m.direct[j]!,
          correlated,
          capped: m.capped.includes(f.key),
          directPnl: b[j]! * m.direct[j]!,
          correlatedPnl: correlated === null ? null : b[j]! * correlated,
        };
      }),
    })),
  };
}
