/**
 * Plain data types shared by every module in jobs/calc.
 *
 * Everything here is serialisable data: dates are New York calendar dates as 'YYYY-MM-DD' strings,
 * numbers are JS doubles (the database layer rounds when it stores them).
 */

import type { IsoDate } from '../../core/dates.js';

export type { IsoDate };

/**
 * One daily close. Stored bars are as traded (in the share basis of their own date); series derived
 * from them (split-adjusted, total-return index, see corporate-actions.ts) use the same shape.
 */
export interface Bar {
  date: IsoDate;
  close: number;
}

/**
 * A symbol's daily closes: a plain array sorted strictly ascending by date (no duplicate dates),
 * holding only finite, positive closes. A plain array keeps it cheap to build from database rows and
 * to pass across layers; lookups by date use binary search (`lastCloseOnOrBefore`, `indexOnOrBefore`
 * in returns.ts), so they are O(log n). Build one from unsorted or dirty rows with `toPriceSeries`.
 */
export type PriceSeries = readonly Bar[];
