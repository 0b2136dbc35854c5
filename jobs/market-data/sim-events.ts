/**
 * The simulator's corporate actions and market events: what is planned for each ticker, before prices
 * decide the rest (sim-model.ts applies the plan while it builds the price path).
 *
 * Three sources, merged per ticker:
 * - Seeded (default on; `seeded: false` turns all of it off): every known symbol's dividend policy and
 *   splits (sim-symbols.ts, with the AAPL/MSFT/NVDA split rotation); for generated tickers a dividend
 *   policy (55 % pay, mostly quarterly, some monthly, semi-annual or annual, a few special dividends)
 *   and yearly split opportunities that become a forward split when the price is above $400 or a
 *   reverse split when it is below $5; and the event cast: a few dedicated tickers with a multi-day
 *   halt, a delisting or a ticker change, and a factor proxy with a hole (MTUM, 2019-08-12..14).
 *   All of it comes from hashes of the ticker names, independent of the price seed.
 * - Explicit options (`SimEventOptions`), so a test can plant exact events.
 * - Runtime additions (`PriceModel.addSplit` / `addDividend`) for events after the simulated today.
 */
import { addTradingDays, isTradingDay, isValidIsoDate, nextTradingDay, tradingDayOnOrAfter } from '../calc/trading-calendar.js';
import type { IsoDate } from '../calc/types.js';
import { fnv1a, seeded } from './prng.js';
import { KNOWN_SYMBOLS, knownSymbol, spreadTickers, SPLIT_ROTATION } from './sim-symbols.js';
import type { DividendPolicy } from './sim-symbols.js';
import { SIM_START_DATE } from './sim-market.js';

export type DividendType = 'CD' | 'SC' | 'LT' | 'ST';
export type DividendFrequency = 0 | 1 | 2 | 4 | 12;

/** A split as the vendor lists it: one old share becomes split_to / split_from new ones. */
export interface SimSplitInput {
  ticker: string;
  execution_date: IsoDate;
  split_from: number;
  split_to: number;
  /** When the split becomes visible on the splits endpoint (default 15 trading days before it executes). */
  declaration_date?: IsoDate;
}

/** A cash distribution; `cash_amount` is per share in the share basis of the ex-dividend date. */
export interface SimDividendInput {
  ticker: string;
  ex_dividend_date: IsoDate;
  cash_amount: number;
  /** Default CD (regular). */
  dividend_type?: DividendType;
  /** Default 4 for CD, 0 otherwise. */
  frequency?: DividendFrequency;
  /** Defaults: declaration 15 trading days before the ex-date, record date per the settlement cycle, payment 10 trading days after the record date. */
  declaration_date?: IsoDate;
  record_date?: IsoDate;
  pay_date?: IsoDate;
}

/** No bars on the trading days from `from` to `to` (inclusive); the next bar moves by `reopenReturn` on top of the market. */
export interface SimHaltInput {
  ticker: string;
  from: IsoDate;
  to: IsoDate;
  /** Extra return on the first trading day after the halt (default −0.3). */
  reopenReturn?: number;
}

/** The ticker's last bar is on the trading day before `date`; ticker details then say active: false. */
export interface SimDelistingInput {
  ticker: string;
  date: IsoDate;
}

/** From `date` on the same security trades as `newTicker`; `ticker`'s bars end the trading day before. */
export interface SimTickerChangeInput {
  ticker: string;
  newTicker: string;
  date: IsoDate;
}

/** A vendor hole: no bars on the trading days from `from` to `to`; prices are unaffected. */
export interface SimMissingBarsInput {
  ticker: string;
  from: IsoDate;
  to: IsoDate;
}

export interface SimEventOptions {
  /** The seeded schedule (default true). */
  seeded?: boolean;
  splits?: SimSplitInput[];
  dividends?: SimDividendInput[];
  halts?: SimHaltInput[];
  delistings?: SimDelistingInput[];
  tickerChanges?: SimTickerChangeInput[];
  missingBars?: SimMissingBarsInput[];
}

/** A split planned for a date; `price-triggered` ones are decided from the price on the day before. */
export interface PlannedSplit {
  date: IsoDate;
  declaration: IsoDate;
  ratio: { split_from: number; split_to: number } | 'price-triggered';
}

export interface PlannedDividend {
  ex: IsoDate;
  /** Explicit dates; otherwise derived from the lags (`dividendDates`). */
  declaration?: IsoDate;
  record?: IsoDate;
  pay?: IsoDate;
  /** Trading days from declaration to ex-date and from record date to payment. */
  declarationLag: number;
  payLag: number;
  type: DividendType;
  frequency: DividendFrequency;
  /** Explicit cash amount (ex-date basis), or a fraction: of the price at the start of the year (regular) or of the previous close. */
  amount: { cash: number } | { ofYearStart: number } | { ofPrevClose: number };
  decimals: number;
}

export interface PlannedSchedule {
  splits: PlannedSplit[];
  dividends: PlannedDividend[];
  halts: { from: IsoDate; to: IsoDate; reopenReturn: number }[];
  delisting?: IsoDate;
  tickerChange?: { newTicker: string; date: IsoDate };
  missing: { from: IsoDate; to: IsoDate }[];
}

const resolvedDates = new WeakMap<PlannedDividend, { declaration: IsoDate; record: IsoDate; pay: IsoDate }>();

/** Declaration, record and payment dates of a planned dividend (computed once, on demand: most are never listed). */
export function dividendDates(d: PlannedDividend): { declaration: IsoDate; record: IsoDate; pay: IsoDate } {
  let r = resolvedDates.get(d);
  if (!r) {
    const record = d.record ?? recordDateOf(d.ex);
    r = { declaration: d.declaration ?? addTradingDays(d.ex, -d.declarationLag), record, pay: d.pay ?? addTradingDays(record, d.payLag) };
    resolvedDates.set(d, r);
  }
  return r;
}

/** The US settlement cycle moved to T+1 on 2024-05-28: the record date is the ex-date since then, the next business day before. */
export function recordDateOf(ex: IsoDate): IsoDate {
  return ex >= '2024-05-28' ? ex : nextTradingDay(ex);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function thirdFriday(year: number, month: number): IsoDate {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const day = 1 + ((5 - first + 7) % 7) + 14;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

const exDates = new Map<string, IsoDate>();

function exDateOf(year: number, month: number, day: DividendPolicy['day']): IsoDate {
  const key = `${year}-${month}-${day}`;
  let ex = exDates.get(key);
  if (ex === undefined) {
    ex = tradingDayOnOrAfter(day === 'third-friday' ? thirdFriday(year, month) : `${year}-${pad2(month)}-${pad2(day === 'first-trading-day' ? 1 : day)}`);
    exDates.set(key, ex);
  }
  return ex;
}

function regularDividends(policy: DividendPolicy, untilYear: number): PlannedDividend[] {
  const out: PlannedDividend[] = [];
  const step = 12 / policy.frequency;
  const startYear = Number(SIM_START_DATE.slice(0, 4));
  for (let y = startYear; y <= untilYear; y++) {
    for (let k = 0; k < policy.frequency; k++) {
      const month = ((policy.firstMonth - 1 + k * step) % 12) + 1;
      const ex = exDateOf(y, month, policy.day);
      if (ex <= SIM_START_DATE || (policy.since !== undefined && ex < policy.since)) continue;
      out.push({
        ex,
        declarationLag: policy.declarationLag,
        payLag: policy.payLag,
        type: 'CD',
        frequency: policy.frequency,
        amount: { ofYearStart: policy.yield / policy.frequency },
        decimals: policy.decimals,
      });
    }
  }
  return out;
}

function capitalGains(ticker: string, probability: number, untilYear: number): PlannedDividend[] {
  const out: PlannedDividend[] = [];
  const startYear = Number(SIM_START_DATE.slice(0, 4));
  for (let y = startYear; y <= untilYear; y++) {
    const rand = seeded(`capital-gains:${ticker}:${y}`);
    const u = rand();
    if (u >= probability) continue;
    const ex = tradingDayOnOrAfter(`${y}-12-16`);
    const base = { ex, declarationLag: 2, payLag: 3, frequency: 0 as const, decimals: 4 };
    out.push({ ...base, type: 'LT', amount: { ofPrevClose: 0.003 + 0.012 * rand() } });
    if (u < probability / 2) out.push({ ...base, type: 'ST', amount: { ofPrevClose: 0.001 + 0.004 * rand() } });
  }
  return out;
}

/** A generated ticker's dividend policy (undefined for the 45 % that pay none). */
export function generatedDividendPolicy(ticker: string): DividendPolicy | undefined {
  const rand = seeded(`dividends:${ticker}`);
  if (rand() >= 0.55) return undefined;
  const f = rand();
  const frequency = f < 0.85 ? 4 : f < 0.92 ? 12 : f < 0.97 ? 2 : 1;
  const step = 12 / frequency;
  const firstMonth = 1 + Math.floor(rand() * step);
  const day = 1 + Math.floor(rand() * 25);
  const sinceDraw = rand();
  return {
    frequency,
    yield: 0.005 + 0.04 * rand(),
    firstMonth,
    day: frequency === 12 ? 'first-trading-day' : day,
    declarationLag: 10 + Math.floor(rand() * 20),
    payLag: 5 + Math.floor(rand() * 15),
    decimals: 2,
    // One payer in five starts paying during the simulated years.
    ...(sinceDraw < 0.2 ? { since: `${2016 + Math.floor(sinceDraw * 50)}-01-01` } : {}),
  };
}

function specialDividends(ticker: string, untilYear: number): PlannedDividend[] {
  const out: PlannedDividend[] = [];
  for (let y = Number(SIM_START_DATE.slice(0, 4)); y <= untilYear; y++) {
    const rand = seeded(`special:${ticker}:${y}`);
    if (rand() >= 0.04) continue;
    const ex = tradingDayOnOrAfter(`${y}-${pad2(1 + Math.floor(rand() * 12))}-${pad2(1 + Math.floor(rand() * 27))}`);
    if (ex <= SIM_START_DATE) continue;
    out.push({
      ex,
      declarationLag: 10,
      payLag: 7,
      type: 'SC',
      frequency: 0,
      amount: { ofPrevClose: 0.02 + 0.06 * rand() },
      decimals: 2,
    });
  }
  return out;
}

function splitSlots(ticker: string, untilYear: number): PlannedSplit[] {
  const out: PlannedSplit[] = [];
  for (let y = Number(SIM_START_DATE.slice(0, 4)); y <= untilYear; y++) {
    const rand = seeded(`split-slot:${ticker}:${y}`);
    if (rand() >= 0.45) continue;
    const date = tradingDayOnOrAfter(`${y}-${pad2(1 + Math.floor(rand() * 12))}-${pad2(1 + Math.floor(rand() * 27))}`);
    if (date <= addTradingDays(SIM_START_DATE, 30)) continue;
    out.push({ date, declaration: addTradingDays(date, -(10 + Math.floor(rand() * 15))), ratio: 'price-triggered' });
  }
  return out;
}

const rotations = new Map<number, (PlannedSplit & { ticker: string })[]>();

/** The rotation's splits up to the end of `untilYear`. */
export function rotationSplits(untilYear: number): readonly (PlannedSplit & { ticker: string })[] {
  const cached = rotations.get(untilYear);
  if (cached) return cached;
  const out: (PlannedSplit & { ticker: string })[] = [];
  rotations.set(untilYear, out);
  const end = `${untilYear}-12-31`;
  for (let k = 0; ; k++) {
    const date = addTradingDays(SPLIT_ROTATION.first, k * SPLIT_ROTATION.spacing);
    if (date > end) break;
    const ticker = SPLIT_ROTATION.tickers[k % SPLIT_ROTATION.tickers.length]!;
    out.push({ ticker, date, declaration: addTradingDays(date, -20), ratio: SPLIT_ROTATION.ratio[ticker] });
  }
  return out;
}

function castNames(n: number): string[] {
  return spreadTickers(3, 4_093, 777, n, new Set(KNOWN_SYMBOLS.map((s) => s.ticker)));
}

export interface EventCast {
  halts: Required<SimHaltInput>[];
  delistings: SimDelistingInput[];
  tickerChanges: SimTickerChangeInput[];
  missingBars: SimMissingBarsInput[];
}

let cast: EventCast | undefined;

/**
 * The seeded rare events, on dedicated three-letter tickers that are part of the default universe:
 * six multi-day halts (3-12 trading days, reopening −45 % to +20 %), four delistings, four ticker
 * changes, all between 2016 and mid-2026, and a three-day hole in MTUM's bars (2019-08-12..14).
 */
export function simulatedEventCast(): EventCast {
  if (cast) return cast;
  const names = castNames(18);
  const dateIn = (key: string): IsoDate => {
    const r = seeded(key)();
    const start = Date.UTC(2016, 0, 4);
    const end = Date.UTC(2026, 5, 30);
    return tradingDayOnOrAfter(new Date(start + Math.floor(r * (end - start))).toISOString().slice(0, 10));
  };
  const halts = names.slice(0, 6).map((ticker) => {
    const rand = seeded(`halt:${ticker}`);
    const from = dateIn(`halt-date:${ticker}`);
    const to = addTradingDays(from, 2 + Math.floor(rand() * 10));
    return { ticker, from, to, reopenReturn: Math.round((-0.45 + 0.65 * rand()) * 1000) / 1000 };
  });
  const delistings = names.slice(6, 10).map((ticker) => ({ ticker, date: dateIn(`delisting:${ticker}`) }));
  const tickerChanges = names.slice(10, 14).map((ticker, k) => ({ ticker, newTicker: names[14 + k]!, date: dateIn(`ticker-change:${ticker}`) }));
  cast = { halts, delistings, tickerChanges, missingBars: [{ ticker: 'MTUM', from: '2019-08-12', to: '2019-08-14' }] };
  return cast;
}

/** Tickers of the event cast under which they start (the renamed ones' new names come later). */
export function eventCastTickers(): string[] {
  const c = simulatedEventCast();
  return [...c.halts, ...c.delistings, ...c.tickerChanges].map((e) => e.ticker);
}

/** The seeded plan of one ticker (by the name it starts under) up to the end of `untilYear`. */
export function seededSchedule(ticker: string, untilYear: number): PlannedSchedule {
  const known = knownSymbol(ticker);
  const out: PlannedSchedule = { splits: [], dividends: [], halts: [], missing: [] };
  if (known) {
    if (known.dividends) out.dividends.push(...regularDividends(known.dividends, untilYear));
    if (known.dividends?.capitalGains) out.dividends.push(...capitalGains(ticker, known.dividends.capitalGains, untilYear));
    for (const s of known.splits ?? []) {
      out.splits.push({ date: s.execution_date, declaration: addTradingDays(s.execution_date, -20), ratio: { split_from: s.split_from, split_to: s.split_to } });
    }
    out.splits.push(...rotationSplits(untilYear).filter((s) => s.ticker === ticker));
  } else {
    const policy = generatedDividendPolicy(ticker);
    if (policy) {
      out.dividends.push(...regularDividends(policy, untilYear));
      out.dividends.push(...specialDividends(ticker, untilYear));
    }
    out.splits.push(...splitSlots(ticker, untilYear));
  }
  const c = simulatedEventCast();
  for (const h of c.halts) if (h.ticker === ticker) out.halts.push({ from: h.from, to: h.to, reopenReturn: h.reopenReturn });
  for (const d of c.delistings) if (d.ticker === ticker) out.delisting = d.date;
  for (const t of c.tickerChanges) if (t.ticker === ticker) out.tickerChange = { newTicker: t.newTicker, date: t.date };
  for (const m of c.missingBars) if (m.ticker === ticker) out.missing.push({ from: m.from, to: m.to });
  return out;
}

/** Throws an Error naming the field unless `d` is a valid date (and a trading day when asked). */
export function checkDate(field: string, d: unknown, tradingDay = false): IsoDate {
  if (!isValidIsoDate(d)) throw new Error(`${field}: expected a date YYYY-MM-DD, got ${JSON.stringify(d)}`);
  if (tradingDay && !isTradingDay(d)) throw new Error(`${field}: ${d} is not an NYSE trading day`);
  if (d < SIM_START_DATE) throw new Error(`${field}: ${d} is before the simulated history starts (${SIM_START_DATE})`);
  return d;
}

const TICKER_RE = /^[A-Z][A-Z0-9.]{0,9}$/;

/** Vendor tickers are case-sensitive upper-case symbols. */
export function isValidTicker(t: string): boolean {
  return TICKER_RE.test(t);
}

export function checkTicker(field: string, t: unknown): string {
  if (typeof t !== 'string' || !isValidTicker(t)) throw new Error(`${field}: expected an upper-case ticker, got ${JSON.stringify(t)}`);
  return t;
}

/** A deterministic vendor-like id for a row. */
export function rowId(prefix: string, ...parts: (string | number)[]): string {
  const key = parts.join(':');
  return `${prefix}${fnv1a(key).toString(16).padStart(8, '0')}${fnv1a(`${key}:2`).toString(16).padStart(8, '0')}`;
}
