/**
 * Period returns of a symbol at a date (SPEC §4, "Symbol metrics").
 *
 * Every price is a "last close on or before" lookup (binary search in the series), never an exact
 * calendar-date match: 1 January is a holiday, month ends fall on weekends, and a 12-month anchor
 * can be any day of the week.
 */
import { addMonthsClamped, daysInMonth, isoFromParts, parseIsoParts } from './dates.js';
import { lastCloseOnOrBefore, STALE_PRICE_TRADING_DAYS } from './returns.js';
import { addTradingDays, assertIsoDate, previousTradingDay } from './trading-calendar.js';
import type { Bar, IsoDate, PriceSeries } from './types.js';

export interface SymbolMetrics {
  symbol: string;
  date: IsoDate;
  /** Close on d, else the latest close in the 5 trading days before d (then `stale`); else null. */
  price: number | null;
  /** Date of the close used as `price`. */
  priceDate: IsoDate | null;
  /** True when `price` is a close from before d. */
  stale: boolean;
  /** P / P(last close on or before the previous trading day) − 1. */
  return1d: number | null;
  /** P / P(last close of the previous month) − 1. */
  returnMtd: number | null;
  /** P / P(last close of the previous year) − 1. */
  returnYtd: number | null;
  /** P / P(last close on or before the same calendar day 1 month earlier, day clamped) − 1. */
  return1m: number | null;
  /** Same, 3 months earlier. */
  return3m: number | null;
  /** Same, 12 months earlier. */
  return1y: number | null;
  /** One human-readable reason per null value, prefixed by the field name ('return1y: …'). */
  missing: string[];
}

type ReturnField = 'return1d' | 'returnMtd' | 'returnYtd' | 'return1m' | 'return3m' | 'return1y';

/**
 * Computes price and period returns of `symbol` at `date` from its closes (sorted PriceSeries).
 * Returns are simple: P_d / P_anchor − 1, with P_anchor the last close on or before the anchor date:
 * 1d: the previous trading day; MTD: the last day of the previous month; YTD: 31 December of the
 * previous year; 1m/3m/12m: the same calendar day k months earlier with the day of month clamped to
 * the month's length (31 March → 28/29 February).
 */
export function computeSymbolMetrics(symbol: string, closes: PriceSeries, date: IsoDate): SymbolMetrics {
  assertIsoDate(date);
  const p = parseIsoParts(date)!;
  const missing: string[] = [];
  const out: SymbolMetrics = {
    symbol,
    date,
    price: null,
    priceDate: null,
    stale: false,
    return1d: null,
    returnMtd: null,
    returnYtd: null,
    return1m: null,
    return3m: null,
    return1y: null,
    missing,
  };

  const last = lastCloseOnOrBefore(closes, date);
  const oldestUsable = addTradingDays(date, -STALE_PRICE_TRADING_DAYS);
  if (last === undefined || last.date < oldestUsable) {
    const why = last === undefined ? 'no close on or before this date' : `latest close ${last.date} is older than ${STALE_PRICE_TRADING_DAYS} trading days`;
    missing.push(`price: ${why}`);
    for (const f of ['return1d', 'returnMtd', 'returnYtd', 'return1m', 'return3m', 'return1y'] as const) {
      missing.push(`${f}: no price on ${date}`);
    }
    return out;
  }
  out.price = last.close;
  out.priceDate = last.date;
  out.stale = last.date !== date;

  const monthsBack = (k: number): IsoDate => {
    const a = addMonthsClamped(p.year, p.month, p.day, -k);
    return isoFromParts(a.year, a.month, a.day);
  };
  // Last day of the previous month / year, as calendar dates (lookups roll back to a close).
  const prevMonth = addMonthsClamped(p.year, p.month, 1, -1);
  const prevMonthEnd = isoFromParts(prevMonth.year, prevMonth.month, daysInMonth(prevMonth.year, prevMonth.month));
  const anchors: [ReturnField, IsoDate | undefined][] = [
    ['return1d', date > '1990-01-02' ? previousTradingDay(date) : undefined],
    ['returnMtd', prevMonthEnd],
    ['returnYtd', isoFromParts(p.year - 1, 12, 31)],
    ['return1m', monthsBack(1)],
    ['return3m', monthsBack(3)],
    ['return1y', monthsBack(12)],
  ];
  for (const [field, anchorDate] of anchors) {
    const base: Bar | undefined = anchorDate === undefined ? undefined : lastCloseOnOrBefore(closes, anchorDate);
    if (base === undefined) {
      missing.push(`${field}: insufficient history (no close on or before ${anchorDate ?? 'the calendar start'})`);
      continue;
    }
    const r = last.close / base.close - 1;
    if (Number.isFinite(r)) out[field] = r;
    else missing.push(`${field}: non-finite return from close ${base.close} on ${base.date}`);
  }
  return out;
}
