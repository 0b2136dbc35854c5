import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NIGHTLY } from '../../../../jobs/definitions.js';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../helpers/stack.js';
import { seedPortfolio, waitForRunEnd, type SeedPosition } from '../../../helpers/portfolios.js';

const small = (entry: string): SeedPosition[] => [
  { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: entry },
  { symbol: 'MSFT', quantity: -5, entryPrice: 300, entryDate: entry },
];

async function snapshotDates(stack: TestStack, portfolioId: string): Promise<string[]> {
  const rows = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).orderBy('snapshot_date').select('snapshot_date')) as {
    snapshot_date: string;
  }[];
  return rows.map((r) => r.snapshot_date);
}

describe('runs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('one nightly run brings every portfolio to the target from its own watermark (no global maximum)', async () => {
    const knex = stack.container.knex;
    const entry = addTradingDays(TEST_TARGET, -30);
    const a = await seedPortfolio(knex, small(entry), { name: 'behind-by-10' });
    const b = await seedPortfolio(knex, small(entry), { name: 'up-to-date' });
    const c = await seedPortfolio(knex, small(entry), { name: 'no-snapshots' });
    // Bring a and b up to date with a scoped run each, then cut a back by 10 days.
    for (const p of [a, b]) {
      const r = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' });
      expect((await waitForRunEnd(knex, r.runId)).status).toBe('completed');
    }
    await knex('portfolio_snapshots').where({ portfolio_id: a.portfolioId }).where('snapshot_date', '>', addTradingDays(TEST_TARGET, -10)).delete();
    // The global maximum is the target: the old system concluded "up to date" here.
    const max = (await knex('portfolio_snapshots').max('snapshot_date as d').first()) as { d: string };
    expect(max.d).toBe(TEST_TARGET);

    const job = await stack.agenda.now(JOB_NIGHTLY);
    expect(job.attrs._id).toBeDefined();
    let runId: string | undefined;
    for (let i = 0; i < 100 && !runId; i++) {
      const row = (await knex('batch_run_history').where({ source: 'cron' }).first('id')) as { id: string } | undefined;
      runId = row?.id;
      if (!runId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(runId).toBeDefined();
    expect((await waitForRunEnd(knex, runId!)).status).toBe('completed');
    const all = tradingDaysBetween(entry, TEST_TARGET);
    for (const p of [a, b, c]) expect(await snapshotDates(stack, p.portfolioId)).toEqual(all);
    const status = await stack.container.runControl.getRunStatus({ runId: runId! });
    expect(status?.counters.portfolios).toBe(2);
    expect(status?.phases.symbol_factors?.status).toBe('done');
    expect(status?.phases.symbol_metrics?.status).toBe('done');
    const verification = (await knex.raw(
      `SELECT p.name, MAX(ps.snapshot_date) FROM portfolios p LEFT JOIN portfolio_snapshots ps ON p.id = ps.portfolio_id WHERE p.deleted_at IS NULL GROUP BY p.id, p.name`,
    )) as { rows: { name: string; max: string }[] };
    for (const row of verification.rows.filter((r) => ['behind-by-10', 'up-to-date', 'no-snapshots'].includes(r.name))) {
      expect(row.max).toBe(TEST_TARGET);
    }
  });

  it.each(['onboarding', 'settings', 'admin', 'cron'] as const)('the %s entry point runs the symbol-factor and symbol-metric phases', async (source) => {
    const knex = stack.container.knex;
    const entry = addTradingDays(TEST_TARGET, -15);
    const p = await seedPortfolio(knex, [{ symbol: 'NVDA', quantity: 3, entryPrice: 100, entryDate: entry }], { name: `entry-${source}` });
    const r =
      source === 'cron'
        ? await stack.container.runControl.requestRun({ scope: 'all', source })
        : await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source });
    expect((await waitForRunEnd(knex, r.runId)).status).toBe('completed');
    const s = await stack.container.runControl.getRunStatus({ runId: r.runId });
    expect(s?.source).toBe(source);
    expect(s?.phases.symbol_factors?.status).toBe('done');
    expect(s?.phases.symbol_metrics?.status).toBe('done');
    const exposures = (await knex('position_factor_exposures as e')
      .join('positions as p', 'p.id', 'e.position_id')
      .where('p.portfolio_id', p.portfolioId)
      .countDistinct('e.calculation_date as n')
      .first()) as { n: number };
    expect(exposures.n).toBe(tradingDaysBetween(entry, TEST_TARGET).length);
  });

  it('20 concurrent requests for the same scope create exactly one run', async () => {
    const knex = stack.container.knex;
    const p = await seedPortfolio(knex, small(addTradingDays(TEST_TARGET, -20)), { name: 'concurrent' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' })),
    );
    const ids = new Set(results.map((r) => r.runId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    const rows = (await knex('batch_run_history').where({ portfolio_id: p.portfolioId }).select('id')) as { id: string }[];
    expect(rows).toHaveLength(1);
    expect((await waitForRunEnd(knex, [...ids][0]!)).status).toBe('completed');
  });

  it('a run with nothing to do finishes at once as completed with a note', async () => {
    const knex = stack.container.knex;
    const p = await seedPortfolio(knex, small(addTradingDays(TEST_TARGET, -5)), { name: 'noop' });
    const first = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' });
    await waitForRunEnd(knex, first.runId);
    stack.sim.reset();
    const second = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'settings' });
    expect((await waitForRunEnd(knex, second.runId)).status).toBe('completed');
    const s = await stack.container.runControl.getRunStatus({ runId: second.runId });
    expect(s?.activityLog.map((a) => a.message).join('\n')).toMatch(/nothing to do/);
    expect(stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped')).toHaveLength(0);
  });

  it('resumes from the first missing date after a partial write, and from an incomplete day', async () => {
    const knex = stack.container.knex;
    const entry = addTradingDays(TEST_TARGET, -12);
    const p = await seedPortfolio(knex, small(entry), { name: 'resume' });
    const r = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' });
    await waitForRunEnd(knex, r.runId);
    const complete = (await knex('portfolio_snapshots').where({ portfolio_id: p.portfolioId }).orderBy('snapshot_date')) as Record<string, unknown>[];
    // A crash left the last 4 days missing and day -8 incomplete.
    await knex('portfolio_snapshots').where({ portfolio_id: p.portfolioId }).where('snapshot_date', '>', addTradingDays(TEST_TARGET, -4)).delete();
    await knex('portfolio_snapshots').where({ portfolio_id: p.portfolioId, snapshot_date: addTradingDays(TEST_TARGET, -8) }).update({ is_complete: false, total_value: 1 });
    const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'admin' });
    expect((await waitForRunEnd(knex, again.runId)).status).toBe('completed');
    const after = (await knex('portfolio_snapshots').where({ portfolio_id: p.portfolioId }).orderBy('snapshot_date')) as Record<string, unknown>[];
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ id: _id, updated_at: _u, run_id: _r, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(complete));
  });
});

describe('vendor failures', () => {
  it('a rejected key ends the run failed with a message naming the setting', async () => {
    const stack = await startTestStack({ env: { POLYGON_API_KEY: 'wrong-key-value-123' } });
    try {
      const p = await seedPortfolio(stack.container.knex, small(addTradingDays(TEST_TARGET, -10)));
      const r = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'onboarding' });
      const end = await waitForRunEnd(stack.container.knex, r.runId);
      expect(end.status).toBe('failed');
      expect(end.error_summary).toMatch(/POLYGON_API_KEY/);
      expect(end.error_summary).not.toMatch(/wrong-key-value-123/);
      const s = await stack.container.runControl.getRunStatus({ runId: r.runId });
      expect(s?.phases.market_data?.status).toBe('failed');
      expect(s?.finishedAt).not.toBeNull();
    } finally {
      await stack.stop();
    }
  });

  it('a vendor failure for one symbol ends the run partial with that symbol listed, the rest done', async () => {
    const stack = await startTestStack({ sim: { faults: { forbiddenTickers: ['MSFT'] } } });
    try {
      const entry = addTradingDays(TEST_TARGET, -10);
      const p = await seedPortfolio(stack.container.knex, small(entry));
      const r = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'onboarding' });
      const end = await waitForRunEnd(stack.container.knex, r.runId);
      expect(end.status).toBe('partial');
      expect(end.error_summary).toMatch(/MSFT/);
      const s = await stack.container.runControl.getRunStatus({ runId: r.runId });
      expect(s?.warnings.some((w) => w.symbol === 'MSFT' && w.code === 'vendor_failure')).toBe(true);
      // AAPL was still fetched and the snapshots written (incomplete: MSFT is unpriced, and retryable).
      expect(await snapshotDates(stack, p.portfolioId)).toEqual(tradingDaysBetween(entry, TEST_TARGET));
      const complete = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: p.portfolioId, is_complete: true }).count('* as n').first()) as {
        n: number;
      };
      expect(complete.n).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});

describe('a portfolio run and the nightly run at the same time', () => {
  it('never write the same portfolio twice: each day is written once, by one of them', async () => {
    const stack = await startTestStack({ env: { WORKER_CONCURRENCY: '2' } });
    try {
      const knex = stack.container.knex;
      const entry = addTradingDays(TEST_TARGET, -60);
      const p = await seedPortfolio(knex, small(entry), { name: 'contended' });
      const [own, nightly] = await Promise.all([
        stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: p.portfolioId, source: 'settings' }),
        stack.container.runControl.requestRun({ scope: 'all', source: 'cron' }),
      ]);
      expect(own.runId).not.toBe(nightly.runId);
      expect((await waitForRunEnd(knex, own.runId)).status).toBe('completed');
      expect((await waitForRunEnd(knex, nightly.runId)).status).toBe('completed');
      const days = tradingDaysBetween(entry, TEST_TARGET);
      expect(await snapshotDates(stack, p.portfolioId)).toEqual(days);
      const written = await Promise.all(
        [own.runId, nightly.runId].map(async (runId) => (await stack.container.runControl.getRunStatus({ runId }))?.counters.snapshotsWritten ?? 0),
      );
      expect(written[0]! + written[1]!).toBe(days.length);
    } finally {
      await stack.stop();
    }
  });
});
