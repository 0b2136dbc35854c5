import { z } from 'zod';

const uuid = z.uuid({ message: 'must be a UUID' });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

export const RunInput = z.object({
  /** Absent: every active portfolio (admins only). */
  portfolioId: uuid.optional(),
  /** First date to recompute; with force, existing snapshots from it on are replaced. */
  from: isoDate.optional(),
  force: z.boolean().optional(),
});
export type RunInput = z.infer<typeof RunInput>;

export const StatusInput = z
  .union([z.object({ runId: uuid }).strict(), z.object({ portfolioId: uuid }).strict(), z.object({}).strict()])
  .optional();
export type StatusInput = z.infer<typeof StatusInput>;

export const MAX_HISTORY_LIMIT = 200;

export const HistoryInput = z
  .object({
    portfolioId: uuid.optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).default(20),
    /** Paging cursor: runs created strictly before this instant (the previous page's `nextBefore`). */
    before: z.date().optional(),
  })
  .optional();
export type HistoryInput = z.infer<typeof HistoryInput>;
