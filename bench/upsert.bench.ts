/**
 * Bulk upsert benchmark: the nightly run's largest write, 240,000 position exposure rows
 * (1,000 portfolios × 20 positions × 12 factors), two ways, alternating, three rounds:
 *   - `unnest`: the models' static bulk upsert (one typed array per column, 5,000 rows a statement);
 *   - `query builder`: `Model.query(trx).insert(rows).onConflict(key).merge(cols)` in statements of
 *     13,107 rows (5 parameters a row, under PostgreSQL's 65,535-parameter limit).
 * Each round inserts a new date's rows, then updates them. Prints medians; asserts nothing.
 * Run: `npx tsx bench/upsert.bench.ts` (DATABASE_URL's server when set, else an embedded one).
 */
import { performance } from 'node:perf_hooks';
import { MAX_BIND_PARAMETERS } from '../db/models/base.model.js';
import { createKnex, migrateLatest } from '../db/knex.js';
import { PositionFactorExposureModel, type PositionExposureWrite } from '../db/models/position-factor-exposure.model.js';
import { scratchDatabase } from './scratch-db.js';

const PORTFOLIOS = 1_000;
const POSITIONS = 20;
const FACTORS = 12;
const ROUNDS = 3;

const db = await scratchDatabase();
const knex = createKnex({ url: db.url, poolMax: 4 });
try {
  await migrateLatest(knex);
  const [{ id: userId }] = (await knex('users').insert({ email: 'bench@example.com' }).returning('id')) as [{ id: string }];
  const portfolios = Array.from({ length: PORTFOLIOS }, (_, i) => ({ user_id: userId, name: `p${i}`, equity_balance: 1e6, inception_date: '2026-01-02' }));
  await knex.batchInsert('portfolios', portfolios, 1000);
  const portfolioIds = (await knex('portfolios').select('id')) as { id: string }[];
  await knex('symbol_universe').insert({ symbol: 'AAPL' }).onConflict('symbol').ignore();
  const positions = portfolioIds.flatMap((p) =>
    Array.from({ length: POSITIONS }, () => ({ portfolio_id: p.id, symbol: 'AAPL', quantity: 1, entry_price: 1, entry_date: '2026-01-02' })),
  );
  await knex.batchInsert('positions', positions, 2000);
  const positionIds = (await knex('positions').select('id')) as { id: string }[];
  const rowsOf = (date: string, k: number): PositionExposureWrite[] =>
    positionIds.flatMap((p) =>
      Array.from({ length: FACTORS }, (_, f) => ({ positionId: p.id, factorId: f + 1, date, betaValue: ((f + k) % 7) / 10, exposureDollar: 100 + f + k })),
    );

  const ways: Record<string, (rows: PositionExposureWrite[]) => Promise<void>> = {
    unnest: async (rows) => {
      await knex.transaction(async (trx) => {
        await PositionFactorExposureModel.upsertMany(trx, rows);
      });
    },
    'query builder': async (rows) => {
      await knex.transaction(async (trx) => {
        const per = Math.floor(MAX_BIND_PARAMETERS / 5);
        for (let i = 0; i < rows.length; i += per) {
          await PositionFactorExposureModel.query(trx)
            .insert(
              rows.slice(i, i + per).map((r) => ({
                position_id: r.positionId,
                factor_id: r.factorId,
                calculation_date: r.date,
                beta_value: r.betaValue,
                exposure_dollar: r.exposureDollar,
              })),
            )
            .onConflict(['position_id', 'calculation_date', 'factor_id'])
            .merge(['beta_value', 'exposure_dollar']);
        }
      });
    },
  };
  const times: Record<string, number[]> = {};
  let day = 1;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, write] of Object.entries(ways)) {
      const date = `2026-02-${String(day++).padStart(2, '0')}`;
      for (const [step, k] of [['insert', 0], ['update', 1]] as const) {
        const rows = rowsOf(date, k);
        const t0 = performance.now();
        await write(rows);
        (times[`${name}, ${step}`] ??= []).push(performance.now() - t0);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\n| ${(PORTFOLIOS * POSITIONS * FACTORS).toLocaleString('en-US')} position exposure rows | median of ${ROUNDS} |\n|---|---|`);
  for (const [k, v] of Object.entries(times)) console.log(`| ${k} | ${(median(v) / 1000).toFixed(1)} s |`);
} finally {
  await knex.destroy();
  await db.drop();
}
