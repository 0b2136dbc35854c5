/**
 * Precision and scale of the NUMERIC columns that hold what callers send or what their input
 * turns into, as the migrations declare them (a test compares this list with the live schema).
 * Input validation derives its limits from here, so a value it accepts is stored exactly and a
 * valid portfolio cannot overflow a snapshot column.
 */

export interface NumericColumn {
  table: string;
  column: string;
  /** Total significant digits. */
  precision: number;
  /** Digits after the decimal point. */
  scale: number;
}

const numeric = (table: string, column: string, precision: number, scale: number): NumericColumn => ({ table, column, precision, scale });

export const NUMERIC_COLUMNS = {
  quantity: numeric('positions', 'quantity', 24, 8),
  entryPrice: numeric('positions', 'entry_price', 20, 6),
  exitPrice: numeric('positions', 'exit_price', 20, 6),
  equityBalance: numeric('portfolios', 'equity_balance', 20, 2),
} as const;

/** Every money column a run writes for a portfolio: all numeric(20,2). */
export const SNAPSHOT_MONEY_COLUMNS: readonly NumericColumn[] = [
  ...['total_value', 'cash_value', 'long_value', 'short_value', 'gross_exposure', 'net_exposure', 'daily_pnl', 'cumulative_pnl', 'daily_dividend_pnl', 'cumulative_dividend_pnl',
    'daily_realized_pnl', 'cumulative_realized_pnl', 'daily_fees', 'cumulative_fees', 'daily_capital_flow', 'cumulative_capital_flow'].map((c) =>
    numeric('portfolio_snapshots', c, 20, 2),
  ),
  numeric('position_factor_exposures', 'exposure_dollar', 20, 2),
  numeric('factor_exposures', 'exposure_dollar', 20, 2),
];

/** Values a NUMERIC(p, s) column holds are below 10^(p − s) in magnitude. */
export function magnitudeLimitOf(c: NumericColumn): number {
  return 10 ** (c.precision - c.scale);
}
