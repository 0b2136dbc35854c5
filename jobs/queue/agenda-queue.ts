/**
 * The Agenda adapter of the job-queue port: Agenda on MongoDB when a MongoDB URL is given
 * (production), else on the application's PostgreSQL. The job code is the same on both. This is the
 * only module that knows Agenda.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoBackend } from '@agendajs/mongo-backend';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda, type Job } from 'agenda';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { isConnectionLoss } from '../../db/connection-errors.js';
import type { Logger } from '../../core/logger.js';
import { AGENDA_LOG_TABLE, AGENDA_TABLE } from '../../db/migrations/002_agenda_jobs.js';
import { ChunkJobData, JOB_CHUNK, JOB_NIGHTLY, JOB_RUN, JOB_SWEEP, RunJobData, touchIntervalMs } from '../definitions.js';
import {
  LockLostError,
  ShutdownError,
  type DrainResult,
  type JobControl,
  type JobHandlers,
  type JobProcessor,
  type JobQueue,
  type JobStore,
  type LiveJob,
  type LiveJobState,
} from './job-queue.js';

export const MONGO_COLLECTION = 'agendaJobs';

export interface AgendaStoreOptions {
  /** MongoDB URL: the production job store. When unset, Agenda runs on PostgreSQL. */
  mongoUrl: string | undefined;
  /** The application's PostgreSQL (used when no MongoDB is configured). */
  postgresUrl: string;
  /** Identifies this process in the job store (lastModifiedBy). */
  name: string;
  lockLifetimeMs: number;
  processEveryMs: number;
  concurrency: number;
  logger: Logger;
}

/** The Agenda store; `agenda` is exposed for tests that need to arrange the store's state directly. */
export interface AgendaJobStore extends JobStore {
  readonly agenda: Agenda;
}

const LIVE_STATES: readonly string[] = ['queued', 'scheduled', 'running'];

/** The running jobs' abort controllers; once `stopping`, a job that starts is interrupted at once. */
interface JobRegistry {
  controllers: Set<AbortController>;
  stopping: boolean;
}

/**
 * Runs `work` with a lock keeper: the job's lock is renewed (with the current percent: without one
 * Agenda clears the progress) several times per lock lifetime, and `signal` aborts when a renewal
 * fails (the lock was lost) or on shutdown. The keeper loop is awaited before returning: nothing is
 * left running behind the job.
 */
async function withLockKeeper(
  job: Job<unknown>,
  lockLifetimeMs: number,
  registry: JobRegistry,
  logger: Logger,
  work: (ctl: JobControl) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  registry.controllers.add(controller);
  // A job Agenda had already claimed when the shutdown began: it hands its run back at once too.
  if (registry.stopping) controller.abort(new ShutdownError());
  let percent = 0;
  let lastRenewal = Date.now();
  const touch = async (p: number): Promise<void> => {
    percent = p;
    try {
      await job.touch(p);
      lastRenewal = Date.now();
    } catch (err) {
      // The store is unreachable (a database restart): the lock is still ours until its lifetime
      // runs out, so the caller sees the connection error (it waits and resumes), not a lost lock.
      if (isConnectionLoss(err) && Date.now() - lastRenewal < lockLifetimeMs) throw err;
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
        if (!controller.signal.aborted) {
          logger.warn({ err, jobId: String(job.attrs._id) }, 'lock renewal failed: job store unreachable; retrying at the next renewal');
          continue;
        }
        logger.warn({ err, jobId: String(job.attrs._id) }, 'lock renewal failed; stopping the job');
        return;
      }
    }
  })();
  try {
    await work({ signal: controller.signal, touch });
  } finally {
    stopKeeper.abort();
    await keeper;
    registry.controllers.delete(controller);
  }
}

/**
 * The PostgreSQL pool of the Agenda backend, owned here so that a server restart cannot crash the
 * process: node-postgres emits 'error' on the pool (idle connections) and on each client when the
 * server terminates connections (57P01), and an unheard 'error' event kills the process. Broken
 * connections are dropped by the pool and replaced on the next query.
 */
function createStorePool(url: string, name: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, application_name: `portfolio-batch:jobs:${name}`.slice(0, 63), max: 10 });
  pool.on('error', (err) => logger.warn({ err }, 'job store: an idle connection was lost; it is replaced on the next query'));
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.debug({ err }, 'job store: a connection was lost'));
  });
  return pool;
}

export async function createAgendaJobStore(opts: AgendaStoreOptions): Promise<AgendaJobStore> {
  let mongo: MongoClient | undefined;
  let pgPool: pg.Pool | undefined;
  let backend: MongoBackend | PostgresBackend;
  if (opts.mongoUrl) {
    mongo = new MongoClient(opts.mongoUrl);
    await mongo.connect();
    const db = mongo.db();
    // The backend does not create it: without it two 'single' jobs (the nightly schedule) can be
    // inserted by two workers starting at once.
    await db
      .collection(MONGO_COLLECTION)
      .createIndex({ name: 1 }, { unique: true, partialFilterExpression: { type: 'single' }, name: 'single_job_name_unique' });
    backend = new MongoBackend({ mongo: db, collection: MONGO_COLLECTION, ensureIndex: true });
  } else {
    // The table comes from a migration; workers never run DDL.
    pgPool = createStorePool(opts.postgresUrl, opts.name, opts.logger);
    backend = new PostgresBackend({ pool: pgPool, tableName: AGENDA_TABLE, logTableName: AGENDA_LOG_TABLE, ensureSchema: false });
    // The LISTEN connection: when the server drops it the channel reconnects and listens again on its
    // own (polling every processEvery covers the gap), but reports each step as an 'error' event.
    backend.notificationChannel?.on('error', (err: Error) => {
      if (isConnectionLoss(err)) opts.logger.warn({ err }, 'job store: notification listener lost its connection; reconnecting');
      else opts.logger.error({ err }, 'job store: notification listener error');
    });
  }
  // A worker never claims a job it has no free slot for: the claims it may hold (lockLimit, per job
  // kind and in total) equal the jobs it may run (concurrency, maxConcurrency). Without these limits a
  // busy worker locks every queued job and holds them until a slot frees or the lock expires, while
  // idle workers wait.
  const slots = Math.max(opts.concurrency, 2) + 2;
  const agenda = new Agenda({
    backend,
    name: opts.name,
    processEvery: opts.processEveryMs,
    defaultLockLifetime: opts.lockLifetimeMs,
    maxConcurrency: slots,
    lockLimit: slots,
    defaultConcurrency: opts.concurrency,
    defaultLockLimit: opts.concurrency,
  });
  // An unhandled 'error' event would crash the process; a lost store connection is logged and retried by Agenda.
  agenda.on('error', (err: Error) => opts.logger.error({ err }, 'job store error'));
  await agenda.ready;
  // Agenda connects its LISTEN/NOTIFY channel only in start(), and publishes a NOTIFY for a new job
  // only while it is connected: a process that only enqueues (the API) would leave idle workers to
  // find onboarding runs at their next poll (PROCESS_EVERY_MS). Connect it here for enqueueing;
  // start() takes it over on workers.
  const channel = backend instanceof PostgresBackend ? backend.notificationChannel : undefined;
  await channel?.connect().catch((err: unknown) => opts.logger.warn({ err }, 'job store: notification channel not connected yet; retrying'));
  const kind = mongo ? 'mongo' : 'postgres';
  opts.logger.info({ jobStore: kind }, kind === 'mongo' ? 'Agenda job store: MongoDB' : 'Agenda job store: PostgreSQL');

  const queue: JobQueue = {
    async enqueueRun(runId) {
      const job = await agenda.now(JOB_RUN, { runId });
      return String(job.attrs._id);
    },
    async enqueueChunk(runId, chunkNo) {
      const job = await agenda.now(JOB_CHUNK, { runId, chunkNo });
      return String(job.attrs._id);
    },
    async liveJobs(jobIds) {
      if (jobIds.length === 0) return [];
      const { jobs } = await agenda.queryJobs({ ids: [...jobIds], limit: jobIds.length });
      return jobs
        .filter((j) => LIVE_STATES.includes(j.state))
        .map((j): LiveJob => ({ id: String(j._id), name: j.name, state: j.state as LiveJobState }));
    },
    async scheduleNightly(schedule) {
      await agenda.every(schedule.cron, JOB_NIGHTLY, undefined, { timezone: schedule.timezone, skipImmediate: true });
    },
  };

  const registry: JobRegistry = { controllers: new Set(), stopping: false };
  if (channel) {
    // A finished run or chunk job frees a slot, but Agenda claims queued jobs from the store only
    // every processEvery: a worker taking a fanned-out run's chunks one after the other would idle
    // up to that long between two. Announcing the free slot on the job channel (once the job has
    // left Agenda's running set, hence setImmediate) makes this worker, or an idle one, claim the
    // next job at once; a missed announcement only falls back to the poll. Only a processor runs
    // jobs, so only a worker announces.
    // Agenda re-emits other processes' job events with `remote` set: those announce their own.
    const announce = (job: Job<unknown>, remote?: boolean): void => {
      if (remote === true || job.attrs === undefined) return;
      setImmediate(() => {
        if (registry.stopping || channel.state !== 'connected') return;
        const now = new Date();
        channel
          .publish({ jobId: job.attrs._id!, jobName: job.attrs.name, nextRunAt: now, priority: 0, timestamp: now, source: 'slot-freed' })
          .catch((err: unknown) => opts.logger.debug({ err }, 'job store: free slot not announced; the next poll claims the job'));
      });
    };
    agenda.on(`complete:${JOB_RUN}`, announce);
    agenda.on(`complete:${JOB_CHUNK}`, announce);
  }
  const processor: JobProcessor = {
    async start(handlers: JobHandlers, { sweepEveryMs }) {
      // A processor started again after a stop (one job store, a worker restarted in the same process) runs jobs again.
      registry.stopping = false;
      const single = { lockLifetime: opts.lockLifetimeMs, concurrency: 1, lockLimit: 1 };
      /** A job that does a run's work: its payload checked, its lock kept while it runs. */
      const defineLocked = <T>(name: string, payload: { parse(data: unknown): T }, work: (data: T, ctl: JobControl) => Promise<void>): void => {
        agenda.define(
          name,
          async (job: Job<unknown>) => {
            const data = payload.parse(job.attrs.data);
            await withLockKeeper(job, opts.lockLifetimeMs, registry, opts.logger, (ctl) => work(data, ctl));
          },
          { lockLifetime: opts.lockLifetimeMs, concurrency: opts.concurrency, lockLimit: opts.concurrency },
        );
      };
      defineLocked(JOB_RUN, RunJobData, (data, ctl) => handlers.run(data, ctl));
      defineLocked(JOB_CHUNK, ChunkJobData, (data, ctl) => handlers.chunk(data, ctl));
      agenda.define(JOB_NIGHTLY, () => handlers.nightly(), single);
      agenda.define(JOB_SWEEP, () => handlers.sweep(), single);
      if (channel && channel.state !== 'disconnected') await channel.disconnect();
      await agenda.start();
      await agenda.every(sweepEveryMs, JOB_SWEEP, undefined, { skipImmediate: true });
    },
    interruptAll() {
      registry.stopping = true;
      for (const c of registry.controllers) if (!c.signal.aborted) c.abort(new ShutdownError());
    },
    running: () => registry.controllers.size,
    async drain(timeoutMs): Promise<DrainResult> {
      const r = await agenda.drain({ timeout: timeoutMs, closeConnection: false });
      return { completed: r.completed, running: r.running, timedOut: r.timedOut };
    },
  };

  return {
    kind,
    agenda,
    queue,
    processor,
    async ping() {
      await agenda.queryJobs({ limit: 1 });
    },
    async close() {
      // stop() is a no-op once drain() has stopped the processor, so disconnect the backend directly then.
      if (agenda.isActiveJobProcessor()) await agenda.stop(true);
      else await backend.disconnect();
      if (channel && channel.state !== 'disconnected') await channel.disconnect();
      await mongo?.close();
      await pgPool?.end();
    },
  };
}
