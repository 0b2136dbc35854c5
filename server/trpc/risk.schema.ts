import { z } from 'zod';
import { isoDate, uuid } from './common.schema.js';

/** Wire shapes of the risk procedures. Scenario fields are typed loosely: the service checks each and names the field. */

export const RiskInput = z.object({
  portfolioId: uuid,
  /** Default: the latest day with risk figures. */
  date: isoDate.optional(),
});

export const MAX_RISK_HISTORY_ROWS = 2_000;

export const RiskHistoryInput = z.object({
  portfolioId: uuid,
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.number().int().min(1).max(MAX_RISK_HISTORY_ROWS).default(MAX_RISK_HISTORY_ROWS),
});

export const CreateScenarioInput = z.object({
  id: z.string().max(200),
  name: z.string().max(1_000),
  shocks: z.record(z.string().max(100), z.unknown()),
});
