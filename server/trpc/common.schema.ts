import { z } from 'zod';
import { CALENDAR_MAX_DATE, CALENDAR_MIN_DATE, isValidIsoDate } from '../../jobs/calc/trading-calendar.js';

/** Shapes several procedures share. Every date a procedure takes is bounded to the calendar's range. */

export const uuid = z.uuid({ message: 'must be a UUID' });

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isValidIsoDate, { message: `must be a calendar date from ${CALENDAR_MIN_DATE} to ${CALENDAR_MAX_DATE}`, abort: true });

const MIN_INSTANT = new Date(`${CALENDAR_MIN_DATE}T00:00:00Z`);
const MAX_INSTANT = new Date(`${CALENDAR_MAX_DATE}T23:59:59.999Z`);

/** An instant (superjson Date) within the calendar's range: JavaScript dates reach years PostgreSQL cannot store (−271821), and no caller needs more. */
export const instant = z
  .date({ message: 'must be a valid date and time' })
  .min(MIN_INSTANT, { message: `must not be before ${CALENDAR_MIN_DATE}` })
  .max(MAX_INSTANT, { message: `must not be after ${CALENDAR_MAX_DATE}` });

