/**
 * The simulator's prices and corporate actions, consistent with each other and with the simulated
 * "today".
 *
 * Per security the model builds one path from the first simulated day: the economic return of each
 * day (sim-market.ts), a slow pull towards the price level of a known symbol (sim-symbols.ts), the
 * jump of a halted ticker at its reopening, then the day's split (the as-traded price is divided by
 * the ratio) and ex-dividend drop (the price falls by the cash amount, so total return is continuous).
 * Closes are as traded; a split-adjusted close is the as-traded close times the splits executed after
 * that day up to today. Nothing served on or before today changes when today moves or when a split is
 * announced: only adjusted bars do.
 */
import { addTradingDays, isTradingDay, nyDateOf, tradingDayOnOrAfter, tradingDayOnOrBefore, tradingDayOrdinal, tradingDaysBetween } from '../calc/trading-calendar.js';
import type { IsoDate } from '../calc/types.js';
import { looksLikeMutualFund } from './fetch-planner.js';
import { fnv1a, mulberry32, seeded } from './prng.js';
import { checkDate, checkTicker, dividendDates, isValidTicker, rowId, seededSchedule, simulatedEventCast } from './sim-events.js';
import type {
  DividendFrequency,
  DividendType,
  PlannedDividend,
  PlannedSchedule,
  SimDividendInput,
  SimEventOptions,
  SimSplitInput,
} from './sim-events.js';
import { economicReturns, FactorPaths, isDecliner, SIM_START_DATE, simulatedLoadings } from './sim-market.js';
import { knownSymbol, PRICE_LEVEL_REF, SECTOR_SIC, SPLIT_ROTATION } from './sim-symbols.js';
import type { Sector } from './sim-symbols.js';

export interface SimBar {
  date: IsoDate;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw: number;
  n: number;
  t: number;
}

export interface SplitRow {
  id: string;
  ticker: string;
  execution_date: IsoDate;
  split_from: number;
  split_to: number;
}

export interface DividendRow {
  id: string;
  ticker: string;
  cash_amount: number;
  currency: 'USD';
  declaration_date: IsoDate;
  ex_dividend_date: IsoDate;
  record_date: IsoDate;
  pay_date: IsoDate;
  frequency: DividendFrequency;
  dividend_type: DividendType;
}

export interface TickerDetails {
  ticker: string;
  name: string;
  market: 'stocks';
  locale: 'us';
  primary_exchange: string;
  type: 'CS' | 'ETF';
  active: boolean;
  currency_name: 'usd';
  cik: string;
  composite_figi: string;
  share_class_figi: string;
  ticker_root: string;
  list_date: IsoDate;
  delisted_utc?: string;
  market_cap?: number;
  sic_code?: string;
  sic_description?: string;
  share_class_shares_outstanding: number;
  weighted_shares_outstanding: number;
  round_lot: number;
}

export interface TickerEvents {
  name: string;
  composite_figi: string;
  cik: string;
  events: { type: 'ticker_change'; date: IsoDate; ticker_change: { ticker: string } }[];
}

export interface PriceModelOptions {
  /** Tickers whose bars start at a later date (IPO); their ticker details list that date. */
  ipoDates?: Readonly<Record<string, IsoDate>>;
  /** Tickers without any data (bars, reference data), besides fund-like ones. */
  noDataTickers?: readonly string[];
  events?: SimEventOptions;
  /** The simulated today (default: the New York calendar date of the wall clock, read on every use). */
  today?: IsoDate;
}

/** Pull of a known symbol's price towards its level, per day, on the log gap (half-life ~170 trading days). */
const LEVEL_PULL = 0.004;
/** Days computed beyond today, so that announced events and their amounts exist. */
const LOOKAHEAD = 64;

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

const midnights = new Map<IsoDate, number>();

/** Midnight America/New_York of a date, in UTC milliseconds (what Polygon puts in `t` of daily bars). */
export function nyMidnightMs(d: IsoDate): number {
  let ms = midnights.get(d);
  if (ms === undefined) {
    const est = Date.parse(`${d}T00:00:00Z`) + 5 * 3_600_000;
    // During daylight saving, midnight is 04:00 UTC: one hour before the EST guess is still date d.
    ms = nyDateOf(est - 3_600_000) === d ? est - 3_600_000 : est;
    midnights.set(d, ms);
  }
  return ms;
}

interface RealizedSplit {
  index: number;
  date: IsoDate;
  declaration: IsoDate;
  split_from: number;
  split_to: number;
}

interface RealizedDividend {
  index: number;
  planned: PlannedDividend;
  cash: number;
}

interface Path {
  n: number;
  /** As-traded closes, unrounded. */
  closes: Float64Array;
  /** Days without a bar: NO_TRADING (before listing, halted, delisted) or MISSING (traded, but the vendor has no bar). */
  hidden: Uint8Array;
  splits: RealizedSplit[];
  dividends: RealizedDividend[];
  /** Days with a split or a dividend: the split ratio (old shares per new) and the cash per new share. */
  eventDays: Map<number, { ratio: number; cash: number }>;
  /** First index traded under the new ticker (n when the security never changes ticker). */
  changeIndex: number;
  newTicker: string | undefined;
  delistIndex: number;
  listIndex: number;
}

const NO_TRADING = 1;
const MISSING = 2;

const ORD0 = tradingDayOrdinal(SIM_START_DATE);

/**
 * Paths without planted events are the same in every model of a seed and horizon: models in one
 * process (tests and benchmarks start many simulators) share them, and the factor paths. The two
 * most recent (seed, horizon) sets are kept.
 */
const sharedPaths = new Map<string, Map<string, Path>>();
const sharedFactors = new Map<number, FactorPaths>();
/** Scratch buffer for a path's economic returns (paths are built one at a time). */
let econScratch = new Float64Array(0);

function sharedSet(key: string): Map<string, Path> {
  let set = sharedPaths.get(key);
  if (set) {
    sharedPaths.delete(key);
    sharedPaths.set(key, set);
    return set;
  }
  set = new Map();
  sharedPaths.set(key, set);
  if (sharedPaths.size > 2) sharedPaths.delete(sharedPaths.keys().next().value!);
  return set;
}

/** Index of a trading day in the simulated history (−1 when not a trading day). */
function dayIndex(d: IsoDate): number {
  const o = tradingDayOrdinal(d);
  return o < 0 ? -1 : o - ORD0;
}

function firstIndexOnOrAfter(d: IsoDate): number {
  return d <= SIM_START_DATE ? 0 : dayIndex(tradingDayOnOrAfter(d));
}

const emptySchedule = (): PlannedSchedule => ({ splits: [], dividends: [], halts: [], missing: [] });

/** The price a ticker without a level starts from: log-uniform in $8-350 ($3-25 for decliners). */
function startPrice(ticker: string): number {
  const known = knownSymbol(ticker);
  if (known?.price.start !== undefined) return known.price.start;
  const u = seeded(`price:${ticker}`)();
  const [lo, hi] = isDecliner(ticker) ? [3, 25] : [8, 350];
  return Math.round(lo * (hi / lo) ** u * 100) / 100;
}

function capitalise(t: string): string {
  return t.charAt(0) + t.slice(1).toLowerCase();
}

const SECTOR_SUFFIX: Readonly<Record<Sector, string>> = {
  technology: 'Technologies Inc.',
  consumer: 'Brands Inc.',
  financials: 'Financial Corp.',
  energy: 'Energy Inc.',
  healthcare: 'Therapeutics Inc.',
  utilities: 'Utilities Co.',
  industrials: 'Industries Inc.',
};

/** Deterministic prices and corporate actions, shared by the server and by tests that seed a cache directly. */
export class PriceModel {
  private readonly paths: FactorPaths;
  private days: IsoDate[] = [];
  /** 1 on the first trading day of a year. */
  private newYear = new Uint8Array(0);
  private readonly cache = new Map<string, Path>();
  private readonly explicit = new Map<string, PlannedSchedule>();
  /** New ticker → the ticker the security started under, and the change date. */
  private readonly renamedFrom = new Map<string, { root: string; date: IsoDate }>();
  private readonly seededEvents: boolean;
  private readonly ipoDates: Readonly<Record<string, IsoDate>>;
  private readonly noData: Set<string>;
  private fixedToday: IsoDate | undefined;
  /** Index of the latest planted split or dividend: announced ones must exist however far ahead they are. */
  private plantedUpTo = 0;

  constructor(
    readonly seed = 42,
    options: PriceModelOptions = {},
  ) {
    let paths = sharedFactors.get(seed);
    if (!paths) {
      paths = new FactorPaths(seed);
      sharedFactors.set(seed, paths);
    }
    this.paths = paths;
    this.ipoDates = { ...options.ipoDates };
    this.noData = new Set(options.noDataTickers ?? []);
    this.seededEvents = options.events?.seeded ?? true;
    if (options.today !== undefined) this.fixedToday = checkDate('today', options.today);
    if (this.seededEvents) for (const c of simulatedEventCast().tickerChanges) this.renamedFrom.set(c.newTicker, { root: c.ticker, date: c.date });
    this.addExplicit(options.events ?? {});
  }

  private addExplicit(ev: SimEventOptions): void {
    (ev.tickerChanges ?? []).forEach((c, k) => {
      const f = `events.tickerChanges[${k}]`;
      const root = this.rootOf(checkTicker(`${f}.ticker`, c.ticker));
      const newTicker = checkTicker(`${f}.newTicker`, c.newTicker);
      const date = checkDate(`${f}.date`, c.date);
      if (this.renamedFrom.has(newTicker)) throw new Error(`${f}.newTicker: ${newTicker} is already the new name of another ticker`);
      for (const [t, r] of this.renamedFrom) if (r.root === root) this.renamedFrom.delete(t);
      this.planOf(root).tickerChange = { newTicker, date };
      this.renamedFrom.set(newTicker, { root, date });
    });
    (ev.splits ?? []).forEach((s, k) => this.planSplit(`events.splits[${k}]`, s, undefined));
    (ev.dividends ?? []).forEach((d, k) => this.planDividend(`events.dividends[${k}]`, d, undefined));
    (ev.halts ?? []).forEach((h, k) => {
      const f = `events.halts[${k}]`;
      const root = this.rootOf(checkTicker(`${f}.ticker`, h.ticker));
      const from = checkDate(`${f}.from`, h.from);
      const to = checkDate(`${f}.to`, h.to);
      if (to < from) throw new Error(`${f}.to: ${to} is before from (${from})`);
      const reopenReturn = h.reopenReturn ?? -0.3;
      if (!(reopenReturn > -1)) throw new Error(`${f}.reopenReturn: must be above −1, got ${reopenReturn}`);
      this.planOf(root).halts.push({ from, to, reopenReturn });
    });
    (ev.delistings ?? []).forEach((d, k) => {
      const f = `events.delistings[${k}]`;
      this.planOf(this.rootOf(checkTicker(`${f}.ticker`, d.ticker))).delisting = checkDate(`${f}.date`, d.date);
    });
    (ev.missingBars ?? []).forEach((m, k) => {
      const f = `events.missingBars[${k}]`;
      const root = this.rootOf(checkTicker(`${f}.ticker`, m.ticker));
      this.planOf(root).missing.push({ from: checkDate(`${f}.from`, m.from), to: checkDate(`${f}.to`, m.to) });
    });
  }

  private planOf(root: string): PlannedSchedule {
    let p = this.explicit.get(root);
    if (!p) {
      p = emptySchedule();
      this.explicit.set(root, p);
    }
    this.cache.delete(root);
    return p;
  }

  private planSplit(f: string, s: SimSplitInput, after: IsoDate | undefined): SplitRow {
    const ticker = checkTicker(`${f}.ticker`, s.ticker);
    const date = checkDate(`${f}.execution_date`, s.execution_date, true);
    if (after !== undefined && date <= after) {
      throw new Error(`${f}.execution_date: ${date} is not after the simulated today (${after}); bars already served never change`);
    }
    for (const key of ['split_from', 'split_to'] as const) {
      if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`${f}.${key}: expected a positive integer, got ${String(s[key])}`);
    }
    if (s.split_from === s.split_to) throw new Error(`${f}: split_from equals split_to (${s.split_from})`);
    const declaration = s.declaration_date === undefined ? (after ?? addTradingDays(date, -15)) : checkDate(`${f}.declaration_date`, s.declaration_date);
    this.planOf(this.rootOf(ticker)).splits.push({ date, declaration, ratio: { split_from: s.split_from, split_to: s.split_to } });
    this.plantedUpTo = Math.max(this.plantedUpTo, dayIndex(date));
    return { id: rowId('E', ticker, date, s.split_from, s.split_to), ticker, execution_date: date, split_from: s.split_from, split_to: s.split_to };
  }

  private planDividend(f: string, d: SimDividendInput, after: IsoDate | undefined): void {
    const ticker = checkTicker(`${f}.ticker`, d.ticker);
    const ex = checkDate(`${f}.ex_dividend_date`, d.ex_dividend_date, true);
    if (after !== undefined && ex <= after) {
      throw new Error(`${f}.ex_dividend_date: ${ex} is not after the simulated today (${after}); bars already served never change`);
    }
    if (!(typeof d.cash_amount === 'number' && d.cash_amount > 0 && Number.isFinite(d.cash_amount))) {
      throw new Error(`${f}.cash_amount: expected a positive number, got ${String(d.cash_amount)}`);
    }
    const type = d.dividend_type ?? 'CD';
    if (!['CD', 'SC', 'LT', 'ST'].includes(type)) throw new Error(`${f}.dividend_type: expected CD, SC, LT or ST, got ${String(type)}`);
    const frequency = d.frequency ?? (type === 'CD' ? 4 : 0);
    if (![0, 1, 2, 4, 12].includes(frequency)) throw new Error(`${f}.frequency: expected 0, 1, 2, 4 or 12, got ${String(frequency)}`);
    const declaration = d.declaration_date === undefined ? after : checkDate(`${f}.declaration_date`, d.declaration_date);
    this.planOf(this.rootOf(ticker)).dividends.push({
      ex,
      ...(declaration !== undefined ? { declaration } : {}),
      ...(d.record_date !== undefined ? { record: checkDate(`${f}.record_date`, d.record_date) } : {}),
      ...(d.pay_date !== undefined ? { pay: checkDate(`${f}.pay_date`, d.pay_date) } : {}),
      declarationLag: 15,
      payLag: 10,
      type,
      frequency,
      amount: { cash: d.cash_amount },
      decimals: 6,
    });
    this.plantedUpTo = Math.max(this.plantedUpTo, dayIndex(ex));
  }

  /** The simulated today. */
  today(): IsoDate {
    return this.fixedToday ?? nyDateOf(Date.now());
  }

  /** Moves the simulated today (undefined: follow the wall clock). */
  setToday(d: IsoDate | undefined): void {
    this.fixedToday = d === undefined ? undefined : checkDate('today', d);
  }

  /**
   * Announces a split after today (declared today). Bars served so far keep their as-traded prices;
   * adjusted bars change once today reaches the execution date.
   */
  addSplit(split: SimSplitInput): SplitRow {
    return this.planSplit('split', split, this.today());
  }

  /** Announces a dividend whose ex-date is after today (declared today unless given). */
  addDividend(dividend: SimDividendInput): void {
    this.planDividend('dividend', dividend, this.today());
  }

  /** The ticker a security started under (itself unless it is the new name of a ticker change). */
  rootOf(ticker: string): string {
    return this.renamedFrom.get(ticker)?.root ?? ticker;
  }

  /** Whether `ticker` has exchange bars at all (fund-like and no-data tickers have none). */
  hasBars(ticker: string): boolean {
    return isValidTicker(ticker) && !looksLikeMutualFund(ticker) && !this.noData.has(ticker) && !this.noData.has(this.rootOf(ticker));
  }

  private todayIndex(): number {
    const t = this.today();
    if (t < SIM_START_DATE) return -1;
    return dayIndex(tradingDayOnOrBefore(t));
  }

  /** Grows the computed history to at least index `i` and today plus the lookahead (a year more when it grows again). */
  private ensureHorizon(i: number, todayIdx: number): void {
    const need = Math.max(i + 1, todayIdx + 1 + LOOKAHEAD, this.plantedUpTo + 1);
    if (need <= this.days.length) return;
    const end = addTradingDays(SIM_START_DATE, (this.days.length === 0 ? need : need + 252) - 1);
    this.days = tradingDaysBetween(SIM_START_DATE, end);
    this.newYear = new Uint8Array(this.days.length);
    for (let k = 1; k < this.days.length; k++) if (this.days[k]!.slice(0, 4) !== this.days[k - 1]!.slice(0, 4)) this.newYear[k] = 1;
    this.cache.clear();
  }

  private schedule(root: string): PlannedSchedule {
    const untilYear = Number(this.days[this.days.length - 1]!.slice(0, 4));
    const base = this.seededEvents ? seededSchedule(root, untilYear) : emptySchedule();
    const extra = this.explicit.get(root);
    if (!extra) return base;
    return {
      splits: [...base.splits, ...extra.splits],
      dividends: [...base.dividends, ...extra.dividends],
      halts: [...base.halts, ...extra.halts],
      missing: [...base.missing, ...extra.missing],
      ...(extra.delisting ?? base.delisting ? { delisting: (extra.delisting ?? base.delisting)! } : {}),
      ...(extra.tickerChange ?? base.tickerChange ? { tickerChange: (extra.tickerChange ?? base.tickerChange)! } : {}),
    };
  }

  /** log of the level a known symbol is pulled towards: a + perDay · (i − refIndex), or undefined. */
  private levelOf(root: string): { a: number; perDay: number; refIndex: number } | undefined {
    const known = knownSymbol(root);
    if (known?.price.level === undefined) return undefined;
    const refIndex = dayIndex(tradingDayOnOrBefore(PRICE_LEVEL_REF));
    // The seeded splits with fixed ratios set the basis at the reference date and the growth that offsets them.
    let logSplitAtRef = 0;
    let splitGrowth = 0;
    if (this.seededEvents) {
      for (const s of seededSchedule(root, Number(PRICE_LEVEL_REF.slice(0, 4))).splits) {
        if (s.ratio !== 'price-triggered' && s.date <= PRICE_LEVEL_REF) logSplitAtRef += Math.log(s.ratio.split_to / s.ratio.split_from);
      }
      const rot = (SPLIT_ROTATION.tickers as readonly string[]).includes(root) ? SPLIT_ROTATION.ratio[root as (typeof SPLIT_ROTATION.tickers)[number]] : undefined;
      if (rot) splitGrowth = Math.log(rot.split_to / rot.split_from) / (SPLIT_ROTATION.spacing * SPLIT_ROTATION.tickers.length);
    }
    return { a: Math.log(known.price.level) + logSplitAtRef, perDay: (known.price.growth ?? 0) / 252 + splitGrowth, refIndex };
  }

  /** The path of a security; the caller has called ensureHorizon for the days it reads. */
  private path(root: string): Path {
    const cached = this.cache.get(root);
    if (cached) return cached;
    const n = this.days.length;
    // A path without planted events can come from (and go to) the process-wide set.
    const shared = this.explicit.has(root) ? undefined : sharedSet(`${this.seed}:${this.seededEvents}:${n}`);
    const sharedKey = `${root}\u0000${this.ipoDates[root] ?? ''}`;
    const fromShared = shared?.get(sharedKey);
    if (fromShared) {
      this.cache.set(root, fromShared);
      return fromShared;
    }
    const plan = this.schedule(root);
    econScratch = econScratch.length >= n ? econScratch : new Float64Array(n);
    const econ = economicReturns(root, this.paths, n, econScratch);
    const level = this.levelOf(root);
    const hidden = new Uint8Array(n);
    const ipo = this.ipoDates[root];
    const listIndex = ipo === undefined ? 0 : Math.min(n, firstIndexOnOrAfter(ipo));
    const delistIndex = plan.delisting === undefined ? n : Math.min(n, firstIndexOnOrAfter(plan.delisting));
    const changeIndex = plan.tickerChange === undefined ? n : Math.min(n, firstIndexOnOrAfter(plan.tickerChange.date));
    hidden.fill(NO_TRADING, 0, listIndex);
    hidden.fill(NO_TRADING, delistIndex, n);
    const reopen = new Map<number, number>();
    for (const h of plan.halts) {
      const a = firstIndexOnOrAfter(h.from);
      const b = dayIndex(tradingDayOnOrBefore(h.to));
      if (b < a || a >= n) continue;
      hidden.fill(NO_TRADING, a, Math.min(n, b + 1));
      if (b + 1 < n) reopen.set(b + 1, (1 + (reopen.get(b + 1) ?? 0)) * (1 + h.reopenReturn) - 1);
    }
    for (const m of plan.missing) {
      const a = firstIndexOnOrAfter(m.from);
      const b = dayIndex(tradingDayOnOrBefore(m.to));
      if (b < a || a >= n) continue;
      for (let k = a; k <= b && k < n; k++) if (hidden[k] === 0) hidden[k] = MISSING;
    }
    // Events by day index, in date order; the loop below walks them with cursors.
    const splitEvents = plan.splits
      .map((sp) => ({ i: dayIndex(sp.date), sp }))
      .filter((e) => e.i > listIndex && e.i < delistIndex && e.i < n)
      .sort((a, b) => a.i - b.i);
    const dividendEvents = plan.dividends
      .map((d) => ({ i: dayIndex(d.ex), d }))
      .filter((e) => e.i > listIndex && e.i < delistIndex && e.i < n)
      .sort((a, b) => a.i - b.i);
    const reopenEvents = [...reopen].sort((a, b) => a[0] - b[0]);
    const { closes, splits, dividends } = walkPath({
      n,
      econ,
      newYear: this.newYear,
      days: this.days,
      start: level ? Math.exp(level.a - level.perDay * level.refIndex) : startPrice(root),
      level,
      splitEvents,
      dividendEvents,
      reopenEvents,
    });
    const eventDays = new Map<number, { ratio: number; cash: number }>();
    for (const sp of splits) {
      const e = eventDays.get(sp.index) ?? { ratio: 1, cash: 0 };
      e.ratio *= sp.split_from / sp.split_to;
      eventDays.set(sp.index, e);
    }
    for (const d of dividends) {
      const e = eventDays.get(d.index) ?? { ratio: 1, cash: 0 };
      e.cash += d.cash;
      eventDays.set(d.index, e);
    }
    const p: Path = { n, closes, hidden, splits, dividends, eventDays, changeIndex, newTicker: plan.tickerChange?.newTicker, delistIndex, listIndex };
    this.cache.set(root, p);
    shared?.set(sharedKey, p);
    return p;
  }

  /** Index range [lo, hi) in which `ticker` is the security's name, or undefined for a ticker without bars. */
  private nameWindow(ticker: string, p: Path): [number, number] {
    return this.renamedFrom.has(ticker) ? [p.changeIndex, p.n] : [0, p.changeIndex];
  }

  /** Split factor S_i / S_today: what an as-traded value of day i is multiplied by to be in today's share basis. */
  private adjustment(p: Path, i: number, todayIdx: number): number {
    let f = 1;
    for (const s of p.splits) if (s.index > i && s.index <= todayIdx) f *= s.split_from / s.split_to;
    return f;
  }

  private barAt(root: string, p: Path, i: number, adj: number): SimBar {
    const c = p.closes[i]! * adj;
    let prev: number;
    if (i === 0 || p.hidden[i - 1] === NO_TRADING) prev = c;
    else {
      // Yesterday's close in today's share basis, less today's dividend: where the day opens.
      const e = p.eventDays.get(i);
      prev = (e ? p.closes[i - 1]! * e.ratio - e.cash : p.closes[i - 1]!) * adj;
    }
    const rand = mulberry32(fnv1a(`bar:${this.seed}:${root}:${i}`));
    const o = prev * (1 + (rand() - 0.5) * 0.004);
    const h = Math.max(o, c) * (1 + rand() * 0.006);
    const l = Math.min(o, c) * (1 - rand() * 0.006);
    const baseVolume = 1e5 + (fnv1a(`vol:${root}`) % 5e7);
    // Polygon volumes can be fractional (e.g. 9.4493006e+07); some tickers get fractional volumes.
    const rawVolume = (baseVolume * (0.5 + rand())) / adj;
    const v = fnv1a(`fracvol:${root}`) % 3 === 0 ? Math.round(rawVolume * 10) / 10 : Math.round(rawVolume);
    const date = this.days[i]!;
    return {
      date,
      o: round4(o),
      h: round4(h),
      l: round4(l),
      c: round4(c),
      v,
      vw: round4((o + h + l + c) / 4),
      n: Math.round(v / 120),
      t: nyMidnightMs(date),
    };
  }

  /**
   * Daily bars of `ticker` on trading days in [from, to], never after today: as traded with
   * `adjusted: false`, split-adjusted to today's share basis otherwise (the vendor's default). Empty
   * for fund-like tickers, before listing, after delisting, during halts and holes, and outside the
   * days the ticker is the security's name.
   */
  bars(ticker: string, from: IsoDate, to: IsoDate, opts: { adjusted?: boolean } = {}): SimBar[] {
    if (!this.hasBars(ticker)) return [];
    const today = this.today();
    const end = to < today ? to : today;
    const start = from > SIM_START_DATE ? from : SIM_START_DATE;
    if (start > end) return [];
    const lastIdx = dayIndex(tradingDayOnOrBefore(end));
    const firstIdx = firstIndexOnOrAfter(start);
    if (lastIdx < firstIdx) return [];
    const root = this.rootOf(ticker);
    const todayIdx = this.todayIndex();
    this.ensureHorizon(lastIdx, todayIdx);
    const p = this.path(root);
    const [lo, hi] = this.nameWindow(ticker, p);
    const adjusted = opts.adjusted ?? true;
    const out: SimBar[] = [];
    for (let i = Math.max(firstIdx, lo); i <= lastIdx && i < hi; i++) {
      if (p.hidden[i] !== 0) continue;
      out.push(this.barAt(root, p, i, adjusted ? this.adjustment(p, i, todayIdx) : 1));
    }
    return out;
  }

  /** The bar of `ticker` on trading day `date`, if any. */
  barOn(ticker: string, date: IsoDate, opts: { adjusted?: boolean } = {}): SimBar | undefined {
    if (!isTradingDay(date)) return undefined;
    return this.bars(ticker, date, date, opts)[0];
  }

  /** The grouped-daily rows of `date` for the securities of `tickers` (each under its name on that date). */
  grouped(date: IsoDate, tickers: Iterable<string>, opts: { adjusted?: boolean } = {}): (SimBar & { T: string })[] {
    if (!isTradingDay(date) || date < SIM_START_DATE || date > this.today()) return [];
    const i = dayIndex(date);
    const todayIdx = this.todayIndex();
    this.ensureHorizon(i, todayIdx);
    const adjusted = opts.adjusted ?? true;
    const seen = new Set<string>();
    const out: (SimBar & { T: string })[] = [];
    for (const t of tickers) {
      if (!this.hasBars(t)) continue;
      const root = this.rootOf(t);
      if (seen.has(root)) continue;
      seen.add(root);
      const p = this.path(root);
      if (p.hidden[i] !== 0) continue;
      const name = i >= p.changeIndex ? p.newTicker! : root;
      out.push({ T: name, ...this.barAt(root, p, i, adjusted ? this.adjustment(p, i, todayIdx) : 1) });
    }
    return out;
  }

  private nameAt(root: string, p: Path, i: number): string {
    return i >= p.changeIndex ? p.newTicker! : root;
  }

  /** Roots of the securities behind `tickers` plus those with planned events. */
  private rootsOf(tickers: Iterable<string>): string[] {
    const roots = new Set<string>();
    for (const t of tickers) if (this.hasBars(t)) roots.add(this.rootOf(t));
    for (const r of this.explicit.keys()) if (this.hasBars(r)) roots.add(r);
    return [...roots];
  }

  /**
   * Rows of the events (`of`) of the securities behind `tickers` (or of `ticker` alone) announced
   * on or before today, each under the ticker in force on its day.
   */
  private announced<E extends { index: number }, R>(
    scope: { ticker?: string; tickers?: Iterable<string> },
    of: (p: Path) => readonly E[],
    declaration: (e: E) => IsoDate,
    row: (ticker: string, e: E) => R,
  ): R[] {
    const today = this.today();
    const roots = scope.ticker !== undefined ? (this.hasBars(scope.ticker) ? [this.rootOf(scope.ticker)] : []) : this.rootsOf(scope.tickers ?? []);
    this.ensureHorizon(0, this.todayIndex());
    const out: R[] = [];
    for (const root of roots) {
      const p = this.path(root);
      for (const e of of(p)) {
        if (declaration(e) > today) continue;
        const ticker = this.nameAt(root, p, e.index);
        if (scope.ticker === undefined || ticker === scope.ticker) out.push(row(ticker, e));
      }
    }
    return out;
  }

  /** Splits announced on or before today (including those executing later); see `announced`. */
  splits(scope: { ticker?: string; tickers?: Iterable<string> }): SplitRow[] {
    return this.announced(
      scope,
      (p) => p.splits,
      (s) => s.declaration,
      (ticker, s) => ({ id: rowId('E', ticker, s.date, s.split_from, s.split_to), ticker, execution_date: s.date, split_from: s.split_from, split_to: s.split_to }),
    );
  }

  /** Dividends declared on or before today (including those going ex later); see `announced`. */
  dividends(scope: { ticker?: string; tickers?: Iterable<string> }): DividendRow[] {
    return this.announced(
      scope,
      (p) => p.dividends,
      (d) => dividendDates(d.planned).declaration,
      (ticker, d) => {
        const pl = d.planned;
        const dates = dividendDates(pl);
        return {
          id: rowId('E', ticker, pl.ex, pl.type, d.cash),
          ticker,
          cash_amount: d.cash,
          currency: 'USD' as const,
          declaration_date: dates.declaration,
          ex_dividend_date: pl.ex,
          record_date: dates.record,
          pay_date: dates.pay,
          frequency: pl.frequency,
          dividend_type: pl.type,
        };
      },
    );
  }

  /** Listing facts of a security as of today, or undefined when the vendor would not know `ticker` (404). */
  private listing(ticker: string): { root: string; p: Path; listDate: IsoDate; todayIdx: number } | undefined {
    if (!this.hasBars(ticker)) return undefined;
    const root = this.rootOf(ticker);
    const today = this.today();
    const todayIdx = this.todayIndex();
    if (todayIdx < 0) return undefined;
    this.ensureHorizon(todayIdx, todayIdx);
    const p = this.path(root);
    const renamed = this.renamedFrom.get(ticker);
    if (renamed && renamed.date > today) return undefined;
    const ipo = this.ipoDates[root];
    if (ipo !== undefined && ipo > today) return undefined;
    const known = knownSymbol(root);
    const listDate = renamed ? renamed.date : (ipo ?? known?.listDate ?? hashedListDate(root));
    return { root, p, listDate, todayIdx };
  }

  /** What GET /v3/reference/tickers/{ticker} answers, or undefined for a 404. */
  tickerDetails(ticker: string): TickerDetails | undefined {
    const l = this.listing(ticker);
    if (!l) return undefined;
    const { root, p, todayIdx } = l;
    const known = knownSymbol(root);
    const today = this.today();
    const delisted = p.delistIndex < p.n && this.days[p.delistIndex]! <= today ? this.days[p.delistIndex]! : undefined;
    const renamedAway = ticker === root && p.newTicker !== undefined && this.days[p.changeIndex]! <= today ? this.days[p.changeIndex]! : undefined;
    const inactiveSince = delisted ?? renamedAway;
    const shares0 = known?.shares ?? 5e7 + (fnv1a(`shares:${root}`) % 1_950_000_000);
    let S = 1;
    for (const s of p.splits) if (s.index <= todayIdx) S *= s.split_to / s.split_from;
    const shares = Math.round(shares0 * S);
    let lastClose: number | undefined;
    for (let i = Math.min(todayIdx, p.n - 1); i >= 0; i--) {
      if (p.hidden[i] === 0) {
        lastClose = p.closes[i]!;
        break;
      }
    }
    const loadings = simulatedLoadings(root);
    const type = known?.type ?? 'CS';
    const sic = known ? known.sic : type === 'CS' && loadings.sector ? SECTOR_SIC[loadings.sector][fnv1a(`sic:${root}`) % 3]! : undefined;
    const out: TickerDetails = {
      ticker,
      name: known?.name ?? `${capitalise(ticker)} ${SECTOR_SUFFIX[loadings.sector ?? 'industrials']}`,
      market: 'stocks',
      locale: 'us',
      primary_exchange: known?.primaryExchange ?? (fnv1a(`exchange:${root}`) % 2 === 0 ? 'XNAS' : 'XNYS'),
      type,
      active: inactiveSince === undefined,
      currency_name: 'usd',
      cik: String(fnv1a(`cik:${root}`) % 2_000_000).padStart(10, '0'),
      composite_figi: figi(`composite:${root}`),
      share_class_figi: figi(`share-class:${root}`),
      ticker_root: ticker,
      list_date: l.listDate,
      share_class_shares_outstanding: shares,
      weighted_shares_outstanding: shares,
      round_lot: 100,
    };
    if (inactiveSince !== undefined) out.delisted_utc = `${inactiveSince}T00:00:00Z`;
    if (type === 'CS' && lastClose !== undefined) out.market_cap = Math.round(lastClose * shares * 100) / 100;
    if (sic) {
      out.sic_code = sic[0];
      out.sic_description = sic[1];
    }
    return out;
  }

  /** What GET /vX/reference/tickers/{ticker}/events answers, or undefined for a 404. */
  tickerEvents(ticker: string): TickerEvents | undefined {
    const l = this.listing(ticker);
    if (!l) return undefined;
    const { root, p } = l;
    const today = this.today();
    const known = knownSymbol(root);
    const listDate = this.ipoDates[root] ?? known?.listDate ?? hashedListDate(root);
    const events: TickerEvents['events'] = [];
    const changed = p.newTicker !== undefined && this.days[p.changeIndex]! <= today;
    if (changed) events.push({ type: 'ticker_change', date: this.days[p.changeIndex]!, ticker_change: { ticker: p.newTicker! } });
    events.push({ type: 'ticker_change', date: listDate, ticker_change: { ticker: root } });
    const current = changed ? p.newTicker! : root;
    const details = this.tickerDetails(current);
    return {
      name: details?.name ?? current,
      composite_figi: figi(`composite:${root}`),
      cik: String(fnv1a(`cik:${root}`) % 2_000_000).padStart(10, '0'),
      events,
    };
  }

  /** Market-wide jump days of the simulated history up to `to` (for tests and documentation). */
  jumpDays(to: IsoDate): IsoDate[] {
    const last = dayIndex(tradingDayOnOrBefore(to));
    this.ensureHorizon(last, this.todayIndex());
    this.paths.ensure(this.days.length);
    const out: IsoDate[] = [];
    for (let i = 0; i <= last; i++) if (this.paths.jumpDays[i] === 1) out.push(this.days[i]!);
    return out;
  }
}

interface WalkInput {
  n: number;
  econ: Float64Array;
  newYear: Uint8Array;
  days: readonly IsoDate[];
  start: number;
  level: { a: number; perDay: number; refIndex: number } | undefined;
  splitEvents: { i: number; sp: PlannedSchedule['splits'][number] }[];
  dividendEvents: { i: number; d: PlannedDividend }[];
  reopenEvents: [number, number][];
}

/**
 * Walks a security's days: A is the value of one share of the first day (it moves with the
 * economic return and the level pull, and drops by each dividend), S the shares one such share has
 * become; the as-traded close is A / S.
 */
function walkPath(w: WalkInput): { closes: Float64Array; splits: RealizedSplit[]; dividends: RealizedDividend[] } {
  const { n, econ, newYear, splitEvents, dividendEvents, reopenEvents } = w;
  const closes = new Float64Array(n);
  const splits: RealizedSplit[] = [];
  const dividends: RealizedDividend[] = [];
  const pull = w.level ? LEVEL_PULL : 0;
  const levelA = w.level ? w.level.a - w.level.perDay * w.level.refIndex : 0;
  const levelSlope = w.level ? w.level.perDay : 0;
  let si = 0;
  let di = 0;
  let ri = 0;
  let A = w.start;
  let S = 1;
  let yearStart = A;
  closes[0] = A;
  for (let i = 1; i < n; i++) {
    if (newYear[i] === 1) yearStart = A;
    let r = econ[i]!;
    if (pull !== 0) r += pull * (levelA + levelSlope * i - Math.log(A));
    if (ri < reopenEvents.length && reopenEvents[ri]![0] === i) r = (1 + r) * (1 + reopenEvents[ri++]![1]) - 1;
    A *= 1 + Math.max(r, -0.9);
    const prevS = S;
    for (; si < splitEvents.length && splitEvents[si]!.i === i; si++) {
      const sp = splitEvents[si]!.sp;
      const ratio = sp.ratio === 'price-triggered' ? triggeredRatio(closes[i - 1]!) : sp.ratio;
      if (!ratio) continue;
      S *= ratio.split_to / ratio.split_from;
      splits.push({ index: i, date: w.days[i]!, declaration: sp.declaration, split_from: ratio.split_from, split_to: ratio.split_to });
    }
    for (; di < dividendEvents.length && dividendEvents[di]!.i === i; di++) {
      const d = dividendEvents[di]!.d;
      const amount = d.amount;
      // Yesterday's close in today's share basis.
      const prevClose = (closes[i - 1]! * prevS) / S;
      const raw = 'cash' in amount ? amount.cash : 'ofYearStart' in amount ? (amount.ofYearStart * yearStart) / S : amount.ofPrevClose * prevClose;
      const cash = roundTo(raw, d.decimals);
      if (!(cash > 0)) continue;
      A = Math.max(A - cash * S, 1e-6 * S);
      dividends.push({ index: i, planned: d, cash });
    }
    closes[i] = A / S;
  }
  return { closes, splits, dividends };
}

/** The ratio of a price-triggered split: forward above $400, reverse below $5, none in between. */
function triggeredRatio(close: number): { split_from: number; split_to: number } | undefined {
  if (close >= 400) {
    const k = [2, 3, 4, 5, 10, 20].find((x) => close / x <= 200) ?? 20;
    return { split_from: 1, split_to: k };
  }
  if (close > 0 && close < 5) {
    const k = [5, 10, 20, 50].find((x) => close * x >= 10) ?? 50;
    return { split_from: k, split_to: 1 };
  }
  return undefined;
}

function hashedListDate(root: string): IsoDate {
  const r = seeded(`list-date:${root}`)();
  const start = Date.UTC(1990, 0, 2);
  const end = Date.UTC(2014, 11, 1);
  return tradingDayOnOrAfter(new Date(start + Math.floor(r * (end - start))).toISOString().slice(0, 10));
}

function figi(key: string): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXYZ0123456789';
  const rand = seeded(key);
  let s = 'BBG';
  for (let k = 0; k < 9; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}
