/**
 * The vendor-call limiter: Bottleneck sized from the plan, retries that respect the plan's rate, and a
 * clustered mode that shares one quota between processes through Redis.
 *
 * Every attempt of a call, the first one and each retry, is its own Bottleneck job. Bottleneck's own
 * retry (returning a delay from the `failed` handler) re-runs the task without registering it again,
 * so a retried attempt bypasses `minTime` and the reservoir, and the job after it is spaced from the
 * first attempt's start rather than the retry's: the plan's rate could be exceeded. Here a failed
 * attempt ends its job, and the retry is scheduled as a new job (ahead of fresh work) after its delay,
 * so Bottleneck spaces it like any other call, locally or across the cluster.
 */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { MarketDataAbortedError, PolygonRateLimitError, describeError, isMarketDataError } from './errors.js';

export interface CallStats {
  /** HTTP attempts started (first attempts and retries). */
  made: number;
  /** Attempts that were retries. */
  retried: number;
  /** Attempts answered with 429. */
  rateLimited: number;
}

export function emptyCallStats(): CallStats {
  return { made: 0, retried: 0, rateLimited: 0 };
}

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Back-off of the first retry of a 5xx/network failure; doubles per attempt, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wait after a 429 without Retry-After: the plan's window, so that it has freed. */
  rateLimitFallbackMs: number;
}

export interface LimiterOptions {
  /** `free`: one call at a time, spaced so that at most N starts fall in any window. `paid`: a calls-per-second cap. */
  plan: 'free' | 'paid';
  /** free: calls per minute (default 5, the Basic plan). */
  callsPerMinute?: number;
  /** free: an explicit window instead of a minute (tests use short windows). Overrides callsPerMinute. */
  window?: { calls: number; ms: number };
  /** paid: calls per second cap (default 50). */
  callsPerSecond?: number;
  /** paid: concurrent calls (default 8). */
  maxConcurrent?: number;
  /**
   * Spacing is the window divided by its calls, times this factor (default 25/24, which gives the
   * documented 12 500 ms for 5 calls per minute): the vendor counts arrival times, and arrivals jitter.
   */
  safetyFactor?: number;
  retry?: Partial<RetryPolicy>;
  /** Shares the quota between processes through this Redis (Bottleneck clustering). */
  redisUrl?: string;
  /** Limiter id in Redis: every process that shares the key's quota must use the same id. */
  id?: string;
  logger?: Logger;
  /** Jitter source, injectable for tests. */
  random?: () => number;
  /** Told how long each attempt waited for its slot (from its submission to the limiter to its start), in ms. */
  onWait?: (ms: number) => void;
}

export interface ScheduleOptions {
  signal?: AbortSignal | undefined;
  /** Per-caller counters, incremented alongside the limiter's totals. */
  stats?: CallStats | undefined;
}

export interface CallLimiter {
  /**
   * Runs `task` under the limiter, retrying retryable market-data errors (429, 5xx, network) as new
   * limiter jobs. `attempt` is 0 for the first attempt.
   */
  schedule<T>(task: (attempt: number) => Promise<T>, opts?: ScheduleOptions): Promise<T>;
  /** Totals since creation. */
  counters(): CallStats;
  /** Lower bound on the seconds `callsLeft` calls take at this limiter's rate. */
  etaSeconds(callsLeft: number): number;
  readonly settings: { readonly maxConcurrent: number; readonly minTimeMs: number; readonly windowMs: number; readonly clustered: boolean };
  /** Number of times the clustered limiter was rebuilt after its Redis state vanished. */
  recoveries(): number;
  /**
   * How many processes share the plan (the live workers). Without Redis each takes its part of the
   * rate (see limiterSettings); the clustered limiter shares one quota already and ignores it.
   */
  setShare(processes: number): void;
  /** Starts no call for `ms` (calls scheduled meanwhile wait, as after a 429); `ms` 0 lifts an earlier hold. */
  holdFor(ms: number): void;
  close(): Promise<void>;
}

const DEFAULT_FREE_CALLS_PER_MINUTE = 5;
const DEFAULT_PAID_CALLS_PER_SECOND = 50;
const DEFAULT_PAID_CONCURRENCY = 8;
const DEFAULT_SAFETY = 25 / 24;
/** Bottleneck priorities: 0 runs first. */
const PRIORITY_WARMUP = 0;
const PRIORITY_RETRY = 2;
const PRIORITY_NORMAL = 5;

export interface LimiterSettings {
  maxConcurrent: number;
  minTimeMs: number;
  /** The plan's window, used as the 429 fallback wait. */
  windowMs: number;
}

/**
 * Spacing of one process's call starts when `share` processes, each spacing its own calls, share a
 * plan of `calls` per `ms` without talking to each other. Spaced by m, a process starts at most
 * floor(ms / m) + 1 calls in any window, so each gets k = floor(calls / share) calls per window with
 * m just over ms / k; together they stay within the plan however their calls interleave. With more
 * processes than calls per window no spacing can guarantee it (use Redis then).
 */
function sharedSpacingMs(calls: number, ms: number, share: number, safety: number): number {
  if (share <= 1) return Math.ceil((ms / calls) * safety);
  const perProcess = calls / share;
  const k = perProcess >= 1 ? Math.floor(perProcess) : perProcess;
  return Math.ceil((ms / k) * safety);
}

/**
 * Bottleneck settings for the plan (pure; exported for tests). `share`: the number of processes
 * that share the plan without Redis (the live workers); each gets its part of the rate.
 */
export function limiterSettings(
  opts: Pick<LimiterOptions, 'plan' | 'callsPerMinute' | 'window' | 'callsPerSecond' | 'maxConcurrent' | 'safetyFactor'>,
  share = 1,
): LimiterSettings {
  const safety = opts.safetyFactor ?? DEFAULT_SAFETY;
  if (!(safety >= 1)) throw new RangeError('safetyFactor must be >= 1');
  if (!(share >= 1)) throw new RangeError('share must be >= 1');
  if (opts.plan === 'free') {
    const window = opts.window ?? { calls: opts.callsPerMinute ?? DEFAULT_FREE_CALLS_PER_MINUTE, ms: 60_000 };
    if (!(window.calls > 0) || !(window.ms > 0)) throw new RangeError('window needs positive calls and ms');
    return { maxConcurrent: 1, minTimeMs: sharedSpacingMs(window.calls, window.ms, share, safety), windowMs: window.ms };
  }
  const cps = opts.callsPerSecond ?? DEFAULT_PAID_CALLS_PER_SECOND;
  if (!(cps > 0)) throw new RangeError('callsPerSecond must be positive');
  const maxConcurrent = opts.maxConcurrent ?? DEFAULT_PAID_CONCURRENCY;
  if (!(maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be >= 1');
  return { maxConcurrent, minTimeMs: sharedSpacingMs(cps, 1000, share, safety), windowMs: 1000 };
}

export function retryPolicy(settings: LimiterSettings, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 60_000,
    rateLimitFallbackMs: settings.windowMs,
    ...overrides,
  };
}

/**
 * Delay before the next attempt, or undefined when `error` must not be retried (not retryable, or
 * attempts exhausted). `attempt` is the 0-based index of the attempt that failed. 429 waits for
 * Retry-After when the vendor sent one, else for the window; other retryable errors back off
 * exponentially with jitter in [50 %, 100 %] of the step.
 */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (!isMarketDataError(error) || !error.retryable) return undefined;
  if (attempt + 1 >= policy.maxAttempts) return undefined;
  if (error instanceof PolygonRateLimitError) {
    const wait = error.retryAfterMs ?? policy.rateLimitFallbackMs;
    return Math.min(Math.max(wait, 0), policy.maxDelayMs);
  }
  const step = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return Math.round(step * (0.5 + 0.5 * random()));
}

/** Thrown inside a job that started during a 429 pause: no call was made; the caller waits and resubmits. */
class PausedSignal extends Error {
  constructor(readonly remainingMs: number) {
    super('limiter paused after a 429');
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new MarketDataAbortedError({ cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new MarketDataAbortedError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Bottleneck on Redis 7 reports lost keys as `ERR SETTINGS_KEY_NOT_FOUND` and does not recover by itself. */
export function isLostClusterState(e: unknown): boolean {
  const msg = describeError(e);
  return msg.includes('SETTINGS_KEY_NOT_FOUND') || msg.includes('UNKNOWN_CLIENT');
}

interface Generation {
  readonly n: number;
  readonly bottleneck: Bottleneck;
  stopped: boolean;
}

class Limiter implements CallLimiter {
  settings: CallLimiter['settings'];
  private share = 1;
  private readonly policy: RetryPolicy;
  private readonly totals = emptyCallStats();
  private readonly random: () => number;
  private readonly log: Logger | undefined;
  private gen: Generation;
  private recovering: Promise<void> | undefined;
  private recoveryCount = 0;
  private pausedUntil = 0;
  private heldUntil = 0;
  /** Wakes the calls waiting out a hold when holdFor shortens or lifts it. */
  private holdChanged = new AbortController();
  private closed = false;
  private lastErrorLogAt = 0;

  constructor(private readonly opts: LimiterOptions) {
    const s = limiterSettings(opts);
    this.settings = { ...s, clustered: opts.redisUrl !== undefined };
    this.policy = retryPolicy(s, opts.retry);
    this.random = opts.random ?? Math.random;
    this.log = opts.logger;
    this.gen = this.build(0);
  }

  private build(n: number): Generation {
    const common = {
      id: this.opts.id ?? 'polygon',
      maxConcurrent: this.settings.maxConcurrent,
      minTime: this.settings.minTimeMs,
    };
    let bottleneck: Bottleneck;
    if (this.opts.redisUrl !== undefined) {
      // Commands wait through a Redis outage instead of failing after 20 reconnects; lost keys are
      // handled by recover() once Redis answers again.
      const client = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });
      const connection = new Bottleneck.IORedisConnection({ client, Redis });
      bottleneck = new Bottleneck({ ...common, datastore: 'ioredis', connection, clearDatastore: false });
    } else {
      bottleneck = new Bottleneck(common);
    }
    const g: Generation = { n, bottleneck, stopped: false };
    bottleneck.on('error', (e: unknown) => {
      if (g.stopped) return;
      if (isLostClusterState(e)) {
        void this.recover(g).catch((err: unknown) => this.logError(err, 'limiter recovery failed'));
        return;
      }
      this.logError(e, 'limiter datastore error');
    });
    return g;
  }

  private logError(e: unknown, msg: string): void {
    const now = Date.now();
    // A Redis outage emits an error per reconnect attempt; one line per few seconds is enough.
    if (now - this.lastErrorLogAt < 5_000) return;
    this.lastErrorLogAt = now;
    this.log?.warn({ err: describeError(e) }, msg);
  }

  /**
   * Rebuilds the clustered limiter after Redis lost its keys (restart, flush). Jobs queued on the old
   * instance are dropped by stop() and resubmitted by their schedule() loops. A no-op job goes first on
   * the new instance: the rebuilt state starts with no memory of the last call, so burning one slot
   * spaces the next real call at least minTime after the moment the loss was noticed, which is after
   * any call started on the lost state.
   */
  private recover(from: Generation): Promise<void> {
    if (from !== this.gen || this.closed) return this.recovering ?? Promise.resolve();
    if (this.recovering) return this.recovering;
    this.recoveryCount++;
    this.log?.warn({ generation: from.n }, 'clustered limiter lost its Redis state; rebuilding it');
    from.stopped = true;
    const next = this.build(from.n + 1);
    this.gen = next;
    const warmup = next.bottleneck.schedule({ priority: PRIORITY_WARMUP }, () => Promise.resolve());
    this.recovering = (async () => {
      try {
        await from.bottleneck.stop({ dropWaitingJobs: true });
      } catch (e) {
        this.logError(e, 'stopping the lost limiter failed');
      }
      try {
        await from.bottleneck.disconnect(false);
        await warmup;
      } catch (e) {
        this.logError(e, 'limiter recovery step failed');
      }
    })().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  async schedule<T>(task: (attempt: number) => Promise<T>, opts: ScheduleOptions = {}): Promise<T> {
    const { signal, stats } = opts;
    let waitingSince = Date.now();
    for (let attempt = 0; ; ) {
      if (signal?.aborted) throw new MarketDataAbortedError({ cause: signal.reason });
      if (this.closed) throw new Error('limiter is closed');
      const g = this.gen;
      let started = false;
      let counted = false;
      try {
        const job = g.bottleneck.schedule({ priority: attempt > 0 ? PRIORITY_RETRY : PRIORITY_NORMAL }, async () => {
          started = true;
          if (signal?.aborted) throw new MarketDataAbortedError({ cause: signal.reason });
          const remaining = Math.max(this.pausedUntil, this.heldUntil) - Date.now();
          if (remaining > 0) throw new PausedSignal(remaining);
          counted = true;
          this.opts.onWait?.(Date.now() - waitingSince);
          this.count(stats, 'made');
          if (attempt > 0) this.count(stats, 'retried');
          return task(attempt);
        });
        return await (signal ? raceAbort(job, signal) : job);
      } catch (e) {
        if (!started && (g.stopped || isLostClusterState(e))) {
          // Dropped or refused by a limiter whose Redis state vanished: nothing ran; go again.
          await this.recover(g);
          continue;
        }
        if (e instanceof PausedSignal) {
          await this.sleepPaused(e.remainingMs, signal);
          continue;
        }
        if (!counted) throw e;
        if (e instanceof PolygonRateLimitError) {
          this.count(stats, 'rateLimited');
          const pause = e.retryAfterMs ?? this.policy.rateLimitFallbackMs;
          // The window is full: calls started meanwhile would be refused too.
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + Math.min(pause, this.policy.maxDelayMs));
        }
        const delay = retryDelayMs(e, attempt, this.policy, this.random);
        if (delay === undefined) throw e;
        this.log?.debug({ attempt, delayMs: delay, err: describeError(e) }, 'retrying vendor call');
        await sleep(delay, signal);
        waitingSince = Date.now();
        attempt++;
      }
    }
  }

  private count(stats: CallStats | undefined, key: keyof CallStats): void {
    this.totals[key]++;
    if (stats) stats[key]++;
  }

  counters(): CallStats {
    return { ...this.totals };
  }

  recoveries(): number {
    return this.recoveryCount;
  }

  /** Waits out a pause or hold; returns early when holdFor shortens or lifts the hold (the caller checks again). */
  private async sleepPaused(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw new MarketDataAbortedError({ cause: signal.reason });
    const woken = this.holdChanged.signal;
    const stop = new AbortController();
    const onStop = (): void => stop.abort();
    woken.addEventListener('abort', onStop, { once: true });
    signal?.addEventListener('abort', onStop, { once: true });
    try {
      await sleep(ms, stop.signal);
    } catch (e) {
      if (signal?.aborted) throw new MarketDataAbortedError({ cause: signal.reason });
      // Woken by holdFor: the caller goes round again and sees the new hold.
      if (!woken.aborted) throw e;
    } finally {
      woken.removeEventListener('abort', onStop);
      signal?.removeEventListener('abort', onStop);
    }
  }

  holdFor(ms: number): void {
    const until = ms > 0 ? Date.now() + ms : 0;
    const shorter = until < this.heldUntil;
    this.heldUntil = until;
    if (shorter) {
      this.holdChanged.abort();
      this.holdChanged = new AbortController();
    }
  }

  setShare(processes: number): void {
    const share = Math.max(1, Math.floor(processes));
    if (this.settings.clustered || share === this.share || this.closed) return;
    const previous = this.settings.minTimeMs;
    this.share = share;
    this.settings = { ...limiterSettings(this.opts, share), clustered: false };
    this.gen.bottleneck.updateSettings({ minTime: this.settings.minTimeMs });
    this.log?.info({ processes: share, minTimeMs: this.settings.minTimeMs, previousMinTimeMs: previous }, 'vendor plan shared among live workers (no Redis)');
  }

  etaSeconds(callsLeft: number): number {
    if (callsLeft <= 0) return 0;
    return (callsLeft * this.settings.minTimeMs) / 1000;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.recovering) await this.recovering;
    const g = this.gen;
    g.stopped = true;
    await g.bottleneck.stop({ dropWaitingJobs: true });
    await g.bottleneck.disconnect(true);
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new MarketDataAbortedError({ cause: signal.reason }));
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function createLimiter(opts: LimiterOptions): CallLimiter {
  return new Limiter(opts);
}
