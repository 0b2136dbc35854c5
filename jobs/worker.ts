/**
 * A worker's wiring: what each job does (run, chunk, nightly, sweep), the nightly schedule, the sweep
 * at start-up, and the hand-back on shutdown. Built by the composition root; the job store behind
 * the port decides where jobs come from.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestRunResult } from '../core/runs.js';
import type { Logger } from '../core/logger.js';
import { isConnectionLoss } from '../db/connection-errors.js';
import type { Db } from '../db/models/base.model.js';
import { RunModel } from '../db/models/run.model.js';
import type { PipelineDeps } from './pipeline/deps.js';
import { executeChunk } from './pipeline/phases/portfolio-analytics.phase.js';
import { executeRun } from './pipeline/run-pipeline.js';
import { checkpoint, LockLostError, ShutdownError, type JobControl, type JobHandlers, type JobStore, type NightlySchedule } from './queue/job-queue.js';
import { startHeartbeat } from './heartbeat.js';
import { enqueueChunkJob, enqueueRunJob } from './run-jobs.js';
import { sweepStaleRuns, type SweepResult } from './sweeper.js';

export interface WorkerOptions {
  store: JobStore;
  pipeline: PipelineDeps;
  logger: Logger;
  lockLifetimeMs: number;
  processEveryMs: number;
  sweepEveryMs: number;
  shutdownDrainMs: number;
  /** The nightly schedule to register, or null when this worker does not schedule it. */
  nightly: NightlySchedule | null;
  /** Creates the nightly run row and enqueues its job (the nightly job does nothing else). */
  requestNightlyRun(): Promise<RequestRunResult>;
  /** This worker's row in worker_heartbeats. */
  heartbeat: {
    id: string;
    host: string;
    everyMs: number;
    /** Jobs this worker runs at once. */
    concurrency: number;
    /** Told the live-worker count after every beat (the vendor limiter's share without Redis). */
    onLiveWorkers?(count: number): void;
    /** Told the live-worker count (this one included) once, after the first beat, before the first job. */
    onJoin?(liveWorkers: number): void;
  };
}

export interface WorkerHandle {
  /** Stops taking jobs, asks running ones to hand their run back, waits up to the drain timeout. */
  stop(): Promise<void>;
  /** Runs the stale-run sweep now (it also runs at start-up and every sweep interval). */
  sweep(): Promise<SweepResult>;
}

/**
 * A job that must stop hands its work on: after a shutdown a fresh job continues it at once (a job
 * that returns is done for the store); after a lost lock the worker holding it now continues.
 */
async function handOver(err: unknown, logger: Logger, requeue: () => Promise<void>): Promise<void> {
  if (err instanceof ShutdownError) {
    await requeue();
    return;
  }
  if (err instanceof LockLostError) {
    logger.warn({ err }, 'job lost its lock; another worker takes the run over');
    return;
  }
  throw err;
}

/** Times a job resumes in place after losing the database before it gives up (the sweeper resumes it later). */
const MAX_RESUMES_AFTER_CONNECTION_LOSS = 5;

/** Returns once the database answers a query again; throws the job's stop reason if it must stop first. */
async function waitForDatabase(db: Db, signal: AbortSignal): Promise<void> {
  for (let delay = 200; ; delay = Math.min(2 * delay, 3_000)) {
    checkpoint(signal);
    try {
      await db.raw('select 1');
      return;
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * Runs a job's work; when the database goes away under it (a restart, a failover: a query in flight
 * fails with 57P01 or the connection is refused), waits until it answers and resumes the same work,
 * which continues from what was stored, as after any interruption. The job keeps its lock meanwhile.
 */
async function resumingAfterConnectionLoss(db: Db, ctl: JobControl, logger: Logger, what: Record<string, unknown>, work: () => Promise<void>): Promise<void> {
  for (let resumes = 0; ; resumes++) {
    try {
      await work();
      return;
    } catch (err) {
      if (!isConnectionLoss(err) || resumes >= MAX_RESUMES_AFTER_CONNECTION_LOSS) throw err;
      checkpoint(ctl.signal);
      logger.warn({ ...what, err, resumes }, 'database connection lost; resuming the job once the database answers');
      await waitForDatabase(db, ctl.signal);
      logger.info(what, 'database answers again; resuming the job');
    }
  }
}

function workerHandlers(opts: WorkerOptions): JobHandlers & { sweepNow(): Promise<SweepResult> } {
  const { pipeline, logger, store } = opts;
  const sweepNow = () =>
    sweepStaleRuns({ knex: pipeline.knex, queue: store.queue, logger, lockLifetimeMs: opts.lockLifetimeMs, processEveryMs: opts.processEveryMs });
  return {
    async run({ runId }, ctl) {
      try {
        await resumingAfterConnectionLoss(pipeline.knex, ctl, logger, { runId }, () => executeRun(pipeline, runId, ctl));
      } catch (err) {
        await handOver(err, logger, async () => {
          await RunModel.requeue(pipeline.knex, runId, 'worker shut down; run requeued and resumes where it stopped');
          await enqueueRunJob(pipeline.knex, store.queue, runId);
        });
      }
    },
    async chunk({ runId, chunkNo }, ctl) {
      try {
        await resumingAfterConnectionLoss(pipeline.knex, ctl, logger, { runId, chunkNo }, () => executeChunk(pipeline, runId, chunkNo, ctl));
      } catch (err) {
        await handOver(err, logger, () => enqueueChunkJob(pipeline.knex, store.queue, runId, chunkNo));
      }
    },
    async nightly() {
      const r = await opts.requestNightlyRun();
      logger.info(r, r.deduplicated ? 'nightly: a run over all portfolios is already active' : 'nightly run queued');
    },
    async sweep() {
      await sweepNow();
    },
    sweepNow,
  };
}

/** Sweeps once, starts taking jobs and registers the nightly schedule. */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const { store, logger } = opts;
  const handlers = workerHandlers(opts);
  await handlers.sweepNow();
  const hb = opts.heartbeat;
  const heartbeat = await startHeartbeat({
    db: opts.pipeline.knex,
    id: hb.id,
    host: hb.host,
    pid: process.pid,
    everyMs: hb.everyMs,
    concurrency: hb.concurrency,
    runningJobs: () => store.processor.running(),
    onLiveWorkers: hb.onLiveWorkers,
    logger,
  });
  hb.onJoin?.(await heartbeat.beatNow());
  await store.processor.start(handlers, { sweepEveryMs: opts.sweepEveryMs });
  if (opts.nightly) await store.queue.scheduleNightly(opts.nightly);
  logger.info({ cron: opts.nightly?.cron ?? null, lockLifetimeMs: opts.lockLifetimeMs, jobStore: store.kind }, 'worker started');
  let stopped = false;
  return {
    sweep: () => handlers.sweepNow(),
    async stop() {
      if (stopped) return;
      stopped = true;
      store.processor.interruptAll();
      const r = await store.processor.drain(opts.shutdownDrainMs);
      await heartbeat.stop();
      logger.info(r, 'worker drained');
    },
  };
}
