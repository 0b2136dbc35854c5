import { RateLimitedError } from '../services/errors.js';

export interface RateLimiter {
  /** Counts one event for `key`; throws RateLimitedError when the window is already full. */
  hit(key: string): void;
}

/**
 * Sliding-window log per key, in memory: each API process enforces the limit on its own, so with N
 * API processes a user gets at most N × limit triggers per window. Triggers only queue runs that
 * dedupe per scope, so the bound protects the job store rather than guarding money.
 */
export function createSlidingWindowLimiter(opts: { limit: number; windowMs: number; what: string; now?: () => number }): RateLimiter {
  const now = opts.now ?? Date.now;
  const events = new Map<string, number[]>();
  let lastSweep = now();

  function sweep(t: number): void {
    // Forget idle keys now and then so the map cannot grow without bound.
    if (t - lastSweep < opts.windowMs) return;
    lastSweep = t;
    for (const [k, list] of events) {
      const last = list[list.length - 1];
      if (last === undefined || last <= t - opts.windowMs) events.delete(k);
    }
  }

  return {
    hit(key) {
      const t = now();
      sweep(t);
      const list = (events.get(key) ?? []).filter((x) => x > t - opts.windowMs);
      if (list.length >= opts.limit) {
        const oldest = list[0] ?? t;
        const retryAfterSeconds = Math.max(1, Math.ceil((oldest + opts.windowMs - t) / 1000));
        events.set(key, list);
        throw new RateLimitedError(
          `Too many ${opts.what}: at most ${opts.limit} per ${Math.round(opts.windowMs / 1000)} s; retry in ${retryAfterSeconds} s`,
          retryAfterSeconds,
        );
      }
      list.push(t);
      events.set(key, list);
    },
  };
}
