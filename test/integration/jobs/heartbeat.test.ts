import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LIVE_WORKER_QUEUED } from '../../../core/runs.js';
import { WorkerHeartbeatModel } from '../../../db/models/worker-heartbeat.model.js';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { startWorker, type WorkerHandle } from '../../../server/worker.js';
import { samplePositions, seedPortfolio, waitForRunEnd } from '../../helpers/portfolios.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../helpers/stack.js';

describe('worker heartbeats', () => {
  let stack: TestStack;
  let api: ApiServer;
  let worker: WorkerHandle | undefined;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, name: 'beating-worker', env: { HEARTBEAT_EVERY_MS: '250' } });
    api = await createApiServer(stack.container, { port: 0 });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await stack?.stop();
  });

  it('a queued run with no live worker says so; a started worker beats, shows in /readyz, takes the run and removes its row when it stops', async () => {
    const knex = stack.container.knex;
    const { portfolioId } = await seedPortfolio(knex, samplePositions(TEST_TARGET).slice(0, 3), { name: 'beats' });
    const { runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    const waiting = await stack.container.runControl.getRunStatus({ runId });
    expect(waiting?.status).toBe('queued');
    expect(waiting?.workers).toEqual({ live: 0, note: NO_LIVE_WORKER_QUEUED });
    const before = (await (await fetch(`${api.url}/readyz`)).json()) as { workers: { live: number } };
    expect(before.workers.live).toBe(0);

    worker = await startWorker(stack.container);
    const live = await WorkerHeartbeatModel.live(knex);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ id: 'beating-worker', pid: process.pid, concurrency: stack.config.batch.concurrency });
    const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { status: string; workers: { live: number; list: { id: string }[] } };
    expect(ready).toMatchObject({ status: 'ready', workers: { live: 1, list: [{ id: 'beating-worker' }] } });

    expect((await waitForRunEnd(knex, runId)).status).toBe('completed');
    expect((await stack.container.runControl.getRunStatus({ runId }))?.workers).toBeUndefined();

    await worker.stop();
    worker = undefined;
    expect(await WorkerHeartbeatModel.live(knex)).toEqual([]);
  });

  it('a worker is live for three of its intervals after its last beat', async () => {
    const knex = stack.container.knex;
    await WorkerHeartbeatModel.beat(knex, { id: 'other', host: 'h', pid: 1, beatEveryMs: 1000, runningJobs: 1, concurrency: 2 });
    expect(await WorkerHeartbeatModel.liveCount(knex)).toBe(1);
    await knex.raw(`UPDATE worker_heartbeats SET beat_at = now() - interval '2900 milliseconds' WHERE id = 'other'`);
    expect(await WorkerHeartbeatModel.liveCount(knex)).toBe(1);
    await knex.raw(`UPDATE worker_heartbeats SET beat_at = now() - interval '3100 milliseconds' WHERE id = 'other'`);
    expect(await WorkerHeartbeatModel.liveCount(knex)).toBe(0);
    const { portfolioId } = await seedPortfolio(knex, samplePositions(TEST_TARGET).slice(0, 2), { name: 'stale' });
    const { runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    expect((await stack.container.runControl.getRunStatus({ runId }))?.workers?.note).toBe(NO_LIVE_WORKER_QUEUED);
    await WorkerHeartbeatModel.remove(knex, 'other');
  });
});
