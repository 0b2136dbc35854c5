/**
 * Shapes of the Polygon (Massive) REST bodies the client reads: aggregates and grouped daily. Unknown fields are
 * tolerated so that vendor additions do not break parsing; missing or mistyped fields we rely on are
 * errors.
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** One aggregate bar of the range endpoint. `v` may be fractional; `vw` and `n` are optional. */
export const AggBar = z.looseObject({
  o: finite,
  h: finite,
  l: finite,
  c: finite,
  v: finite,
  t: z.number().int(),
  vw: finite.optional(),
  n: finite.optional(),
});
export type AggBar = z.infer<typeof AggBar>;

/** `DELAYED` is reported for some plans (unverified); the data is still usable. */
const OkStatus = z.enum(['OK', 'DELAYED']);

/** Range endpoint body. No data is `resultsCount: 0` without a `results` key. */
export const AggRangeResponse = z.looseObject({
  ticker: z.string(),
  adjusted: z.boolean().optional(),
  queryCount: z.number().int().nonnegative().optional(),
  resultsCount: z.number().int().nonnegative(),
  status: OkStatus,
  request_id: z.string().optional(),
  next_url: z.string().optional(),
  results: z.array(AggBar).optional(),
});
export type AggRangeResponse = z.infer<typeof AggRangeResponse>;

/** One row of grouped daily: the bar plus its ticker `T`. */
export const GroupedBar = AggBar.extend({ T: z.string().min(1) });
export type GroupedBar = z.infer<typeof GroupedBar>;

export const GroupedDailyResponse = z.looseObject({
  adjusted: z.boolean().optional(),
  queryCount: z.number().int().nonnegative().optional(),
  resultsCount: z.number().int().nonnegative(),
  status: OkStatus,
  request_id: z.string().optional(),
  results: z.array(GroupedBar).optional(),
});
export type GroupedDailyResponse = z.infer<typeof GroupedDailyResponse>;

/** Error bodies: the message is `error ?? message`. */
export const ErrorBody = z.looseObject({
  status: z.string().optional(),
  request_id: z.string().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Best effort: the vendor message and request id of an error body, or nothing when it is not JSON. */
export function readErrorBody(text: string): { message: string | undefined; requestId: string | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 200) || undefined, requestId: undefined };
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return { message: undefined, requestId: undefined };
  return { message: parsed.data.error ?? parsed.data.message, requestId: parsed.data.request_id };
}

/** The request id of any JSON body, for error reports on bodies that fail their schema. */
export function requestIdOf(json: unknown): string | undefined {
  if (json !== null && typeof json === 'object' && 'request_id' in json) {
    const id = (json as { request_id: unknown }).request_id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}
