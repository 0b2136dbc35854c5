import { describe, expect, it } from 'vitest';
import { migrationSource } from '../../../../db/migrations/index.js';
import { CorporateActionCoverageModel } from '../../../../db/models/corporate-action-coverage.model.js';
import { createTestDatabase, rowCounts } from '../../../helpers/db.js';

describe('migration 004 (bars as traded)', () => {
  it('drops the split-adjusted bars and their coverage so they are fetched again as traded; keeps the rest', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      const config = { migrationSource, tableName: 'knex_migrations' };
      for (let i = 0; i < 3; i++) await db.knex.migrate.up(config);
      await db.knex.raw(`INSERT INTO symbol_universe (symbol) VALUES ('AAPL'), ('MSFT')`);
      await db.knex.raw(
        `INSERT INTO market_data_cache (symbol, date, close, source) VALUES ('AAPL', '2024-01-02', 185.5, 'polygon'), ('MSFT', '2024-01-02', 370.1, 'polygon')`,
      );
      await db.knex.raw(`INSERT INTO price_coverage (symbol, covered_from, covered_to) VALUES ('AAPL', '2024-01-02', '2024-01-02')`);
      await db.knex.raw(`INSERT INTO stock_splits (symbol, execution_date, split_from, split_to) VALUES ('AAPL', '2020-08-31', 1, 4)`);

      await db.knex.migrate.up(config);
      expect(await rowCounts(db.knex, ['market_data_cache', 'price_coverage', 'stock_splits', 'corporate_action_coverage'])).toEqual({
        market_data_cache: 0,
        price_coverage: 0,
        stock_splits: 1,
        corporate_action_coverage: 0,
      });

      // Coverage never moves backwards.
      await CorporateActionCoverageModel.upsertMany(db.knex, [{ symbol: 'AAPL', kind: 'splits', checkedThrough: '2024-05-01' }]);
      await CorporateActionCoverageModel.upsertMany(db.knex, [
        { symbol: 'AAPL', kind: 'splits', checkedThrough: '2024-04-01' },
        { symbol: 'AAPL', kind: 'dividends', checkedThrough: '2024-04-01' },
      ]);
      const cov = await CorporateActionCoverageModel.bySymbols(db.knex, ['AAPL', 'MSFT']);
      expect(cov.get('splits')).toEqual(new Map([['AAPL', '2024-05-01']]));
      expect(cov.get('dividends')).toEqual(new Map([['AAPL', '2024-04-01']]));

      await db.knex.migrate.down(config);
      expect((await rowCounts(db.knex, ['stock_splits'])).stock_splits).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
