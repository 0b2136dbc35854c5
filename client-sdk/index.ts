/**
 * Typed client of the portfolio-batch API: `createClient` → `client.portfolio.onboard.mutate(…)` etc.
 * Only types come from the server (see ./types.ts), so the SDK carries no server code.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { FetchEventSource } from './event-source.js';
import type { AppRouter, PortfolioBatchClient } from './types.js';

export type * from './types.js';

export interface ClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:3000 (a trailing /trpc is accepted too). */
  url: string;
  /** Bearer token: ADMIN_TOKEN or a user token from user.create. */
  token?: string;
  /** A fetch implementation (tests, proxies); default: the global fetch. */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. x-request-id). */
  headers?: Record<string, string>;
  /**
   * How subscriptions (batch.watch) connect. Default: the runtime's EventSource when it has one (a
   * browser; the token then goes as connectionParams, since EventSource cannot send headers), else a
   * fetch-based one that sends the token as a header.
   */
  EventSource?: typeof globalThis.EventSource;
}

/** Calls the API accepts in one HTTP batch; createClient splits larger batches (set the same maxItems on your own httpBatchLink). */
export const MAX_BATCH_CALLS = 20;

export function trpcUrlOf(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/trpc') ? base : `${base}/trpc`;
}

export function createClient(opts: ClientOptions): PortfolioBatchClient {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const url = trpcUrlOf(opts.url);
  const NativeEventSource = opts.EventSource ?? (globalThis as { EventSource?: typeof globalThis.EventSource }).EventSource;
  const subscriptions = NativeEventSource
    ? httpSubscriptionLink({
        url,
        transformer: superjson,
        EventSource: NativeEventSource,
        ...(opts.token ? { connectionParams: { token: opts.token } } : {}),
      })
    : httpSubscriptionLink({
        url,
        transformer: superjson,
        EventSource: FetchEventSource,
        eventSourceOptions: { headers, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
      });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptions,
        false: httpBatchLink({
          url,
          transformer: superjson,
          // Long batched GETs switch to POST-free splitting instead of hitting URL limits of proxies.
          maxURLLength: 8_000,
          maxItems: MAX_BATCH_CALLS,
          headers: () => headers,
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
        }),
      }),
    ],
  });
}

/** A field problem as the API reports it in `data.issues`. */
export interface ApiIssue {
  row?: number;
  field: string;
  message: string;
}

export interface ApiErrorInfo {
  /** tRPC code (BAD_REQUEST, UNAUTHORIZED, …) or NETWORK when the server could not be reached. */
  code: string;
  httpStatus: number | null;
  message: string;
  issues: ApiIssue[];
  errorId: string | null;
  retryAfterSeconds: number | null;
}

/** Flattens any error the client throws into what a caller needs to act on it. */
export function describeError(err: unknown): ApiErrorInfo {
  if (err instanceof TRPCClientError) {
    const data = (err.data ?? null) as { code?: string; httpStatus?: number; issues?: ApiIssue[]; errorId?: string; retryAfterSeconds?: number } | null;
    if (!data) {
      const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
      return { code: 'NETWORK', httpStatus: null, message: `${err.message}${cause}`, issues: [], errorId: null, retryAfterSeconds: null };
    }
    return {
      code: data.code ?? 'UNKNOWN',
      httpStatus: data.httpStatus ?? null,
      message: err.message,
      issues: data.issues ?? [],
      errorId: data.errorId ?? null,
      retryAfterSeconds: data.retryAfterSeconds ?? null,
    };
  }
  return { code: 'CLIENT', httpStatus: null, message: err instanceof Error ? err.message : String(err), issues: [], errorId: null, retryAfterSeconds: null };
}

export { TRPCClientError };
export { waitForRun, WaitTimeoutError, isTerminal, type WaitForRunOptions } from './wait-for-run.js';
export { FetchEventSource, type FetchEventSourceInit } from './event-source.js';
