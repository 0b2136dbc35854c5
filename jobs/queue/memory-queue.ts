/**
 * The in-memory adapter of the job-queue port: jobs live in this process only and run in it, in the
 * order they were queued, at most `concurrency` at a time. For service tests and single-process use
 * without a durable store: nothing survives the process, and there are no locks to lose.
 */
import type { Logger } from '../../core/logger.js';
import { ChunkJobData, JOB_CHUNK, JOB_RUN, RunJobData } from '../definitions.js';
import { ShutdownError, type DrainResult, type JobHandlers, type JobProcessor, type JobQueue, type JobStore, type LiveJob, type NightlySchedule } from './job-queue.js';

export type MemoryJobState = 'queued' | 'running' | 'done' | 'failed';

/** A job as the in-memory store keeps it. */
export interface MemoryJob {
  id: string;
  name: typeof JOB_RUN | typeof JOB_CHUNK;
  data: RunJobData | ChunkJobData;
  state: MemoryJobState;
  /** The percent the job last reported. */
  percent: number;
  error?: string;
}

export interface MemoryJobStore extends JobStore {
  readonly kind: 'memory';
  /** Every job queued so far, oldest first. */
  jobs(): readonly MemoryJob[];
  /** The nightly schedule, once registered. */
  nightlySchedule(): NightlySchedule | undefined;
  /** Runs the nightly handler now (what the schedule does when it fires). */
  triggerNightly(): Promise<void>;
  /** Resolves once no job is queued or running. */
  idle(): Promise<void>;
}

export interface MemoryStoreOptions {
  /** Jobs run at once (default 1). */
  concurrency?: number;
  logger?: Logger;
}

export function createMemoryJobStore(opts: MemoryStoreOptions = {}): MemoryJobStore {
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const jobs: MemoryJob[] = [];
  const controllers = new Map<string, AbortController>();
  const inFlight = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];
  let handlers: JobHandlers | undefined;
  let accepting = false;
  let schedule: NightlySchedule | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let seq = 0;

  const enqueue = (name: MemoryJob['name'], data: MemoryJob['data']): string => {
    const id = `memory-${++seq}`;
    jobs.push({ id, name, data, state: 'queued', percent: 0 });
    pump();
    return id;
  };

  const settleIdle = (): void => {
    if (inFlight.size > 0 || (accepting && jobs.some((j) => j.state === 'queued'))) return;
    for (const w of idleWaiters.splice(0)) w();
  };

  const execute = async (job: MemoryJob, h: JobHandlers): Promise<void> => {
    const controller = new AbortController();
    controllers.set(job.id, controller);
    const ctl = {
      signal: controller.signal,
      touch: (percent: number) => {
        job.percent = percent;
        return Promise.resolve();
      },
    };
    try {
      if (job.name === JOB_RUN) await h.run(RunJobData.parse(job.data), ctl);
      else await h.chunk(ChunkJobData.parse(job.data), ctl);
      job.state = 'done';
    } catch (err) {
      job.state = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      opts.logger?.error({ err, jobId: job.id }, 'job failed');
    } finally {
      controllers.delete(job.id);
    }
  };

  function pump(): void {
    const h = handlers;
    if (!h || !accepting) return;
    while (inFlight.size < concurrency) {
      const job = jobs.find((j) => j.state === 'queued');
      if (!job) break;
      job.state = 'running';
      const p: Promise<void> = execute(job, h).finally(() => {
        inFlight.delete(p);
        pump();
        settleIdle();
      });
      inFlight.add(p);
    }
  }

  const queue: JobQueue = {
    enqueueRun: (runId) => Promise.resolve(enqueue(JOB_RUN, { runId })),
    enqueueChunk: (runId, chunkNo) => Promise.resolve(enqueue(JOB_CHUNK, { runId, chunkNo })),
    liveJobs(jobIds) {
      const wanted = new Set(jobIds);
      return Promise.resolve(
        jobs.filter((j) => wanted.has(j.id) && (j.state === 'queued' || j.state === 'running')).map((j): LiveJob => ({ id: j.id, name: j.name, state: j.state as 'queued' | 'running' })),
      );
    },
    scheduleNightly(s) {
      schedule = { ...s };
      return Promise.resolve();
    },
  };

  const processor: JobProcessor = {
    start(h, { sweepEveryMs }) {
      handlers = h;
      accepting = true;
      sweepTimer = setInterval(() => {
        h.sweep().catch((err: unknown) => opts.logger?.error({ err }, 'sweep failed'));
      }, sweepEveryMs);
      sweepTimer.unref();
      pump();
      return Promise.resolve();
    },
    interruptAll() {
      for (const c of controllers.values()) if (!c.signal.aborted) c.abort(new ShutdownError());
    },
    running: () => inFlight.size,
    async drain(timeoutMs): Promise<DrainResult> {
      accepting = false;
      clearInterval(sweepTimer);
      const before = jobs.filter((j) => j.state === 'done' || j.state === 'failed').length;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all([...inFlight]).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const after = jobs.filter((j) => j.state === 'done' || j.state === 'failed').length;
      settleIdle();
      return { completed: after - before, running: inFlight.size, timedOut };
    },
  };

  return {
    kind: 'memory',
    queue,
    processor,
    jobs: () => jobs.map((j) => ({ ...j })),
    nightlySchedule: () => schedule,
    async triggerNightly() {
      if (!handlers) throw new Error('the in-memory job store has no handlers: start its processor first');
      if (!schedule) throw new Error('no nightly schedule is registered');
      await handlers.nightly();
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    ping: () => Promise.resolve(),
    async close() {
      accepting = false;
      clearInterval(sweepTimer);
      await Promise.all([...inFlight]);
    },
  };
}
