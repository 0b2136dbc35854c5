import type { Db } from '../db/models/base.model.js';
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
