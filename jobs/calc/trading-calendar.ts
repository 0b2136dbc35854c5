/**
 * The NYSE trading calendar for 1990-01-01..2100-12-31: the only calendar in the code base.
 *
 * Rules (NYSE Rule 7.2 and the exchange's published holiday lists):
 * - Weekends are closed.
 * - New Year's Day, 1 January; on a Sunday the Monday is closed; on a Saturday nothing is closed
 *   (the exchange keeps Friday 31 December open because it ends the accounting year).
 * - Martin Luther King Jr. Day (third Monday of January) from 1998, when the NYSE first closed for it.
 * - Washington's Birthday (third Monday of February), Good Friday, Memorial Day (last Monday of May),
 *   Juneteenth (19 June) from 2022, Independence Day (4 July), Labor Day (first Monday of September),
 *   Thanksgiving (fourth Thursday of November), Christmas (25 December).
 * - A fixed-date holiday on a Saturday closes the Friday before, on a Sunday the Monday after.
 * - One-off full-day closures since 1990 (CLOSURES below).
 *
 * Per-year tables are built lazily on first use and kept: a flag per day of the year, the year's
 * trading days as strings, and the number of trading days before each day of the year, so every
 * query is a string parse plus array lookups.
 */
import {
  MS_PER_DAY,
  dayNumberOf,
  daysInMonth,
  isLeapYear,
  isoFromParts,
  parseIsoParts,
  weekdayOfDayNumber,
} from './dates.js';
import type { IsoDate } from './types.js';

export const CALENDAR_MIN_DATE: IsoDate = '1990-01-01';
export const CALENDAR_MAX_DATE: IsoDate = '2100-12-31';
const MIN_YEAR = 1990;
const MAX_YEAR = 2100;

/**
 * Unscheduled full-day closures since 1990. Sources: NYSE press releases and the exchange's history
 * of closings ("NYSE Closings" compiled by the NYSE archives, as used by the public calendars
 * pandas_market_calendars and python-holidays).
 * Not closures (the exchange traded, with shortened hours): 1996-01-08 (blizzard: late open at 11:00
 * and early close at 14:00), 1990-12-27 (late open after a Con Edison transformer fire),
 * 1997-10-27 (circuit breaker halt at 15:30). They stay trading days.
 */
export const CLOSURES: Readonly<Record<IsoDate, string>> = {
  '1994-04-27': 'National day of mourning: President Richard M. Nixon',
  '2001-09-11': 'September 11 attacks',
  '2001-09-12': 'September 11 attacks',
  '2001-09-13': 'September 11 attacks',
  '2001-09-14': 'September 11 attacks',
  '2004-06-11': 'National day of mourning: President Ronald W. Reagan',
  '2007-01-02': 'National day of mourning: President Gerald R. Ford',
  '2012-10-29': 'Hurricane Sandy',
  '2012-10-30': 'Hurricane Sandy',
  '2018-12-05': 'National day of mourning: President George H. W. Bush',
  '2025-01-09': 'National day of mourning: President Jimmy Carter',
};

interface YearTable {
  readonly year: number;
  /** Day number of 1 January. */
  readonly firstDay: number;
  /** 1 when the day of year (0-based) is a trading day. */
  readonly open: Uint8Array;
  /** before[i] = trading days strictly before day of year i; before[daysInYear] = total. */
  readonly before: Uint16Array;
  /** Trading days of the year, ascending. */
  readonly days: readonly IsoDate[];
  /** Closed weekdays with their reason. */
  readonly holidays: ReadonlyMap<IsoDate, string>;
}

const tables = new Map<number, YearTable>();

function outOfRange(value: unknown): RangeError {
  return new RangeError(
    `Invalid trading-calendar date ${JSON.stringify(value)}: expected 'YYYY-MM-DD' between ${CALENDAR_MIN_DATE} and ${CALENDAR_MAX_DATE}`,
  );
}

/** Gregorian Easter Sunday (anonymous Gregorian / Meeus-Jones-Butcher algorithm). */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/** Day number of the n-th given weekday (0 = Sunday) of a month; n = -1 for the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = dayNumberOf(year, month, 1);
    const offset = (weekday - weekdayOfDayNumber(first) + 7) % 7;
    return first + offset + (n - 1) * 7;
  }
  const last = dayNumberOf(year, month + 1, 1) - 1;
  return last - ((weekdayOfDayNumber(last) - weekday + 7) % 7);
}

/** Saturday → Friday before, Sunday → Monday after. */
function observed(dayNumber: number): number {
  const wd = weekdayOfDayNumber(dayNumber);
  if (wd === 6) return dayNumber - 1;
  if (wd === 0) return dayNumber + 1;
  return dayNumber;
}

/** Rule-based holidays of a year as day number → name (weekdays only). */
function ruleHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const newYear = dayNumberOf(year, 1, 1);
  const newYearWd = weekdayOfDayNumber(newYear);
  if (newYearWd === 0) out.set(newYear + 1, "New Year's Day (observed)");
  else if (newYearWd !== 6) out.set(newYear, "New Year's Day");
  if (year >= 1998) out.set(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  const easter = easterSunday(year);
  out.set(dayNumberOf(year, easter.month, easter.day) - 2, 'Good Friday');
  out.set(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) out.set(observed(dayNumberOf(year, 6, 19)), 'Juneteenth National Independence Day');
  out.set(observed(dayNumberOf(year, 7, 4)), 'Independence Day');
  out.set(nthWeekday(year, 9, 1, 1), 'Labor Day');
  out.set(nthWeekday(year, 11, 4, 4), 'Thanksgiving Day');
  out.set(observed(dayNumberOf(year, 12, 25)), 'Christmas Day');
  return out;
}

function yearTable(year: number): YearTable {
  const cached = tables.get(year);
  if (cached) return cached;
  const firstDay = dayNumberOf(year, 1, 1);
  const n = isLeapYear(year) ? 366 : 365;
  const closed = ruleHolidays(year);
  for (const [iso, reason] of Object.entries(CLOSURES)) {
    const p = parseIsoParts(iso);
    if (p && p.year === year) closed.set(dayNumberOf(p.year, p.month, p.day), reason);
  }
  const open = new Uint8Array(n);
  const before = new Uint16Array(n + 1);
  const days: IsoDate[] = [];
  const holidays = new Map<IsoDate, string>();
  let month = 1;
  let dom = 1;
  for (let i = 0; i < n; i++) {
    const dn = firstDay + i;
    const wd = weekdayOfDayNumber(dn);
    before[i] = days.length;
    if (wd !== 0 && wd !== 6) {
      const reason = closed.get(dn);
      const iso = isoFromParts(year, month, dom);
      if (reason === undefined) {
        open[i] = 1;
        days.push(iso);
      } else {
        holidays.set(iso, reason);
      }
    }
    dom++;
    if (dom > daysInMonth(year, month)) {
      dom = 1;
      month++;
    }
  }
  before[n] = days.length;
  const table: YearTable = { year, firstDay, open, before, days, holidays };
  tables.set(year, table);
  return table;
}

interface Located {
  table: YearTable;
  /** 0-based day of year. */
  doy: number;
}

function locate(d: IsoDate): Located {
  const p = parseIsoParts(d);
  if (!p || p.year < MIN_YEAR || p.year > MAX_YEAR) throw outOfRange(d);
  const table = yearTable(p.year);
  return { table, doy: dayNumberOf(p.year, p.month, p.day) - table.firstDay };
}

/**
 * True when s is a 'YYYY-MM-DD' string naming a real Gregorian date within the calendar's range
 * (1990-01-01..2100-12-31), i.e. exactly when the calendar functions accept it.
 */
export function isValidIsoDate(s: unknown): s is IsoDate {
  if (typeof s !== 'string') return false;
  const p = parseIsoParts(s);
  return p !== undefined && p.year >= MIN_YEAR && p.year <= MAX_YEAR;
}

/** Throws a RangeError naming the value unless `isValidIsoDate(d)`. */
export function assertIsoDate(d: unknown): asserts d is IsoDate {
  if (!isValidIsoDate(d)) throw outOfRange(d);
}

/** True when the NYSE is open (a full or shortened session) on calendar date d. */
export function isTradingDay(d: IsoDate): boolean {
  const { table, doy } = locate(d);
  return table.open[doy] === 1;
}

/** Why the exchange is closed on a weekday d ('Good Friday', …), or undefined if d is not a weekday holiday. */
export function holidayName(d: IsoDate): string | undefined {
  return locate(d).table.holidays.get(d);
}

/** The weekday full-day closures of a year (rule-based holidays and one-off closures), ascending. */
export function holidaysOfYear(year: number): { date: IsoDate; name: string }[] {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) throw outOfRange(year);
  return [...yearTable(year).holidays].map(([date, name]) => ({ date, name })).sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** All trading days of a year, ascending. */
export function tradingDaysOfYear(year: number): readonly IsoDate[] {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) throw outOfRange(year);
  return yearTable(year).days;
}

function tableOrThrow(year: number, from: IsoDate): YearTable {
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new RangeError(`No NYSE trading day within ${CALENDAR_MIN_DATE}..${CALENDAR_MAX_DATE} next to ${from}`);
  }
  return yearTable(year);
}

/** The last trading day strictly before d (d need not be a trading day). */
export function previousTradingDay(d: IsoDate): IsoDate {
  return addTradingDays(d, -1);
}

/** The first trading day strictly after d (d need not be a trading day). */
export function nextTradingDay(d: IsoDate): IsoDate {
  return addTradingDays(d, 1);
}

const yearOffsets: number[] = [];

/** Trading days from 1990-01-01 up to (not including) 1 January of `year`. */
function yearOffset(year: number): number {
  const i = year - MIN_YEAR;
  for (let k = yearOffsets.length; k <= i; k++) {
    yearOffsets.push(k === 0 ? 0 : yearOffsets[k - 1]! + yearTable(MIN_YEAR + k - 1).days.length);
  }
  return yearOffsets[i]!;
}

/**
 * The position of trading day d in the sequence of all trading days since 1990 (0 for 1990-01-02),
 * or −1 when d is not a trading day. Two trading days a < b are consecutive iff
 * tradingDayOrdinal(b) − tradingDayOrdinal(a) = 1, which makes adjacency tests O(1).
 */
export function tradingDayOrdinal(d: IsoDate): number {
  const { table, doy } = locate(d);
  if (table.open[doy] !== 1) return -1;
  return yearOffset(table.year) + table.before[doy]!;
}

/** d itself when it is a trading day, else the last trading day before it. */
export function tradingDayOnOrBefore(d: IsoDate): IsoDate {
  return addTradingDays(d, 0);
}

/** d itself when it is a trading day, else the first trading day after it. */
export function tradingDayOnOrAfter(d: IsoDate): IsoDate {
  return isTradingDay(d) ? d : addTradingDays(d, 1);
}

/**
 * Moves n trading days from d. n > 0: the n-th trading day after d; n < 0: the |n|-th trading day
 * before d; n = 0: d if it is a trading day, else the trading day before it. d need not be a trading
 * day, so addTradingDays(saturday, -1) is the Friday (if open) and addTradingDays(saturday, 1) the Monday.
 */
export function addTradingDays(d: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`addTradingDays: n must be an integer, got ${n}`);
  const located = locate(d);
  const doy = located.doy;
  let table = located.table;
  // Index into table.days of the target. Trading days strictly before d: before[doy];
  // on or before d: before[doy + 1].
  let idx: number;
  if (n > 0) idx = table.before[doy + 1]! + n - 1;
  else if (n < 0) idx = table.before[doy]! + n;
  else idx = table.before[doy + 1]! - 1;
  while (idx < 0) {
    table = tableOrThrow(table.year - 1, d);
    idx += table.days.length;
  }
  while (idx >= table.days.length) {
    idx -= table.days.length;
    table = tableOrThrow(table.year + 1, d);
  }
  return table.days[idx]!;
}

/** Number of trading days in [from, to] (both inclusive); 0 when from > to. */
export function countTradingDays(from: IsoDate, to: IsoDate): number {
  const a = locate(from);
  const b = locate(to);
  if (from > to) return 0;
  if (a.table.year === b.table.year) return b.table.before[b.doy + 1]! - a.table.before[a.doy]!;
  let count = a.table.days.length - a.table.before[a.doy]!;
  for (let y = a.table.year + 1; y < b.table.year; y++) count += yearTable(y).days.length;
  return count + b.table.before[b.doy + 1]!;
}

/** The trading days in [from, to], both inclusive, ascending; empty when from > to. */
export function tradingDaysBetween(from: IsoDate, to: IsoDate): IsoDate[] {
  const a = locate(from);
  const b = locate(to);
  if (from > to) return [];
  if (a.table.year === b.table.year) return a.table.days.slice(a.table.before[a.doy]!, b.table.before[b.doy + 1]!);
  const out = a.table.days.slice(a.table.before[a.doy]!);
  for (let y = a.table.year + 1; y < b.table.year; y++) out.push(...yearTable(y).days);
  for (let i = 0; i < b.table.before[b.doy + 1]!; i++) out.push(b.table.days[i]!);
  return out;
}

// Intl formatters are expensive to create; one is enough for the process.
let nyFormatter: Intl.DateTimeFormat | undefined;

// formatToParts is slow (microseconds per call) and vendor bars repeat the same instants (every
// symbol's bar of a day is New York midnight), so results are memoised; the map is bounded.
const nyPartsMemo = new Map<number, { date: IsoDate; minutes: number }>();
const NY_PARTS_MEMO_MAX = 50_000;

function nyParts(epochMs: number): { date: IsoDate; minutes: number } {
  const hit = nyPartsMemo.get(epochMs);
  if (hit) return hit;
  const parts = nyPartsUncached(epochMs);
  if (nyPartsMemo.size >= NY_PARTS_MEMO_MAX) nyPartsMemo.clear();
  nyPartsMemo.set(epochMs, parts);
  return parts;
}

function nyPartsUncached(epochMs: number): { date: IsoDate; minutes: number } {
  if (!Number.isFinite(epochMs)) throw new RangeError(`Invalid instant ${String(epochMs)}`);
  nyFormatter ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  let year = 0, month = 0, day = 0, hour = 0, minute = 0;
  for (const part of nyFormatter.formatToParts(epochMs)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value); break;
      case 'minute': minute = Number(part.value); break;
      default: break;
    }
  }
  return { date: isoFromParts(year, month, day), minutes: hour * 60 + minute };
}

/**
 * The calendar date in America/New_York of an instant (epoch milliseconds), DST aware.
 * Polygon's daily-bar `t` (New York midnight as epoch ms) maps to the bar's trading date.
 */
export function nyDateOf(epochMs: number): IsoDate {
  return nyParts(epochMs).date;
}

function parseCutoff(cutoff: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(cutoff);
  if (!m) throw new RangeError(`Invalid cutoff ${JSON.stringify(cutoff)}: expected 'HH:MM' (24-hour, New York time)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The most recent trading day whose close is final at instant `now`: today (New York calendar) when
 * today is a trading day and New York wall-clock time is at or past `cutoff` ('HH:MM', default
 * '16:30'), otherwise the trading day before today.
 */
export function targetDate(now: Date | number, cutoff = '16:30'): IsoDate {
  const cutoffMinutes = parseCutoff(cutoff);
  const ms = typeof now === 'number' ? now : now.getTime();
  const { date, minutes } = nyParts(ms);
  if (isTradingDay(date) && minutes >= cutoffMinutes) return date;
  return previousTradingDay(date);
}

/** Epoch milliseconds of midnight UTC at the start of calendar date d (for callers that need an instant). */
export function utcMidnightOf(d: IsoDate): number {
  const p = parseIsoParts(d);
  if (!p) throw outOfRange(d);
  return dayNumberOf(p.year, p.month, p.day) * MS_PER_DAY;
}
