import type { Agenda, Job } from 'agenda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import { ChunkJobData, JOB_CHUNK, JOB_NIGHTLY, JOB_RUN, JOB_SWEEP, RunJobData, touchIntervalMs } from './definitions.js';
import type { JobControl, PipelineDeps } from './pipeline/deps.js';
import { LockLostError, ShutdownError } from './pipeline/run-recorder.js';
import { executeChunk, executeRun } from './pipeline/run-pipeline.js';
import { RunChunkModel } from '../db/models/run-chunk.model.js';
import { RunModel } from '../db/models/run.model.js';

export interface WorkerJobOptions {
  lockLifetimeMs: number;
  concurrency: number;
  logger: Logger;
  /** Creates the nightly run row and enqueues its job (the nightly job does nothing else). */
  requestNightlyRun(): Promise<{ runId: string; deduplicated: boolean }>;
  /** Marks or resumes runs whose worker died. */
  sweep(): Promise<void>;
}

export interface RunningJobs {
  /** Asks every running job to stop at its next checkpoint (shutdown). */
  interruptAll(): void;
  count(): number;
}

/**
 * Runs `work` with a lock keeper: the job's lock is renewed (with the current percent) several times
 * per lock lifetime, and `signal` aborts when a renewal fails (the lock was lost) or on shutdown.
 * The keeper loop is awaited before returning: nothing is left running behind the job.
 */
async function withLockKeeper<T>(
  job: Job<unknown>,
  lockLifetimeMs: number,
  registry: Set<AbortController>,
  logger: Logger,
  work: (ctl: JobControl) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  registry.add(controller);
  let percent = 0;
  const touch = async (p: number): Promise<void> => {
    percent = p;
    try {
      await job.touch(p);
    } catch (err) {
      const lost = new LockLostError(`lost the lock of job ${String(job.attrs._id)}`, { cause: err });
      if (!controller.signal.aborted) controller.abort(lost);
      throw lost;
    }
  };
  const stopKeeper = new AbortController();
  const keeper = (async () => {
    const every = touchIntervalMs(lockLifetimeMs);
    while (!stopKeeper.signal.aborted && !controller.signal.aborted) {
      try {
        await sleep(every, undefined, { signal: stopKeeper.signal });
      } catch (err) {
        if ((err as Error).name === 'AbortError') return;
        throw err;
      }
      try {
        await touch(percent);
      } catch (err) {
        logger.warn({ err, jobId: String(job.attrs._id) }, 'lock renewal failed; stopping the job');
        return;
      }
    }
  })();
  try {
    return await work({ signal: controller.signal, touch });
  } finally {
    stopKeeper.abort();
    await keeper;
    registry.delete(controller);
  }
}

export function defineWorkerJobs(agenda: Agenda, deps: PipelineDeps, opts: WorkerJobOptions): RunningJobs {
  const registry = new Set<AbortController>();
  const log = opts.logger;

  const handleInterruption = async (err: unknown, requeue: () => Promise<void>): Promise<void> => {
    if (err instanceof ShutdownError) {
      // A one-time job that returns is done for Agenda: hand the work to a fresh job before leaving.
      await requeue();
      return;
    }
    if (err instanceof LockLostError) {
      log.warn({ err }, 'job lost its lock; another worker takes the run over');
      return;
    }
    throw err;
  };

  agenda.define<RunJobData>(
    JOB_RUN,
    async (job) => {
      const { runId } = RunJobData.parse(job.attrs.data);
      try {
        await withLockKeeper(job as Job<unknown>, opts.lockLifetimeMs, registry, log, (ctl) => executeRun(deps, runId, ctl));
      } catch (err) {
        await handleInterruption(err, async () => {
          await RunModel.requeue(deps.knex, runId, 'worker shut down; run requeued and resumes where it stopped');
          const next = await agenda.now(JOB_RUN, { runId });
          await RunModel.setJobId(deps.knex, runId, String(next.attrs._id));
        });
      }
    },
    { lockLifetime: opts.lockLifetimeMs, concurrency: opts.concurrency },
  );

  agenda.define<ChunkJobData>(
    JOB_CHUNK,
    async (job) => {
      const { runId, chunkNo } = ChunkJobData.parse(job.attrs.data);
      try {
        await withLockKeeper(job as Job<unknown>, opts.lockLifetimeMs, registry, log, (ctl) => executeChunk(deps, runId, chunkNo, ctl));
      } catch (err) {
        await handleInterruption(err, async () => {
          await RunChunkModel.setJobId(deps.knex, runId, chunkNo, await deps.enqueueChunk(runId, chunkNo));
        });
      }
    },
    { lockLifetime: opts.lockLifetimeMs, concurrency: opts.concurrency },
  );

  agenda.define(
    JOB_NIGHTLY,
    async () => {
      const r = await opts.requestNightlyRun();
      log.info(r, r.deduplicated ? 'nightly: a run over all portfolios is already active' : 'nightly run queued');
    },
    { lockLifetime: opts.lockLifetimeMs, concurrency: 1 },
  );

  agenda.define(
    JOB_SWEEP,
    async () => {
      await opts.sweep();
    },
    { lockLifetime: opts.lockLifetimeMs, concurrency: 1 },
  );

  return {
    interruptAll() {
      for (const c of registry) if (!c.signal.aborted) c.abort(new ShutdownError());
    },
    count: () => registry.size,
  };
}
