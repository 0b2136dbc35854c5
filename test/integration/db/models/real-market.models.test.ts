import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CashDividendModel } from '../../../../db/models/cash-dividend.model.js';
import { StockSplitModel } from '../../../../db/models/stock-split.model.js';
import { SymbolProfileModel } from '../../../../db/models/symbol-profile.model.js';
import { TickerChangeModel } from '../../../../db/models/ticker-change.model.js';
import { NO_CORPORATE_ACTIONS } from '../../../../jobs/calc/corporate-actions.js';
import { loadCorporateActions } from '../../../../jobs/market-data/corporate-actions.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

const dividend = (symbol: string, exDate: string, amount: number, type: 'CD' | 'SC' | 'LT' | 'ST' = 'CD') => ({
  symbol,
  exDate,
  type,
  amount,
  currency: 'USD',
  declarationDate: null,
  recordDate: null,
  payDate: null,
  frequency: 4,
  vendorId: null,
  source: 'polygon',
});

describe('corporate-action and reference models', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('store splits and dividends once per natural key and read them back as the analytics take them', async () => {
    const splits = [
      { symbol: 'NVDA', executionDate: '2024-06-10', from: 1, to: 10, vendorId: 'x1', source: 'polygon' },
      { symbol: 'IAU', executionDate: '2021-05-24', from: 2, to: 1, vendorId: null, source: 'polygon' },
    ];
    expect(await StockSplitModel.upsertMany(db.knex, splits)).toBe(2);
    expect(await StockSplitModel.upsertMany(db.knex, splits)).toBe(2);
    await CashDividendModel.upsertMany(db.knex, [dividend('AAPL', '2024-08-12', 0.25), dividend('AAPL', '2024-05-10', 0.25), dividend('AAPL', '2024-05-10', 1.5, 'SC')]);
    const actions = await loadCorporateActions(db.knex, ['NVDA', 'AAPL', 'IAU', 'MSFT']);
    expect(actions.get('NVDA')).toEqual({ splits: [{ date: '2024-06-10', from: 1, to: 10 }], dividends: [] });
    expect(actions.get('IAU')!.splits).toEqual([{ date: '2021-05-24', from: 2, to: 1 }]);
    expect(actions.get('AAPL')!.dividends).toEqual([
      { exDate: '2024-05-10', type: 'CD', amount: 0.25 },
      { exDate: '2024-05-10', type: 'SC', amount: 1.5 },
      { exDate: '2024-08-12', type: 'CD', amount: 0.25 },
    ]);
    expect(actions.get('MSFT')).toBe(NO_CORPORATE_ACTIONS);
    const count = (await db.knex('stock_splits').count<{ count: string }[]>('* as count'))[0]!.count;
    expect(Number(count)).toBe(2);
  });

  it('refuses a split with a non-positive ratio and a dividend of an unknown type', async () => {
    await expect(StockSplitModel.upsertMany(db.knex, [{ symbol: 'BAD', executionDate: '2024-01-02', from: 0, to: 2, vendorId: null, source: 'polygon' }])).rejects.toThrow();
    await expect(CashDividendModel.upsertMany(db.knex, [{ ...dividend('BAD', '2024-01-02', 1), type: 'XX' as 'CD' }])).rejects.toThrow();
  });

  it('keeps ticker profiles and ticker changes', async () => {
    await SymbolProfileModel.upsertMany(db.knex, [
      {
        symbol: 'AAPL',
        status: 'ok',
        name: 'Apple Inc.',
        type: 'CS',
        market: 'stocks',
        primaryExchange: 'XNAS',
        active: true,
        listDate: '1980-12-12',
        delistedOn: null,
        sicCode: '3571',
        sicDescription: 'ELECTRONIC COMPUTERS',
        sector: 'Information Technology',
        marketCap: 3.1e12,
        sharesOutstanding: 15_000_000_000,
      },
    ]);
    const profiles = await SymbolProfileModel.bySymbols(db.knex, ['AAPL', 'ZZZZ']);
    expect(profiles.get('AAPL')).toMatchObject({ sector: 'Information Technology', sicCode: '3571', active: true, marketCap: 3.1e12 });
    expect(profiles.has('ZZZZ')).toBe(false);
    await TickerChangeModel.upsertMany(db.knex, [{ previousSymbol: 'FB', symbol: 'META', date: '2022-06-09', source: 'polygon' }]);
    expect(await TickerChangeModel.involving(db.knex, ['META'])).toEqual([{ previousSymbol: 'FB', symbol: 'META', date: '2022-06-09' }]);
    expect(await TickerChangeModel.involving(db.knex, ['FB'])).toHaveLength(1);
    expect(await TickerChangeModel.involving(db.knex, ['AAPL'])).toEqual([]);
  });
});
