/**
 * Splits and cash dividends, and the price bases derived from them.
 *
 * Daily bars are stored as traded: a close is in the share basis of its own date and never changes
 * afterwards, whatever splits come later. Every other basis is derived here from the split table, so
 * a split announced tomorrow rewrites nothing that is stored:
 * - the share count a holder has on day d (`sharesInForce`);
 * - split-adjusted closes, in the basis after every split in the table (`splitAdjustedSeries`);
 * - a total-return index, split-adjusted with cash dividends reinvested (`totalReturnIndex`), whose
 *   day-to-day ratio is r_t = (P_t + D_t) / P_{t−1} − 1.
 *
 * Conventions (the vendor's):
 * - A split `{ date, from, to }` takes effect on its execution date: the close of that date is the
 *   first one in the new basis, and `from` old shares become `to` new shares. A 4-for-1 split is
 *   from 1 → to 4; a 1-for-10 reverse split is from 10 → to 1.
 * - A cash dividend `{ exDate, amount, type }` is paid per share in the share basis of its ex-date, to
 *   whoever held the share at the close of the trading day before the ex-date.
 *   Types: CD regular cash, SC special cash, LT / ST long / short-term capital-gain distributions.
 *
 * Functions that compute returns take a `SymbolHistory` (as-traded closes together with the symbol's
 * corporate actions, a required field) and derive the adjusted series themselves, so as-traded closes
 * cannot reach a regression or a period return by mistake.
 */
import { countOnOrBefore } from './dates.js';
import { isValidIsoDate } from './trading-calendar.js';
import type { Bar, IsoDate, PriceSeries } from './types.js';

export interface Split {
  /** Execution date: the first trading day in the new share basis. */
  readonly date: IsoDate;
  /** Old shares … */
  readonly from: number;
  /** … become this many new shares. */
  readonly to: number;
}

export const DIVIDEND_TYPES = ['CD', 'SC', 'LT', 'ST'] as const;
/** CD regular cash, SC special cash, LT / ST long / short-term capital-gain distribution. */
export type DividendType = (typeof DIVIDEND_TYPES)[number];

export interface CashDividend {
  /** Ex-dividend date: a share bought on this date or later does not receive the dividend. */
  readonly exDate: IsoDate;
  /** Cash per share, in the share basis of the ex-date. */
  readonly amount: number;
  readonly type: DividendType;
}

/** One symbol's corporate actions, in any order. */
export interface CorporateActions {
  readonly splits: readonly Split[];
  readonly dividends: readonly CashDividend[];
}

/** The corporate actions of a symbol that has none. */
export const NO_CORPORATE_ACTIONS: CorporateActions = Object.freeze({
  splits: Object.freeze([]) as readonly Split[],
  dividends: Object.freeze([]) as readonly CashDividend[],
});

/**
 * What every return computation needs of a symbol: its daily closes as traded (never split-adjusted
 * by the vendor) and its corporate actions (required; `NO_CORPORATE_ACTIONS` when it has none).
 */
export interface SymbolHistory {
  readonly closes: PriceSeries;
  readonly actions: CorporateActions;
}

/** Validated corporate actions, sorted by date, identical duplicate rows removed. */
export interface PreparedActions {
  /** Ascending by execution date, one per date. */
  readonly splits: readonly Split[];
  /** Ascending by ex-date. */
  readonly dividends: readonly CashDividend[];
}

const prepared = new WeakMap<CorporateActions, PreparedActions>();

const byDate = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Validates and sorts corporate actions (cached per object, so repeated calls are free). Identical
 * duplicate rows (the vendor sometimes repeats a row) count once; two different splits on the same
 * date are contradictory and rejected. Throws a RangeError naming the field and the row, prefixed by
 * `context` (e.g. the symbol) when given.
 */
export function prepareCorporateActions(actions: CorporateActions, context?: string): PreparedActions {
  const hit = prepared.get(actions);
  if (hit) return hit;
  const where = context === undefined ? 'corporate actions' : `${context}: corporate actions`;
  if (actions === null || typeof actions !== 'object' || !Array.isArray(actions.splits) || !Array.isArray(actions.dividends)) {
    throw new RangeError(`${where} must be { splits: [], dividends: [] }`);
  }
  const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const splitsByDate = new Map<IsoDate, Split>();
  actions.splits.forEach((s, i) => {
    if (!isValidIsoDate(s?.date)) throw new RangeError(`${where}: splits[${i}].date must be a 'YYYY-MM-DD' date, got ${JSON.stringify(s?.date)}`);
    if (!positive(s.from)) throw new RangeError(`${where}: splits[${i}].from must be a finite number > 0, got ${JSON.stringify(s.from)}`);
    if (!positive(s.to)) throw new RangeError(`${where}: splits[${i}].to must be a finite number > 0, got ${JSON.stringify(s.to)}`);
    const seen = splitsByDate.get(s.date);
    if (seen && (seen.from !== s.from || seen.to !== s.to)) {
      throw new RangeError(`${where}: splits[${i}] (${s.from} → ${s.to}) contradicts another split on ${s.date} (${seen.from} → ${seen.to})`);
    }
    splitsByDate.set(s.date, { date: s.date, from: s.from, to: s.to });
  });
  const dividendKeys = new Set<string>();
  const dividends: CashDividend[] = [];
  actions.dividends.forEach((d, i) => {
    if (!isValidIsoDate(d?.exDate)) throw new RangeError(`${where}: dividends[${i}].exDate must be a 'YYYY-MM-DD' date, got ${JSON.stringify(d?.exDate)}`);
    if (typeof d.amount !== 'number' || !Number.isFinite(d.amount) || d.amount < 0) {
      throw new RangeError(`${where}: dividends[${i}].amount must be a finite number ≥ 0, got ${JSON.stringify(d.amount)}`);
    }
    if (!(DIVIDEND_TYPES as readonly string[]).includes(d.type)) {
      throw new RangeError(`${where}: dividends[${i}].type must be one of ${DIVIDEND_TYPES.join(', ')}, got ${JSON.stringify(d.type)}`);
    }
    const key = `${d.exDate}|${d.amount}|${d.type}`;
    if (dividendKeys.has(key)) return;
    dividendKeys.add(key);
    dividends.push({ exDate: d.exDate, amount: d.amount, type: d.type });
  });
  const out: PreparedActions = {
    splits: [...splitsByDate.values()].sort((a, b) => byDate(a.date, b.date)),
    dividends: dividends.sort((a, b) => byDate(a.exDate, b.exDate)),
  };
  prepared.set(actions, out);
  return out;
}

const splitDate = (s: Split): IsoDate => s.date;

/** Π to and Π from over the splits with a < date ≤ b (both 1 when there are none). */
function ratioBetween(splits: readonly Split[], a: IsoDate, b: IsoDate): { to: number; from: number } {
  let to = 1;
  let from = 1;
  if (splits.length === 0 || b <= a) return { to, from };
  for (let i = countOnOrBefore(splits, a, splitDate); i < splits.length && splits[i]!.date <= b; i++) {
    to *= splits[i]!.to;
    from *= splits[i]!.from;
  }
  return { to, from };
}

/**
 * How many shares one share held on date `a` has become on date `b`: the product of to / from over the
 * splits executed after `a` and on or before `b`. For b < a it is the reciprocal (shares go back), so
 * splitFactor(a, b) × splitFactor(b, a) = 1. A price in the basis of `a` is in the basis of `b` once
 * divided by splitFactor(a, b).
 */
export function splitFactor(actions: CorporateActions, a: IsoDate, b: IsoDate): number {
  const { splits } = prepareCorporateActions(actions);
  if (b >= a) {
    const r = ratioBetween(splits, a, b);
    return r.to / r.from;
  }
  const r = ratioBetween(splits, b, a);
  return r.from / r.to;
}

/**
 * The share count in force on day d of a position typed with `quantity` on `entryDate` (in the share
 * basis of that date): quantity × Π (to / from) over the splits executed after the entry date and on
 * or before d. Before or on the entry date it is the typed quantity.
 */
export function sharesInForce(quantity: number, entryDate: IsoDate, d: IsoDate, actions: CorporateActions): number {
  const { splits } = prepareCorporateActions(actions);
  const r = ratioBetween(splits, entryDate, d);
  // One multiplication and one division keep integer ratios exact (1,000 × 1 / 10 = 100).
  return r.to === r.from ? quantity : (quantity * r.to) / r.from;
}

/**
 * A price typed or traded on `from` expressed in the share basis of `to` (e.g. a stale close carried
 * into a later day across a split): price / splitFactor(from, to).
 */
export function priceInBasisOf(price: number, from: IsoDate, to: IsoDate, actions: CorporateActions): number {
  const { splits } = prepareCorporateActions(actions);
  if (to >= from) {
    const r = ratioBetween(splits, from, to);
    return r.to === r.from ? price : (price * r.from) / r.to;
  }
  const r = ratioBetween(splits, to, from);
  return r.to === r.from ? price : (price * r.to) / r.from;
}

/**
 * Split-adjusted closes in the share basis after every split in the table (what the vendor's
 * `adjusted=true` would return today): close_t × Π (from / to) over the splits dated after t.
 * Returns of this series are price returns without the jumps of split days.
 */
export function splitAdjustedSeries(history: SymbolHistory): PriceSeries {
  const { splits } = prepareCorporateActions(history.actions);
  const closes = history.closes;
  if (splits.length === 0) return closes;
  const out = new Array<Bar>(closes.length);
  let k = splits.length; // splits[k..] are dated after the current bar
  let to = 1;
  let from = 1;
  for (let i = closes.length - 1; i >= 0; i--) {
    const bar = closes[i]!;
    while (k > 0 && splits[k - 1]!.date > bar.date) {
      k--;
      to *= splits[k]!.to;
      from *= splits[k]!.from;
    }
    out[i] = { date: bar.date, close: to === from ? bar.close : (bar.close * from) / to };
  }
  return out;
}

/** A date after every split, for converting into the basis of `splitAdjustedSeries`. */
const LATEST_BASIS: IsoDate = '9999-12-31';

/**
 * A total-return index of the symbol, in the split-adjusted basis of `splitAdjustedSeries` and equal
 * to it on the first bar: I_0 = P_0, I_i = I_{i−1} × (P_i + D_i) / P_{i−1}, where P are split-adjusted
 * closes of consecutive bars and D_i the cash dividends (all four types) whose ex-date falls after bar
 * i−1 and on or before bar i, converted to the same basis. So the ratio of two consecutive trading
 * days' values is the total return r_t = (P_t + D_t) / P_{t−1} − 1, and without dividends the index is
 * the split-adjusted series itself.
 *
 * A dividend whose ex-date has no bar (a halt, a vendor hole, or an ex-date that is not a trading day)
 * is credited to the first bar on or after its ex-date, i.e. to the return that spans it: holders were
 * entitled to it and the price drop shows when trading resumes. Return alignment drops returns that
 * span a missing day anyway; period returns over longer spans include it. A dividend on or before the
 * first bar has no previous close and is left out; one after the last bar waits for the next bar.
 */
export function totalReturnIndex(history: SymbolHistory): PriceSeries {
  const { adjusted, cash } = dividendSteps(history);
  if (cash === undefined || adjusted.length === 0) return adjusted;
  const out = new Array<Bar>(adjusted.length);
  out[0] = adjusted[0]!;
  let index = adjusted[0]!.close;
  for (let i = 1; i < adjusted.length; i++) {
    index *= (adjusted[i]!.close + cash[i]!) / adjusted[i - 1]!.close;
    out[i] = { date: adjusted[i]!.date, close: index };
  }
  return out;
}

/**
 * The daily total returns of the symbol, r_i = (P_i + D_i) / P_{i−1} − 1 for each bar after the
 * first, dated on bar i (the same steps as `totalReturnIndex`). Each return is computed from its two
 * bars and their dividends alone, so a day's return is bit-for-bit the same whatever bar the history
 * starts on; the ratio of two index values is not (the index carries the rounding of every earlier step).
 */
export function dailyTotalReturns(history: SymbolHistory): { date: IsoDate; value: number }[] {
  const { adjusted, cash } = dividendSteps(history);
  const out: { date: IsoDate; value: number }[] = [];
  for (let i = 1; i < adjusted.length; i++) {
    out.push({ date: adjusted[i]!.date, value: (adjusted[i]!.close + (cash?.[i] ?? 0)) / adjusted[i - 1]!.close - 1 });
  }
  return out;
}

/**
 * The split-adjusted closes and, when the symbol has dividends, the cash credited to each bar (in the
 * adjusted basis): the dividends whose ex-date falls after the previous bar and on or before this one.
 */
function dividendSteps(history: SymbolHistory): { adjusted: PriceSeries; cash: number[] | undefined } {
  const { dividends } = prepareCorporateActions(history.actions);
  const adjusted = splitAdjustedSeries(history);
  if (dividends.length === 0 || adjusted.length === 0) return { adjusted, cash: undefined };
  const cash = new Array<number>(adjusted.length).fill(0);
  let k = 0;
  while (k < dividends.length && dividends[k]!.exDate <= adjusted[0]!.date) k++;
  for (let i = 1; i < adjusted.length; i++) {
    const bar = adjusted[i]!;
    let c = 0;
    while (k < dividends.length && dividends[k]!.exDate <= bar.date) {
      const d = dividends[k]!;
      // Amount in the ex-date basis → the adjusted basis (after every split), like the closes.
      c += d.amount === 0 ? 0 : priceInBasisOf(d.amount, d.exDate, LATEST_BASIS, history.actions);
      k++;
    }
    cash[i] = c;
  }
  return { adjusted, cash };
}

export interface DerivedSeries {
  /** splitAdjustedSeries(history). */
  adjusted: PriceSeries;
  /** totalReturnIndex(history). */
  total: PriceSeries;
}

const derived = new WeakMap<PriceSeries, WeakMap<CorporateActions, DerivedSeries>>();

/**
 * Both derived series of a history, index-aligned with its closes (same dates), memoised on the
 * identity of the closes array and the actions object, so a caller asking for many dates of one
 * symbol derives them once.
 */
export function derivedSeries(history: SymbolHistory): DerivedSeries {
  let byActions = derived.get(history.closes);
  if (!byActions) derived.set(history.closes, (byActions = new WeakMap()));
  let out = byActions.get(history.actions);
  if (!out) {
    out = { adjusted: splitAdjustedSeries(history), total: totalReturnIndex(history) };
    byActions.set(history.actions, out);
  }
  return out;
}
