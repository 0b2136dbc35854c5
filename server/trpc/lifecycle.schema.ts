import { z } from 'zod';
import { LIFECYCLE_LIMITS } from '../services/lifecycle.service.js';
import { ONBOARD_LIMITS } from '../services/onboard-validation.js';
import { uuid } from './common.schema.js';

/**
 * Wire shapes of the lifecycle procedures (docs/lifecycle.md). As for onboarding, numbers may be
 * numeric strings and dates are strings: the service checks each field itself so one BAD_REQUEST
 * names every problem.
 */

const numberish = z.union([z.number(), z.string().max(100)]);
const key = z.string().max(10_000).optional();

export const TradeInput = z.object({
  portfolioId: uuid,
  symbol: z.string().max(100),
  /** Signed: buy > 0, sell < 0 (a sell past the longs held needs allowShort). */
  quantity: numberish,
  price: numberish,
  date: z.string().max(100),
  fees: numberish.nullish(),
  allowShort: z.boolean().optional(),
  idempotencyKey: key,
});

export const CashFlowInput = z.object({
  portfolioId: uuid,
  type: z.enum(['contribution', 'withdrawal'], { message: 'must be contribution or withdrawal' }),
  /** Positive; the type says the direction. */
  amount: numberish,
  date: z.string().max(100),
  note: z.string().max(10_000).nullish(),
  idempotencyKey: key,
});

export const PositionUpdateInput = z.object({
  portfolioId: uuid,
  positionId: uuid,
  quantity: numberish.optional(),
  entryPrice: numberish.optional(),
  entryDate: z.string().max(100).optional(),
  exitDate: z.string().max(100).nullish(),
  exitPrice: numberish.nullish(),
  idempotencyKey: key,
});

export const PositionDeleteInput = z.object({ portfolioId: uuid, positionId: uuid, idempotencyKey: key });

export const RenameInput = z.object({ portfolioId: uuid, name: z.string().max(10_000), idempotencyKey: key });

export const PortfolioDeleteInput = z.object({ portfolioId: uuid, idempotencyKey: key });

export const ImportTradesInput = z.object({
  portfolioId: uuid,
  csv: z.string().max(ONBOARD_LIMITS.maxCsvBytes, `at most ${ONBOARD_LIMITS.maxCsvBytes} bytes (1 MiB) of CSV are accepted`),
  allowShort: z.boolean().optional(),
  idempotencyKey: key,
});

export const TradesInput = z.object({
  portfolioId: uuid,
  symbol: z.string().max(100).optional(),
  limit: z.number().int().min(1).max(LIFECYCLE_LIMITS.maxListRows).optional(),
});

export const CashFlowsInput = z.object({ portfolioId: uuid, limit: z.number().int().min(1).max(LIFECYCLE_LIMITS.maxListRows).optional() });

export const LotsInput = z.object({ portfolioId: uuid, symbol: z.string().max(100) });
