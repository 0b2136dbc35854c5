import type { Knex } from 'knex';

/**
 * The whole product's schema (README, Database). The unique keys are the idempotency keys of every
 * write a run repeats; check constraints keep values inside their domains so a bug cannot
 * store a half-valid row.
 */

const SYMBOL_CHECK = `~ '^[A-Z][A-Z0-9.\\-]{0,14}$'`;

// Seeded here (not imported) so this migration stays the same forever; a test checks that it
// agrees with jobs/calc/factors.ts.
const FACTOR_SEED = [
  { id: 1, name: 'Market Beta', factor_type: 'market', method: 'ols', etf_proxy: 'SPY', display_order: 1 },
  { id: 2, name: 'IR Beta', factor_type: 'interest_rate', method: 'ols', etf_proxy: 'TLT', display_order: 2 },
  { id: 3, name: 'Value', factor_type: 'style', method: 'ridge', etf_proxy: 'VTV', display_order: 3 },
  { id: 4, name: 'Growth', factor_type: 'style', method: 'ridge', etf_proxy: 'VUG', display_order: 4 },
  { id: 5, name: 'Momentum', factor_type: 'style', method: 'ridge', etf_proxy: 'MTUM', display_order: 5 },
  { id: 6, name: 'Quality', factor_type: 'style', method: 'ridge', etf_proxy: 'QUAL', display_order: 6 },
  { id: 7, name: 'Size', factor_type: 'style', method: 'ridge', etf_proxy: 'IWM', display_order: 7 },
  { id: 8, name: 'Low Volatility', factor_type: 'style', method: 'ridge', etf_proxy: 'USMV', display_order: 8 },
  { id: 9, name: 'Growth-Value Spread', factor_type: 'spread', method: 'spread_ols', etf_proxy: 'VUG-VTV', display_order: 9 },
  { id: 10, name: 'Momentum Spread', factor_type: 'spread', method: 'spread_ols', etf_proxy: 'MTUM-SPY', display_order: 10 },
  { id: 11, name: 'Size Spread', factor_type: 'spread', method: 'spread_ols', etf_proxy: 'IWM-SPY', display_order: 11 },
  { id: 12, name: 'Quality Spread', factor_type: 'spread', method: 'spread_ols', etf_proxy: 'QUAL-SPY', display_order: 12 },
];

const PROXIES = ['SPY', 'VTV', 'VUG', 'MTUM', 'QUAL', 'IWM', 'USMV', 'TLT'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL CHECK (email ~ '^[^@\\s]+@[^@\\s]+$' AND length(email) <= 254),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));

    CREATE TABLE api_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      role text NOT NULL CHECK (role IN ('admin', 'user')),
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

    CREATE TABLE portfolios (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
      currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
      equity_balance numeric(20,2) NOT NULL CHECK (equity_balance > 0),
      inception_date date NOT NULL CHECK (inception_date >= '1990-01-01'),
      idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
      request_hash text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
    );
    CREATE UNIQUE INDEX portfolios_user_name_key ON portfolios (user_id, name) WHERE deleted_at IS NULL;
    CREATE UNIQUE INDEX portfolios_user_idempotency_key ON portfolios (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX portfolios_active_idx ON portfolios (id) WHERE deleted_at IS NULL;

    CREATE TABLE positions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      symbol text NOT NULL CHECK (symbol ${SYMBOL_CHECK}),
      quantity numeric(24,8) NOT NULL CHECK (quantity <> 0),
      entry_price numeric(20,6) NOT NULL CHECK (entry_price > 0),
      entry_date date NOT NULL CHECK (entry_date >= '1990-01-01'),
      exit_date date,
      exit_price numeric(20,6) CHECK (exit_price > 0),
      investment_class text NOT NULL DEFAULT 'PUBLIC' CHECK (investment_class IN ('PUBLIC', 'PRIVATE')),
      created_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      CHECK (exit_date IS NULL OR exit_date > entry_date),
      CHECK ((exit_date IS NULL) = (exit_price IS NULL))
    );
    CREATE INDEX positions_portfolio_idx ON positions (portfolio_id) WHERE deleted_at IS NULL;
    CREATE INDEX positions_symbol_idx ON positions (symbol) WHERE deleted_at IS NULL;

    CREATE TABLE symbol_universe (
      symbol text PRIMARY KEY CHECK (symbol ${SYMBOL_CHECK}),
      asset_type text NOT NULL DEFAULT 'unknown' CHECK (asset_type IN ('stock', 'etf', 'mutual_fund', 'factor_etf', 'unknown')),
      first_seen_date date,
      last_seen_date date,
      is_active boolean NOT NULL DEFAULT true,
      price_status text NOT NULL DEFAULT 'pending' CHECK (price_status IN ('pending', 'ok', 'unavailable')),
      unavailable_reason text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (price_status <> 'unavailable' OR unavailable_reason IS NOT NULL)
    );

    CREATE TABLE market_data_cache (
      symbol text NOT NULL,
      date date NOT NULL,
      open numeric(20,6) CHECK (open > 0),
      high numeric(20,6) CHECK (high > 0),
      low numeric(20,6) CHECK (low > 0),
      close numeric(20,6) NOT NULL CHECK (close > 0),
      volume numeric(24,4) CHECK (volume >= 0),
      source text NOT NULL DEFAULT 'polygon',
      fetched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (symbol, date)
    );
    CREATE INDEX market_data_cache_date_idx ON market_data_cache (date);

    CREATE TABLE price_coverage (
      symbol text PRIMARY KEY,
      covered_from date NOT NULL,
      covered_to date NOT NULL,
      checked_at timestamptz NOT NULL DEFAULT now(),
      CHECK (covered_from <= covered_to)
    );

    CREATE TABLE factor_definitions (
      id smallint PRIMARY KEY,
      name text NOT NULL UNIQUE,
      factor_type text NOT NULL CHECK (factor_type IN ('market', 'interest_rate', 'style', 'spread')),
      method text NOT NULL CHECK (method IN ('ols', 'ridge', 'spread_ols')),
      etf_proxy text NOT NULL,
      display_order smallint NOT NULL UNIQUE
    );

    CREATE TABLE symbol_factor_exposures (
      id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
      symbol text NOT NULL,
      factor_id smallint NOT NULL REFERENCES factor_definitions(id),
      calculation_date date NOT NULL,
      beta_value numeric(12,6) NOT NULL CHECK (beta_value BETWEEN -5 AND 5),
      r_squared numeric(10,8) CHECK (r_squared <= 1),
      observations integer NOT NULL CHECK (observations > 0),
      std_error numeric(16,8),
      method text NOT NULL CHECK (method IN ('ols', 'ridge', 'spread_ols')),
      "window" integer NOT NULL CHECK ("window" > 0),
      quality_flag text NOT NULL DEFAULT 'ok',
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT symbol_factor_exposures_key PRIMARY KEY (symbol, calculation_date, factor_id)
    );
    CREATE INDEX symbol_factor_exposures_date_idx ON symbol_factor_exposures (calculation_date);

    CREATE TABLE symbol_daily_metrics (
      symbol text NOT NULL,
      metrics_date date NOT NULL,
      price numeric(20,6) CHECK (price > 0),
      return_1d numeric(16,10),
      return_mtd numeric(16,10),
      return_ytd numeric(16,10),
      return_1m numeric(16,10),
      return_3m numeric(16,10),
      return_1y numeric(16,10),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (symbol, metrics_date)
    );

    CREATE TABLE batch_run_history (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope text NOT NULL CHECK (scope IN ('all', 'portfolio')),
      portfolio_id uuid REFERENCES portfolios(id) ON DELETE SET NULL,
      -- The dedupe key: 'all', or 'portfolio:<id>'.
      scope_key text NOT NULL GENERATED ALWAYS AS (
        CASE WHEN scope = 'all' THEN 'all' ELSE 'portfolio:' || coalesce(portfolio_id::text, 'deleted') END
      ) STORED,
      source text NOT NULL CHECK (source IN ('cron', 'onboarding', 'admin', 'settings')),
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'partial', 'failed')),
      requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
      requested_from date,
      requested_to date,
      force boolean NOT NULL DEFAULT false,
      job_id text,
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      heartbeat_at timestamptz,
      finished_at timestamptz,
      phases jsonb NOT NULL DEFAULT '{}'::jsonb,
      counters jsonb NOT NULL DEFAULT '{}'::jsonb,
      progress jsonb NOT NULL DEFAULT '{}'::jsonb,
      warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
      error_summary text,
      activity_log jsonb NOT NULL DEFAULT '[]'::jsonb,
      CHECK ((scope = 'portfolio') = (portfolio_id IS NOT NULL) OR status NOT IN ('queued', 'running')),
      CHECK (status NOT IN ('completed', 'partial', 'failed') OR finished_at IS NOT NULL),
      CHECK (requested_from IS NULL OR requested_to IS NULL OR requested_from <= requested_to)
    );
    -- At most one queued-or-running run per scope: the database, not the application, dedupes.
    CREATE UNIQUE INDEX batch_run_history_one_active_per_scope ON batch_run_history (scope_key) WHERE status IN ('queued', 'running');
    CREATE INDEX batch_run_history_created_idx ON batch_run_history (created_at DESC);
    CREATE INDEX batch_run_history_portfolio_idx ON batch_run_history (portfolio_id, created_at DESC);
    CREATE INDEX batch_run_history_active_idx ON batch_run_history (heartbeat_at) WHERE status IN ('queued', 'running');

    -- Fan-out of a many-portfolio run: each chunk is its own job; the run finishes with the last chunk.
    CREATE TABLE batch_run_chunks (
      run_id uuid NOT NULL REFERENCES batch_run_history(id) ON DELETE CASCADE,
      chunk_no integer NOT NULL CHECK (chunk_no >= 0),
      portfolio_ids uuid[] NOT NULL,
      job_id text,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'partial', 'failed')),
      dates_total integer NOT NULL DEFAULT 0,
      dates_done integer NOT NULL DEFAULT 0,
      portfolios_done integer NOT NULL DEFAULT 0,
      failures jsonb NOT NULL DEFAULT '[]'::jsonb,
      warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
      counters jsonb NOT NULL DEFAULT '{}'::jsonb,
      started_at timestamptz,
      heartbeat_at timestamptz,
      finished_at timestamptz,
      PRIMARY KEY (run_id, chunk_no)
    );

    CREATE TABLE portfolio_snapshots (
      id bigserial PRIMARY KEY,
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      snapshot_date date NOT NULL,
      total_value numeric(20,2) NOT NULL,
      cash_value numeric(20,2) NOT NULL,
      long_value numeric(20,2) NOT NULL CHECK (long_value >= 0),
      short_value numeric(20,2) NOT NULL CHECK (short_value <= 0),
      gross_exposure numeric(20,2) NOT NULL CHECK (gross_exposure >= 0),
      net_exposure numeric(20,2) NOT NULL,
      daily_pnl numeric(20,2) NOT NULL,
      daily_return numeric(16,10) NOT NULL,
      cumulative_pnl numeric(20,2) NOT NULL,
      num_positions integer NOT NULL CHECK (num_positions >= 0),
      num_long integer NOT NULL CHECK (num_long >= 0),
      num_short integer NOT NULL CHECK (num_short >= 0),
      beta_market numeric(12,6),
      realized_volatility_21d numeric(12,8) CHECK (realized_volatility_21d >= 0),
      realized_volatility_63d numeric(12,8) CHECK (realized_volatility_63d >= 0),
      is_complete boolean NOT NULL,
      warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
      run_id uuid,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT portfolio_snapshots_key UNIQUE (portfolio_id, snapshot_date),
      CHECK (num_long + num_short <= num_positions)
    );

    -- The largest table (positions × 12 factors × trading days): its natural key is its primary key,
    -- ordered for the range reads and deletes of one position's dates; the surrogate id (kept for
    -- ops queries such as COUNT(pfe.id)) is generated but not indexed, one index less per row written.
    CREATE TABLE position_factor_exposures (
      id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
      position_id uuid NOT NULL REFERENCES positions(id) ON DELETE CASCADE,
      factor_id smallint NOT NULL REFERENCES factor_definitions(id),
      calculation_date date NOT NULL,
      beta_value numeric(12,6) NOT NULL CHECK (beta_value BETWEEN -5 AND 5),
      exposure_dollar numeric(20,2) NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT position_factor_exposures_key PRIMARY KEY (position_id, calculation_date, factor_id)
    );

    CREATE TABLE factor_exposures (
      id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      factor_id smallint NOT NULL REFERENCES factor_definitions(id),
      calculation_date date NOT NULL,
      exposure_value numeric(16,8),
      exposure_dollar numeric(20,2) NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT factor_exposures_key PRIMARY KEY (portfolio_id, calculation_date, factor_id)
    );
  `);

  await knex('factor_definitions').insert(FACTOR_SEED);
  await knex('symbol_universe').insert(PROXIES.map((symbol) => ({ symbol, asset_type: 'factor_etf' })));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS factor_exposures, position_factor_exposures, portfolio_snapshots,
      batch_run_chunks, batch_run_history, symbol_daily_metrics, symbol_factor_exposures,
      factor_definitions, price_coverage, market_data_cache, symbol_universe, positions,
      portfolios, api_tokens, users CASCADE;
  `);
}
