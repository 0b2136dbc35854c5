import { z } from 'zod';
import { ONBOARD_LIMITS } from '../services/onboard-validation.js';
import { isoDate, uuid } from './common.schema.js';

/**
 * Wire shapes of the portfolio procedures. Onboarding fields are typed loosely on purpose (numbers
 * may be numeric strings, dates are strings): the service checks each row and field itself so one
 * BAD_REQUEST can name every problem with its row, which a schema that stops at types cannot.
 */

const numberish = z.union([z.number(), z.string().max(100)]);

export const OnboardPositionInput = z.object({
  symbol: z.string().max(100),
  quantity: numberish,
  entryPrice: numberish,
  entryDate: z.string().max(100),
  exitDate: z.string().max(100).nullish(),
  exitPrice: numberish.nullish(),
  investmentClass: z.string().max(100).nullish(),
});
export type OnboardPositionInput = z.infer<typeof OnboardPositionInput>;

export const OnboardInput = z.object({
  name: z.string().max(10_000),
  equityBalance: numberish,
  currency: z.string().max(100).optional(),
  idempotencyKey: z.string().max(10_000).optional(),
  positions: z
    .array(OnboardPositionInput)
    .max(ONBOARD_LIMITS.maxPositions, `at most ${ONBOARD_LIMITS.maxPositions} positions are accepted`)
    .optional(),
  // Characters, a cheap first bound; the service checks the 1 MiB limit in bytes.
  csv: z
    .string()
    .max(ONBOARD_LIMITS.maxCsvBytes, `at most ${ONBOARD_LIMITS.maxCsvBytes} bytes (1 MiB) of CSV are accepted`)
    .optional(),
});
export type OnboardInput = z.infer<typeof OnboardInput>;

export const PortfolioIdInput = z.object({ portfolioId: uuid });

export const PortfolioListInput = z
  .object({
    /** Admins only: the portfolios of one user. */
    userId: uuid.optional(),
    includeDeleted: z.boolean().optional(),
  })
  .optional();

export const MAX_SNAPSHOT_ROWS = 2_000;

export const SnapshotsInput = z.object({
  portfolioId: uuid,
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.number().int().min(1).max(MAX_SNAPSHOT_ROWS).default(MAX_SNAPSHOT_ROWS),
});

export const ExposuresInput = z.object({
  portfolioId: uuid,
  /** Default: the latest date with exposures. */
  date: isoDate.optional(),
});
