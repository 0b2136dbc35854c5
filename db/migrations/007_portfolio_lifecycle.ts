import type { Knex } from 'knex';

/**
 * Portfolios that change (docs/lifecycle.md): trades and the lots they open and close, cash flows,
 * the idempotency record of every change, the invalidation mark a change leaves on its portfolio,
 * and the accounting figures the snapshots gain (realized P&L, fees, capital flows, cumulative
 * time-weighted return).
 */
const SYMBOL_CHECK = `~ '^[A-Z][A-Z0-9.\\-]{0,14}$'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per accepted change of a portfolio; (portfolio, key) makes a retried request answer as the first did.
    CREATE TABLE portfolio_changes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('trade', 'cash_flow', 'position_update', 'position_delete', 'rename', 'delete', 'import_trades')),
      idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
      request_hash text NOT NULL,
      requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
      affected_from date,
      result jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX portfolio_changes_key ON portfolio_changes (portfolio_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

    -- A trade as recorded: signed quantity (buy > 0, sell < 0) in the share basis of its date.
    CREATE TABLE trades (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      change_id uuid NOT NULL REFERENCES portfolio_changes(id) ON DELETE CASCADE,
      symbol text NOT NULL CHECK (symbol ${SYMBOL_CHECK}),
      quantity numeric(24,8) NOT NULL CHECK (quantity <> 0),
      price numeric(20,6) NOT NULL CHECK (price > 0),
      trade_date date NOT NULL CHECK (trade_date >= '1990-01-01'),
      fees numeric(20,2) NOT NULL DEFAULT 0 CHECK (fees >= 0),
      allow_short boolean NOT NULL DEFAULT false,
      realized_pnl numeric(20,2) NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX trades_portfolio_idx ON trades (portfolio_id, trade_date);

    -- Money into (amount > 0) or out of (amount < 0) a portfolio, at the close of its date.
    CREATE TABLE cash_flows (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      portfolio_id uuid NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
      change_id uuid NOT NULL REFERENCES portfolio_changes(id) ON DELETE CASCADE,
      flow_date date NOT NULL CHECK (flow_date >= '1990-01-01'),
      amount numeric(20,2) NOT NULL CHECK (amount <> 0),
      note text CHECK (length(note) <= 200),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cash_flows_portfolio_idx ON cash_flows (portfolio_id, flow_date);

    -- Positions are lots: the trade that opened one, the trade that closed it, and the lot it was split from.
    ALTER TABLE positions
      ADD COLUMN opened_by uuid REFERENCES trades(id) ON DELETE SET NULL,
      ADD COLUMN closed_by uuid REFERENCES trades(id) ON DELETE SET NULL,
      ADD COLUMN split_from uuid REFERENCES positions(id) ON DELETE SET NULL;
    CREATE INDEX positions_symbol_lots_idx ON positions (portfolio_id, symbol, entry_date) WHERE deleted_at IS NULL;

    -- The invalidation mark: snapshots from recompute_from on are stale; the version tells a run
    -- whether the mark changed since it read the portfolio.
    ALTER TABLE portfolios
      ADD COLUMN recompute_from date,
      ADD COLUMN change_version bigint NOT NULL DEFAULT 0;
    CREATE INDEX portfolios_recompute_idx ON portfolios (id) WHERE recompute_from IS NOT NULL AND deleted_at IS NULL;

    ALTER TABLE portfolio_snapshots
      ADD COLUMN daily_realized_pnl numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN cumulative_realized_pnl numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN daily_fees numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN cumulative_fees numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN daily_capital_flow numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN cumulative_capital_flow numeric(20,2) NOT NULL DEFAULT 0,
      ADD COLUMN cumulative_twr numeric(20,10) NOT NULL DEFAULT 0;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE portfolio_snapshots
      DROP COLUMN daily_realized_pnl, DROP COLUMN cumulative_realized_pnl, DROP COLUMN daily_fees, DROP COLUMN cumulative_fees,
      DROP COLUMN daily_capital_flow, DROP COLUMN cumulative_capital_flow, DROP COLUMN cumulative_twr;
    ALTER TABLE portfolios DROP COLUMN recompute_from, DROP COLUMN change_version;
    ALTER TABLE positions DROP COLUMN opened_by, DROP COLUMN closed_by, DROP COLUMN split_from;
    DROP INDEX IF EXISTS positions_symbol_lots_idx;
    DROP TABLE IF EXISTS cash_flows, trades, portfolio_changes;
  `);
}
