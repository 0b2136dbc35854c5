/**
 * Shapes of the Polygon (Massive) REST bodies the client reads: aggregates, grouped daily, splits,
 * dividends, ticker details and ticker events. Unknown fields are
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

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const positive = finite.refine((x) => x > 0, 'must be positive');

/** A list body of the reference endpoints: `results[]` and an optional `next_url` to the next page. */
function listResponse<T extends z.ZodType>(row: T) {
  return z.looseObject({
    status: OkStatus,
    request_id: z.string().optional(),
    next_url: z.string().optional(),
    results: z.array(row).optional(),
  });
}

/** One split: on `execution_date`, `split_from` old shares became `split_to` new shares (4-for-1 is 1 → 4). */
export const SplitRow = z.looseObject({
  id: z.string().optional(),
  ticker: z.string().min(1),
  execution_date: isoDate,
  split_from: positive,
  split_to: positive,
});
export type SplitRow = z.infer<typeof SplitRow>;
export const SplitsResponse = listResponse(SplitRow);
export type SplitsResponse = z.infer<typeof SplitsResponse>;

/**
 * One cash distribution, per share in the share basis of its ex-dividend date. `dividend_type`: CD
 * regular cash, SC special cash, LT / ST long / short-term capital-gain distributions.
 */
export const DividendRow = z.looseObject({
  id: z.string().optional(),
  ticker: z.string().min(1),
  cash_amount: finite.refine((x) => x >= 0, 'must not be negative'),
  currency: z.string().optional(),
  declaration_date: isoDate.optional(),
  ex_dividend_date: isoDate,
  record_date: isoDate.optional(),
  pay_date: isoDate.optional(),
  frequency: z.number().int().nonnegative().optional(),
  dividend_type: z.enum(['CD', 'SC', 'LT', 'ST']),
});
export type DividendRow = z.infer<typeof DividendRow>;
export const DividendsResponse = listResponse(DividendRow);
export type DividendsResponse = z.infer<typeof DividendsResponse>;

/** Ticker details (`/v3/reference/tickers/{ticker}`): only the fields we keep are checked. */
export const TickerDetailsResponse = z.looseObject({
  status: OkStatus,
  request_id: z.string().optional(),
  results: z.looseObject({
    ticker: z.string().min(1),
    name: z.string().optional(),
    type: z.string().optional(),
    active: z.boolean().optional(),
    market: z.string().optional(),
    primary_exchange: z.string().optional(),
    list_date: isoDate.optional(),
    delisted_utc: z.string().optional(),
    sic_code: z.string().optional(),
    sic_description: z.string().optional(),
    market_cap: finite.optional(),
    share_class_shares_outstanding: finite.optional(),
  }),
});
export type TickerDetailsResponse = z.infer<typeof TickerDetailsResponse>;

/** Ticker events (`/vX/reference/tickers/{ticker}/events`, experimental): the ticker changes. */
export const TickerEventsResponse = z.looseObject({
  status: OkStatus,
  request_id: z.string().optional(),
  results: z.looseObject({
    name: z.string().optional(),
    events: z
      .array(
        z.looseObject({
          type: z.string(),
          date: isoDate,
          ticker_change: z.looseObject({ ticker: z.string().min(1) }).optional(),
        }),
      )
      .optional(),
  }),
});
export type TickerEventsResponse = z.infer<typeof TickerEventsResponse>;

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
