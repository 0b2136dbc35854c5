import type { Knex } from 'knex';

/**
 * `position_factor_exposures` is the largest write of every run (20 positions × 12 factors per
 * portfolio-day: 240,000 rows for a night of 1,000 portfolios). Its two foreign keys cost a lookup
 * and a row lock in `positions` and `factor_definitions` for every row: measured on 240,000 rows,
 * 3.0-3.3 s with both, 2.0-2.4 s with only the position key, 1.1-1.6 s with none. They go:
 * - the factor id is held to the seeded factors by a CHECK on their id range instead (the seed is
 *   fixed by migration 001; a migration adding a factor widens the check);
 * - positions are never deleted once they exist (a position is soft-deleted, a portfolio too), so
 *   the cascade it carried never fired; exposure rows are written only by the pipeline, from the
 *   positions it read under the portfolio's lock.
 */
export async function up(knex: Knex): Promise<void> {
  const { rows } = (await knex.raw('SELECT min(id)::int AS lo, max(id)::int AS hi FROM factor_definitions')) as { rows: { lo: number; hi: number }[] };
  const { lo, hi } = rows[0]!;
  await knex.raw(`
    ALTER TABLE position_factor_exposures
      DROP CONSTRAINT IF EXISTS position_factor_exposures_position_id_fkey,
      DROP CONSTRAINT IF EXISTS position_factor_exposures_factor_id_fkey,
      ADD CONSTRAINT position_factor_exposures_factor_id_check CHECK (factor_id BETWEEN ${Number(lo)} AND ${Number(hi)});
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE position_factor_exposures
      DROP CONSTRAINT IF EXISTS position_factor_exposures_factor_id_check,
      ADD CONSTRAINT position_factor_exposures_position_id_fkey FOREIGN KEY (position_id) REFERENCES positions(id) ON DELETE CASCADE,
      ADD CONSTRAINT position_factor_exposures_factor_id_fkey FOREIGN KEY (factor_id) REFERENCES factor_definitions(id);
  `);
}
