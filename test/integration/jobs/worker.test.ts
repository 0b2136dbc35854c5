import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunChunkModel } from '../../../db/models/run-chunk.model.js';
import { RunModel } from '../../../db/models/run.model.js';
import { addTradingDays, tradingDaysBetween } from '../../../jobs/calc/trading-calendar.js';
import { createMemoryJobStore, type MemoryJobStore } from '../../../jobs/queue/memory-queue.js';
import { createLogger } from '../../../server/logger.js';
import { seedPortfolio } from '../../helpers/portfolios.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../helpers/stack.js';

const small = (entry: string) => [
  { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: entry },
  { symbol: 'MSFT', quantity: -5, entryPrice: 300, entryDate: entry },
];

// The worker wiring on the in-memory job store: the same pipeline and handlers, no Agenda.
describe('a worker on the in-memory job store', () => {
  let stack: TestStack;
  let store: MemoryJobStore;
  beforeAll(async () => {
    store = createMemoryJobStore({ concurrency: 2, logger: createLogger('silent') });
    stack = await startTestStack({ jobStore: store, env: { CHUNK_SIZE: '2' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a run end to end, fanned out to chunk jobs, and the last chunk finishes it', async () => {
    const knex = stack.container.knex;
    const entry = addTradingDays(TEST_TARGET, -8);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await seedPortfolio(knex, small(entry), { name: `memory-${i}` })).portfolioId);
    const { runId } = await stack.container.runControl.requestRun({ scope: 'all', source: 'admin' });
    await store.idle();
    const status = await stack.container.runControl.getRunStatus({ runId });
    expect(status?.status).toBe('completed');
    expect(status?.counters.snapshotsWritten).toBe(3 * tradingDaysBetween(entry, TEST_TARGET).length);
    expect(status?.phases.portfolio_analytics).toMatchObject({ status: 'done', current: 3, total: 3 });
    const jobs = store.jobs().filter((j) => j.data.runId === runId);
    expect(jobs.map((j) => [j.name, j.state])).toEqual([
      ['batch-run', 'done'],
      ['batch-run-chunk', 'done'],
      ['batch-run-chunk', 'done'],
    ]);
  });

  it('a resumed run whose chunks all ended before it did is finished from them (counters summed), not left running', async () => {
    const knex = stack.container.knex;
    const { portfolioId } = await seedPortfolio(knex, small(addTradingDays(TEST_TARGET, -3)), { name: 'resumed' });
    const runId = (await RunModel.insertIfNoneActive(knex, {
      scope: 'portfolio',
      portfolioId,
      source: 'admin',
      requestedBy: null,
      requestedFrom: null,
      requestedTo: TEST_TARGET,
      force: false,
    }))!;
    await RunModel.markRunning(knex, runId, 'picked up by a worker that then died');
    await RunChunkModel.insertMany(knex, runId, [[portfolioId]]);
    await RunChunkModel.markRunning(knex, runId, 0);
    await RunChunkModel.recordProgress(knex, runId, 0, { portfoliosDone: 1, datesDone: 4, failures: [], warnings: [], counters: { snapshotsWritten: 4 } }, 10);
    await RunChunkModel.finish(knex, runId, 0, 'completed');
    await store.queue.enqueueRun(runId);
    await store.idle();
    const run = await RunModel.find(knex, runId);
    expect(run).toMatchObject({ status: 'completed', attempts: 2 });
    expect(run?.counters.snapshotsWritten).toBe(4);
  });
});
