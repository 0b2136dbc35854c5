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

/** Polls `batch.status` until the run is completed, partial or failed, and returns that final status. */
export async function waitForRun(client: PortfolioBatchClient, runId: string, opts: WaitForRunOptions = {}): Promise<RunStatusView> {
  const interval = Math.max(50, opts.intervalMs ?? 2_000);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
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
