import { Model } from 'objection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTORS } from '../../../../jobs/calc/factors.js';
import { FactorDefinitionModel, PortfolioModel, PositionModel, UserModel } from '../../../../db/models/index.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

describe('models and seed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    Model.knex(db.knex);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('seeds factor_definitions exactly as jobs/calc defines the factors', async () => {
    const rows = await FactorDefinitionModel.query().orderBy('display_order');
    expect(rows.map((r) => [r.name, r.factor_type, r.method, r.etf_proxy, r.display_order])).toEqual(
      FACTORS.map((f) => [f.name, f.factorType, f.method, f.etfProxy, f.displayOrder]),
    );
  });

  it('loads a portfolio graph through its relations', async () => {
    const user = await UserModel.query().insert({ email: 'graph@example.com' });
    const portfolio = await PortfolioModel.query().insert({
      user_id: user.id,
      name: 'Graph',
      equity_balance: 50000,
      inception_date: '2024-02-01',
    });
    await PositionModel.query().insert({ portfolio_id: portfolio.id, symbol: 'SPY', quantity: 3, entry_price: 490, entry_date: '2024-02-01' });
    const loaded = await PortfolioModel.query().findById(portfolio.id).withGraphFetched('[owner, positions.instrument]');
    expect(loaded?.owner?.email).toBe('graph@example.com');
    expect(loaded?.positions?.map((p) => [p.symbol, p.quantity, p.instrument?.asset_type])).toEqual([['SPY', 3, 'factor_etf']]);
  });
});
