import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunModel } from '../../../../db/models/run.model.js';
import { addTradingDays } from '../../../../jobs/calc/trading-calendar.js';
import type { JobQueue } from '../../../../jobs/queue/job-queue.js';
import { createMemoryJobStore, type MemoryJobStore } from '../../../../jobs/queue/memory-queue.js';
import { sweepStaleRuns } from '../../../../jobs/sweeper.js';
import { NotFoundError, ValidationError } from '../../../../server/services/errors.js';
import { createRunControlService, type RunControlService } from '../../../../server/services/run-control.service.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';
import { seedPortfolio } from '../../../helpers/portfolios.js';
import { TEST_NOW, TEST_TARGET } from '../../../helpers/stack.js';

// Real PostgreSQL, the in-memory job queue: no Agenda, no worker, no simulator.
const logger = pino({ level: 'silent' });
const position = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: addTradingDays(TEST_TARGET, -5) };

async function validationIssues(p: Promise<unknown>): Promise<unknown> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).issues;
}

describe('the run control on the in-memory job queue', () => {
  let db: TestDatabase;
  let store: MemoryJobStore;
  let control: RunControlService;
  const controlOn = (queue: JobQueue) => createRunControlService({ knex: db.knex, queue, logger, clock: () => TEST_NOW, closeCutoff: '16:30' });

  beforeAll(async () => {
    db = await createTestDatabase();
    store = createMemoryJobStore();
    control = controlOn(store.queue);
  });
  afterAll(async () => {
    await store.close();
    await db.destroy();
  });

  it('writes one queued run per scope and queues its job; asking again answers with the same run', async () => {
    const { portfolioId } = await seedPortfolio(db.knex, [position]);
    const first = await control.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    expect(first.deduplicated).toBe(false);
    const again = await control.requestRun({ scope: 'portfolio', portfolioId, source: 'settings' });
    expect(again).toEqual({ runId: first.runId, deduplicated: true });
    const jobs = store.jobs().filter((j) => 'runId' in j.data && j.data.runId === first.runId);
    expect(jobs.map((j) => [j.name, j.state])).toEqual([['batch-run', 'queued']]);
    const run = await RunModel.find(db.knex, first.runId);
    expect(run).toMatchObject({ status: 'queued', source: 'admin', requested_to: TEST_TARGET, job_id: jobs[0]!.id });
    const status = await control.getRunStatus({ runId: first.runId });
    expect(status).toMatchObject({ runId: first.runId, status: 'queued', percent: 0, currentPhase: null, targetDate: TEST_TARGET });
  });

  it('checks `from` once, with one message, and writes nothing for a bad request', async () => {
    const { portfolioId } = await seedPortfolio(db.knex, [position]);
    const before = store.jobs().length;
    expect(await validationIssues(control.requestRun({ scope: 'portfolio', portfolioId, source: 'admin', from: '2024-02-30' }))).toEqual([
      { field: 'from', message: '2024-02-30 is not a calendar date between 1990 and 2100' },
    ]);
    expect(await validationIssues(control.requestRun({ scope: 'portfolio', portfolioId, source: 'admin', from: '2026-11-23' }))).toEqual([
      { field: 'from', message: `2026-11-23 is after the latest final close (${TEST_TARGET})` },
    ]);
    expect(await validationIssues(control.requestRun({ scope: 'all', portfolioId, source: 'admin' }))).toEqual([
      { field: 'portfolioId', message: 'must be empty for a run over all portfolios' },
    ]);
    await expect(control.requestRun({ scope: 'portfolio', portfolioId: '00000000-0000-4000-8000-000000000000', source: 'admin' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(store.jobs()).toHaveLength(before);
    expect(await RunModel.activeIdFor(db.knex, `portfolio:${portfolioId}`)).toBeNull();
  });

  it('keeps the run queued when the queue refuses the job; the sweeper queues it, and leaves a run with a live job alone', async () => {
    const { portfolioId } = await seedPortfolio(db.knex, [position]);
    const refusing = controlOn({ ...store.queue, enqueueRun: () => Promise.reject(new Error('job store unreachable')) });
    const { runId } = await refusing.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });
    const run = await RunModel.find(db.knex, runId);
    expect(run).toMatchObject({ status: 'queued', job_id: null });
    expect(run?.activity_log.map((a) => a.message)).toContain('enqueueing failed; the sweeper will retry');

    // With a zero lock lifetime every active run's heartbeat is stale at once.
    const sweep = () => sweepStaleRuns({ knex: db.knex, queue: store.queue, logger, lockLifetimeMs: 0, processEveryMs: 0 });
    const first = await sweep();
    expect(first.resumed).toContain(runId);
    const resumedJob = store.jobs().find((j) => 'runId' in j.data && j.data.runId === runId);
    expect(resumedJob?.state).toBe('queued');
    expect((await RunModel.find(db.knex, runId))?.job_id).toBe(resumedJob?.id);
    // Its job is live now (queued, no worker yet): the next sweep leaves the run alone.
    const second = await sweep();
    expect(second.resumed).not.toContain(runId);
    expect(second.failed).not.toContain(runId);
  });
});
