import { z } from 'zod';

/** Job names, payloads and per-definition options. The work lives in one-time jobs: Agenda does not retry a crashed repeating job. */

export const JOB_RUN = 'batch-run';
export const JOB_CHUNK = 'batch-run-chunk';
export const JOB_NIGHTLY = 'batch-nightly';
export const JOB_SWEEP = 'batch-sweep';

export const RunJobData = z.object({ runId: z.string().uuid() });
export type RunJobData = z.infer<typeof RunJobData>;

export const ChunkJobData = z.object({ runId: z.string().uuid(), chunkNo: z.number().int().min(0) });
export type ChunkJobData = z.infer<typeof ChunkJobData>;

/** How often a running job renews its lock: at least three times per lifetime (four, for margin). */
export function touchIntervalMs(lockLifetimeMs: number): number {
  return Math.max(250, Math.floor(lockLifetimeMs / 4));
}
