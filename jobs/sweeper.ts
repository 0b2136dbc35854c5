import type { Logger } from '../core/logger.js';
import type { Db } from '../db/models/base.model.js';
import { RunChunkModel } from '../db/models/run-chunk.model.js';
import { RunModel, type RunRecord } from '../db/models/run.model.js';
import type { JobQueue } from './queue/job-queue.js';
import { enqueueRunJob } from './run-jobs.js';

export interface SweepOptions {
  knex: Db;
  queue: JobQueue;
  logger: Logger;
  lockLifetimeMs: number;
  processEveryMs: number;
  /** Attempts after which a run whose workers keep dying is failed instead of resumed. */
  maxAttempts?: number;
  /**
   * A queued run without a job this old is queued by the sweeper (the process that wrote it died
   * before queueing its job, or queueing failed). Younger ones are left to the writer, which queues
   * the job right after its commit. Default 5 s.
   */
  unqueuedGraceMs?: number;
}

export const UNQUEUED_GRACE_MS = 5_000;

export interface SweepResult {
  /** Queued runs that had no job and got one. */
  queued: string[];
  checked: number;
  alive: number;
  resumed: string[];
  failed: string[];
}

/**
 * No queued run is left without a job (see unqueuedGraceMs), and nothing stays `running` forever: a run whose heartbeat is older than a lock lifetime and none of
 * whose jobs the store still holds (queued, scheduled or locked: an expired lock is retaken by the
 * store itself) is resumed with a new job, or failed with the reason once it has been tried
 * `maxAttempts` times.
 */
export async function sweepStaleRuns(opts: SweepOptions): Promise<SweepResult> {
  const maxAttempts = opts.maxAttempts ?? 3;
  const result: SweepResult = { queued: [], checked: 0, alive: 0, resumed: [], failed: [] };
  for (const run of await RunModel.queuedWithoutJob(opts.knex, opts.unqueuedGraceMs ?? UNQUEUED_GRACE_MS)) {
    await RunModel.appendActivity(opts.knex, run.id, 'queued without a job (its writer stopped before queueing it): job queued by the sweeper');
    await enqueueRunJob(opts.knex, opts.queue, run.id);
    result.queued.push(run.id);
  }
  const stale = await RunModel.findStale(opts.knex, opts.lockLifetimeMs + 2 * opts.processEveryMs);
  result.checked = stale.length;
  for (const run of stale) {
    const chunks = await RunChunkModel.ofRun(opts.knex, run.id);
    const jobIds = [run.job_id, ...chunks.map((c) => c.job_id)].filter((x): x is string => !!x);
    if ((await opts.queue.liveJobs(jobIds)).length > 0) {
      result.alive++;
      continue;
    }
    if (run.attempts >= maxAttempts) {
      await failRun(opts, run, `abandoned: its worker stopped ${run.attempts} times without finishing (no live job, heartbeat older than the lock lifetime)`);
      result.failed.push(run.id);
    } else {
      await RunModel.appendActivity(opts.knex, run.id, 'no live job and a stale heartbeat: resumed by the sweeper');
      await enqueueRunJob(opts.knex, opts.queue, run.id);
      result.resumed.push(run.id);
    }
  }
  if (result.checked > 0 || result.queued.length > 0) opts.logger.info(result, 'swept stale runs');
  return result;
}

async function failRun(opts: SweepOptions, run: RunRecord, reason: string): Promise<void> {
  await RunModel.finish(
    opts.knex,
    run.id,
    'failed',
    { phases: run.phases, counters: run.counters, progress: run.progress, warnings: run.warnings, activityLog: [...run.activity_log, { at: new Date().toISOString(), message: reason }] },
    reason,
  );
  opts.logger.warn({ runId: run.id, reason }, 'run failed by the sweeper');
}
