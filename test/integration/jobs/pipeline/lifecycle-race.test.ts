/**
 * A change racing a run of its portfolio: it is either in that run's numbers, or it leaves its mark
 * for a follow-up run; no snapshot is computed from a half-applied change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunModel } from '../../../../db/models/run.model.js';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { planPortfolios } from '../../../../jobs/pipeline/plan-run.js';
import { analyseGroupOrEach, loadAnalyticsInputs } from '../../../../jobs/pipeline/portfolio-group.js';
import { requestFollowUpRun } from '../../../../jobs/run-jobs.js';
import { PortfolioModel } from '../../../../db/models/portfolio.model.js';
import { waitForRunEnd } from '../../../helpers/portfolios.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../../../helpers/stack.js';

const back = (n: number): string => addTradingDays(TEST_TARGET, -n);
let stack: TestStack;
let portfolioId = '';
let userId = '';

const actor = () => ({ userId, requestedBy: userId });
const mark = async () => (await PortfolioModel.marks(stack.container.knex, [portfolioId])).get(portfolioId)!;
const flowOn = async (date: string): Promise<number> => {
  const row = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: portfolioId, snapshot_date: date }).first('daily_capital_flow')) as { daily_capital_flow: number };
  return row.daily_capital_flow;
};

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  const knex = stack.container.knex;
  userId = ((await knex('users').insert({ email: 'race@example.com' }).returning('id')) as { id: string }[])[0]!.id;
  // A worker computes the history, then stops: from here on the test drives every run itself.
  const worker = await stack.container.startWorker();
  const res = await stack.container.services.portfolios.onboard(userId, {
    name: 'Race',
    equityBalance: 100_000,
    positions: [
      { symbol: 'AAPL', quantity: 100, entryPrice: 180, entryDate: back(40) },
      { symbol: 'MSFT', quantity: -20, entryPrice: 400, entryDate: back(35) },
    ],
  });
  portfolioId = res.portfolioId;
  expect((await waitForRunEnd(knex, res.runId)).status).toBe('completed');
  await worker.stop();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a change racing a run', () => {
  it("committed after the run planned, before it locked the portfolio: in that run's numbers", async () => {
    const knex = stack.container.knex;
    const lifecycle = stack.container.services.lifecycle;
    const first = await lifecycle.cashFlow(actor(), { portfolioId, type: 'contribution', amount: 1_000, date: back(10) });
    const [plan] = (await planPortfolios(knex, { portfolioId: null, target: TEST_TARGET, from: null, force: false }, [portfolioId])).portfolios;
    expect(plan).toMatchObject({ firstDate: back(10), changeVersion: (await mark()).version });
    // The second change lands between the plan and the write, and reaches further back.
    await lifecycle.cashFlow(actor(), { portfolioId, type: 'contribution', amount: 2_000, date: back(20) });
    const inputs = await loadAnalyticsInputs(knex, [plan!], TEST_TARGET, undefined, new Set());
    const result = await analyseGroupOrEach(knex, stack.container.logger, [plan!], TEST_TARGET, false, inputs, first.runId!);
    expect(result.failed).toEqual([]);
    expect(result.outcomes[0]!.snapshots).toBe(tradingDaysBetween(back(20), TEST_TARGET).length);
    expect(await flowOn(back(20))).toBe(2_000);
    expect(await flowOn(back(10))).toBe(1_000);
    expect((await mark()).recomputeFrom).toBeNull();
  });

  it('arriving while the run holds the portfolio: waits for it, keeps its mark, and gets a follow-up run', async () => {
    const knex = stack.container.knex;
    const lifecycle = stack.container.services.lifecycle;
    // The settings run queued above becomes the running run.
    const runId = (await RunModel.activeIdFor(knex, `portfolio:${portfolioId}`))!;
    expect(await RunModel.markRunning(knex, runId, 'taken by the test')).toBeDefined();
    let committed = false;
    let pending: Promise<unknown> | undefined;
    await knex.transaction(async (trx) => {
      await PortfolioModel.lockForWrite(trx, [portfolioId]);
      pending = lifecycle.cashFlow(actor(), { portfolioId, type: 'withdrawal', amount: 500, date: back(5) }).then((r) => {
        committed = true;
        return r;
      });
      // The change waits for the lock (a counted event: one ungranted advisory lock), writing nothing.
      let waiting = 0;
      for (let i = 0; i < 5_000 && waiting === 0; i++) {
        waiting = (await trx.raw<{ rows: { n: number }[] }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0]!.n;
      }
      expect(waiting).toBe(1);
      expect(committed).toBe(false);
      expect(Number(((await trx('cash_flows').where({ portfolio_id: portfolioId }).count('* as n')) as { n: string }[])[0]!.n)).toBe(2);
    });
    const change = (await pending) as { runId: string | null };
    // Merged into the running run, which has already passed this portfolio.
    expect(change.runId).toBe(runId);
    expect((await mark()).recomputeFrom).toBe(back(5));
    await RunModel.finish(knex, runId, 'completed', { phases: {}, counters: {}, progress: {}, warnings: [], activityLog: [] }, null);
    const followUp = await requestFollowUpRun(knex, stack.container.jobStore.queue, runId);
    expect(followUp).not.toBeNull();
    expect(await RunModel.find(knex, followUp!)).toMatchObject({ source: 'settings', status: 'queued', portfolio_id: portfolioId });
    // A run that ended with no newer change asks for nothing more.
    expect(await requestFollowUpRun(knex, stack.container.jobStore.queue, first(await RunModel.history(knex, { portfolioId, limit: 10 }), (r) => r.source === 'onboarding'))).toBeNull();

    // The follow-up honours the mark: it recomputes from the withdrawal's date only.
    const worker = await stack.container.startWorker();
    expect((await waitForRunEnd(knex, followUp!)).status).toBe('completed');
    await worker.stop();
    expect(await flowOn(back(5))).toBe(-500);
    const status = await stack.container.runControl.getRunStatus({ runId: followUp! });
    expect(status?.counters.snapshotsWritten).toBe(tradingDaysBetween(back(5), TEST_TARGET).length);
    expect((await mark()).recomputeFrom).toBeNull();
  }, 120_000);
});

describe('a portfolio deleted while a run is under way', () => {
  it('drops out of that run at once: nothing is written for it', async () => {
    const knex = stack.container.knex;
    const lifecycle = stack.container.services.lifecycle;
    const change = await lifecycle.cashFlow(actor(), { portfolioId, type: 'contribution', amount: 100, date: back(3) });
    const [plan] = (await planPortfolios(knex, { portfolioId: null, target: TEST_TARGET, from: null, force: false }, [portfolioId])).portfolios;
    expect(plan?.firstDate).toBe(back(3));
    await lifecycle.deletePortfolio(actor(), { portfolioId });
    const before = (await knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).select('snapshot_date', 'updated_at', 'daily_capital_flow')) as unknown[];
    const inputs = await loadAnalyticsInputs(knex, [plan!], TEST_TARGET, undefined, new Set());
    const result = await analyseGroupOrEach(knex, stack.container.logger, [plan!], TEST_TARGET, false, inputs, change.runId!);
    expect(result.outcomes).toEqual([expect.objectContaining({ portfolioId, skipped: true, snapshots: 0 })]);
    expect(await knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).select('snapshot_date', 'updated_at', 'daily_capital_flow')).toEqual(before);
  });
});

function first<T extends { id: string }>(rows: T[], pick: (r: T) => boolean): string {
  return rows.find(pick)!.id;
}
