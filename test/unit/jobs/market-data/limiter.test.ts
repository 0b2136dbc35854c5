import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MarketDataAbortedError,
  PolygonAuthError,
  PolygonNetworkError,
  PolygonNotEntitledError,
  PolygonRateLimitError,
  PolygonServerError,
} from '../../../../jobs/market-data/errors.js';
import { createLimiter, emptyCallStats, isLostClusterState, limiterSettings, retryDelayMs, retryPolicy } from '../../../../jobs/market-data/limiter.js';
import type { CallLimiter } from '../../../../jobs/market-data/limiter.js';

describe('limiterSettings', () => {
  it('sizes the free plan at one call at a time, 12.5 s apart (at most 5 starts in any minute)', () => {
    expect(limiterSettings({ plan: 'free' })).toEqual({ maxConcurrent: 1, minTimeMs: 12_500, windowMs: 60_000 });
    expect(limiterSettings({ plan: 'free', callsPerMinute: 10 })).toEqual({ maxConcurrent: 1, minTimeMs: 6_250, windowMs: 60_000 });
    expect(limiterSettings({ plan: 'free', window: { calls: 5, ms: 1000 } })).toEqual({ maxConcurrent: 1, minTimeMs: 209, windowMs: 1000 });
  });

  it('sizes the paid plan from calls per second and concurrency', () => {
    expect(limiterSettings({ plan: 'paid' })).toEqual({ maxConcurrent: 8, minTimeMs: 21, windowMs: 1000 });
    expect(limiterSettings({ plan: 'paid', callsPerSecond: 100, maxConcurrent: 16, safetyFactor: 1 })).toEqual({ maxConcurrent: 16, minTimeMs: 10, windowMs: 1000 });
    expect(() => limiterSettings({ plan: 'paid', callsPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('retryDelayMs', () => {
  const policy = retryPolicy(limiterSettings({ plan: 'free' }), { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 90_000 });

  it('honours Retry-After on 429, else waits a full window', () => {
    expect(retryDelayMs(new PolygonRateLimitError('x', { retryAfterMs: 7_000 }), 0, policy)).toBe(7_000);
    expect(retryDelayMs(new PolygonRateLimitError('x'), 0, policy)).toBe(60_000);
  });

  it('backs off exponentially with jitter on 5xx and network errors, and stops after maxAttempts', () => {
    expect(retryDelayMs(new PolygonServerError('x'), 0, policy, () => 0)).toBe(500);
    expect(retryDelayMs(new PolygonServerError('x'), 0, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(new PolygonNetworkError('reset'), 2, policy, () => 1)).toBe(4000);
    expect(retryDelayMs(new PolygonServerError('x'), 3, policy)).toBeUndefined();
  });

  it('never retries 401, 403, aborts or foreign errors', () => {
    expect(retryDelayMs(new PolygonAuthError('Unknown API Key'), 0, policy)).toBeUndefined();
    expect(retryDelayMs(new PolygonNotEntitledError('no'), 0, policy)).toBeUndefined();
    expect(retryDelayMs(new MarketDataAbortedError(), 0, policy)).toBeUndefined();
    expect(retryDelayMs(new Error('bug'), 0, policy)).toBeUndefined();
  });

  it('recognises Bottleneck lost-state errors as Redis 7 words them', () => {
    expect(isLostClusterState(new Error('ERR SETTINGS_KEY_NOT_FOUND'))).toBe(true);
    expect(isLostClusterState(new Error('ERR UNKNOWN_CLIENT'))).toBe(true);
    expect(isLostClusterState(new Error('ECONNREFUSED'))).toBe(false);
  });
});

describe('local limiter', () => {
  let limiter: CallLimiter | undefined;
  afterEach(async () => {
    const closing = limiter?.close();
    // On fake timers Bottleneck's shutdown waits on timers too.
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(60_000);
    await closing;
    limiter = undefined;
    vi.useRealTimers();
  });

  // Bottleneck and the limiter time everything with setTimeout and Date.now: on fake timers the
  // spacing is exact and independent of the machine's load.
  it('schedules retries as limiter jobs: every attempt start stays minTime apart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    limiter = createLimiter({ plan: 'free', window: { calls: 10, ms: 1000 }, safetyFactor: 1, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const starts: number[] = [];
    const failures = new Map<number, number>([[0, 2], [2, 1]]);
    const stats = emptyCallStats();
    const all = Promise.all(
      [0, 1, 2, 3].map((i) =>
        limiter!.schedule(async () => {
          starts.push(Date.now());
          const left = failures.get(i) ?? 0;
          if (left > 0) {
            failures.set(i, left - 1);
            throw new PolygonServerError('boom', { status: 503 });
          }
          return i;
        }, { stats }),
      ),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await all).toEqual([0, 1, 2, 3]);
    expect(starts).toHaveLength(7);
    // Slots are 100 ms apart; a retry that bypassed the limiter would start 1-5 ms after its failure.
    // (The first job runs 1 ms into its slot: Node runs a 0 ms timer after 1 ms.)
    const gaps = starts.slice(1).map((t, k) => t - starts[k]!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(99);
    expect(stats).toEqual({ made: 7, retried: 3, rateLimited: 0 });
    expect(limiter.counters()).toEqual({ made: 7, retried: 3, rateLimited: 0 });
  });

  it('pauses after a 429 for Retry-After and counts it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    limiter = createLimiter({ plan: 'paid', callsPerSecond: 1000, maxConcurrent: 4 });
    const starts: number[] = [];
    const pending = limiter.schedule(async () => {
      starts.push(Date.now());
      if (starts.length === 1) throw new PolygonRateLimitError('slow down', { status: 429, retryAfterMs: 150 });
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(149);
    // Still waiting out the Retry-After: one attempt so far.
    expect(starts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toBe('ok');
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(150);
    expect(limiter.counters()).toEqual({ made: 2, retried: 1, rateLimited: 1 });
  });

  it('gives up after maxAttempts and does not retry 403', async () => {
    limiter = createLimiter({ plan: 'paid', retry: { maxAttempts: 3, baseDelayMs: 1 } });
    let n = 0;
    await expect(limiter.schedule(async () => { n++; throw new PolygonServerError('down'); })).rejects.toBeInstanceOf(PolygonServerError);
    expect(n).toBe(3);
    n = 0;
    await expect(limiter.schedule(async () => { n++; throw new PolygonNotEntitledError('plan'); })).rejects.toBeInstanceOf(PolygonNotEntitledError);
    expect(n).toBe(1);
  });

  /** Under fake timers, a fresh paid limiter held for a minute and one call scheduled behind the hold (its start times since scheduling). */
  function heldCall(): { held: CallLimiter; pending: Promise<string>; starts: number[] } {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const held = createLimiter({ plan: 'paid', callsPerSecond: 1000, maxConcurrent: 4 });
    limiter = held;
    held.holdFor(60_000);
    const starts: number[] = [];
    const t0 = Date.now();
    const pending = held.schedule(async () => {
      starts.push(Date.now() - t0);
      return 'ok';
    });
    return { held, pending, starts };
  }

  it('lifting a hold early lets the held calls go at once (they do not sleep out the old hold)', async () => {
    const { held, pending, starts } = heldCall();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(starts).toHaveLength(0);
    held.holdFor(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(await pending).toBe('ok');
    expect(starts).toHaveLength(1);
    expect(starts[0]!).toBeLessThan(5_050);
  });

  it('shortening a hold wakes the held calls for the new end, not the old one', async () => {
    const { held, pending, starts } = heldCall();
    await vi.advanceTimersByTimeAsync(1_000);
    held.holdFor(2_000);
    await vi.advanceTimersByTimeAsync(1_900);
    expect(starts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(await pending).toBe('ok');
    expect(starts[0]!).toBeGreaterThanOrEqual(3_000);
    expect(starts[0]!).toBeLessThan(3_100);
  });

  it('stops waiting out a hold when the signal aborts', async () => {
    limiter = createLimiter({ plan: 'paid', callsPerSecond: 1000, maxConcurrent: 4 });
    limiter.holdFor(60_000);
    const ac = new AbortController();
    const pending = limiter.schedule(async () => 1, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(MarketDataAbortedError);
  });

  it('stops waiting when the signal aborts', async () => {
    limiter = createLimiter({ plan: 'free', window: { calls: 1, ms: 10_000 } });
    const ac = new AbortController();
    await limiter.schedule(async () => 1);
    const pending = limiter.schedule(async () => 2, { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(MarketDataAbortedError);
  });

  it('estimates the remaining time from the rate', () => {
    limiter = createLimiter({ plan: 'free' });
    expect(limiter.etaSeconds(21)).toBe(262.5);
    expect(limiter.etaSeconds(0)).toBe(0);
  });
});
