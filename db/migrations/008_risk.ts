import type { Knex } from 'knex';

/**
 * Risk figures (docs/risk.md): a summary, the sector rows and the stress rows of every portfolio and
 * trading day; the matrices (pairwise correlations, per-factor stress moves) of each portfolio's
 * latest day only; the factor covariance of every day (one row shared by all portfolios); and the
 * stress scenarios users define. Figures are double precision and nullable: a null figure has its
 * reason in the row's `unavailable` document.
 */
const SUMMARY_COLUMNS = [
  'volatility_21d',
  'volatility_63d',
  'volatility_252d',
  'volatility_ewma',
  'volatility_trend',
  'volatility_percentile',
  'average_correlation',
  'diversification_ratio',
  'hhi',
  'effective_holdings',
  'top3_share',
  'top10_share',
  'factor_variance',
  'idiosyncratic_variance',
  'total_variance',
  'factor_share',
  'factor_risk',
  'idiosyncratic_risk',
  'total_risk',
  'total_risk_share_of_nav',
  'contribution_market',
  'contribution_rates',
  'contribution_value',
  'contribution_growth',
  'contribution_momentum',
  'contribution_quality',
  'contribution_size',
  'contribution_low_volatility',
  'historical_var_95',
  'historical_var_99',
  'historical_es_95',
  'historical_es_99',
  'parametric_var_95',
  'parametric_var_99',
  'parametric_es_95',
  'parametric_es_99',
  'historical_var_95_share_of_nav',
  'historical_var_99_share_of_nav',
  'historical_es_95_share_of_nav',
  'historical_es_99_share_of_nav',
  'parametric_var_95_share_of_nav',
  'parametric_var_99_share_of_nav',
  'parametric_es_95_share_of_nav',
  'parametric_es_99_share_of_nav',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE portfolio_risk_summaries (
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      calculation_date date NOT NULL,
      nav double precision NOT NULL,
      gross_value double precision NOT NULL,
      holdings integer NOT NULL,
      public_holdings integer NOT NULL,
      private_holdings integer NOT NULL,
      unpriced_holdings integer NOT NULL,
      ${SUMMARY_COLUMNS.map((c) => `${c} double precision`).join(',\n      ')},
      correlation_pairs integer NOT NULL,
      diversification_days integer NOT NULL,
      var_days integer NOT NULL,
      covariance_observations integer NOT NULL,
      covariance_rank integer,
      covariance_repaired boolean NOT NULL,
      factor_exposures jsonb NOT NULL DEFAULT '{}',
      notes jsonb NOT NULL DEFAULT '[]',
      unavailable jsonb NOT NULL DEFAULT '{}',
      run_id uuid,
      computed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (portfolio_id, calculation_date)
    );

    CREATE TABLE portfolio_sector_exposures (
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      calculation_date date NOT NULL,
      sector text NOT NULL,
      holdings integer NOT NULL,
      long_value double precision NOT NULL,
      short_value double precision NOT NULL,
      net_value double precision NOT NULL,
      gross_value double precision NOT NULL,
      net_share_of_nav double precision,
      gross_share_of_nav double precision,
      unavailable jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (portfolio_id, calculation_date, sector)
    );

    CREATE TABLE stress_test_results (
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      calculation_date date NOT NULL,
      scenario_id text NOT NULL,
      scenario_name text NOT NULL,
      direct_pnl double precision,
      correlated_pnl double precision,
      difference double precision,
      direct_share_of_nav double precision,
      correlated_share_of_nav double precision,
      pseudo_inverse boolean NOT NULL DEFAULT false,
      capped jsonb NOT NULL DEFAULT '[]',
      unavailable jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (portfolio_id, calculation_date, scenario_id)
    );

    -- The matrices of each portfolio's latest computed day (replaced as it moves on).
    CREATE TABLE correlation_calculations (
      portfolio_id uuid PRIMARY KEY REFERENCES portfolios(id) ON DELETE CASCADE,
      calculation_date date NOT NULL,
      symbols jsonb NOT NULL,
      correlations jsonb NOT NULL,
      observations jsonb NOT NULL,
      unavailable jsonb NOT NULL DEFAULT '{}',
      stress_moves jsonb NOT NULL,
      computed_at timestamptz NOT NULL DEFAULT now()
    );

    -- The factor covariance of a day, shared by every portfolio.
    CREATE TABLE factor_covariances (
      calculation_date date PRIMARY KEY,
      factors jsonb NOT NULL,
      matrix jsonb,
      observations integer NOT NULL,
      rank integer,
      min_eigenvalue double precision,
      max_eigenvalue double precision,
      repaired boolean NOT NULL,
      unavailable jsonb,
      computed_at timestamptz NOT NULL DEFAULT now()
    );

    -- Stress scenarios a user defined; run for that user's portfolios after the catalogue.
    CREATE TABLE risk_scenarios (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      scenario_id text NOT NULL CHECK (scenario_id ~ '^[a-z][a-z0-9_]{0,63}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      shocks jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, scenario_id)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS risk_scenarios, factor_covariances, correlation_calculations, stress_test_results,
      portfolio_sector_exposures, portfolio_risk_summaries;
  `);
}
