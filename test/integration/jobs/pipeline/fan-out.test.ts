import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { startPolygonSim, type PolygonSim } from '../../../../jobs/market-data/polygon-sim.js';
import { createTestDatabase } from '../../../helpers/db.js';
import { dumpAnalytics, waitForRunEnd } from '../../../helpers/portfolios.js';
import { SIM_KEY, TEST_TARGET, startTestStack } from '../../../helpers/stack.js';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'VO', 'IEFA', 'IAU'];
const N = 200;
const uuid = (kind: number, i: number, j = 0) =>
  `00000000-0000-4000-8${kind}00-${String(i).padStart(8, '0')}${String(j).padStart(4, '0')}`;

/** 200 portfolios with deterministic ids, 3 positions each, entries 10-30 trading days back. */
async function seedMany(knex: Knex): Promise<void> {
  const [{ id: userId }] = (await knex('users').insert({ email: 'many@example.com' }).returning('id')) as [{ id: string }];
  const portfolios = [];
  const positions = [];
  for (let i = 0; i < N; i++) {
    const entry = addTradingDays(TEST_TARGET, -(10 + (i % 21)));
    portfolios.push({ id: uuid(1, i), user_id: userId, name: `fan-${i}`, equity_balance: 100_000 + i, inception_date: entry });
    for (let j = 0; j < 3; j++) {
      positions.push({
        id: uuid(2, i, j),
        portfolio_id: uuid(1, i),
        symbol: SYMBOLS[(i + j * 3) % SYMBOLS.length],
        quantity: (j === 2 ? -1 : 1) * (5 + ((i * 7 + j) % 40)),
        entry_price: 100,
        entry_date: entry,
      });
    }
  }
  await knex.batchInsert('portfolios', portfolios, 500);
  await knex.batchInsert('positions', positions, 500);
  await knex('symbol_universe').insert(SYMBOLS.map((symbol) => ({ symbol }))).onConflict('symbol').ignore();
}

describe('a run over 200 portfolios fans out to chunk jobs', () => {
  let sim: PolygonSim;
  beforeAll(async () => {
    sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a lone worker with one job slot claims each next chunk as the last one ends, not at its next poll', async () => {
    // Polling every 10 minutes: the run and its first chunk are claimed on their enqueue notices, every
    // later chunk only because the end of the one before announces the free slot.
    const stack = await startTestStack({ simInstance: sim, env: { CHUNK_SIZE: '50', WORKER_CONCURRENCY: '1', PROCESS_EVERY_MS: '600000' } });
    try {
      await seedMany(stack.container.knex);
      const r = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' });
      const end = await waitForRunEnd(stack.container.knex, r.runId, 120_000);
      expect(end.status, end.error_summary ?? '').toBe('completed');
      const chunks = (await stack.container.knex('batch_run_chunks').where({ run_id: r.runId }).orderBy('chunk_no').select('status')) as { status: string }[];
      expect(chunks.map((c) => c.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    } finally {
      await stack.stop();
    }
  });

  it('two workers share the chunks and produce the rows of a one-worker run', async () => {
    // Small chunks and quick polling: both workers are sure to take some of the 20 chunks.
    const env = { CHUNK_SIZE: '10', WORKER_CONCURRENCY: '1', PROCESS_EVERY_MS: '200' };
    // Reference: one worker.
    const one = await startTestStack({ simInstance: sim, env });
    let reference: Record<string, unknown[]>;
    try {
      await seedMany(one.container.knex);
      const r = await one.container.runControl.requestRun({ scope: 'all', source: 'cron' });
      const end = await waitForRunEnd(one.container.knex, r.runId, 120_000);
      expect(end.status, end.error_summary ?? '').toBe('completed');
      reference = await dumpAnalytics(one.container.knex);
      expect((await one.container.knex('batch_run_chunks').where({ run_id: r.runId })).length).toBe(20);
    } finally {
      await one.stop();
    }

    // Two workers on one database: a second container with its own Agenda instance.
    const db = await createTestDatabase();
    const a = await startTestStack({ simInstance: sim, db, env });
    const b = await startTestStack({ simInstance: sim, db, env });
    try {
      await seedMany(a.container.knex);
      const r = await a.container.runControl.requestRun({ scope: 'all', source: 'cron' });
      const end = await waitForRunEnd(a.container.knex, r.runId, 120_000);
      expect(end.status, end.error_summary ?? '').toBe('completed');
      const chunks = (await a.container.knex('batch_run_chunks').where({ run_id: r.runId }).select('job_id', 'status')) as {
        job_id: string;
        status: string;
      }[];
      expect(chunks).toHaveLength(20);
      expect(chunks.every((c) => c.status === 'completed')).toBe(true);
      const owners = (await a.container.knex('agenda_jobs')
        .whereIn(
          'id',
          chunks.map((c) => c.job_id),
        )
        .distinct('last_modified_by')) as { last_modified_by: string }[];
      expect(owners.length).toBe(2);
      const status = await a.container.runControl.getRunStatus({ runId: r.runId });
      expect(status?.phases.portfolio_analytics).toMatchObject({ status: 'done', current: N, total: N });
      expect(status?.percent).toBe(100);
      const dump = await dumpAnalytics(a.container.knex);
      expect(dump).toEqual(reference);
      const snapshots = (await a.container.knex('portfolio_snapshots').count('* as n').first()) as { n: number };
      let expected = 0;
      for (let i = 0; i < N; i++) expected += tradingDaysBetween(addTradingDays(TEST_TARGET, -(10 + (i % 21))), TEST_TARGET).length;
      expect(snapshots.n).toBe(expected);
      expect(status?.counters.snapshotsWritten).toBe(expected);
      expect(status?.counters.positionExposureRows).toBeGreaterThan(0);
    } finally {
      await b.stop();
      await a.stop();
      await db.destroy();
    }
  });
});
