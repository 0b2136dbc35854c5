import { TRPCClientError } from '@trpc/client';
import type { PortfolioBatchClient, RunStatusView } from './index.js';

export interface WaitForRunOptions {
  /** Called with every status read, the final one included. */
  onProgress?: (status: RunStatusView) => void;
  /** Pause between reads; 2 s matches what the API is sized for. */
  intervalMs?: number;
  /** Give up after this long with a WaitTimeoutError (the run keeps going on the server). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Ask for the portfolio's snapshot coverage on the final read. */
  freshness?: boolean;
  /** Consecutive network failures tolerated before giving up (a restarting API is not a failed run). */
  maxNetworkErrors?: number;
  /**
   * Follow the run over batch.watch (server-sent events) and poll only when the stream fails or ends
   * early (default true). false: poll only.
   */
  live?: boolean;
}

const TERMINAL = new Set(['completed', 'partial', 'failed']);

export function isTerminal(status: RunStatusView['status']): boolean {
  return TERMINAL.has(status);
}

export class WaitTimeoutError extends Error {
  readonly code = 'WAIT_TIMEOUT';
  constructor(
    readonly runId: string,
    readonly last: RunStatusView | null,
    timeoutMs: number,
  ) {
    super(`Run ${runId} did not finish within ${Math.round(timeoutMs / 1000)} s (last status: ${last?.status ?? 'unknown'}, ${last?.percent ?? 0}%); it continues on the server`);
    this.name = 'WaitTimeoutError';
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const isNetworkError = (err: unknown): boolean => err instanceof TRPCClientError && !err.data;

/**
 * Follows the run over batch.watch until a terminal view, the stream's end or its first error.
 * Resolves with the terminal view, or null when the caller should poll instead.
 */
function watchRun(client: PortfolioBatchClient, runId: string, opts: WaitForRunOptions, deadline: number): Promise<RunStatusView | null> {
  return new Promise((resolve) => {
    let done = false;
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const finish = (view: RunStatusView | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      ac.abort();
      resolve(view);
    };
    const onAbort = (): void => finish(null);
    if (opts.signal?.aborted) {
      finish(null);
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline !== Infinity) timer = setTimeout(() => finish(null), Math.max(0, deadline - Date.now()));
    try {
      client.batch.watch.subscribe(
        { runId },
        {
          signal: ac.signal,
          onData(view) {
            if (done) return;
            if (isTerminal(view.status)) finish(view);
            else opts.onProgress?.(view);
          },
          onError: () => finish(null),
          onComplete: () => finish(null),
          onConnectionStateChange(state) {
            if (state.state === 'connecting' && state.error) finish(null);
          },
        },
      );
    } catch {
      // A client without subscriptions (e.g. one built with httpBatchLink alone): poll.
      finish(null);
    }
  });
}

/**
 * Waits until the run is completed, partial or failed and returns that final status: live over
 * batch.watch, falling back to polling `batch.status` when the stream is unavailable or ends early.
 */
export async function waitForRun(client: PortfolioBatchClient, runId: string, opts: WaitForRunOptions = {}): Promise<RunStatusView> {
  const interval = Math.max(50, opts.intervalMs ?? 2_000);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  if (opts.live ?? true) {
    const watched = await watchRun(client, runId, opts, deadline);
    if (watched) {
      const final = opts.freshness && watched.portfolioId ? ((await client.batch.status.query({ runId, freshness: true })) ?? watched) : watched;
      opts.onProgress?.(final);
      return final;
    }
  }
  const maxNetworkErrors = opts.maxNetworkErrors ?? 5;
  let last: RunStatusView | null = null;
  let networkErrors = 0;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    try {
      const status = await client.batch.status.query({ runId }, { signal: opts.signal });
      networkErrors = 0;
      if (!status) throw new Error(`Run ${runId} has no status`);
      last = status;
      if (isTerminal(status.status)) {
        const final = opts.freshness && status.portfolioId ? ((await client.batch.status.query({ runId, freshness: true })) ?? status) : status;
        opts.onProgress?.(final);
        return final;
      }
      opts.onProgress?.(status);
    } catch (err) {
      if (!isNetworkError(err) || ++networkErrors > maxNetworkErrors) throw err;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(runId, last, opts.timeoutMs ?? 0);
    await sleep(Math.min(interval, left), opts.signal);
  }
}
