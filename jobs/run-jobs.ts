import type { Db } from '../db/models/base.model.js';
import { PortfolioModel } from '../db/models/portfolio.model.js';
import { RunChunkModel } from '../db/models/run-chunk.model.js';
import { RunModel } from '../db/models/run.model.js';
import type { JobQueue } from './queue/job-queue.js';

/** Queues the job of a run and records the job's id on the run, where the sweeper looks for it. */
export async function enqueueRunJob(db: Db, queue: JobQueue, runId: string): Promise<void> {
  await RunModel.setJobId(db, runId, await queue.enqueueRun(runId));
}

/** Queues a chunk job of a fanned-out run and records the job's id on the chunk. */
export async function enqueueChunkJob(db: Db, queue: JobQueue, runId: string, chunkNo: number): Promise<void> {
  await RunChunkModel.setJobId(db, runId, chunkNo, await queue.enqueueChunk(runId, chunkNo));
}

/**
 * After a portfolio run ended: a change that landed while it ran, too late for its numbers (the
 * mark is still set and newer than the run's start), gets a follow-up run with source 'settings'
 * (docs/lifecycle.md). Returns the follow-up's id, or null when none was needed or one is active.
 */
export async function requestFollowUpRun(db: Db, queue: JobQueue, runId: string): Promise<string | null> {
  const run = await RunModel.find(db, runId);
  if (!run || run.scope !== 'portfolio' || !run.portfolio_id || !run.started_at || !run.requested_to) return null;
  if (run.status === 'queued' || run.status === 'running') return null;
  const marked = await PortfolioModel.markedSince(db, [run.portfolio_id], run.started_at);
  if (marked.length === 0) return null;
  const id = await RunModel.insertIfNoneActive(db, {
    scope: 'portfolio',
    portfolioId: run.portfolio_id,
    source: 'settings',
    requestedBy: run.requested_by,
    requestedFrom: null,
    requestedTo: run.requested_to,
    force: false,
  });
  if (id) {
    await RunModel.appendActivity(db, id, `follow-up of run ${runId}: a change landed while it ran`);
    await enqueueRunJob(db, queue, id);
  }
  return id;
}
