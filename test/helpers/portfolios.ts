import type { SamplePosition } from '../../server/sample-portfolio.js';
import type { Knex } from 'knex';

export type SeedPosition = SamplePosition & { investmentClass?: 'PUBLIC' | 'PRIVATE' };

/** The demo's 13-position sample portfolio, also used by tests and benchmarks. */
export { samplePositions } from '../../server/sample-portfolio.js';

let counter = 0;

/** Writes a user, a portfolio and its positions directly (the API path is tested elsewhere). */
export async function seedPortfolio(
  knex: Knex,
  positions: SeedPosition[],
  opts: { name?: string; equity?: number; userId?: string } = {},
): Promise<{ portfolioId: string; userId: string; positionIds: string[] }> {
  const userId =
    opts.userId ??
    ((await knex('users').insert({ email: `seed${++counter}-${Date.now()}@example.com` }).returning('id')) as { id: string }[])[0]!.id;
  const inception = positions.map((p) => p.entryDate).sort()[0]!;
  const [{ id: portfolioId }] = (await knex('portfolios')
    .insert({ user_id: userId, name: opts.name ?? `P${++counter}`, equity_balance: opts.equity ?? 1_000_000, inception_date: inception })
    .returning('id')) as [{ id: string }];
  const rows = (await knex('positions')
    .insert(
      positions.map((p) => ({
        portfolio_id: portfolioId,
        symbol: p.symbol,
        quantity: p.quantity,
        entry_price: p.entryPrice,
        entry_date: p.entryDate,
        exit_date: p.exitDate ?? null,
        exit_price: p.exitPrice ?? null,
        investment_class: p.investmentClass ?? 'PUBLIC',
      })),
    )
    .returning('id')) as { id: string }[];
  await knex('symbol_universe')
    .insert([...new Set(positions.map((p) => p.symbol))].map((symbol) => ({ symbol })))
    .onConflict('symbol')
    .ignore();
  return { portfolioId, userId, positionIds: rows.map((r) => r.id) };
}

/** Polls a run until it is no longer queued or running. */
export async function waitForRunEnd(knex: Knex, runId: string, timeoutMs = 60_000): Promise<{ status: string; error_summary: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = (await knex('batch_run_history').where({ id: runId }).first('status', 'error_summary')) as
      | { status: string; error_summary: string | null }
      | undefined;
    if (row && row.status !== 'queued' && row.status !== 'running') return row;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${row?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every row of the analytics tables, without surrogate ids and timestamps, for before/after comparisons. */
export async function dumpAnalytics(knex: Knex): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await knex.raw<{ rows: unknown[] }>(sql)).rows;
  return {
    snapshots: await q(
      `SELECT portfolio_id, snapshot_date, total_value, cash_value, long_value, short_value, gross_exposure, net_exposure, daily_pnl,
              daily_return, cumulative_pnl, num_positions, num_long, num_short, beta_market, realized_volatility_21d,
              realized_volatility_63d, is_complete FROM portfolio_snapshots ORDER BY portfolio_id, snapshot_date`,
    ),
    positionExposures: await q(
      `SELECT position_id, factor_id, calculation_date, beta_value, exposure_dollar FROM position_factor_exposures ORDER BY 1, 2, 3`,
    ),
    portfolioExposures: await q(
      `SELECT portfolio_id, factor_id, calculation_date, exposure_value, exposure_dollar FROM factor_exposures ORDER BY 1, 2, 3`,
    ),
    symbolFactors: await q(
      `SELECT symbol, factor_id, calculation_date, beta_value, r_squared, observations FROM symbol_factor_exposures ORDER BY 1, 2, 3`,
    ),
    metrics: await q(
      `SELECT symbol, metrics_date, price, return_1d, return_mtd, return_ytd, return_1m, return_3m, return_1y FROM symbol_daily_metrics ORDER BY 1, 2`,
    ),
    bars: await q(`SELECT symbol, date, close FROM market_data_cache ORDER BY symbol, date`),
  };
}

/** A snapshot row as stored, with the figures the identity checks read. */
export interface SnapshotRow {
  snapshot_date: string;
  total_value: number;
  cash_value: number;
  long_value: number;
  short_value: number;
  daily_pnl: number;
  cumulative_pnl: number;
  daily_dividend_pnl: number;
  cumulative_dividend_pnl: number;
  max_stale_days: number;
  is_complete: boolean;
}

/** Every snapshot of a portfolio, oldest first. */
export async function snapshotsOf(knex: Knex, portfolioId: string): Promise<SnapshotRow[]> {
  return (await knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).orderBy('snapshot_date')) as SnapshotRow[];
}
