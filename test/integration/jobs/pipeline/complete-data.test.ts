import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../helpers/stack.js';
import { dumpAnalytics, seedPortfolio, waitForRunEnd } from '../../../helpers/portfolios.js';

const ENTRY = addTradingDays(TEST_TARGET, -25);

async function completeness(stack: TestStack, portfolioId: string): Promise<{ total: number; complete: number }> {
  const rows = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).select('is_complete')) as { is_complete: boolean }[];
  return { total: rows.length, complete: rows.filter((r) => r.is_complete).length };
}

/** Analytics rows with factor data, run ids and timestamps left out. */
async function analytics(stack: TestStack): Promise<Record<string, unknown[]>> {
  const d = await dumpAnalytics(stack.container.knex);
  return { snapshots: d.snapshots!, positionExposures: d.positionExposures!, portfolioExposures: d.portfolioExposures!, symbolFactors: d.symbolFactors!, bars: d.bars! };
}

describe('a factor proxy failing for one run, then healing', () => {
  let stack: TestStack;
  let portfolioId: string;
  let otherId: string;
  let failedRun: string;

  beforeAll(async () => {
    // QUAL answers 403 on every request of the first run: a per-symbol vendor failure. One portfolio
    // per chunk, so the chunk jobs read their inputs (and the run's failed symbols) themselves.
    stack = await startTestStack({ sim: { faults: { forbiddenTickers: ['QUAL'] } }, env: { CHUNK_SIZE: '1' } });
    ({ portfolioId } = await seedPortfolio(stack.container.knex, [
      { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: ENTRY },
      { symbol: 'MSFT', quantity: -5, entryPrice: 300, entryDate: ENTRY },
    ]));
    ({ portfolioId: otherId } = await seedPortfolio(stack.container.knex, [{ symbol: 'AMZN', quantity: 20, entryPrice: 180, entryDate: ENTRY }]));
    ({ runId: failedRun } = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' }));
    expect((await waitForRunEnd(stack.container.knex, failedRun)).status).toBe('partial');
    const chunks = (await stack.container.knex('batch_run_chunks').where({ run_id: failedRun }).count('* as n').first()) as { n: number };
    expect(Number(chunks.n)).toBe(2);
    expect((await stack.container.runControl.getRunStatus({ runId: failedRun }))!.counters.snapshotsWritten).toBe(2 * tradingDaysBetween(ENTRY, TEST_TARGET).length);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('leaves every day without the Quality factor stored but incomplete, with the reason on the snapshot and the run', async () => {
    const days = tradingDaysBetween(ENTRY, TEST_TARGET);
    expect(await completeness(stack, portfolioId)).toEqual({ total: days.length, complete: 0 });
    expect(await completeness(stack, otherId)).toEqual({ total: days.length, complete: 0 });
    const snap = (await stack.container.knex('portfolio_snapshots').where({ portfolio_id: portfolioId, snapshot_date: TEST_TARGET }).first('warnings')) as {
      warnings: { code: string; symbol?: string }[];
    };
    expect(snap.warnings.some((w) => w.code === 'data_pending' && w.symbol === 'QUAL')).toBe(true);
    const status = await stack.container.runControl.getRunStatus({ runId: failedRun });
    expect(status!.warnings.some((w) => w.code === 'data_pending' && w.symbol === 'QUAL')).toBe(true);
    const quality = (await stack.container.knex('factor_exposures as e')
      .join('factor_definitions as f', 'f.id', 'e.factor_id')
      .where({ 'e.portfolio_id': portfolioId })
      .where('f.name', 'like', 'Quality%')
      .count('* as n')
      .first()) as { n: number };
    expect(Number(quality.n)).toBe(0);
  });

  it('the next run fetches what is missing and recomputes those days, ending with the rows of a clean run', async () => {
    stack.sim.setFaults({});
    stack.sim.reset();
    const healed = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' });
    expect((await waitForRunEnd(stack.container.knex, healed.runId)).status).toBe('completed');
    const status = await stack.container.runControl.getRunStatus({ runId: healed.runId });
    expect(status!.activityLog.map((a) => a.message).join('\n')).not.toMatch(/nothing to do/);
    const days = tradingDaysBetween(ENTRY, TEST_TARGET);
    expect(status!.counters.snapshotsWritten).toBe(2 * days.length);
    // Only the proxy that failed was asked for again.
    expect([...new Set(stack.sim.requests().filter((r) => r.kind === 'range' || r.kind === 'grouped').map((r) => r.ticker ?? 'grouped'))]).toEqual(['QUAL']);
    expect(await completeness(stack, portfolioId)).toEqual({ total: days.length, complete: days.length });
    expect(await completeness(stack, otherId)).toEqual({ total: days.length, complete: days.length });
    const afterHeal = await analytics(stack);

    // A clean recomputation from the same stored data gives the same rows.
    for (const id of [portfolioId, otherId]) {
      const forced = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: id, source: 'admin', force: true });
      expect((await waitForRunEnd(stack.container.knex, forced.runId)).status).toBe('completed');
    }
    expect(await analytics(stack)).toEqual(afterHeal);

    // And a run after that has nothing to do.
    const again = await stack.container.runControl.requestRun({ scope: 'all', source: 'cron' });
    expect((await waitForRunEnd(stack.container.knex, again.runId)).status).toBe('completed');
    expect((await stack.container.runControl.getRunStatus({ runId: again.runId }))!.activityLog.map((a) => a.message).join('\n')).toMatch(/nothing to do/);
  });
});
