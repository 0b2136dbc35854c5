/**
 * Daily portfolio valuation, P&L, snapshot, exposures and risk.
 *
 * Position lifecycle on trading day d (entry/exit dates that are not trading days take effect on the
 * next trading day on or after them):
 * - held: entry ≤ d and (no exit or d < exit);
 * - exit day: realises the move to the exit price and holds no market value afterwards;
 * - after the exit day, and before entry: nothing.
 *
 * Share basis. Typed quantities and prices are in the share basis of their own dates (the entry
 * price on the entry date, the exit price on the exit date); closes are as traded. The share count in
 * force on d is the typed quantity × Π (to / from) of the splits executed after the entry date and on
 * or before d, and a position is worth shares(d) × price(d). A split day therefore has no P&L of its
 * own: shares × price is continuous across it.
 *
 * Prices. price(d) is the close on d; without one, the last close before d however long ago (stale,
 * with the number of trading days since that close), carried into d's share basis if a split took
 * effect meanwhile. A stale day is complete. A position whose symbol has no close at all on or before
 * d (before its first bar) is unpriced: no value, snapshot incomplete. PRIVATE positions are valued at
 * their entry price and have no corporate actions.
 *
 * P&L of a position on d = value at the end of d − value at the last price used before d + dividends:
 * the value before d is shares(d−1) × price(d−1), or the typed quantity × entry price on the entry
 * day (and while no close has been seen since entry, so the move from the entry price is booked on
 * the day the first close arrives). On the exit day the end value is shares(exit date) × exit price.
 * So a move across a gap is booked on the day a price returns, against the last price used.
 *
 * Dividends. A position earns shares(ex-date) × amount of every cash dividend (regular, special,
 * capital gains) it is entitled to, on the ex-date (on the next trading day when the ex-date is not
 * one); a short pays it. Entitled: held at the close before the ex-date, i.e. entry date < ex-date and
 * (no exit or exit date ≥ ex-date). Dividends are part of the daily P&L and are also reported apart.
 *
 * Accounting (docs/lifecycle.md). Fees of trades are booked (negative) on the trade's trading day;
 * capital flows (contributions > 0, withdrawals < 0) at the close of theirs. Realized P&L of a lot is
 * booked on its exit day: its end value (exit proceeds) − quantity × entry price; it is part of the
 * day's market move, so dailyPnl = unrealized change + realized + dividends − fees, where the
 * unrealized change is the rest of the market move. Equity rolls forward:
 *   equity_d = equity_{d−1} + dailyPnl_d + capitalFlow_d
 * The daily return excludes the flow (time-weighted, the flow arrives at the close):
 *   r_d = dailyPnl_d / equity_{d−1},   1 + cumulativeTwr_d = (1 + cumulativeTwr_{d−1}) × (1 + r_d).
 */
import {
  NO_CORPORATE_ACTIONS,
  prepareCorporateActions,
  priceInBasisOf,
  sharesInForce,
  type CashDividend,
  type CorporateActions,
  type SymbolHistory,
} from './corporate-actions.js';
import { computeExposures, coverageOf, type PortfolioExposure, type PositionExposure } from './exposures.js';
import type { BetaLookup } from './factor-betas.js';
import type { FactorName } from './factors.js';
import { lastCloseOnOrBefore } from './returns.js';
import { realizedVolatility } from './risk.js';
import { assertIsoDate, countTradingDays, isTradingDay, nextTradingDay, previousTradingDay, tradingDayOnOrAfter } from './trading-calendar.js';
import type { IsoDate } from './types.js';

export type { BetaLookup } from './factor-betas.js';
export type { PortfolioExposure, PositionExposure } from './exposures.js';

/** A position valued at a close this many trading days old or more is long-stale (see `longStale`). */
export const LONG_STALE_TRADING_DAYS = 10;
/** Daily returns kept in PriorState: enough for the 63-day volatility together with the new day. */
export const RECENT_RETURNS_KEPT = 62;
/** Money is carried in cents and daily returns to 10 decimals: the precision of portfolio_snapshots. */
export const MONEY_DECIMALS = 2;
export const RETURN_DECIMALS = 10;

/** Rounds half away from zero to `decimals` places (as PostgreSQL rounds NUMERIC). */
export function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(Math.abs(x) * f) / f;
  return x < 0 ? -r : r;
}

export interface PositionInput {
  id: string;
  symbol: string;
  /** Signed (negative is short), in the share basis of the entry date. */
  quantity: number;
  /** In the share basis of the entry date. */
  entryPrice: number;
  entryDate: IsoDate;
  exitDate: IsoDate | null;
  /** In the share basis of the exit date. */
  exitPrice: number | null;
  investmentClass: 'PUBLIC' | 'PRIVATE';
}

export interface PriorState {
  /** The trading day this state is the end of. */
  date: IsoDate;
  equity: number;
  cumulativePnl: number;
  /** Running sum of dividend P&L up to `date` (part of cumulativePnl). */
  cumulativeDividendPnl: number;
  /** Up to the last 62 daily returns, oldest first. */
  recentDailyReturns: number[];
  /** Running sums up to `date` (0 when absent). */
  cumulativeRealizedPnl?: number;
  cumulativeFees?: number;
  cumulativeCapitalFlow?: number;
  /** Cumulative time-weighted return up to `date` (0 when absent). */
  cumulativeTwr?: number;
}

/** Money booked on a date (the next trading day when it is not one): a fee (≥ 0) or a capital flow (signed). */
export interface DatedAmount {
  date: IsoDate;
  amount: number;
}

/** Every column of portfolio_snapshots, camelCase. Money in the portfolio currency. */
export interface SnapshotValues {
  /** equity_d = equity_{d−1} + daily P&L + capital flow of d. */
  totalValue: number;
  /** equity_d − net exposure (negative means leverage). */
  cashValue: number;
  /** Σ mv_i over priced positions with mv_i > 0. */
  longValue: number;
  /** Σ mv_i over priced positions with mv_i < 0 (≤ 0). */
  shortValue: number;
  /** long − short. */
  grossExposure: number;
  /** long + short. */
  netExposure: number;
  /** Σ position P&L (held positions and exits realised on d), dividends included, minus the fees of d. */
  dailyPnl: number;
  /** The dividends inside dailyPnl (received on longs, paid on shorts). */
  dailyDividendPnl: number;
  /** dailyPnl / equity_{d−1}; 0 when equity_{d−1} ≤ 0. */
  dailyReturn: number;
  /** Running sum of dailyPnl since the first snapshot. */
  cumulativePnl: number;
  /** Running sum of dailyDividendPnl since the first snapshot (part of cumulativePnl). */
  cumulativeDividendPnl: number;
  /** Realized P&L of the lots exiting on d (exit proceeds − cost); part of dailyPnl. */
  dailyRealizedPnl: number;
  cumulativeRealizedPnl: number;
  /** Fees of trades booked on d (≥ 0); dailyPnl carries them negated. */
  dailyFees: number;
  cumulativeFees: number;
  /** Contributions − withdrawals at the close of d: in equity, not in dailyPnl nor dailyReturn. */
  dailyCapitalFlow: number;
  cumulativeCapitalFlow: number;
  /** Π (1 + dailyReturn) − 1 since the first snapshot. */
  cumulativeTwr: number;
  /** Positions held at the end of d (exits on d excluded). */
  numPositions: number;
  numLong: number;
  numShort: number;
  /**
   * Σ β_market,i × mv_i / equity_d over held priced public positions with a market beta (positions
   * without one count as nothing; no rescaling); null when a public position is held but none of them
   * has a market beta, or equity_d ≤ 0; 0 when no public position is held.
   */
  betaMarket: number | null;
  /** Share of the held priced public positions' gross exposure Σ|mv| that has a market beta, in [0, 1] (1 when there is none). */
  betaMarketCoverage: number;
  /** Sample std of the last 21 daily returns × √252; null until 21 exist. */
  realizedVolatility21d: number | null;
  /** Sample std of the last 63 daily returns × √252; null until 63 exist. */
  realizedVolatility63d: number | null;
  /** False when a held or exiting position has no close at all yet (its value is unknown). */
  isComplete: boolean;
}

export interface PositionDayValue {
  positionId: string;
  symbol: string;
  /** As typed (share basis of the entry date). */
  quantity: number;
  /** Share count in force on d (the typed quantity after the splits since entry). */
  shares: number;
  /** Price used for d in d's share basis (the exit price on the exit day); null when unpriced. */
  price: number | null;
  /** Date of the close behind `price` (null for PRIVATE, exit prices and unpriced). */
  priceDate: IsoDate | null;
  /** True when `price` is a close from before d. */
  stale: boolean;
  /** Trading days after `priceDate` up to d (0 when the close is d's own). */
  staleDays: number;
  /** shares × price; 0 on the exit day; null when unpriced. */
  marketValue: number | null;
  /** The value the P&L is measured from: at the last price used before d, or quantity × entry price. */
  previousValue: number;
  /** Price behind previousValue, in its own day's share basis (the entry price on the entry day). */
  previousPrice: number;
  /** Cash dividends earned (paid when short) on d. */
  dividendPnl: number;
  /** End value (or exit proceeds) − previousValue + dividendPnl; just dividendPnl while unpriced. */
  dailyPnl: number;
  /** True on the exit day: the P&L is realised and the position holds nothing at the close. */
  realised: boolean;
}

export type PortfolioWarningCode =
  | 'unpriced_position'
  | 'stale_price'
  | 'long_stale_price'
  | 'missing_beta'
  | 'insufficient_history'
  | 'missing_exit_price';

export interface PortfolioWarning {
  /** 'stale_price' below LONG_STALE_TRADING_DAYS stale days, 'long_stale_price' from there on. */
  code: PortfolioWarningCode;
  positionId?: string;
  symbol?: string;
  message: string;
  /** For stale prices: trading days since the close used. */
  staleDays?: number;
  /** For missing_beta: the factors without a beta. */
  factors?: FactorName[];
}

export interface PortfolioDayResult {
  date: IsoDate;
  snapshot: SnapshotValues;
  positions: PositionDayValue[];
  positionExposures: PositionExposure[];
  portfolioExposures: PortfolioExposure[];
  warnings: PortfolioWarning[];
  /** Largest staleDays among the held and exiting positions (0 when every price is fresh). */
  maxStaleDays: number;
  /** True when a position is valued at a close LONG_STALE_TRADING_DAYS or more trading days old. */
  longStale: boolean;
  /** State to pass as `prior` for the next trading day. */
  next: PriorState;
}

export interface PortfolioDaysInput {
  portfolio: { equityBalance: number };
  positions: PositionInput[];
  /** Consecutive ascending trading days to compute. */
  dates: IsoDate[];
  /** State at the trading day before dates[0]; null when dates[0] is the first snapshot. */
  prior: PriorState | null;
  /**
   * As-traded closes and corporate actions of every PUBLIC position's symbol (required; a symbol
   * without corporate actions has NO_CORPORATE_ACTIONS). Each series must hold every stored close
   * from the last one on or before the trading day before dates[0] (however old: a halted symbol's
   * last close prices it until trading resumes) through the last date. A series without such a close
   * means the symbol has none: its positions are then measured from their entry price.
   */
  histories: Record<string, SymbolHistory>;
  betas: BetaLookup;
  /** Fees of trades, each booked on the trading day on or after its date. */
  fees?: readonly DatedAmount[];
  /** Contributions (> 0) and withdrawals (< 0), each at the close of the trading day on or after its date. */
  cashFlows?: readonly DatedAmount[];
}

interface Priced {
  /** In the share basis of the day asked for. */
  price: number;
  priceDate: IsoDate;
  staleDays: number;
}

/** Effective entry/exit trading days and prepared market data, computed once per call. */
interface Lifecycle {
  p: PositionInput;
  entry: IsoDate;
  exit: IsoDate | null;
  isPublic: boolean;
  actions: CorporateActions;
  hasSplits: boolean;
  /** Dividends the position is entitled to, by the trading day they are booked on. */
  dividends: Map<IsoDate, CashDividend[]>;
}

/**
 * Computes snapshots, position values, exposures and warnings for consecutive trading days, rolling
 * equity forward from `prior` (or from `portfolio.equityBalance` when prior is null). The caller
 * passes each result's `next` as `prior` of the following batch; the figures are the same whether
 * the dates are computed in one call or in chained ones. Throws a RangeError when dates are not
 * consecutive trading days directly after prior.date, on a malformed position, or when a public
 * position's symbol has no entry in `histories`.
 */
export function computePortfolioDays(input: PortfolioDaysInput): PortfolioDayResult[] {
  const { dates, betas } = input;
  validateDates(dates, input.prior);
  const lifecycles = input.positions.map((p, i) => lifecycleOf(p, i, input.histories));

  let equityPrev = input.prior?.equity ?? input.portfolio.equityBalance;
  let cumulative = input.prior?.cumulativePnl ?? 0;
  let cumulativeDividends = input.prior?.cumulativeDividendPnl ?? 0;
  let recent = (input.prior?.recentDailyReturns ?? []).slice(-RECENT_RETURNS_KEPT);
  let cumulativeRealized = input.prior?.cumulativeRealizedPnl ?? 0;
  let cumulativeFees = input.prior?.cumulativeFees ?? 0;
  let cumulativeFlow = input.prior?.cumulativeCapitalFlow ?? 0;
  let cumulativeTwr = input.prior?.cumulativeTwr ?? 0;
  const feesByDay = amountsByTradingDay(input.fees ?? [], 'fees');
  const flowsByDay = amountsByTradingDay(input.cashFlows ?? [], 'cashFlows');
  const results: PortfolioDayResult[] = [];

  // Last close on or before a day, in that day's share basis, by (symbol, day); a day's price is also
  // the next day's reference.
  const priceCache = new Map<string, Priced | null>();
  const priceOf = (lc: Lifecycle, d: IsoDate): Priced | null => {
    const key = `${lc.p.symbol}\u0000${d}`;
    const hit = priceCache.get(key);
    if (hit !== undefined) return hit;
    const bar = lastCloseOnOrBefore(input.histories[lc.p.symbol]!.closes, d);
    let priced: Priced | null = null;
    if (bar !== undefined) {
      const staleDays = bar.date === d ? 0 : countTradingDays(bar.date, d) - (isTradingDay(bar.date) ? 1 : 0);
      const price = lc.hasSplits ? priceInBasisOf(bar.close, bar.date, d, lc.actions) : bar.close;
      priced = { price, priceDate: bar.date, staleDays };
    }
    priceCache.set(key, priced);
    return priced;
  };
  const sharesOn = (lc: Lifecycle, d: IsoDate): number => (lc.hasSplits ? sharesInForce(lc.p.quantity, lc.p.entryDate, d, lc.actions) : lc.p.quantity);

  for (const d of dates) {
    const prevDay = previousTradingDay(d);
    const warnings: PortfolioWarning[] = [];
    const values: PositionDayValue[] = [];
    const held: { positionId: string; symbol: string; marketValue: number }[] = [];
    let longValue = 0;
    let shortValue = 0;
    let pnl = 0;
    let dividendPnl = 0;
    let realizedPnl = 0;
    let numPositions = 0;
    let numLong = 0;
    let numShort = 0;
    let publicHeld = 0;
    let maxStaleDays = 0;
    let complete = true;

    for (const lc of lifecycles) {
      const { p, entry, exit } = lc;
      if (d < entry) continue;
      if (exit !== null && d > exit) continue;
      const isExitDay = exit !== null && d === exit;
      const shares = lc.isPublic ? sharesOn(lc, d) : p.quantity;
      const entryValue = p.quantity * p.entryPrice;

      // The value the day's P&L is measured from: at the last price used before d.
      let previousValue = entryValue;
      let previousPrice = p.entryPrice;
      if (d !== entry && lc.isPublic) {
        const before = priceOf(lc, prevDay);
        if (before !== null) {
          previousPrice = before.price;
          previousValue = sharesOn(lc, prevDay) * before.price;
        }
      }

      let price: number | null;
      let priceDate: IsoDate | null = null;
      let staleDays = 0;
      let endValue: number | null;
      if (isExitDay && p.exitPrice !== null) {
        price = p.exitPrice;
        endValue = (lc.isPublic ? sharesOn(lc, p.exitDate!) : p.quantity) * p.exitPrice;
      } else if (!lc.isPublic) {
        price = p.entryPrice;
        endValue = entryValue;
      } else {
        const now = priceOf(lc, d);
        price = now?.price ?? null;
        priceDate = now?.priceDate ?? null;
        staleDays = now?.staleDays ?? 0;
        endValue = now === null ? null : shares * now.price;
      }
      if (isExitDay && p.exitPrice === null) {
        warnings.push({ code: 'missing_exit_price', positionId: p.id, symbol: p.symbol, message: `${p.symbol} exits on ${d} without an exit price; the day's price is used` });
      }
      if (endValue === null) {
        complete = false;
        warnings.push({
          code: 'unpriced_position',
          positionId: p.id,
          symbol: p.symbol,
          message: `${p.symbol} has no close on or before ${d}; it is not valued, and its move from the entry price is booked when its first close arrives`,
        });
      } else if (staleDays > 0) {
        maxStaleDays = Math.max(maxStaleDays, staleDays);
        const long = staleDays >= LONG_STALE_TRADING_DAYS;
        warnings.push({
          code: long ? 'long_stale_price' : 'stale_price',
          positionId: p.id,
          symbol: p.symbol,
          staleDays,
          message: `${p.symbol} on ${d} is valued at the ${priceDate ?? ''} close, ${staleDays} trading day${staleDays === 1 ? '' : 's'} old`,
        });
      }

      let dividends = 0;
      for (const div of lc.dividends.get(d) ?? []) dividends += sharesOn(lc, div.exDate) * div.amount;
      dividendPnl += dividends;
      const positionPnl = (endValue === null ? 0 : endValue - previousValue) + dividends;
      pnl += positionPnl;
      const marketValue = endValue === null ? null : isExitDay ? 0 : endValue;
      values.push({
        positionId: p.id,
        symbol: p.symbol,
        quantity: p.quantity,
        shares,
        price,
        priceDate,
        stale: staleDays > 0,
        staleDays,
        marketValue,
        previousValue,
        previousPrice,
        dividendPnl: dividends,
        dailyPnl: positionPnl,
        realised: isExitDay,
      });
      if (isExitDay) {
        if (endValue !== null) realizedPnl += endValue - entryValue;
        continue;
      }

      numPositions++;
      if (shares > 0) numLong++;
      else if (shares < 0) numShort++;
      if (lc.isPublic) publicHeld++;
      if (marketValue === null) continue;
      if (marketValue > 0) longValue += marketValue;
      else shortValue += marketValue;
      if (lc.isPublic) held.push({ positionId: p.id, symbol: p.symbol, marketValue });
    }

    // The ledger is kept in cents, exactly as stored: a run resumed from stored snapshots then rolls
    // forward from the same numbers an uninterrupted run carried in memory.
    const fees = roundTo(feesByDay.get(d) ?? 0, MONEY_DECIMALS);
    const flow = roundTo(flowsByDay.get(d) ?? 0, MONEY_DECIMALS);
    pnl = roundTo(roundTo(pnl, MONEY_DECIMALS) - fees, MONEY_DECIMALS);
    dividendPnl = roundTo(dividendPnl, MONEY_DECIMALS);
    realizedPnl = roundTo(realizedPnl, MONEY_DECIMALS);
    const equity = roundTo(equityPrev + pnl + flow, MONEY_DECIMALS);
    const dailyReturn = equityPrev > 0 ? roundTo(pnl / equityPrev, RETURN_DECIMALS) : 0;
    cumulative = roundTo(cumulative + pnl, MONEY_DECIMALS);
    cumulativeDividends = roundTo(cumulativeDividends + dividendPnl, MONEY_DECIMALS);
    cumulativeRealized = roundTo(cumulativeRealized + realizedPnl, MONEY_DECIMALS);
    cumulativeFees = roundTo(cumulativeFees + fees, MONEY_DECIMALS);
    cumulativeFlow = roundTo(cumulativeFlow + flow, MONEY_DECIMALS);
    cumulativeTwr = roundTo((1 + cumulativeTwr) * (1 + dailyReturn) - 1, RETURN_DECIMALS);
    recent.push(dailyReturn);
    if (recent.length > RECENT_RETURNS_KEPT + 1) recent = recent.slice(-(RECENT_RETURNS_KEPT + 1));
    const netExposure = longValue + shortValue;

    const exposures = computeExposures(held, d, equity, betas);
    for (const m of exposures.missing) {
      warnings.push({ code: 'missing_beta', positionId: m.positionId, symbol: m.symbol, factors: m.factors, message: `${m.symbol} has no beta on ${d} for: ${m.factors.join(', ')}` });
    }
    const market = exposures.portfolio.find((e) => e.factor === 'Market Beta');
    // Without any market beta among the held public positions the portfolio beta is unknown, not 0;
    // only a portfolio that holds no public position has a beta of 0.
    const betaMarket = market !== undefined ? market.exposureValue : publicHeld > 0 ? null : 0;

    const snapshot: SnapshotValues = {
      totalValue: equity,
      cashValue: equity - netExposure,
      longValue,
      shortValue,
      grossExposure: longValue - shortValue,
      netExposure,
      dailyPnl: pnl,
      dailyDividendPnl: dividendPnl,
      dailyReturn,
      cumulativePnl: cumulative,
      cumulativeDividendPnl: cumulativeDividends,
      dailyRealizedPnl: realizedPnl,
      cumulativeRealizedPnl: cumulativeRealized,
      dailyFees: fees,
      cumulativeFees,
      dailyCapitalFlow: flow,
      cumulativeCapitalFlow: cumulativeFlow,
      cumulativeTwr,
      numPositions,
      numLong,
      numShort,
      betaMarket,
      betaMarketCoverage: market?.coverage ?? coverageOf(0, exposures.grossExposure),
      realizedVolatility21d: realizedVolatility(recent, 21),
      realizedVolatility63d: realizedVolatility(recent, 63),
      isComplete: complete,
    };
    const next: PriorState = {
      date: d,
      equity,
      cumulativePnl: cumulative,
      cumulativeDividendPnl: cumulativeDividends,
      recentDailyReturns: recent.slice(-RECENT_RETURNS_KEPT),
      cumulativeRealizedPnl: cumulativeRealized,
      cumulativeFees,
      cumulativeCapitalFlow: cumulativeFlow,
      cumulativeTwr,
    };
    results.push({
      date: d,
      snapshot,
      positions: values,
      positionExposures: exposures.positions,
      portfolioExposures: exposures.portfolio,
      warnings,
      maxStaleDays,
      longStale: maxStaleDays >= LONG_STALE_TRADING_DAYS,
      next,
    });
    equityPrev = equity;
  }
  return results;
}

const NO_DIVIDENDS = new Map<IsoDate, CashDividend[]>();

/** Sums dated amounts by the trading day they are booked on. */
function amountsByTradingDay(items: readonly DatedAmount[], what: string): Map<IsoDate, number> {
  const out = new Map<IsoDate, number>();
  for (const [i, it] of items.entries()) {
    assertIsoDate(it.date);
    if (!Number.isFinite(it.amount)) throw new RangeError(`computePortfolioDays: ${what}[${i}].amount must be a finite number, got ${it.amount}`);
    const day = tradingDayOnOrAfter(it.date);
    out.set(day, (out.get(day) ?? 0) + it.amount);
  }
  return out;
}

function lifecycleOf(p: PositionInput, i: number, histories: Record<string, SymbolHistory>): Lifecycle {
  const where = `positions[${i}] (${p.id})`;
  assertIsoDate(p.entryDate);
  if (p.exitDate !== null) assertIsoDate(p.exitDate);
  if (!Number.isFinite(p.quantity)) throw new RangeError(`computePortfolioDays: ${where}.quantity must be a finite number, got ${p.quantity}`);
  if (!Number.isFinite(p.entryPrice)) throw new RangeError(`computePortfolioDays: ${where}.entryPrice must be a finite number, got ${p.entryPrice}`);
  if (p.exitPrice !== null && !Number.isFinite(p.exitPrice)) throw new RangeError(`computePortfolioDays: ${where}.exitPrice must be a finite number or null, got ${p.exitPrice}`);
  const entry = tradingDayOnOrAfter(p.entryDate);
  const exit = p.exitDate === null ? null : tradingDayOnOrAfter(p.exitDate);
  if (p.investmentClass === 'PRIVATE') {
    return { p, entry, exit, isPublic: false, actions: NO_CORPORATE_ACTIONS, hasSplits: false, dividends: NO_DIVIDENDS };
  }
  const history = histories[p.symbol];
  if (history === undefined) {
    throw new RangeError(`computePortfolioDays: ${where} holds ${p.symbol}, which has no entry in histories (pass its closes and corporate actions)`);
  }
  const prepared = prepareCorporateActions(history.actions, p.symbol);
  const dividends = new Map<IsoDate, CashDividend[]>();
  for (const div of prepared.dividends) {
    // Held at the close before the ex-date: bought before it, not sold before it.
    if (!(p.entryDate < div.exDate && (p.exitDate === null || p.exitDate >= div.exDate))) continue;
    const day = tradingDayOnOrAfter(div.exDate);
    const list = dividends.get(day);
    if (list) list.push(div);
    else dividends.set(day, [div]);
  }
  return { p, entry, exit, isPublic: true, actions: history.actions, hasSplits: prepared.splits.length > 0, dividends };
}

function validateDates(dates: readonly IsoDate[], prior: PriorState | null): void {
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i]!;
    if (!isTradingDay(d)) throw new RangeError(`computePortfolioDays: ${d} is not an NYSE trading day`);
    if (i > 0 && nextTradingDay(dates[i - 1]!) !== d) {
      throw new RangeError(`computePortfolioDays: dates must be consecutive trading days, ${dates[i - 1]} is followed by ${d}`);
    }
  }
  if (prior !== null) {
    for (const k of ['equity', 'cumulativePnl', 'cumulativeDividendPnl'] as const) {
      if (!Number.isFinite(prior[k])) throw new RangeError(`computePortfolioDays: prior.${k} must be a finite number, got ${prior[k]}`);
    }
  }
  const first = dates[0];
  if (prior !== null && first !== undefined && nextTradingDay(prior.date) !== first) {
    throw new RangeError(`computePortfolioDays: prior state is for ${prior.date} but the first date is ${first}; the trading day after ${prior.date} is ${nextTradingDay(prior.date)}`);
  }
}
