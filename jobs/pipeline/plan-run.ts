import type { Db } from '../../db/models/base.model.js';
import { PortfolioModel, type ScopedPortfolio } from '../../db/models/portfolio.model.js';
import { PositionModel, type HeldPosition } from '../../db/models/position.model.js';
import { FACTOR_PROXIES, MAX_FACTOR_WINDOW } from '../calc/factors.js';
import { CALENDAR_MIN_DATE, addTradingDays, countTradingDays, tradingDayOnOrAfter, tradingDaysBetween } from '../calc/trading-calendar.js';
import type { IsoDate } from '../../core/dates.js';
import { CashFlowModel } from '../../db/models/cash-flow.model.js';
import { TradeModel } from '../../db/models/trade.model.js';
import { TickerChangeModel } from '../../db/models/ticker-change.model.js';
import { successorsBeyond, type TickerChange } from '../calc/ticker-continuity.js';
import type { DatedAmount } from '../calc/portfolio-day.js';
import { watermarks, type Watermark } from './watermark.js';

/** Trading days of price history before the first calculation date: the longest beta window plus the return that opens it. */
export const LOOKBACK_TRADING_DAYS = MAX_FACTOR_WINDOW + 1;
/** History before the target date that the 12-month return needs (a year of trading days plus slack for holidays). */
export const METRICS_LOOKBACK_TRADING_DAYS = 262;

export interface PortfolioPlan {
  id: string;
  equityBalance: number;
  inception: IsoDate;
  /** First date to (re)compute: its first missing date, or `from` when forced. */
  firstDate: IsoDate;
  /** Every trading day from firstDate to the target: the roll-forward recomputes everything after a gap. */
  dates: IsoDate[];
  positions: HeldPosition[];
  /** The portfolio's change version when the plan read its positions (docs/lifecycle.md). */
  changeVersion?: number;
  /** Fees of its trades and its capital flows, booked by the roll-forward. */
  fees?: DatedAmount[];
  cashFlows?: DatedAmount[];
}

export interface RunPlan {
  target: IsoDate;
  portfolios: PortfolioPlan[];
  /** Portfolios in scope with nothing missing. */
  upToDate: number;
  /** Positions' symbols of the portfolios with work, plus the factor proxies. */
  symbols: string[];
  /** Per symbol, the calculation dates its betas are needed for. */
  symbolDates: Map<string, IsoDate[]>;
  /**
   * Ticker changes the held symbols' histories continue through (jobs/calc/ticker-continuity.ts);
   * their new tickers are in `symbols` too, so the run fetches them.
   */
  tickerChanges: TickerChange[];
  /** Price window of the market-data phase. */
  fetchFrom: IsoDate;
  fetchTo: IsoDate;
}

export interface PlanInput {
  portfolioId: string | null;
  target: IsoDate;
  from: IsoDate | null;
  force: boolean;
}

/**
 * The first date a portfolio's run (re)computes, or undefined when it has nothing to do: its first
 * missing date, or earlier when a change marked its snapshots stale from an earlier date.
 */
export function firstDateOf(inceptionIn: IsoDate, input: PlanInput, watermark: Watermark | undefined, recomputeFrom: IsoDate | null = null): IsoDate | undefined {
  const inception = tradingDayOnOrAfter(inceptionIn);
  if (inception > input.target) return undefined;
  if (input.force) {
    const from = input.from && input.from > inception ? tradingDayOnOrAfter(input.from) : inception;
    return from <= input.target ? from : undefined;
  }
  let first = watermark?.firstMissing ?? undefined;
  if (recomputeFrom !== null) {
    const marked = recomputeFrom > inception ? tradingDayOnOrAfter(recomputeFrom) : inception;
    if (marked <= input.target && (first === undefined || marked < first)) first = marked;
  }
  return first;
}

/**
 * The portfolios in scope (all live ones, one, or the given ids) that have work, each from its own
 * watermark (or `from` when forced) to the target, with its positions.
 */
export async function planPortfolios(db: Db, input: PlanInput, ids?: readonly string[]): Promise<{ portfolios: PortfolioPlan[]; inScope: number }> {
  const scoped = await PortfolioModel.inScope(db, input.portfolioId, ids);
  const marks = input.force ? new Map<string, Watermark>() : await watermarks(db, scoped, input.target);
  const changes = await PortfolioModel.marks(
    db,
    scoped.map((p) => p.id),
  );
  const withWork: { p: ScopedPortfolio; firstDate: IsoDate }[] = [];
  for (const p of scoped) {
    const firstDate = firstDateOf(p.inception, input, marks.get(p.id), changes.get(p.id)?.recomputeFrom ?? null);
    if (firstDate !== undefined) withWork.push({ p, firstDate });
  }
  const workIds = withWork.map((w) => w.p.id);
  // One after the other: `db` may be a transaction, which runs one statement at a time.
  const positions = await PositionModel.liveOf(db, workIds);
  const fees = await TradeModel.feesOf(db, workIds);
  const flows = await CashFlowModel.flowsOf(db, workIds);
  const portfolios = withWork.map(({ p, firstDate }) => ({
    id: p.id,
    equityBalance: p.equityBalance,
    inception: p.inception,
    firstDate,
    dates: tradingDaysBetween(firstDate, input.target),
    positions: positions.get(p.id) ?? [],
    changeVersion: changes.get(p.id)?.version ?? 0,
    fees: fees.get(p.id) ?? [],
    cashFlows: flows.get(p.id) ?? [],
  }));
  return { portfolios, inScope: scoped.length };
}

/**
 * Plans a run: the portfolios in scope with their own missing dates (a per-portfolio watermark, never
 * a global one), the symbols those portfolios hold plus the factor proxies, the dates each symbol's
 * betas are needed for, and the price window.
 */
export async function planRun(db: Db, input: PlanInput): Promise<RunPlan> {
  const { portfolios, inScope } = await planPortfolios(db, input);
  const symbolDateSets = new Map<string, Set<IsoDate>>();
  const allDates = new Set<IsoDate>();
  let earliest: IsoDate = input.target;
  for (const { firstDate, dates, positions: pos } of portfolios) {
    if (firstDate < earliest) earliest = firstDate;
    for (const d of dates) allDates.add(d);
    for (const position of pos) {
      let set = symbolDateSets.get(position.symbol);
      if (!set) symbolDateSets.set(position.symbol, (set = new Set()));
      for (const d of dates) {
        if (d >= position.entryDate && (position.exitDate === null || d < position.exitDate)) set.add(d);
      }
    }
  }
  const sortedAll = [...allDates].sort();
  const symbolDates = new Map<string, IsoDate[]>();
  for (const [symbol, set] of symbolDateSets) symbolDates.set(symbol, [...set].sort());
  if (portfolios.length > 0) {
    for (const proxy of FACTOR_PROXIES) {
      const merged = new Set([...(symbolDates.get(proxy) ?? []), ...sortedAll]);
      symbolDates.set(proxy, [...merged].sort());
    }
  }
  // One query; nothing more unless a held symbol was renamed. A renamed symbol's new tickers are
  // fetched with it (their betas are not needed: the old name's are computed on its continuous history).
  const held = [...symbolDates.keys()];
  const tickerChanges = held.length > 0 ? await TickerChangeModel.continuationsOf(db, held) : [];
  const successors = successorsBeyond(held, tickerChanges);
  const symbols = portfolios.length > 0 ? [...new Set([...held, ...successors])].sort() : [];

  const lookbackFrom = (d: IsoDate, n: number): IsoDate => {
    const minusN = addTradingDays(d, -Math.min(n, countTradingDays(CALENDAR_MIN_DATE, d) - 1));
    return minusN;
  };
  const betaFrom = lookbackFrom(earliest, LOOKBACK_TRADING_DAYS);
  const metricsFrom = lookbackFrom(input.target, METRICS_LOOKBACK_TRADING_DAYS);
  return {
    target: input.target,
    portfolios,
    upToDate: inScope - portfolios.length,
    symbols,
    symbolDates,
    tickerChanges,
    fetchFrom: betaFrom < metricsFrom ? betaFrom : metricsFrom,
    fetchTo: input.target,
  };
}
