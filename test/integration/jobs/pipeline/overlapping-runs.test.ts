import { describe, expect, it } from 'vitest';
import { addTradingDays } from '../../../../jobs/calc/trading-calendar.js';
import type { RecordedRequest } from '../../../../jobs/market-data/polygon-sim.js';
import { TEST_TARGET, startTestStack } from '../../../helpers/stack.js';
import { seedPortfolio, waitForRunEnd } from '../../../helpers/portfolios.js';

/** Per ticker, the [from, to] ranges asked for; they must not overlap. */
function overlapping(reqs: RecordedRequest[]): string[] {
  const by = new Map<string, { from: string; to: string }[]>();
  for (const r of reqs) if (r.kind === 'range') by.set(r.ticker!, [...(by.get(r.ticker!) ?? []), { from: r.from!, to: r.to! }]);
  const out: string[] = [];
  for (const [ticker, ranges] of by) {
    const sorted = ranges.sort((a, b) => (a.from < b.from ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.from <= sorted[i - 1]!.to) out.push(ticker);
  }
  return out;
}

describe('an onboarding run and the nightly run at the same time', () => {
  it('ask the vendor for each range and each corporate-action list once, and write each bar once', async () => {
    // Slow answers: the two runs' market-data phases surely overlap.
    const stack = await startTestStack({ env: { WORKER_CONCURRENCY: '2' }, sim: { faults: { delayMs: 30 } } });
    try {
      const knex = stack.container.knex;
      const older = addTradingDays(TEST_TARGET, -40);
      await seedPortfolio(knex, [
        { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: older },
        { symbol: 'NVDA', quantity: 20, entryPrice: 100, entryDate: older },
      ], { name: 'held' });
      const fresh = await seedPortfolio(knex, [
        { symbol: 'AAPL', quantity: 5, entryPrice: 150, entryDate: addTradingDays(TEST_TARGET, -20) },
        { symbol: 'MSFT', quantity: -5, entryPrice: 300, entryDate: addTradingDays(TEST_TARGET, -20) },
      ], { name: 'onboarded' });
      const [own, nightly] = await Promise.all([
        stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId: fresh.portfolioId, source: 'onboarding' }),
        stack.container.runControl.requestRun({ scope: 'all', source: 'cron' }),
      ]);
      expect((await waitForRunEnd(knex, own.runId)).status).toBe('completed');
      expect((await waitForRunEnd(knex, nightly.runId)).status).toBe('completed');

      const reqs = stack.sim.requests();
      expect(reqs.filter((r) => r.kind === 'range').length).toBeGreaterThan(0);
      expect(overlapping(reqs)).toEqual([]);
      for (const kind of ['splits', 'dividends', 'ticker-details']) {
        const tickers = reqs.filter((r) => r.kind === kind).map((r) => r.ticker ?? '*');
        expect(new Set(tickers).size, kind).toBe(tickers.length);
      }
      const status = await Promise.all([own.runId, nightly.runId].map((runId) => stack.container.runControl.getRunStatus({ runId })));
      // Each stored bar was written by exactly one of the runs.
      const bars = (await knex('market_data_cache').count('* as n').first()) as { n: number };
      expect((status[0]?.counters.barsWritten ?? 0) + (status[1]?.counters.barsWritten ?? 0)).toBe(Number(bars.n));
      expect((status[0]?.counters.vendorCalls ?? 0) + (status[1]?.counters.vendorCalls ?? 0)).toBe(reqs.length);
    } finally {
      await stack.stop();
    }
  });
});
