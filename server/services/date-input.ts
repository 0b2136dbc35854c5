import { isValidIsoDate } from '../../jobs/calc/trading-calendar.js';
import type { FieldIssue } from './errors.js';

/** The one check and message for a date a caller sends: a real calendar date in the calendar's range. */
export function dateIssue(field: string, value: string | undefined): FieldIssue | undefined {
  if (value === undefined || isValidIsoDate(value)) return undefined;
  return { field, message: `${value} is not a calendar date between 1990 and 2100` };
}
