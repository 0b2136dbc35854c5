import type { Knex } from 'knex';

/**
 * Market data as traded, and what the vendor was asked about corporate actions.
 *
 * Until now bars were fetched split-adjusted (`adjusted=true`), which is relative to the share basis
 * of the day of the fetch: a bar cached before a split is in another basis than one fetched after
 * it, and nothing recorded which. From now on bars are fetched as traded (`adjusted=false`), which
 * never changes afterwards. The two bases must not mix, and the old rows cannot be converted
 * without knowing the day each was fetched relative to the splits since, so the cached bars and
 * their price coverage are deleted: the next run fetches them again, as traded (one range call per
 * symbol, or grouped daily for short windows). Price statuses are kept: a symbol the vendor has no
 * bars for has none in either basis.
 *
 * `corporate_action_coverage` records, per symbol and kind (splits, dividends, ticker events), the
 * day through which the vendor's list was read: a symbol without a row has never been asked (its
 * whole history is fetched on first sight); a row with an older day is brought up to date by one
 * call since that day, per symbol or market-wide, whichever costs fewer calls.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM market_data_cache;
    DELETE FROM price_coverage;

    CREATE TABLE corporate_action_coverage (
      symbol text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('splits', 'dividends', 'ticker_events')),
      checked_through date NOT NULL,
      checked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (symbol, kind)
    );
    CREATE INDEX corporate_action_coverage_kind_idx ON corporate_action_coverage (kind, checked_through);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS corporate_action_coverage;`);
}
