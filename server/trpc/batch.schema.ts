import { z } from 'zod';
import { instant, isoDate, uuid } from './common.schema.js';

export const RunInput = z.object({
  /** Absent: every active portfolio (admins only). */
  portfolioId: uuid.optional(),
  /** First date to recompute; with force, existing snapshots from it on are replaced. */
  from: isoDate.optional(),
  force: z.boolean().optional(),
});
export type RunInput = z.infer<typeof RunInput>;

/** `{ runId }`, `{ portfolioId }` (its latest run) or `{}` (the caller's latest run). */
export const StatusInput = z
  .object({
    runId: uuid.optional(),
    portfolioId: uuid.optional(),
    /** Adds the portfolio's snapshot coverage (two more small reads); pollers leave it off. */
    freshness: z.boolean().optional(),
  })
  .strict()
  .refine((v) => !(v.runId && v.portfolioId), { message: 'give runId or portfolioId, not both', path: ['runId'] })
  .optional();
export type StatusInput = z.infer<typeof StatusInput>;

export const MAX_HISTORY_LIMIT = 200;

export const HistoryInput = z
  .object({
    portfolioId: uuid.optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).default(20),
    /** Paging cursor: runs created strictly before this instant (the previous page's `nextBefore`). */
    before: instant.optional(),
  })
  .optional();
export type HistoryInput = z.infer<typeof HistoryInput>;

/** `{ runId }`: the run to follow until it ends. */
export const WatchInput = z.object({ runId: uuid }).strict();
export type WatchInput = z.infer<typeof WatchInput>;
