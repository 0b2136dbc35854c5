import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NUMERIC_COLUMNS, SNAPSHOT_MONEY_COLUMNS } from '../../../db/numeric-columns.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

describe('the NUMERIC columns input validation derives its limits from', () => {
  it('match the migrated schema', async () => {
    const declared = [...Object.values(NUMERIC_COLUMNS), ...SNAPSHOT_MONEY_COLUMNS];
    const rows = (await db.knex('information_schema.columns')
      .select('table_name', 'column_name', 'data_type', 'numeric_precision', 'numeric_scale')
      .where({ table_schema: 'public' })
      .whereIn(
        ['table_name', 'column_name'],
        declared.map((c) => [c.table, c.column]),
      )) as { table_name: string; column_name: string; data_type: string; numeric_precision: number; numeric_scale: number }[];
    const live = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    for (const c of declared) {
      expect(live.get(`${c.table}.${c.column}`), `${c.table}.${c.column}`).toMatchObject({ data_type: 'numeric', numeric_precision: c.precision, numeric_scale: c.scale });
    }
  });

  it('cover every money column of portfolio_snapshots', async () => {
    const rows = (await db.knex('information_schema.columns')
      .select('column_name')
      .where({ table_schema: 'public', table_name: 'portfolio_snapshots', data_type: 'numeric', numeric_scale: 2 })) as { column_name: string }[];
    const declared = SNAPSHOT_MONEY_COLUMNS.filter((c) => c.table === 'portfolio_snapshots').map((c) => c.column);
    expect(rows.map((r) => r.column_name).sort()).toEqual([...declared].sort());
  });
});
