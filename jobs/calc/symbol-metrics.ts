/**
 * Price and period returns of a symbol at a date.
 *
 * Every anchor is a "last close on or before" lookup (binary search in the series), never an exact
 * calendar-date match: 1 January is a holiday, month ends fall on weekends, and a 12-month anchor
 * can be any day of the week. Each period has two returns: the price return on split-adjusted closes
 * (a split inside the period is not a loss) and the total return, which also counts the cash
 * dividends with ex-date inside the period as reinvested (corporate-actions.ts, totalReturnIndex).
 */
import { derivedSeries, prepareCorporateActions, type SymbolHistory } from './corporate-actions.js';
import { addMonthsClamped, daysInMonth, isoFromParts, parseIsoParts } from './dates.js';
import { indexOnOrBefore, STALE_PRICE_TRADING_DAYS } from './returns.js';
import { addTradingDays, assertIsoDate, previousTradingDay } from './trading-calendar.js';
import type { IsoDate } from './types.js';

export interface SymbolMetrics {
  symbol: string;
  date: IsoDate;
  /** Close as traded on d, else the latest close in the 5 trading days before d (then `stale`); else null. */
  price: number | null;
  /** Date of the close used as `price`. */
  priceDate: IsoDate | null;
  /** True when `price` is a close from before d. */
  stale: boolean;
  /** Price return since the last close on or before the previous trading day. */
  return1d: number | null;
  /** Price return since the last close of the previous month. */
  returnMtd: number | null;
  /** Price return since the last close of the previous year. */
  returnYtd: number | null;
  /** Price return since the last close on or before the same calendar day 1 month earlier (day clamped). */
  return1m: number | null;
  /** Same, 3 months earlier. */
  return3m: number | null;
  /** Same, 12 months earlier. */
  return1y: number | null;
  /** Total returns (dividends reinvested) over the same periods. */
  totalReturn1d: number | null;
  totalReturnMtd: number | null;
  totalReturnYtd: number | null;
  totalReturn1m: number | null;
  totalReturn3m: number | null;
  totalReturn1y: number | null;
  /** One human-readable reason per null value, prefixed by the field name ('return1y: …'). */
  missing: string[];
}

type Period = '1d' | 'Mtd' | 'Ytd' | '1m' | '3m' | '1y';
/** Per period, in output order: the price-return field and the total-return field. */
const FIELDS: readonly (readonly [`return${Period}`, `totalReturn${Period}`])[] = [
  ['return1d', 'totalReturn1d'],
  ['returnMtd', 'totalReturnMtd'],
  ['returnYtd', 'totalReturnYtd'],
  ['return1m', 'totalReturn1m'],
  ['return3m', 'totalReturn3m'],
  ['return1y', 'totalReturn1y'],
];

/**
 * Computes price and period returns of `symbol` at `date` from its as-traded closes and corporate
 * actions. Returns are simple: X_d / X_anchor − 1 with X the split-adjusted close (price return) or
 * the total-return index (total return), at the last close on or before d within the 5-trading-day
 * freshness rule, and at the last close on or before the anchor date:
 * 1d: the previous trading day; MTD: the last day of the previous month; YTD: 31 December of the
 * previous year; 1m/3m/12m: the same calendar day k months earlier with the day of month clamped to
 * the month's length (31 March → 28/29 February). Throws a RangeError on a malformed date or
 * corporate actions.
 */
export function computeSymbolMetrics(symbol: string, history: SymbolHistory, date: IsoDate): SymbolMetrics {
  assertIsoDate(date);
  prepareCorporateActions(history.actions, symbol);
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
    totalReturn1d: null,
    totalReturnMtd: null,
    totalReturnYtd: null,
    totalReturn1m: null,
    totalReturn3m: null,
    totalReturn1y: null,
    missing,
  };

  const { closes } = history;
  const i = indexOnOrBefore(closes, date);
  const last = i < 0 ? undefined : closes[i]!;
  const oldestUsable = addTradingDays(date, -STALE_PRICE_TRADING_DAYS);
  if (last === undefined || last.date < oldestUsable) {
    const why = last === undefined ? 'no close on or before this date' : `latest close ${last.date} is older than ${STALE_PRICE_TRADING_DAYS} trading days`;
    missing.push(`price: ${why}`);
    for (const [priceField, totalField] of FIELDS) missing.push(`${priceField}: no price on ${date}`, `${totalField}: no price on ${date}`);
    return out;
  }
  out.price = last.close;
  out.priceDate = last.date;
  out.stale = last.date !== date;
  const { adjusted, total } = derivedSeries(history);

  const monthsBack = (k: number): IsoDate => {
    const a = addMonthsClamped(p.year, p.month, p.day, -k);
    return isoFromParts(a.year, a.month, a.day);
  };
  // Last day of the previous month / year, as calendar dates (lookups roll back to a close).
  const prevMonth = addMonthsClamped(p.year, p.month, 1, -1);
  const prevMonthEnd = isoFromParts(prevMonth.year, prevMonth.month, daysInMonth(prevMonth.year, prevMonth.month));
  // In FIELDS order.
  const anchors: (IsoDate | undefined)[] = [
    date > '1990-01-02' ? previousTradingDay(date) : undefined,
    prevMonthEnd,
    isoFromParts(p.year - 1, 12, 31),
    monthsBack(1),
    monthsBack(3),
    monthsBack(12),
  ];
  for (let k = 0; k < FIELDS.length; k++) {
    const [priceField, totalField] = FIELDS[k]!;
    const anchorDate = anchors[k];
    const j = anchorDate === undefined ? -1 : indexOnOrBefore(closes, anchorDate);
    if (j < 0) {
      const why = `insufficient history (no close on or before ${anchorDate ?? 'the calendar start'})`;
      missing.push(`${priceField}: ${why}`, `${totalField}: ${why}`);
      continue;
    }
    const r = adjusted[i]!.close / adjusted[j]!.close - 1;
    if (Number.isFinite(r)) out[priceField] = r;
    else missing.push(`${priceField}: non-finite return from close ${closes[j]!.close} on ${closes[j]!.date}`);
    const t = total[i]!.close / total[j]!.close - 1;
    if (Number.isFinite(t)) out[totalField] = t;
    else missing.push(`${totalField}: non-finite return from close ${closes[j]!.close} on ${closes[j]!.date}`);
  }
  return out;
}
