/**
 * How the console follows a run, apart from the browser: the subscription when the server has it,
 * otherwise polling. A subscription that errors, stays silent, or ends before a terminal view (a
 * draining API ends its streams early) hands over to polling, which stops at a terminal status.
 * No DOM here, so the decisions are testable under Node with fake timers.
 */
import type { RunStatusView } from '../../client-sdk/types.js';

export const POLL_MS = 2_000;
/** A subscription that delivers nothing for this long is given up for polling. */
export const SILENCE_MS = POLL_MS * 2;
const TERMINAL = new Set(['completed', 'partial', 'failed']);
export const isTerminal = (status: string): boolean => TERMINAL.has(status);

export type WatchMode = 'subscription' | 'polling';

export interface Watch {
  stop(): void;
}

export interface StreamHandlers {
  data(view: RunStatusView): void;
  error(err: unknown): void;
  /** The stream ended without an error (the server returned or stopped it). */
  ended(): void;
}

/** Where the run's views come from. */
export interface RunFeed {
  /** Whether the server has the subscription. */
  canWatch(): Promise<boolean>;
  /** Opens the subscription; returns its unsubscribe. */
  watch(handlers: StreamHandlers): () => void;
  /** One read of the run; null when there is nothing to show. */
  status(): Promise<RunStatusView | null>;
  /** True for an error that means polling again cannot help (no such run). */
  isFinalError(err: unknown): boolean;
}

export function followRun(feed: RunFeed, onUpdate: (s: RunStatusView, mode: WatchMode) => void, onError: (err: unknown) => void): Watch {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let silence: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | undefined;

  const poll = async (): Promise<void> => {
    if (stopped) return;
    try {
      const s = await feed.status();
      if (stopped || !s) return;
      onUpdate(s, 'polling');
      if (isTerminal(s.status)) return;
    } catch (err) {
      onError(err);
      if (feed.isFinalError(err)) return;
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };

  const subscribe = (): void => {
    let seen = false;
    let over = false; // a terminal view arrived, or the stream was handed over to polling
    const fallback = (): void => {
      if (over) return;
      over = true;
      clearTimeout(silence);
      unsubscribe?.();
      unsubscribe = undefined;
      if (!stopped) void poll();
    };
    silence = setTimeout(() => {
      if (!seen) fallback();
    }, SILENCE_MS);
    unsubscribe = feed.watch({
      data(s) {
        seen = true;
        if (stopped || over) return;
        onUpdate(s, 'subscription');
        if (isTerminal(s.status)) {
          over = true;
          clearTimeout(silence);
          unsubscribe?.();
          unsubscribe = undefined;
        }
      },
      error: fallback,
      ended: fallback,
    });
  };

  feed.canWatch().then(
    (yes) => (yes ? subscribe() : void poll()),
    () => void poll(),
  );
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(silence);
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
