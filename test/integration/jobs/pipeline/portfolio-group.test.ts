import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BarModel } from '../../../../db/models/bar.model.js';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { loadAnalyticsInputs } from '../../../../jobs/pipeline/portfolio-group.js';
import type { PortfolioPlan } from '../../../../jobs/pipeline/plan-run.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

const TARGET = '2026-11-20';
const FIRST = addTradingDays(TARGET, -2);

describe('the inputs of a chunk of portfolios', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const bar = (symbol: string, date: string, close: number) => ({ symbol, date, open: null, high: null, low: null, close, volume: null, source: 'test' });
    await db.knex('symbol_universe').insert([{ symbol: 'HALT' }, { symbol: 'LIVE' }]);
    // HALT stopped trading 20 trading days before the window; LIVE trades every day.
    await BarModel.upsertMany(db.knex, [
      bar('HALT', addTradingDays(TARGET, -30), 50),
      bar('HALT', addTradingDays(TARGET, -22), 42),
      ...tradingDaysBetween(addTradingDays(TARGET, -30), TARGET).map((d, i) => bar('LIVE', d, 100 + i)),
    ]);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('hold each symbol’s last close before the window, however old, so a halted position is still valued', async () => {
    const plan: PortfolioPlan = {
      id: '00000000-0000-0000-0000-000000000001',
      equityBalance: 1_000,
      inception: FIRST,
      firstDate: FIRST,
      dates: tradingDaysBetween(FIRST, TARGET),
      positions: ['HALT', 'LIVE'].map((symbol, i) => ({
        id: `00000000-0000-0000-0000-00000000001${i}`,
        portfolioId: '00000000-0000-0000-0000-000000000001',
        symbol,
        quantity: 1,
        entryPrice: 1,
        entryDate: addTradingDays(TARGET, -40),
        exitDate: null,
        exitPrice: null,
        investmentClass: 'PUBLIC' as const,
      })),
    };
    const inputs = await loadAnalyticsInputs(db.knex, [plan], TARGET, undefined, new Set());
    expect(inputs.closes.get('HALT')).toEqual([{ date: addTradingDays(TARGET, -22), close: 42 }]);
    const live = inputs.closes.get('LIVE')!;
    // The window (from six trading days before the first date) opens with a close: nothing older is read.
    expect(live[0]!.date).toBe(addTradingDays(FIRST, -6));
    expect(live.at(-1)!.date).toBe(TARGET);
  });
});
