/**
 * A worker's heartbeat: its row in worker_heartbeats, renewed every `everyMs` with the number of jobs
 * it runs. After each beat it reads how many workers are live and reports it (the vendor limiter
 * splits the plan's rate by that count when there is no Redis to share it through).
 */
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/models/base.model.js';
import { WorkerHeartbeatModel } from '../db/models/worker-heartbeat.model.js';

export interface HeartbeatOptions {
  db: Db;
  id: string;
  host: string;
  pid: number;
  everyMs: number;
  concurrency: number;
  runningJobs(): number;
  /** Called after every successful beat with the live-worker count (this worker included). */
  onLiveWorkers?(count: number): void;
  logger: Logger;
}

export interface Heartbeat {
  /** Beats now (the loop also beats every `everyMs`); resolves with the live-worker count. */
  beatNow(): Promise<number>;
  /** Stops beating and removes this worker's row. */
  stop(): Promise<void>;
}

/** Rows of workers silent for a day are removed by whichever worker beats. */
const PRUNE_AFTER_MS = 24 * 3600_000;

/** Beats once (so the worker counts as live before it takes a job), then every `everyMs`. */
export async function startHeartbeat(opts: HeartbeatOptions): Promise<Heartbeat> {
  const { db, logger } = opts;
  let lastErrorLogAt = 0;
  const beatNow = async (): Promise<number> => {
    await WorkerHeartbeatModel.beat(db, {
      id: opts.id,
      host: opts.host,
      pid: opts.pid,
      beatEveryMs: opts.everyMs,
      runningJobs: opts.runningJobs(),
      concurrency: opts.concurrency,
    });
    const live = Math.max(1, await WorkerHeartbeatModel.liveCount(db));
    opts.onLiveWorkers?.(live);
    return live;
  };
  await beatNow();
  await WorkerHeartbeatModel.prune(db, PRUNE_AFTER_MS);
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = beatNow().catch((err: unknown) => {
      // A database outage fails every beat; one line per half minute is enough.
      if (Date.now() - lastErrorLogAt < 30_000) return;
      lastErrorLogAt = Date.now();
      logger.warn({ err }, 'worker heartbeat failed; retrying at the next beat');
    });
  }, opts.everyMs);
  timer.unref();
  let stopped = false;
  return {
    beatNow,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight;
      await WorkerHeartbeatModel.remove(db, opts.id).catch((err: unknown) => logger.warn({ err }, 'could not remove the worker heartbeat row'));
    },
  };
}
