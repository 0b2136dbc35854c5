import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BarModel } from '../../../../db/models/bar.model.js';
import { StockSplitModel } from '../../../../db/models/stock-split.model.js';
import { SymbolProfileModel, type ProfileRecord } from '../../../../db/models/symbol-profile.model.js';
import { TickerChangeModel } from '../../../../db/models/ticker-change.model.js';
import { corporateActionsMet, positionNotices } from '../../../../server/services/position-notices.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

const profile = (symbol: string, active: boolean, delistedOn: string | null): ProfileRecord => ({
  symbol,
  status: 'ok',
  name: symbol,
  type: 'CS',
  market: 'stocks',
  primaryExchange: 'XNAS',
  active,
  listDate: '2000-01-03',
  delistedOn,
  sicCode: null,
  sicDescription: null,
  sector: 'Unknown',
  marketCap: null,
  sharesOutstanding: null,
});

describe('position notices', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const bar = (symbol: string, date: string, close: number) => ({ symbol, date, open: null, high: null, low: null, close, volume: null, source: 'test' });
    await db.knex('symbol_universe').insert(['SPLT', 'GONE', 'OLDN', 'NEWN', 'FINE'].map((symbol) => ({ symbol })));
    await BarModel.upsertMany(db.knex, [bar('SPLT', '2026-03-02', 400), bar('GONE', '2026-03-02', 10), bar('FINE', '2026-03-02', 50)]);
    await StockSplitModel.upsertMany(db.knex, [{ symbol: 'SPLT', executionDate: '2026-06-01', from: 1, to: 4, vendorId: null, source: 'test' }]);
    await SymbolProfileModel.upsertMany(db.knex, [profile('GONE', false, '2026-07-01'), profile('OLDN', false, '2026-08-03'), profile('FINE', true, null)]);
    await TickerChangeModel.upsertMany(db.knex, [{ previousSymbol: 'OLDN', symbol: 'NEWN', date: '2026-08-03', source: 'test' }]);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const pos = (symbol: string, entryPrice: number) => ({ symbol, entryPrice, entryDate: '2026-03-02', investmentClass: 'PUBLIC' as const, quantity: 10, exitDate: null });

  it('name an entry price typed in post-split terms, a delisting and a ticker change; nothing for a sound position', async () => {
    const notices = await positionNotices(db.knex, [pos('SPLT', 100), pos('GONE', 10), pos('OLDN', 5), pos('NEWN', 5), pos('FINE', 51), pos('FINE', 90)]);
    expect(notices.map((n) => n.map((x) => x.code))).toEqual([
      ['entry_price_split_basis'],
      ['delisted'],
      ['ticker_changed'],
      ['ticker_changed'],
      [],
      ['entry_price_far_from_close'],
    ]);
    expect(notices[0]![0]!.message).toMatch(/4-for-1 split of 2026-06-01/);
    expect(notices[1]![0]!.message).toMatch(/delisted on 2026-07-01/);
    expect(notices[2]![0]!.message).toBe('OLDN trades as NEWN since 2026-08-03; the position is followed under NEWN since 2026-08-03 (its prices, splits and dividends), keeping the symbol OLDN');
    expect(notices[3]![0]!.message).toBe('NEWN traded as OLDN before 2026-08-03');
  });

  it('follow a chain of ticker changes link by link', async () => {
    await TickerChangeModel.upsertMany(db.knex, [
      { previousSymbol: 'CHNA', symbol: 'CHNB', date: '2026-05-01', source: 'test' },
      { previousSymbol: 'CHNB', symbol: 'CHNC', date: '2026-09-01', source: 'test' },
    ]);
    const [notices] = await positionNotices(db.knex, [pos('CHNA', 5)]);
    expect(notices!.map((n) => n.message)).toEqual([
      'CHNA trades as CHNB since 2026-05-01; the position is followed under CHNB since 2026-05-01 (its prices, splits and dividends), keeping the symbol CHNA',
      'CHNA trades as CHNC since 2026-09-01; the position is followed under CHNC since 2026-09-01 (its prices, splits and dividends), keeping the symbol CHNA',
    ]);
  });

  it('list the splits a position went through while held', async () => {
    const met = await corporateActionsMet(db.knex, [pos('SPLT', 400)], '2026-11-20');
    expect(met).toEqual([{ symbol: 'SPLT', date: '2026-06-01', kind: 'split', description: '4-for-1 split', shares: 40, cash: null }]);
    expect(await corporateActionsMet(db.knex, [pos('SPLT', 400)], '2026-05-29')).toEqual([]);
  });
});
