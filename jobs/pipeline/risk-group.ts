/**
 * The risk figures of a group of portfolios (docs/risk.md) in one transaction under their locks:
 * each portfolio's risk watermark (days with a snapshot but no risk summary, or a summary older than
 * its snapshot), the inputs read once for the group, every missing day computed, the rows written
 * with upserts on their natural keys. The matrices are written for each portfolio's latest day.
 */
import { TickerChangeModel } from '../../db/models/ticker-change.model.js';
import { continuousActions, continuousCloses, successorsBeyond } from '../calc/ticker-continuity.js';
import type { IsoDate } from '../../core/dates.js';
import type { PortfolioFailure } from '../../core/runs.js';
import type { Db } from '../../db/models/base.model.js';
import {
  CorrelationCalculationModel,
  FactorCovarianceModel,
  PortfolioRiskSummaryModel,
  PortfolioSectorExposureModel,
  StressTestResultModel,
  type CorrelationRecord,
  type FactorCovarianceRecord,
  type RiskSummaryWrite,
  type SectorExposureRecord,
  type StressResultRecord,
} from '../../db/models/portfolio-risk.model.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import { PositionModel, type HeldPosition } from '../../db/models/position.model.js';
import { scenariosOfPortfolios } from '../../db/models/risk-scenario.model.js';
import { SymbolFactorExposureModel } from '../../db/models/symbol-factor-exposure.model.js';
import { SymbolProfileModel, type ProfileView } from '../../db/models/symbol-profile.model.js';
import { dailyTotalReturns, type CorporateActions } from '../calc/corporate-actions.js';
import { FACTOR_PROXIES } from '../calc/factors.js';
import { computePortfolioDays } from '../calc/portfolio-day.js';
import {
  computePortfolioRisk,
  computePortfolioRiskWithMatrices,
  isSector,
  prepareRiskDay,
  RETURN_HISTORY_DAYS,
  RISK_FACTORS,
  toReturnSeries,
  type PerFactor,
  type PortfolioRiskResult,
  type ReturnSeries,
  type RiskDay,
  type RiskMatrices,
  type RiskPosition,
  type StressScenario,
  type SymbolRiskData,
} from '../calc/risk/index.js';
import { addTradingDays, countTradingDays, CALENDAR_MIN_DATE, tradingDaysBetween } from '../calc/trading-calendar.js';
import type { Bar } from '../calc/types.js';
import { loadCorporateActions } from '../market-data/corporate-actions.js';
import { closesFrom, type RunPrices } from './run-memory.js';

/** Portfolios per risk transaction. */
export const RISK_GROUP_SIZE = 25;

/** What one group wrote. */
export interface RiskGroupResult {
  /** Portfolio-days computed. */
  days: number;
  /** Rows written (summaries, sectors, stress, matrices). */
  rows: number;
  failed: PortfolioFailure[];
}

/** Day models shared by the groups of one job: by date and the owner's scenarios. */
export type RiskDayCache = Map<string, RiskDay>;

/**
 * What the groups of one run share in a process: the day models, and the days whose factor
 * covariance (the same for every portfolio) this process has already written in the run, so that
 * later groups do not rewrite, and wait on the lock of, the one row every group of the day shares.
 */
export interface RiskRunCache {
  days: RiskDayCache;
  covariancesWritten: Set<IsoDate>;
}

/**
 * Day models a cache keeps (the oldest added is dropped first): each holds the figures of every
 * symbol computed that day, a few kB per symbol, so a backfill over a year of days must not keep them all.
 */
export const MAX_CACHED_RISK_DAYS = 40;

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function lookback(d: IsoDate, n: number): IsoDate {
  return addTradingDays(d, -Math.min(n, countTradingDays(CALENDAR_MIN_DATE, d) - 1));
}

/**
 * Daily total returns of a symbol's split-adjusted, dividend-reinvested closes. Each day's return
 * comes from its own two bars, so a day recomputed from a shorter history gets the same figures.
 */
function returnsOf(closes: readonly Bar[], actions: CorporateActions, label: string): ReturnSeries {
  return toReturnSeries(
    dailyTotalReturns({ closes, actions }).filter((p) => Number.isFinite(p.value)),
    label,
  );
}

/**
 * The eight factors' returns on the series the betas are estimated on: the market and rates
 * proxies' own returns, each style proxy's return in excess of the market's.
 */
function factorReturnsOf(proxy: Map<string, ReturnSeries>): PerFactor<ReturnSeries> {
  const spy = proxy.get('SPY');
  const byDate = (s: ReturnSeries | undefined): Map<IsoDate, number> => new Map((s?.dates ?? []).map((d, i) => [d, s!.values[i]!]));
  const market = byDate(spy);
  const excess = (etf: string): ReturnSeries => {
    const own = proxy.get(etf);
    const pts: { date: IsoDate; value: number }[] = [];
    own?.dates.forEach((d, i) => {
      const m = market.get(d);
      if (m !== undefined) pts.push({ date: d, value: own.values[i]! - m });
    });
    return toReturnSeries(pts, `${etf} excess returns`);
  };
  const empty = toReturnSeries([]);
  return {
    market: spy ?? empty,
    rates: proxy.get('TLT') ?? empty,
    value: excess('VTV'),
    growth: excess('VUG'),
    momentum: excess('MTUM'),
    quality: excess('QUAL'),
    size: excess('IWM'),
    lowVolatility: excess('USMV'),
  };
}

/** The inputs a group reads: prices, corporate actions, betas and profiles of its symbols. */
export interface GroupInputs {
  returns: Map<string, ReturnSeries>;
  factorReturns: PerFactor<ReturnSeries>;
  histories: Record<string, { closes: Bar[]; actions: CorporateActions }>;
  betas: Map<string, Map<string, number>>;
  profiles: Map<string, ProfileView>;
}

/** Inputs read once for several groups (a chunk): they cover `symbols` from `first` to `target`. */
export interface SharedRiskInputs {
  symbols: ReadonlySet<string>;
  first: IsoDate;
  target: IsoDate;
  data: GroupInputs;
}

/**
 * Reads the inputs of the symbols for risk days from `first` to `target`, for several groups to
 * share; closes and corporate actions the run already holds (`prices`) are taken from there.
 */
export async function loadSharedRiskInputs(db: Db, symbols: readonly string[], first: IsoDate, target: IsoDate, prices?: RunPrices): Promise<SharedRiskInputs> {
  return { symbols: new Set(symbols), first, target, data: await loadInputs(db, symbols, first, target, prices) };
}

async function loadInputs(db: Db, symbols: readonly string[], first: IsoDate, target: IsoDate, prices?: RunPrices): Promise<GroupInputs> {
  const all = [...new Set([...symbols, ...FACTOR_PROXIES])].sort();
  const from = lookback(first, RETURN_HISTORY_DAYS + 30);
  const held = prices !== undefined && all.every((s) => prices.symbols.has(s));
  // One after the other: `db` may be a transaction, whose single connection runs one query at a time.
  // A renamed symbol's returns continue with its new ticker's (the run's prices carry its changes;
  // read alone, one query checks for them).
  const changes = held ? prices.tickerChanges : await TickerChangeModel.continuationsOf(db, symbols);
  const next = successorsBeyond(symbols, changes, new Set(all));
  const withNext = [...all, ...next];
  const closes = continuousCloses(await closesFrom(db, prices, withNext, from, target), changes);
  const actions = continuousActions(held && next.every((s) => prices.symbols.has(s)) ? prices.actions : await loadCorporateActions(db, withNext, from), changes);
  const betas = await SymbolFactorExposureModel.betasOf(db, symbols, first, target);
  const profiles = await SymbolProfileModel.bySymbols(db, symbols);
  const returns = new Map<string, ReturnSeries>();
  const histories: GroupInputs['histories'] = {};
  for (const s of all) {
    const c = closes.get(s) ?? [];
    const a = actions.get(s)!;
    histories[s] = { closes: c, actions: a };
    returns.set(s, returnsOf(c, a, `${s} returns`));
  }
  const factorReturns = factorReturnsOf(new Map(FACTOR_PROXIES.map((p) => [p, returns.get(p)!])));
  return { returns, factorReturns, histories, betas, profiles };
}

/** The day model for the date and the owner's scenarios, prepared once per job. */
function dayFor(cache: RiskDayCache, inputs: GroupInputs, date: IsoDate, owner: { userId: string; scenarios: StressScenario[] } | undefined): RiskDay {
  const key = owner === undefined ? date : `${date}|${owner.userId}|${owner.scenarios.map((s) => s.id).join(',')}`;
  let day = cache.get(key);
  if (day === undefined) {
    day = prepareRiskDay({ date, factorReturns: inputs.factorReturns, scenarios: owner?.scenarios ?? [] });
    cache.set(key, day);
    if (cache.size > MAX_CACHED_RISK_DAYS) cache.delete(cache.keys().next().value!);
  }
  return day;
}

/** What one portfolio's days produce. */
interface PortfolioRows {
  summaries: RiskSummaryWrite[];
  sectors: SectorExposureRecord[];
  stress: StressResultRecord[];
  matrices: CorrelationRecord | null;
  covariances: FactorCovarianceRecord[];
}

function symbolData(inputs: GroupInputs, symbol: string, date: IsoDate): SymbolRiskData {
  const betas: PerFactor<number> = {};
  const stored = inputs.betas.get(symbol);
  for (const f of RISK_FACTORS) {
    const v = stored?.get(`${f.name}|${date}`);
    if (v !== undefined) betas[f.key] = v;
  }
  const profile = inputs.profiles.get(symbol);
  return {
    returns: inputs.returns.get(symbol),
    betas,
    sicCode: profile?.sicCode ?? null,
    type: profile?.type ?? null,
    // A stored sector other than 'Unknown' wins; else the SIC code and type decide.
    sector: profile && profile.sector !== 'Unknown' && isSector(profile.sector) ? profile.sector : null,
  };
}

export function matricesRecord(portfolioId: string, m: RiskMatrices): CorrelationRecord {
  return {
    portfolioId,
    date: m.date,
    symbols: m.correlations.symbols,
    correlations: m.correlations.values,
    observations: m.correlations.observations,
    unavailable: m.correlations.unavailable,
    stressMoves: m.stress,
  };
}

export function covarianceRecord(m: RiskMatrices): FactorCovarianceRecord {
  const c = m.factorCovariance;
  return { date: m.date, factors: [...c.factors], matrix: c.matrix, observations: c.observations, rank: c.rank, minEigenvalue: c.minEigenvalue, maxEigenvalue: c.maxEigenvalue, repaired: c.repaired, unavailable: c.unavailable };
}

/** Risk rows of one portfolio's result on a day. */
function rowsOf(portfolioId: string, r: PortfolioRiskResult, runId: string | null): Pick<PortfolioRows, 'summaries' | 'sectors' | 'stress'> {
  const s = r.summary;
  const { date, ...rest } = s;
  return {
    summaries: [{ ...rest, portfolioId, date, factorExposures: r.factorExposures, runId }],
    sectors: r.sectors.map((x) => ({ portfolioId, date, sector: x.sector, holdings: x.holdings, long: x.long, short: x.short, net: x.net, gross: x.gross, netShareOfNav: x.netShareOfNav, grossShareOfNav: x.grossShareOfNav, unavailable: x.unavailable })),
    stress: r.stress.map((x) => ({ portfolioId, date, ...x })),
  };
}

/** The positions' signed market values on each of `dates` (consecutive from dates[0]), as the snapshots value them. */
function marketValues(positions: readonly HeldPosition[], dates: readonly IsoDate[], inputs: GroupInputs): Map<IsoDate, RiskPosition[]> {
  const out = new Map<IsoDate, RiskPosition[]>();
  if (dates.length === 0) return out;
  const days = tradingDaysBetween(dates[0]!, dates[dates.length - 1]!);
  const histories: GroupInputs['histories'] = {};
  for (const p of positions) histories[p.symbol] = inputs.histories[p.symbol] ?? { closes: [], actions: { splits: [], dividends: [] } };
  const results = computePortfolioDays({ portfolio: { equityBalance: 0 }, positions: [...positions], dates: days, prior: null, histories, betas: () => undefined });
  const wanted = new Set(dates);
  const classOf = new Map(positions.map((p) => [p.id, p.investmentClass]));
  for (const r of results) {
    if (!wanted.has(r.date)) continue;
    out.set(
      r.date,
      r.positions
        .filter((p) => !(p.realised && p.marketValue === 0))
        .map((p) => ({ id: p.positionId, symbol: p.symbol, marketValue: p.marketValue, investmentClass: classOf.get(p.positionId) ?? 'PUBLIC' })),
    );
  }
  return out;
}

/** Every missing day of one portfolio (pure once the inputs are read). */
function computePortfolio(
  portfolioId: string,
  dates: readonly IsoDate[],
  positions: readonly HeldPosition[],
  snapshots: readonly { date: IsoDate; totalValue: number; dailyReturn: number }[],
  latest: IsoDate,
  inputs: GroupInputs,
  cache: RiskDayCache,
  owner: { userId: string; scenarios: StressScenario[] } | undefined,
  runId: string | null,
): PortfolioRows {
  const out: PortfolioRows = { summaries: [], sectors: [], stress: [], matrices: null, covariances: [] };
  const navOf = new Map(snapshots.map((s) => [s.date, s.totalValue]));
  const portfolioReturns = toReturnSeries(
    snapshots.map((s) => ({ date: s.date, value: s.dailyReturn })),
    `portfolio ${portfolioId} daily returns`,
  );
  const values = marketValues(positions, dates, inputs);
  for (const date of dates) {
    const day = dayFor(cache, inputs, date, owner);
    const held = values.get(date) ?? [];
    const symbols: Record<string, SymbolRiskData> = {};
    for (const p of held) symbols[p.symbol] ??= symbolData(inputs, p.symbol, date);
    const input = { nav: navOf.get(date) ?? 0, positions: held, symbols, portfolioReturns };
    if (date === latest) {
      const r = computePortfolioRiskWithMatrices(day, input);
      const rows = rowsOf(portfolioId, r, runId);
      out.summaries.push(...rows.summaries);
      out.sectors.push(...rows.sectors);
      out.stress.push(...rows.stress);
      out.matrices = matricesRecord(portfolioId, r.matrices);
      out.covariances.push(covarianceRecord(r.matrices));
    } else {
      const rows = rowsOf(portfolioId, computePortfolioRisk(day, input), runId);
      out.summaries.push(...rows.summaries);
      out.sectors.push(...rows.sectors);
      out.stress.push(...rows.stress);
    }
  }
  return out;
}

/**
 * Computes and writes the missing risk days of the portfolios (ids) up to `target`, in one
 * transaction under their locks. Portfolios that are not live, or have nothing missing, write
 * nothing. A portfolio whose computation throws is reported and left out; the others are written.
 */
export async function computeRiskGroup(
  db: Db,
  portfolioIds: readonly string[],
  target: IsoDate,
  runId: string | null,
  run: RiskRunCache = { days: new Map(), covariancesWritten: new Set() },
  shared?: SharedRiskInputs,
): Promise<RiskGroupResult> {
  if (portfolioIds.length === 0) return { days: 0, rows: 0, failed: [] };
  const cache = run.days;
  let covariancesWritten: IsoDate[] = [];
  const result = await db.transaction(async (trx): Promise<RiskGroupResult> => {
    await PortfolioModel.lockForWrite(trx, portfolioIds);
    const scoped = await PortfolioModel.inScope(trx, null, portfolioIds);
    const backlog = await PortfolioRiskSummaryModel.backlog(trx, scoped, target);
    const todo = scoped.filter((p) => (backlog.get(p.id)?.length ?? 0) > 0);
    if (todo.length === 0) return { days: 0, rows: 0, failed: [] };
    const ids = todo.map((p) => p.id);
    const first = todo.reduce<IsoDate>((m, p) => (backlog.get(p.id)![0]! < m ? backlog.get(p.id)![0]! : m), target);
    // Sequential: a transaction's connection runs one query at a time.
    const positions = await PositionModel.liveOf(trx, ids);
    const owners = await scenariosOfPortfolios(trx, ids);
    const series = await PortfolioRiskSummaryModel.snapshotSeries(trx, ids, lookback(first, RETURN_HISTORY_DAYS), target);
    const symbols = [...new Set([...positions.values()].flat().map((p) => p.symbol))].sort();
    const covered = shared !== undefined && shared.target === target && shared.first <= first && symbols.every((s) => shared.symbols.has(s));
    const inputs = covered ? shared.data : await loadInputs(trx, symbols, first, target);

    const failed: PortfolioFailure[] = [];
    const rows: PortfolioRows[] = [];
    let days = 0;
    for (const p of todo) {
      const dates = backlog.get(p.id)!;
      const snaps = series.get(p.id) ?? [];
      const latest = snaps.length > 0 ? snaps[snaps.length - 1]!.date : target;
      const owner = owners.get(p.id);
      try {
        rows.push(
          computePortfolio(p.id, dates, positions.get(p.id) ?? [], snaps, latest, inputs, cache, owner && { userId: owner.userId, scenarios: owner.scenarios }, runId),
        );
        days += dates.length;
      } catch (err) {
        failed.push({ portfolioId: p.id, error: `risk: ${errorMessage(err)}` });
      }
    }
    const summaries = rows.flatMap((r) => r.summaries);
    const written = summaries.map((s) => ({ portfolioId: s.portfolioId, date: s.date }));
    let n = await PortfolioRiskSummaryModel.upsertMany(trx, summaries);
    n += await PortfolioSectorExposureModel.replaceDays(trx, written, rows.flatMap((r) => r.sectors));
    n += await StressTestResultModel.replaceDays(trx, written, rows.flatMap((r) => r.stress));
    n += await CorrelationCalculationModel.upsertLatest(trx, rows.flatMap((r) => (r.matrices ? [r.matrices] : [])));
    // Shared by every portfolio: written once per day and process in a run, rows locked in date order
    // (concurrent groups wait on each other but never deadlock).
    const covariances = new Map(rows.flatMap((r) => r.covariances).filter((c) => !run.covariancesWritten.has(c.date)).map((c) => [c.date, c]));
    const sorted = [...covariances.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    await FactorCovarianceModel.upsertMany(trx, sorted);
    covariancesWritten = sorted.map((c) => c.date);
    return { days, rows: n, failed };
  });
  // Only once the transaction has committed.
  for (const d of covariancesWritten) run.covariancesWritten.add(d);
  return result;
}

/** A portfolio-day's figures and matrices computed from stored data without writing (for dates whose matrices are not stored). */
export interface RiskOnRequest {
  result: PortfolioRiskResult;
  matrices: RiskMatrices;
}

/**
 * Computes one portfolio-day's risk from stored snapshots, prices, betas and profiles, the same way
 * the phase does, and writes nothing. Undefined when the portfolio has no snapshot on `date`.
 */
export async function computeRiskOnRequest(db: Db, portfolioId: string, date: IsoDate): Promise<RiskOnRequest | undefined> {
  const [scoped] = await PortfolioModel.inScope(db, portfolioId);
  if (scoped === undefined) return undefined;
  const [positions, owners, series] = await Promise.all([
    PositionModel.liveOf(db, [portfolioId]),
    scenariosOfPortfolios(db, [portfolioId]),
    PortfolioRiskSummaryModel.snapshotSeries(db, [portfolioId], lookback(date, RETURN_HISTORY_DAYS), date),
  ]);
  const snaps = series.get(portfolioId) ?? [];
  if (snaps.length === 0 || snaps[snaps.length - 1]!.date !== date) return undefined;
  const held = positions.get(portfolioId) ?? [];
  const inputs = await loadInputs(db, [...new Set(held.map((p) => p.symbol))].sort(), date, date);
  const owner = owners.get(portfolioId);
  const day = dayFor(new Map(), inputs, date, owner);
  const values = marketValues(held, [date], inputs).get(date) ?? [];
  const symbols: Record<string, SymbolRiskData> = {};
  for (const p of values) symbols[p.symbol] ??= symbolData(inputs, p.symbol, date);
  const portfolioReturns = toReturnSeries(snaps.map((s) => ({ date: s.date, value: s.dailyReturn })));
  const r = computePortfolioRiskWithMatrices(day, { nav: snaps[snaps.length - 1]!.totalValue, positions: values, symbols, portfolioReturns });
  const { matrices, ...result } = r;
  return { result, matrices };
}
