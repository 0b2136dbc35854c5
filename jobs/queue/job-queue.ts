/**
 * The job system as the rest of the code sees it: a port with two sides. Services and the pipeline
 * enqueue through `JobQueue`; a worker process takes jobs through `JobProcessor` and runs them with
 * its handlers. Adapters: Agenda (agenda-queue.ts, MongoDB or PostgreSQL backend) and an in-memory
 * one (memory-queue.ts). Nothing outside the Agenda adapter knows Agenda.
 */
import { isConnectionLoss } from '../../db/connection-errors.js';
import type { ChunkJobData, RunJobData } from '../definitions.js';

/** The job's lock went to another worker: stop writing; the run is continued there. */
export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockLostError';
  }
}

/** The worker is shutting down: stop at the next checkpoint and hand the work back. */
export class ShutdownError extends Error {
  readonly code = 'SHUTDOWN';
  constructor() {
    super('the worker is shutting down');
    this.name = 'ShutdownError';
  }
}

/** Throws the reason the job must stop (lock lost, shutdown) once its signal has fired. */
export function checkpoint(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ShutdownError();
}

/**
 * True for the errors that mean "stop now and let the run be resumed", not "the run failed": a lost
 * lock, a shutdown, or a lost database connection (the worker waits for the database and resumes).
 */
export function isInterruption(err: unknown): boolean {
  return err instanceof LockLostError || err instanceof ShutdownError || isConnectionLoss(err);
}

/** A running job as its handler sees it. */
export interface JobControl {
  /** Fires with LockLostError or ShutdownError when the job must stop. */
  signal: AbortSignal;
  /** Renews the job's lock with the current percent; throws LockLostError when the lock was lost. */
  touch(percent: number): Promise<void>;
}

export type LiveJobState = 'queued' | 'scheduled' | 'running';

/** A job the store still holds: waiting, scheduled, or held by a worker. */
export interface LiveJob {
  id: string;
  name: string;
  state: LiveJobState;
}

/** When the nightly run is requested: a five-field cron expression in a time zone. */
export interface NightlySchedule {
  cron: string;
  timezone: string;
}

/** The enqueueing side. */
export interface JobQueue {
  /** Queues the job that runs (or resumes) a run; returns the job's id. */
  enqueueRun(runId: string): Promise<string>;
  /** Queues one chunk job of a fanned-out run; returns the job's id. */
  enqueueChunk(runId: string, chunkNo: number): Promise<string>;
  /** Those of `jobIds` whose jobs are still queued, scheduled or running (an expired lock counts: it is retaken). */
  liveJobs(jobIds: readonly string[]): Promise<LiveJob[]>;
  /** Registers the repeating nightly job; once for the whole store, however many workers call it. */
  scheduleNightly(schedule: NightlySchedule): Promise<void>;
}

/** What a worker does with each kind of job. */
export interface JobHandlers {
  run(job: RunJobData, ctl: JobControl): Promise<void>;
  chunk(job: ChunkJobData, ctl: JobControl): Promise<void>;
  /** Requests the nightly run (it does nothing else: the run itself is a one-time job). */
  nightly(): Promise<void>;
  /** Resumes or fails runs whose worker died. */
  sweep(): Promise<void>;
}

export interface DrainResult {
  /** Jobs that finished while draining. */
  completed: number;
  /** Jobs still running when the drain gave up. */
  running: number;
  timedOut: boolean;
}

/** The processing side, used by worker processes. */
export interface JobProcessor {
  /** Registers the handlers, schedules the repeating sweep and starts taking jobs. */
  start(handlers: JobHandlers, opts: { sweepEveryMs: number }): Promise<void>;
  /** Asks every job this process runs to stop at its next checkpoint (their signals fire with ShutdownError). */
  interruptAll(): void;
  /** Jobs this process runs now. */
  running(): number;
  /** Stops taking jobs and waits up to `timeoutMs` for the running ones. */
  drain(timeoutMs: number): Promise<DrainResult>;
}

/** A job store: both sides, plus what the process needs to probe and release it. */
export interface JobStore {
  readonly kind: 'mongo' | 'postgres' | 'memory';
  readonly queue: JobQueue;
  readonly processor: JobProcessor;
  /** Round trip to the store, for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
