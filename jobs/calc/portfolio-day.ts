/**
 * Daily portfolio valuation, P&L, snapshot, exposures and risk (SPEC §5, phases 2-6).
 *
 * Position lifecycle on trading day d (entry/exit dates that are not trading days take effect on the
 * next trading day on or after them):
 * - held: entry ≤ d and (no exit or d < exit): valued at mv = q × P_d, P&L (P_d − P_prev) × q, where
 *   P_prev is the price on the previous trading day, or the entry price on the entry day;
 * - exit day: realises (exit_price − P_prev) × q and holds no market value;
 * - after the exit day, and before entry: nothing.
 * Prices: the close on d, else the latest close in the 5 trading days before d (stale), else the
 * position is unpriced (warning, no value, snapshot incomplete). PRIVATE positions are valued at
 * their entry price.
 */
import { computeExposures, type PortfolioExposure, type PositionExposure } from './exposures.js';
import type { BetaLookup } from './factor-betas.js';
import { STALE_PRICE_TRADING_DAYS, usableCloseOnOrBefore } from './returns.js';
import { realizedVolatility } from './risk.js';
import { addTradingDays, assertIsoDate, isTradingDay, nextTradingDay, previousTradingDay, tradingDayOnOrAfter } from './trading-calendar.js';
import type { IsoDate, PriceSeries } from './types.js';

export type { BetaLookup } from './factor-betas.js';
export type { PortfolioExposure, PositionExposure } from './exposures.js';

/** The stale-price window (5 trading days); the same rule as symbol metrics and betas. */
export const STALE_WINDOW_TRADING_DAYS = STALE_PRICE_TRADING_DAYS;
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
  /** Signed: negative is short. */
  quantity: number;
  entryPrice: number;
  entryDate: IsoDate;
  exitDate: IsoDate | null;
  exitPrice: number | null;
  investmentClass: 'PUBLIC' | 'PRIVATE';
}

export interface PriorState {
  /** The trading day this state is the end of. */
  date: IsoDate;
  equity: number;
  cumulativePnl: number;
  /** Up to the last 62 daily returns, oldest first. */
  recentDailyReturns: number[];
}

/** Every column of portfolio_snapshots (SPEC §5), camelCase. Money in the portfolio currency. */
export interface SnapshotValues {
  /** equity_d = equity_{d−1} + daily P&L. */
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
  /** Σ position P&L (held positions and exits realised on d). */
  dailyPnl: number;
  /** dailyPnl / equity_{d−1}; 0 when equity_{d−1} ≤ 0. */
  dailyReturn: number;
  /** Running sum of dailyPnl since the first snapshot. */
  cumulativePnl: number;
  /** Positions held at the end of d (exits on d excluded). */
  numPositions: number;
  numLong: number;
  numShort: number;
  /**
   * Σ β_market,i × mv_i / equity_d over priced positions with a market beta; null when no held
   * position has one or equity_d ≤ 0; 0 when nothing is held.
   */
  betaMarket: number | null;
  /** Sample std of the last 21 daily returns × √252; null until 21 exist. */
  realizedVolatility21d: number | null;
  /** Sample std of the last 63 daily returns × √252; null until 63 exist. */
  realizedVolatility63d: number | null;
  /** False when any held or exiting position lacks a price (its value and/or P&L are missing). */
  isComplete: boolean;
}

export interface PositionDayValue {
  positionId: string;
  symbol: string;
  quantity: number;
  /** Price used for d (the exit price on the exit day); null when unpriced. */
  price: number | null;
  /** Date of the close behind `price` (null for PRIVATE, exit prices and unpriced). */
  priceDate: IsoDate | null;
  /** True when `price` is a close from before d. */
  stale: boolean;
  /** q × price; 0 on the exit day; null when unpriced. */
  marketValue: number | null;
  /** The reference price of the P&L (previous day's price or the entry price); null when unknown. */
  previousPrice: number | null;
  /** (price − previousPrice) × q; null when either price is unknown. */
  dailyPnl: number | null;
  /** True on the exit day: the P&L is realised and the position holds nothing at the close. */
  realised: boolean;
}

export type PortfolioWarningCode = 'unpriced_position' | 'stale_price' | 'missing_beta' | 'insufficient_history' | 'missing_exit_price';

export interface PortfolioWarning {
  code: PortfolioWarningCode;
  positionId?: string;
  symbol?: string;
  message: string;
}

export interface PortfolioDayResult {
  date: IsoDate;
  snapshot: SnapshotValues;
  positions: PositionDayValue[];
  positionExposures: PositionExposure[];
  portfolioExposures: PortfolioExposure[];
  warnings: PortfolioWarning[];
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
  /** Closes per symbol, covering at least 5 trading days before dates[0]. */
  closes: Record<string, PriceSeries>;
  betas: BetaLookup;
}

interface Priced {
  price: number;
  priceDate: IsoDate | null;
  stale: boolean;
}

/** Effective entry/exit trading days, computed once per call. */
interface Lifecycle {
  p: PositionInput;
  entry: IsoDate;
  exit: IsoDate | null;
}

const EMPTY: PriceSeries = [];

/**
 * Computes snapshots, position values, exposures and warnings for consecutive trading days, rolling
 * equity forward from `prior` (or from `portfolio.equityBalance` when prior is null). The caller
 * passes each result's `next` as `prior` of the following batch. Throws a RangeError when dates are
 * not consecutive trading days directly after prior.date.
 */
export function computePortfolioDays(input: PortfolioDaysInput): PortfolioDayResult[] {
  const { dates, betas } = input;
  validateDates(dates, input.prior);
  const lifecycles: Lifecycle[] = input.positions.map((p) => {
    assertIsoDate(p.entryDate);
    if (p.exitDate !== null) assertIsoDate(p.exitDate);
    return { p, entry: tradingDayOnOrAfter(p.entryDate), exit: p.exitDate === null ? null : tradingDayOnOrAfter(p.exitDate) };
  });

  const byId = new Map(input.positions.map((p) => [p.id, p]));

  let equityPrev = input.prior?.equity ?? input.portfolio.equityBalance;
  let cumulative = input.prior?.cumulativePnl ?? 0;
  let recent = (input.prior?.recentDailyReturns ?? []).slice(-RECENT_RETURNS_KEPT);
  const results: PortfolioDayResult[] = [];

  // Public prices by (symbol, date) with the stale rule; a day's price is also the next day's P_prev.
  const priceCache = new Map<string, Priced | null>();
  const oldestUsable = new Map<IsoDate, IsoDate>();
  const priceOf = (symbol: string, d: IsoDate): Priced | null => {
    const key = `${symbol}\u0000${d}`;
    const hit = priceCache.get(key);
    if (hit !== undefined) return hit;
    let floor = oldestUsable.get(d);
    if (floor === undefined) {
      floor = addTradingDays(d, -STALE_PRICE_TRADING_DAYS);
      oldestUsable.set(d, floor);
    }
    const bar = usableCloseOnOrBefore(input.closes[symbol] ?? EMPTY, d, floor);
    const priced = bar !== undefined ? { price: bar.close, priceDate: bar.date, stale: bar.date !== d } : null;
    priceCache.set(key, priced);
    return priced;
  };

  for (const d of dates) {
    const prevDay = previousTradingDay(d);
    const warnings: PortfolioWarning[] = [];
    const values: PositionDayValue[] = [];
    const held: { positionId: string; symbol: string; marketValue: number }[] = [];
    let longValue = 0;
    let shortValue = 0;
    let pnl = 0;
    let numPositions = 0;
    let numLong = 0;
    let numShort = 0;
    let complete = true;

    for (const { p, entry, exit } of lifecycles) {
      if (d < entry) continue;
      if (exit !== null && d > exit) continue;
      const isExitDay = exit !== null && d === exit;
      const isPrivate = p.investmentClass === 'PRIVATE';

      // Reference price for the P&L.
      let previousPrice: number | null;
      if (d === entry) previousPrice = p.entryPrice;
      else if (isPrivate) previousPrice = p.entryPrice;
      else previousPrice = priceOf(p.symbol, prevDay)?.price ?? null;

      let current: Priced | null;
      if (isExitDay && p.exitPrice !== null) current = { price: p.exitPrice, priceDate: null, stale: false };
      else if (isPrivate) current = { price: p.entryPrice, priceDate: null, stale: false };
      else current = priceOf(p.symbol, d);
      if (isExitDay && p.exitPrice === null) {
        warnings.push({
          code: 'missing_exit_price',
          positionId: p.id,
          symbol: p.symbol,
          message: `${p.symbol} exits on ${d} without an exit price; the day's price is used`,
        });
      }

      if (current === null) {
        complete = false;
        warnings.push({
          code: 'unpriced_position',
          positionId: p.id,
          symbol: p.symbol,
          message: `${p.symbol} has no close on ${d} nor in the ${STALE_PRICE_TRADING_DAYS} trading days before; it is not valued`,
        });
      } else if (current.stale) {
        warnings.push({
          code: 'stale_price',
          positionId: p.id,
          symbol: p.symbol,
          message: `${p.symbol} on ${d} is valued at the ${current.priceDate ?? ''} close`,
        });
      }
      if (previousPrice === null && current !== null) {
        complete = false;
        warnings.push({
          code: 'unpriced_position',
          positionId: p.id,
          symbol: p.symbol,
          message: `${p.symbol} has no price on ${prevDay} (nor in the ${STALE_PRICE_TRADING_DAYS} trading days before), so its P&L on ${d} is unknown`,
        });
      }

      const positionPnl = current !== null && previousPrice !== null ? (current.price - previousPrice) * p.quantity : null;
      if (positionPnl !== null) pnl += positionPnl;
      const marketValue = current === null ? null : isExitDay ? 0 : p.quantity * current.price;
      values.push({
        positionId: p.id,
        symbol: p.symbol,
        quantity: p.quantity,
        price: current?.price ?? null,
        priceDate: current?.priceDate ?? null,
        stale: current?.stale ?? false,
        marketValue,
        previousPrice,
        dailyPnl: positionPnl,
        realised: isExitDay,
      });
      if (isExitDay) continue;

      numPositions++;
      if (p.quantity > 0) numLong++;
      else if (p.quantity < 0) numShort++;
      if (marketValue === null) continue;
      if (marketValue > 0) longValue += marketValue;
      else shortValue += marketValue;
      held.push({ positionId: p.id, symbol: p.symbol, marketValue });
    }

    // The ledger is kept in cents, exactly as stored: a run resumed from stored snapshots then rolls
    // forward from the same numbers an uninterrupted run carried in memory.
    pnl = roundTo(pnl, MONEY_DECIMALS);
    const equity = roundTo(equityPrev + pnl, MONEY_DECIMALS);
    const dailyReturn = equityPrev > 0 ? roundTo(pnl / equityPrev, RETURN_DECIMALS) : 0;
    cumulative = roundTo(cumulative + pnl, MONEY_DECIMALS);
    recent.push(dailyReturn);
    if (recent.length > RECENT_RETURNS_KEPT + 1) recent = recent.slice(-(RECENT_RETURNS_KEPT + 1));
    const netExposure = longValue + shortValue;

    const exposures = computeExposures(held, d, equity, betas);
    for (const m of exposures.missing) {
      if (byId.get(m.positionId)?.investmentClass === 'PRIVATE') continue;
      warnings.push({
        code: 'missing_beta',
        positionId: m.positionId,
        symbol: m.symbol,
        message: `${m.symbol} has no beta on ${d} for: ${m.factors.join(', ')}`,
      });
    }
    const market = exposures.portfolio.find((e) => e.factor === 'Market Beta');
    // Without any market beta among the held positions the portfolio beta is unknown, not 0; only a
    // portfolio that holds nothing has a beta of 0.
    const betaMarket = market !== undefined ? market.exposureValue : numPositions > 0 ? null : 0;

    const snapshot: SnapshotValues = {
      totalValue: equity,
      cashValue: equity - netExposure,
      longValue,
      shortValue,
      grossExposure: longValue - shortValue,
      netExposure,
      dailyPnl: pnl,
      dailyReturn,
      cumulativePnl: cumulative,
      numPositions,
      numLong,
      numShort,
      betaMarket,
      realizedVolatility21d: realizedVolatility(recent, 21),
      realizedVolatility63d: realizedVolatility(recent, 63),
      isComplete: complete,
    };
    const next: PriorState = { date: d, equity, cumulativePnl: cumulative, recentDailyReturns: recent.slice(-RECENT_RETURNS_KEPT) };
    results.push({
      date: d,
      snapshot,
      positions: values,
      positionExposures: exposures.positions,
      portfolioExposures: exposures.portfolio,
      warnings,
      next,
    });
    equityPrev = equity;
  }
  return results;
}

function validateDates(dates: readonly IsoDate[], prior: PriorState | null): void {
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i]!;
    if (!isTradingDay(d)) throw new RangeError(`computePortfolioDays: ${d} is not an NYSE trading day`);
    if (i > 0 && nextTradingDay(dates[i - 1]!) !== d) {
      throw new RangeError(`computePortfolioDays: dates must be consecutive trading days, ${dates[i - 1]} is followed by ${d}`);
    }
  }
  const first = dates[0];
  if (prior !== null && first !== undefined && nextTradingDay(prior.date) !== first) {
    throw new RangeError(`computePortfolioDays: prior state is for ${prior.date} but the first date is ${first}; the trading day after ${prior.date} is ${nextTradingDay(prior.date)}`);
  }
}
