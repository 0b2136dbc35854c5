import type { Knex } from 'knex';

/**
 * Real-market data: corporate actions (splits, cash dividends), vendor reference data (ticker
 * profiles, ticker changes) and the figures they add to the analytics tables (dividend P&L, stale
 * days, the coverage of factor exposures, total returns).
 *
 * Bars stay as traded; split-adjusted and total-return series are derived from these tables, so a
 * split announced later adds a row here and rewrites no stored bar.
 */
const SYMBOL_CHECK = `~ '^[A-Z][A-Z0-9.\\-]{0,14}$'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per split: on its execution date split_from old shares became split_to new shares.
    CREATE TABLE stock_splits (
      symbol text NOT NULL CHECK (symbol ${SYMBOL_CHECK}),
      execution_date date NOT NULL,
      split_from numeric(20,8) NOT NULL CHECK (split_from > 0),
      split_to numeric(20,8) NOT NULL CHECK (split_to > 0),
      vendor_id text,
      source text NOT NULL DEFAULT 'polygon',
      fetched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (symbol, execution_date)
    );
    CREATE INDEX stock_splits_date_idx ON stock_splits (execution_date);

    -- Cash distributions per share, in the share basis of the ex-dividend date.
    CREATE TABLE cash_dividends (
      symbol text NOT NULL CHECK (symbol ${SYMBOL_CHECK}),
      ex_dividend_date date NOT NULL,
      dividend_type text NOT NULL CHECK (dividend_type IN ('CD', 'SC', 'LT', 'ST')),
      cash_amount numeric(20,8) NOT NULL CHECK (cash_amount >= 0),
      currency char(3) NOT NULL DEFAULT 'USD',
      declaration_date date,
      record_date date,
      pay_date date,
      frequency smallint CHECK (frequency >= 0),
      vendor_id text,
      source text NOT NULL DEFAULT 'polygon',
      fetched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (symbol, ex_dividend_date, dividend_type)
    );
    CREATE INDEX cash_dividends_date_idx ON cash_dividends (ex_dividend_date);

    -- The vendor's ticker details, refreshed monthly; sector from the SIC code.
    CREATE TABLE symbol_profiles (
      symbol text PRIMARY KEY CHECK (symbol ${SYMBOL_CHECK}),
      status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'not_found')),
      name text,
      type text,
      market text,
      primary_exchange text,
      active boolean,
      list_date date,
      delisted_on date,
      sic_code text,
      sic_description text,
      sector text NOT NULL DEFAULT 'Unknown',
      market_cap numeric(24,2),
      shares_outstanding numeric(24,2),
      refreshed_at timestamptz NOT NULL DEFAULT now()
    );

    -- A ticker change: from change_date on, previous_symbol trades as symbol.
    CREATE TABLE ticker_changes (
      previous_symbol text NOT NULL CHECK (previous_symbol ${SYMBOL_CHECK}),
      symbol text NOT NULL CHECK (symbol ${SYMBOL_CHECK}),
      change_date date NOT NULL,
      source text NOT NULL DEFAULT 'polygon',
      fetched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (previous_symbol, change_date),
      CHECK (previous_symbol <> symbol)
    );
    CREATE INDEX ticker_changes_symbol_idx ON ticker_changes (symbol);

    ALTER TABLE portfolio_snapshots
      ADD COLUMN daily_dividend_pnl numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN cumulative_dividend_pnl numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN beta_market_coverage numeric(10,8) CHECK (beta_market_coverage BETWEEN 0 AND 1),
      ADD COLUMN max_stale_days integer NOT NULL DEFAULT 0 CHECK (max_stale_days >= 0);

    ALTER TABLE factor_exposures
      ADD COLUMN coverage numeric(10,8) CHECK (coverage BETWEEN 0 AND 1);

    ALTER TABLE symbol_daily_metrics
      ADD COLUMN total_return_1d numeric(16,10),
      ADD COLUMN total_return_mtd numeric(16,10),
      ADD COLUMN total_return_ytd numeric(16,10),
      ADD COLUMN total_return_1m numeric(16,10),
      ADD COLUMN total_return_3m numeric(16,10),
      ADD COLUMN total_return_1y numeric(16,10);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE symbol_daily_metrics
      DROP COLUMN total_return_1d, DROP COLUMN total_return_mtd, DROP COLUMN total_return_ytd,
      DROP COLUMN total_return_1m, DROP COLUMN total_return_3m, DROP COLUMN total_return_1y;
    ALTER TABLE factor_exposures DROP COLUMN coverage;
    ALTER TABLE portfolio_snapshots
      DROP COLUMN daily_dividend_pnl, DROP COLUMN cumulative_dividend_pnl, DROP COLUMN beta_market_coverage, DROP COLUMN max_stale_days;
    DROP TABLE IF EXISTS ticker_changes, symbol_profiles, cash_dividends, stock_splits;
  `);
}
