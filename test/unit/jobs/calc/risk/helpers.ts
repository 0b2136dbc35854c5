/**
 * Small builders for the risk tests: return series on consecutive trading days ending at a date.
 */
import { toReturnSeries, type DenseWindow, type ReturnSeries } from '../../../../../jobs/calc/risk/index.js';
import { addTradingDays, tradingDaysBetween } from '../../../../../jobs/calc/trading-calendar.js';
import type { IsoDate } from '../../../../../jobs/calc/types.js';

export const D: IsoDate = '2024-06-28';

/** The n trading days ending at `end`, ascending. */
export function daysEnding(end: IsoDate, n: number): IsoDate[] {
  return tradingDaysBetween(addTradingDays(end, -(n - 1)), end);
}

/** A series with values[i] on the i-th of the values.length trading days ending at `end`; null = no return that day. */
export function seriesEnding(end: IsoDate, values: readonly (number | null)[]): ReturnSeries {
  const days = daysEnding(end, values.length);
  return toReturnSeries(values.flatMap((v, i) => (v === null ? [] : [{ date: days[i]!, value: v }])));
}

/** Every number reachable in a value (objects, arrays, typed arrays). */
export function numbersIn(x: unknown, out: number[] = [], seen = new Set<unknown>()): number[] {
  if (typeof x === 'number') out.push(x);
  else if (ArrayBuffer.isView(x) && !(x instanceof DataView)) out.push(...Array.from(x as unknown as ArrayLike<number>));
  else if (typeof x === 'object' && x !== null && !seen.has(x)) {
    seen.add(x);
    for (const v of Object.values(x)) numbersIn(v, out, seen);
  }
  return out;
}

/** A dense window from values; null = no return that day. */
export function win(values: readonly (number | null)[]): DenseWindow {
  return {
    length: values.length,
    values: Float64Array.from(values, (v) => v ?? 0),
    present: Uint8Array.from(values, (v) => (v === null ? 0 : 1)),
    count: values.filter((v) => v !== null).length,
  };
}
