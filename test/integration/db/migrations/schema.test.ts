import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, migrateLatest } from '../../../../db/knex.js';
import { migrationSource } from '../../../../db/migrations/index.js';
import { BarModel } from '../../../../db/models/bar.model.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

const PRODUCT_TABLES = [
  'users',
  'api_tokens',
  'portfolios',
  'positions',
  'symbol_universe',
  'market_data_cache',
  'price_coverage',
  'factor_definitions',
  'symbol_factor_exposures',
  'symbol_daily_metrics',
  'portfolio_snapshots',
  'position_factor_exposures',
  'factor_exposures',
  'batch_run_history',
  'stock_splits',
  'cash_dividends',
  'symbol_profiles',
  'ticker_changes',
  'corporate_action_coverage',
];

async function tables(db: TestDatabase): Promise<string[]> {
  const r = await db.knex.raw<{ rows: { table_name: string }[] }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  return r.rows.map((x) => x.table_name).sort();
}

describe('migrations', () => {
  it('go up on an empty database, creating every product table, and all the way down again', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      expect(await tables(db)).toEqual([]);
      const applied = await migrateLatest(db.knex);
      expect(applied.length).toBeGreaterThanOrEqual(2);
      const after = await tables(db);
      for (const t of PRODUCT_TABLES) expect(after).toContain(t);
      expect(after).toContain('agenda_jobs');
      expect(await db.knex('factor_definitions').count<{ count: number }[]>('* as count')).toEqual([{ count: 12 }]);

      await db.knex.migrate.rollback(undefined, true);
      expect((await tables(db)).filter((t) => !t.startsWith('knex_migrations'))).toEqual([]);
      // and up again: down really undid everything
      await migrateLatest(db.knex);
      for (const t of PRODUCT_TABLES) expect(await tables(db)).toContain(t);
    } finally {
      await db.destroy();
    }
  });
});

describe('concurrent start-up', () => {
  it('several processes migrating a fresh database at once take turns and all succeed', async () => {
    const db = await createTestDatabase({ migrated: false });
    const others = [createKnex({ url: db.url, poolMax: 2 }), createKnex({ url: db.url, poolMax: 2 })];
    try {
      const applied = await Promise.all([migrateLatest(db.knex), ...others.map((k) => migrateLatest(k))]);
      // Exactly one of them applied the migrations; the others found nothing left to do.
      const all = (await migrationSource.getMigrations([])).length;
      expect(applied.map((a) => a.length).sort((a, b) => a - b)).toEqual([0, 0, all]);
      for (const t of PRODUCT_TABLES) expect(await tables(db)).toContain(t);
    } finally {
      for (const k of others) await k.destroy();
      await db.destroy();
    }
  });
});

describe('schema constraints', () => {
  let db: TestDatabase;
  let userId: string;
  let portfolioId: string;
  let positionId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    [{ id: userId }] = (await db.knex('users').insert({ email: 'owner@example.com' }).returning('id')) as [{ id: string }];
    [{ id: portfolioId }] = (await db
      .knex('portfolios')
      .insert({ user_id: userId, name: 'Main', equity_balance: 100000, inception_date: '2024-01-02' })
      .returning('id')) as [{ id: string }];
    [{ id: positionId }] = (await db
      .knex('positions')
      .insert({ portfolio_id: portfolioId, symbol: 'AAPL', quantity: 10, entry_price: 180, entry_date: '2024-01-02' })
      .returning('id')) as [{ id: string }];
  });
  afterAll(async () => {
    await db.destroy();
  });

  const snapshot = (date: string) => ({
    portfolio_id: portfolioId,
    snapshot_date: date,
    total_value: 100000,
    cash_value: 98200,
    long_value: 1800,
    short_value: 0,
    gross_exposure: 1800,
    net_exposure: 1800,
    daily_pnl: 0,
    daily_return: 0,
    cumulative_pnl: 0,
    num_positions: 1,
    num_long: 1,
    num_short: 0,
    is_complete: true,
  });

  it('returns dates as YYYY-MM-DD strings and numerics as numbers', async () => {
    const row = (await db.knex('portfolios').where({ id: portfolioId }).first()) as { inception_date: unknown; equity_balance: unknown };
    expect(row.inception_date).toBe('2024-01-02');
    expect(row.equity_balance).toBe(100000);
  });

  it('rejects a duplicate (portfolio_id, snapshot_date)', async () => {
    await db.knex('portfolio_snapshots').insert(snapshot('2024-01-02'));
    await expect(db.knex('portfolio_snapshots').insert(snapshot('2024-01-02'))).rejects.toThrow(/portfolio_snapshots_key/);
  });

  it('rejects rows that break foreign keys, and position exposures of an unknown factor', async () => {
    await expect(
      db.knex('positions').insert({
        portfolio_id: '00000000-0000-0000-0000-000000000000',
        symbol: 'MSFT',
        quantity: 1,
        entry_price: 1,
        entry_date: '2024-01-02',
      }),
    ).rejects.toThrow(/foreign key/);
    await expect(
      db.knex('position_factor_exposures').insert({
        position_id: positionId,
        factor_id: 99,
        calculation_date: '2024-01-02',
        beta_value: 1,
        exposure_dollar: 1,
      }),
    ).rejects.toThrow(/position_factor_exposures_factor_id_check/);
  });

  it.each([
    ['zero quantity', { quantity: 0 }],
    ['non-positive entry price', { entry_price: 0 }],
    ['lower-case symbol', { symbol: 'aapl' }],
    ['exit before entry', { exit_date: '2023-12-01', exit_price: 10 }],
    ['exit date without exit price', { exit_date: '2024-03-01' }],
    ['unknown investment class', { investment_class: 'OPTION' }],
    ['entry before 1990', { entry_date: '1989-12-29' }],
  ])('rejects a position with %s', async (_label, override) => {
    await expect(
      db.knex('positions').insert({ portfolio_id: portfolioId, symbol: 'MSFT', quantity: 5, entry_price: 300, entry_date: '2024-01-02', ...override }),
    ).rejects.toThrow(/check constraint/);
  });

  it('rejects out-of-domain values elsewhere', async () => {
    await expect(db.knex('market_data_cache').insert({ symbol: 'AAPL', date: '2024-01-02', close: 0 })).rejects.toThrow(/check constraint/);
    await expect(
      db.knex('batch_run_history').insert({ scope: 'all', source: 'cron', status: 'exploded' }),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.knex('symbol_factor_exposures').insert({
        symbol: 'AAPL', factor_id: 1, calculation_date: '2024-01-02', beta_value: 7, observations: 90, method: 'ols', window: 90,
      }),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.knex('symbol_universe').insert({ symbol: 'GGIPX', price_status: 'unavailable' }),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.knex('portfolio_snapshots').insert({ ...snapshot('2024-01-03'), short_value: 5 }),
    ).rejects.toThrow(/check constraint/);
  });

  it('allows at most one queued-or-running run per scope', async () => {
    await db.knex('batch_run_history').insert({ scope: 'portfolio', portfolio_id: portfolioId, source: 'onboarding' });
    await expect(
      db.knex('batch_run_history').insert({ scope: 'portfolio', portfolio_id: portfolioId, source: 'admin', status: 'running' }),
    ).rejects.toThrow(/batch_run_history_one_active_per_scope/);
    // another scope is independent, and finished runs do not count
    await db.knex('batch_run_history').insert({ scope: 'all', source: 'cron' });
    await db.knex('batch_run_history').insert({ scope: 'all', source: 'cron', status: 'completed', finished_at: db.knex.fn.now() });
    await db.knex('batch_run_history').where({ scope: 'all' }).update({ status: 'failed', finished_at: db.knex.fn.now() });
    await db.knex('batch_run_history').insert({ scope: 'all', source: 'admin' });
    const active = await db.knex('batch_run_history').whereIn('status', ['queued', 'running']).select('scope_key');
    expect(active.map((r: { scope_key: string }) => r.scope_key).sort()).toEqual(['all', `portfolio:${portfolioId}`]);
  });

  it('bulk-upserts 100k price rows twice and leaves identical rows', async () => {
    const symbols = Array.from({ length: 100 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const days = Array.from({ length: 1000 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10));
    const rows = symbols.flatMap((symbol, si) =>
      days.map((date, di) => ({ symbol, date, open: 10 + si, high: 11 + si, low: 9 + si, close: 10 + si + di / 1000, volume: 1000.5 + di, source: 'test' })),
    );
    expect(rows.length).toBe(100_000);
    const dump = async () =>
      (await db.knex.raw<{ rows: { h: string; n: number }[] }>(
        `SELECT md5(string_agg(symbol || date || open || high || low || close || volume || source, ',' ORDER BY symbol, date)) AS h, count(*)::int AS n FROM market_data_cache WHERE source = 'test'`,
      )).rows[0];
    expect(await BarModel.upsertMany(db.knex, rows)).toBe(100_000);
    const first = await dump();
    expect(first?.n).toBe(100_000);
    // the same bars again: nothing rewritten
    expect(await BarModel.upsertMany(db.knex, rows)).toBe(0);
    expect(await dump()).toEqual(first);
    // a changed close is an update, not a second row
    expect(await BarModel.upsertMany(db.knex, [{ ...rows[0]!, close: 99 }, rows[1]!])).toBe(1);
    const [changed] = (await db.knex('market_data_cache').where({ symbol: 'S000', date: '2020-01-01' })) as { close: number }[];
    expect(changed?.close).toBe(99);
    expect((await dump())?.n).toBe(100_000);
  });

  it('runs the verification queries ops use, unchanged', async () => {
    await db.knex('symbol_factor_exposures').insert({
      symbol: 'AAPL', factor_id: 1, calculation_date: '2024-01-02', beta_value: 1.1, observations: 90, method: 'ols', window: 90,
    });
    const a = await db.knex.raw(
      `SELECT symbol, COUNT(*) FROM symbol_factor_exposures WHERE symbol IN ('AAPL', 'GGIPX') GROUP BY symbol`,
    );
    expect(a.rows).toEqual([{ symbol: 'AAPL', count: 1 }]);
    const b = await db.knex.raw(
      `SELECT p.name, MAX(ps.snapshot_date) FROM portfolios p LEFT JOIN portfolio_snapshots ps ON p.id = ps.portfolio_id WHERE p.deleted_at IS NULL GROUP BY p.id, p.name`,
    );
    expect(b.rows).toEqual([{ name: 'Main', max: '2024-01-02' }]);
    const c = await db.knex.raw(
      `SELECT symbol FROM symbol_universe WHERE symbol IN ('GGIPX', 'GINDX', 'GOVT', 'IAU', 'IEFA', 'MUB', 'NEAIX', 'VO')`,
    );
    expect(c.rows).toEqual([]);
    const d = await db.knex.raw(
      `SELECT p.symbol, COUNT(pfe.id) as exposure_count FROM positions p LEFT JOIN position_factor_exposures pfe ON p.id = pfe.position_id WHERE p.portfolio_id = ? GROUP BY p.symbol`,
      [portfolioId],
    );
    expect(d.rows).toEqual([{ symbol: 'AAPL', exposure_count: 0 }]);
    const e = await db.knex.raw(
      `SELECT id, source, status, started_at, finished_at FROM batch_run_history ORDER BY started_at DESC LIMIT 10`,
    );
    expect(e.rows.length).toBeGreaterThan(0);
  });
});
