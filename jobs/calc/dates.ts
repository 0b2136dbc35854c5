/**
 * Calendar arithmetic on 'YYYY-MM-DD' strings through day numbers (days since 1970-01-01 UTC).
 * No time zones here: an IsoDate is a calendar date, and UTC day numbers are just a dense index of
 * calendar dates. Time-zone aware conversions live in trading-calendar.ts.
 */
import type { IsoDate } from './types.js';

export const MS_PER_DAY = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month, month 1..12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? Number.NaN;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * Splits a well-formed 'YYYY-MM-DD' into its parts, or returns undefined when the string is not a
 * real Gregorian calendar date in that exact shape (no time part, no surrounding spaces).
 * Hand-parsed because the calendar calls this in tight loops.
 */
export function parseIsoParts(s: string): { year: number; month: number; day: number } | undefined {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y0 = digit(s, 0), y1 = digit(s, 1), y2 = digit(s, 2), y3 = digit(s, 3);
  const m0 = digit(s, 5), m1 = digit(s, 6), d0 = digit(s, 8), d1 = digit(s, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return undefined;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/** Day number (days since 1970-01-01) of a calendar date. */
export function dayNumberOf(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** Calendar date of a day number. */
export function isoFromDayNumber(dayNumber: number): IsoDate {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Formats parts as 'YYYY-MM-DD'. */
export function isoFromParts(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Day of week of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/**
 * The same calendar day `months` months later (negative: earlier), with the day of month clamped to
 * the target month's length: addMonthsClamped('2024-03-31', -1) = '2024-02-29'. The input must be a
 * well-formed date (callers validate through the trading calendar first).
 */
export function addMonthsClamped(year: number, month: number, day: number, months: number): { year: number; month: number; day: number } {
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  return { year: y, month: m, day: Math.min(day, daysInMonth(y, m)) };
}

/**
 * How many items of an array sorted ascending by date are dated on or before d (binary search,
 * O(log n)); the index of the last such item is one less.
 */
export function countOnOrBefore<T>(items: readonly T[], d: IsoDate, dateOf: (item: T) => IsoDate): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dateOf(items[mid]!) <= d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
