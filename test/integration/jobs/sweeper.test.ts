import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_RUN } from '../../../jobs/definitions.js';
import { addTradingDays } from '../../../jobs/calc/trading-calendar.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../helpers/stack.js';
import { seedPortfolio, waitForRunEnd } from '../../helpers/portfolios.js';

describe('the sweeper', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function staleRun(portfolioId: string, attempts: number): Promise<string> {
    const [{ id }] = (await stack.container
      .knex('batch_run_history')
      .insert({
        scope: 'portfolio',
        portfolio_id: portfolioId,
        source: 'admin',
        status: 'running',
        requested_to: TEST_TARGET,
        attempts,
        started_at: stack.container.knex.raw(`now() - interval '1 hour'`),
        heartbeat_at: stack.container.knex.raw(`now() - interval '1 hour'`),
      })
      .returning('id')) as [{ id: string }];
    return id;
  }

  it('resumes a running run whose worker vanished (stale heartbeat, no job) and the run completes', async () => {
    const p = await seedPortfolio(stack.container.knex, [{ symbol: 'AAPL', quantity: 1, entryPrice: 100, entryDate: addTradingDays(TEST_TARGET, -5) }]);
    const runId = await staleRun(p.portfolioId, 1);
    const r = await stack.worker!.sweep();
    expect(r.resumed).toContain(runId);
    expect((await waitForRunEnd(stack.container.knex, runId)).status).toBe('completed');
    const row = (await stack.container.knex('batch_run_history').where({ id: runId }).first('activity_log')) as { activity_log: { message: string }[] };
    expect(row.activity_log.map((a) => a.message).join('\n')).toMatch(/resumed by the sweeper/);
  });

  it('fails a run whose workers keep dying, with the reason', async () => {
    const p = await seedPortfolio(stack.container.knex, [{ symbol: 'MSFT', quantity: 1, entryPrice: 100, entryDate: addTradingDays(TEST_TARGET, -5) }]);
    const runId = await staleRun(p.portfolioId, 3);
    const r = await stack.worker!.sweep();
    expect(r.failed).toContain(runId);
    const row = (await stack.container.knex('batch_run_history').where({ id: runId }).first('status', 'error_summary', 'finished_at')) as {
      status: string;
      error_summary: string;
      finished_at: Date | null;
    };
    expect(row.status).toBe('failed');
    expect(row.error_summary).toMatch(/abandoned/);
    expect(row.finished_at).not.toBeNull();
    // The scope is free again: a new request creates a new run.
    const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' });
    expect(again.deduplicated).toBe(false);
    expect((await waitForRunEnd(stack.container.knex, again.runId)).status).toBe('completed');
  });

  it('leaves alone a stale-looking run whose job Agenda still holds', async () => {
    const p = await seedPortfolio(stack.container.knex, [{ symbol: 'NVDA', quantity: 1, entryPrice: 100, entryDate: addTradingDays(TEST_TARGET, -5) }]);
    const runId = await staleRun(p.portfolioId, 1);
    const job = await stack.agenda.schedule('in 1 hour', JOB_RUN, { runId });
    await stack.container.knex('batch_run_history').where({ id: runId }).update({ job_id: String(job.attrs._id) });
    const r = await stack.worker!.sweep();
    expect(r.resumed).not.toContain(runId);
    expect(r.failed).not.toContain(runId);
    expect(((await stack.container.knex('batch_run_history').where({ id: runId }).first('status')) as { status: string }).status).toBe('running');
    await stack.agenda.cancel({ id: String(job.attrs._id) });
  });
});
