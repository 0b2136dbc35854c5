/**
 * Typed errors of the market-data plane. Each carries a stable `code` (for run reports and error
 * mapping), the HTTP status and vendor `request_id` when known, and whether the limiter may retry it.
 * Messages never contain the API key: the client builds them from vendor text passed through
 * `redact` and from URLs, which carry no key because authentication is a header.
 */

export type MarketDataErrorCode =
  | 'POLYGON_AUTH'
  | 'POLYGON_NOT_ENTITLED'
  | 'POLYGON_RATE_LIMIT'
  | 'POLYGON_SERVER'
  | 'POLYGON_NETWORK'
  | 'POLYGON_MALFORMED_RESPONSE'
  | 'POLYGON_BODY_TRANSPORT'
  | 'POLYGON_UNEXPECTED_RESPONSE'
  | 'POLYGON_FOREIGN_NEXT_URL'
  | 'MARKET_DATA_ABORTED';

export interface MarketDataErrorDetails {
  status?: number | undefined;
  requestId?: string | undefined;
  /** Request path (never carries the key); useful in logs. */
  path?: string | undefined;
  cause?: unknown;
}

export abstract class MarketDataError extends Error {
  abstract readonly code: MarketDataErrorCode;
  /** Whether a new attempt of the same request can succeed. */
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, details: MarketDataErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.requestId = details.requestId;
    this.path = details.path;
  }
}

function suffix(details: MarketDataErrorDetails): string {
  const parts: string[] = [];
  if (details.status !== undefined) parts.push(`HTTP ${details.status}`);
  if (details.path !== undefined) parts.push(details.path);
  if (details.requestId !== undefined) parts.push(`request_id ${details.requestId}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** 401: the key is wrong or missing. Fatal for the whole run: nothing else can succeed. */
export class PolygonAuthError extends MarketDataError {
  readonly code = 'POLYGON_AUTH' as const;
  readonly retryable = false;
  constructor(vendorMessage: string | undefined, details: MarketDataErrorDetails = {}) {
    super(
      `Polygon rejected the API key${vendorMessage ? `: ${vendorMessage}` : ''}${suffix(details)}. ` +
        'Fix POLYGON_API_KEY (a valid key for the configured POLYGON_BASE_URL).',
      details,
    );
  }
}

/** 403: the plan is not entitled to this request (too old, too recent, wrong market). Not retried. */
export class PolygonNotEntitledError extends MarketDataError {
  readonly code = 'POLYGON_NOT_ENTITLED' as const;
  readonly retryable = false;
  constructor(vendorMessage: string | undefined, details: MarketDataErrorDetails = {}) {
    super(`Polygon plan not entitled to this data${vendorMessage ? `: ${vendorMessage}` : ''}${suffix(details)}`, details);
  }
}

/** 429: over the plan's rate. Retried after Retry-After (or a back-off). */
export class PolygonRateLimitError extends MarketDataError {
  readonly code = 'POLYGON_RATE_LIMIT' as const;
  readonly retryable = true;
  /** Delay the vendor asked for, from Retry-After, when present. */
  readonly retryAfterMs: number | undefined;
  constructor(vendorMessage: string | undefined, details: MarketDataErrorDetails & { retryAfterMs?: number | undefined } = {}) {
    super(`Polygon rate limit exceeded${vendorMessage ? `: ${vendorMessage}` : ''}${suffix(details)}`, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 5xx: the vendor failed; retried with back-off. */
export class PolygonServerError extends MarketDataError {
  readonly code = 'POLYGON_SERVER' as const;
  readonly retryable = true;
  constructor(vendorMessage: string | undefined, details: MarketDataErrorDetails = {}) {
    super(`Polygon server error${vendorMessage ? `: ${vendorMessage}` : ''}${suffix(details)}`, details);
  }
}

/** Connect/headers/body timeouts, resets, refused connections; retried with back-off. */
export class PolygonNetworkError extends MarketDataError {
  readonly code = 'POLYGON_NETWORK' as const;
  readonly retryable = true;
  constructor(reason: string, details: MarketDataErrorDetails = {}) {
    super(`Polygon request failed: ${reason}${suffix(details)}`, details);
  }
}

/** A 200 whose body does not match the expected shape. Not retried: the same bytes would come back. */
export class PolygonMalformedResponseError extends MarketDataError {
  readonly code = 'POLYGON_MALFORMED_RESPONSE' as const;
  readonly retryable = false;
  constructor(reason: string, details: MarketDataErrorDetails = {}) {
    super(`Malformed Polygon response: ${reason}${suffix(details)}`, details);
  }
}

/**
 * A 200 whose body did not arrive whole: cut short, the connection closed mid-stream, or bytes that
 * are not JSON. A transport glitch, not the vendor's answer: retried like a network error, within the
 * same attempt budget. A complete JSON body that fails its schema is PolygonMalformedResponseError.
 */
export class PolygonBodyTransportError extends MarketDataError {
  readonly code = 'POLYGON_BODY_TRANSPORT' as const;
  readonly retryable = true;
  constructor(reason: string, details: MarketDataErrorDetails = {}) {
    super(`Polygon response body incomplete: ${reason}${suffix(details)}`, details);
  }
}

/** Any other status (400, 405, …): a bug on our side; not retried. */
export class PolygonUnexpectedResponseError extends MarketDataError {
  readonly code = 'POLYGON_UNEXPECTED_RESPONSE' as const;
  readonly retryable = false;
  constructor(vendorMessage: string | undefined, details: MarketDataErrorDetails = {}) {
    super(`Unexpected Polygon response${vendorMessage ? `: ${vendorMessage}` : ''}${suffix(details)}`, details);
  }
}

/** A `next_url` pointing at another host: following it would send the key elsewhere. */
export class PolygonForeignNextUrlError extends MarketDataError {
  readonly code = 'POLYGON_FOREIGN_NEXT_URL' as const;
  readonly retryable = false;
  constructor(host: string, expectedHost: string, details: MarketDataErrorDetails = {}) {
    super(`Refusing next_url on host ${host}: only ${expectedHost} is trusted${suffix(details)}`, details);
  }
}

/** The caller's AbortSignal fired. */
export class MarketDataAbortedError extends MarketDataError {
  readonly code = 'MARKET_DATA_ABORTED' as const;
  readonly retryable = false;
  constructor(details: MarketDataErrorDetails = {}) {
    super(`Market-data request aborted${suffix(details)}`, details);
  }
}

export function isMarketDataError(e: unknown): e is MarketDataError {
  return e instanceof MarketDataError;
}

/** Replaces every occurrence of each secret in `text` (secrets shorter than 4 characters are ignored). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out;
}

/** A short, loggable description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
