import type { Knex } from 'knex';
import type { BetaRow } from '../../jobs/calc/factor-betas.js';
import type { FactorName } from '../../jobs/calc/factors.js';
import type { PositionInput, SnapshotValues } from '../../jobs/calc/portfolio-day.js';
import type { SymbolMetrics } from '../../jobs/calc/symbol-metrics.js';
import type { IsoDate } from '../../core/dates.js';
import { bulkUpsert } from './bulk.js';

/** Reads and writes of the analytics tables. Plain types in and out. */

export interface ScopedPortfolio {
  id: string;
  equityBalance: number;
  /** Earliest entry date of its live positions. */
  inception: IsoDate;
}

/** Live portfolios in scope that hold at least one live position, ordered by id (stable chunking). */
export async function listPortfoliosInScope(db: Knex, portfolioId: string | null, ids?: readonly string[]): Promise<ScopedPortfolio[]> {
  const q = db('portfolios as p')
    .join('positions as pos', function () {
      this.on('pos.portfolio_id', '=', 'p.id').andOnNull('pos.deleted_at');
    })
    .whereNull('p.deleted_at')
    .groupBy('p.id', 'p.equity_balance')
    .orderBy('p.id')
    .select('p.id', 'p.equity_balance', db.raw('min(pos.entry_date)::text as inception'));
  if (portfolioId) q.where('p.id', portfolioId);
  if (ids) q.whereIn('p.id', ids as string[]);
  const rows = (await q) as { id: string; equity_balance: number; inception: string }[];
  return rows.map((r) => ({ id: r.id, equityBalance: r.equity_balance, inception: r.inception }));
}

export interface SnapshotCoverage {
  portfolioId: string;
  completeCount: number;
  lastComplete: IsoDate | null;
}

/** Per portfolio: complete snapshots on or after its inception, and the latest of them (one grouped query). */
export async function snapshotCoverage(db: Knex, portfolios: readonly ScopedPortfolio[]): Promise<Map<string, SnapshotCoverage>> {
  const out = new Map<string, SnapshotCoverage>();
  if (portfolios.length === 0) return out;
  const r = await db.raw<{ rows: { portfolio_id: string; n: number; last: string | null }[] }>(
    `SELECT s.portfolio_id, count(*)::int AS n, max(s.snapshot_date)::text AS last
       FROM unnest(?::uuid[], ?::date[]) AS scope(portfolio_id, inception)
       JOIN portfolio_snapshots s ON s.portfolio_id = scope.portfolio_id AND s.snapshot_date >= scope.inception AND s.is_complete
      GROUP BY s.portfolio_id`,
    [portfolios.map((p) => p.id), portfolios.map((p) => p.inception)],
  );
  for (const row of r.rows) out.set(row.portfolio_id, { portfolioId: row.portfolio_id, completeCount: row.n, lastComplete: row.last });
  return out;
}

/** A live position of a portfolio in scope: the calc's position input plus its portfolio. */
export type PositionRow = PositionInput & { portfolioId: string };

export async function loadPositions(db: Knex | Knex.Transaction, portfolioIds: readonly string[]): Promise<Map<string, PositionRow[]>> {
  const rows = (await db('positions')
    .whereIn('portfolio_id', portfolioIds as string[])
    .whereNull('deleted_at')
    .orderBy(['portfolio_id', 'entry_date', 'id'])
    .select('id', 'portfolio_id', 'symbol', 'quantity', 'entry_price', 'entry_date', 'exit_date', 'exit_price', 'investment_class')) as {
    id: string;
    portfolio_id: string;
    symbol: string;
    quantity: number;
    entry_price: number;
    entry_date: string;
    exit_date: string | null;
    exit_price: number | null;
    investment_class: 'PUBLIC' | 'PRIVATE';
  }[];
  const out = new Map<string, PositionRow[]>();
  for (const r of rows) {
    const list = out.get(r.portfolio_id) ?? [];
    list.push({
      id: r.id,
      portfolioId: r.portfolio_id,
      symbol: r.symbol,
      quantity: r.quantity,
      entryPrice: r.entry_price,
      entryDate: r.entry_date,
      exitDate: r.exit_date,
      exitPrice: r.exit_price,
      investmentClass: r.investment_class,
    });
    out.set(r.portfolio_id, list);
  }
  return out;
}

export interface PriorSnapshotState {
  date: IsoDate;
  equity: number;
  cumulativePnl: number;
  /** Up to the last 62 daily returns before and including `date`, oldest first. */
  recentDailyReturns: number[];
}

/** factor name → factor_definitions.id */
export async function factorIds(db: Knex): Promise<Map<FactorName, number>> {
  const rows = (await db('factor_definitions').select('id', 'name')) as { id: number; name: FactorName }[];
  return new Map(rows.map((r) => [r.name, r.id]));
}

export async function upsertSymbolBetas(db: Knex | Knex.Transaction, ids: Map<FactorName, number>, rows: readonly BetaRow[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'symbol_factor_exposures',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'factor_id', type: 'smallint' },
        { name: 'calculation_date', type: 'date' },
        { name: 'beta_value', type: 'numeric' },
        { name: 'r_squared', type: 'numeric' },
        { name: 'observations', type: 'int' },
        { name: 'std_error', type: 'numeric' },
        { name: 'method', type: 'text' },
        { name: 'window', type: 'int' },
        { name: 'quality_flag', type: 'text' },
      ],
      conflict: ['symbol', 'calculation_date', 'factor_id'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((r) => ({
      symbol: r.symbol,
      factor_id: ids.get(r.factor),
      calculation_date: r.date,
      beta_value: r.beta,
      r_squared: r.rSquared,
      observations: r.observations,
      std_error: r.stdError !== null && Number.isFinite(r.stdError) ? r.stdError : null,
      method: r.method,
      window: r.window,
      quality_flag: r.qualityFlag,
    })),
  );
}

/** Stored betas of `symbols` on `dates`, as symbol → factor → date → beta. */
export async function loadSymbolBetas(
  db: Knex | Knex.Transaction,
  symbols: readonly string[],
  from: IsoDate,
  to: IsoDate,
): Promise<Map<string, Map<string, number>>> {
  const r = await db.raw<{ rows: { symbol: string; name: FactorName; calculation_date: string; beta_value: number }[] }>(
    `SELECT e.symbol, f.name, e.calculation_date, e.beta_value
       FROM symbol_factor_exposures e JOIN factor_definitions f ON f.id = e.factor_id
      WHERE e.symbol = ANY(?::text[]) AND e.calculation_date BETWEEN ? AND ?`,
    [symbols as string[], from, to],
  );
  const out = new Map<string, Map<string, number>>();
  for (const row of r.rows) {
    let bySymbol = out.get(row.symbol);
    if (!bySymbol) out.set(row.symbol, (bySymbol = new Map()));
    bySymbol.set(`${row.name}|${row.calculation_date}`, row.beta_value);
  }
  return out;
}

export async function upsertSymbolMetrics(db: Knex | Knex.Transaction, rows: readonly SymbolMetrics[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'symbol_daily_metrics',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'metrics_date', type: 'date' },
        { name: 'price', type: 'numeric' },
        { name: 'return_1d', type: 'numeric' },
        { name: 'return_mtd', type: 'numeric' },
        { name: 'return_ytd', type: 'numeric' },
        { name: 'return_1m', type: 'numeric' },
        { name: 'return_3m', type: 'numeric' },
        { name: 'return_1y', type: 'numeric' },
      ],
      conflict: ['symbol', 'metrics_date'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((m) => ({
      symbol: m.symbol,
      metrics_date: m.date,
      price: m.price,
      return_1d: m.return1d,
      return_mtd: m.returnMtd,
      return_ytd: m.returnYtd,
      return_1m: m.return1m,
      return_3m: m.return3m,
      return_1y: m.return1y,
    })),
  );
}

/** One snapshot row: every SPEC §5 column as computed, plus where it belongs. */
export type SnapshotWrite = SnapshotValues & {
  portfolioId: string;
  date: IsoDate;
  warnings: unknown[];
  runId: string | null;
};

export async function upsertSnapshots(db: Knex | Knex.Transaction, rows: readonly SnapshotWrite[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'portfolio_snapshots',
      columns: [
        { name: 'portfolio_id', type: 'uuid' },
        { name: 'snapshot_date', type: 'date' },
        { name: 'total_value', type: 'numeric' },
        { name: 'cash_value', type: 'numeric' },
        { name: 'long_value', type: 'numeric' },
        { name: 'short_value', type: 'numeric' },
        { name: 'gross_exposure', type: 'numeric' },
        { name: 'net_exposure', type: 'numeric' },
        { name: 'daily_pnl', type: 'numeric' },
        { name: 'daily_return', type: 'numeric' },
        { name: 'cumulative_pnl', type: 'numeric' },
        { name: 'num_positions', type: 'int' },
        { name: 'num_long', type: 'int' },
        { name: 'num_short', type: 'int' },
        { name: 'beta_market', type: 'numeric' },
        { name: 'realized_volatility_21d', type: 'numeric' },
        { name: 'realized_volatility_63d', type: 'numeric' },
        { name: 'is_complete', type: 'bool' },
        { name: 'warnings', type: 'jsonb' },
        { name: 'run_id', type: 'uuid' },
      ],
      conflict: ['portfolio_id', 'snapshot_date'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((s) => ({
      portfolio_id: s.portfolioId,
      snapshot_date: s.date,
      total_value: s.totalValue,
      cash_value: s.cashValue,
      long_value: s.longValue,
      short_value: s.shortValue,
      gross_exposure: s.grossExposure,
      net_exposure: s.netExposure,
      daily_pnl: s.dailyPnl,
      daily_return: s.dailyReturn,
      cumulative_pnl: s.cumulativePnl,
      num_positions: s.numPositions,
      num_long: s.numLong,
      num_short: s.numShort,
      beta_market: s.betaMarket,
      realized_volatility_21d: s.realizedVolatility21d,
      realized_volatility_63d: s.realizedVolatility63d,
      is_complete: s.isComplete,
      warnings: s.warnings,
      run_id: s.runId,
    })),
  );
}

export interface PositionExposureWrite {
  positionId: string;
  factorId: number;
  date: IsoDate;
  betaValue: number;
  exposureDollar: number;
}

export async function upsertPositionExposures(db: Knex | Knex.Transaction, rows: readonly PositionExposureWrite[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'position_factor_exposures',
      columns: [
        { name: 'position_id', type: 'uuid' },
        { name: 'factor_id', type: 'smallint' },
        { name: 'calculation_date', type: 'date' },
        { name: 'beta_value', type: 'numeric' },
        { name: 'exposure_dollar', type: 'numeric' },
      ],
      conflict: ['position_id', 'factor_id', 'calculation_date'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((r) => ({
      position_id: r.positionId,
      factor_id: r.factorId,
      calculation_date: r.date,
      beta_value: r.betaValue,
      exposure_dollar: r.exposureDollar,
    })),
  );
}

export interface PortfolioExposureWrite {
  portfolioId: string;
  factorId: number;
  date: IsoDate;
  exposureValue: number | null;
  exposureDollar: number;
}

export async function upsertPortfolioExposures(db: Knex | Knex.Transaction, rows: readonly PortfolioExposureWrite[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'factor_exposures',
      columns: [
        { name: 'portfolio_id', type: 'uuid' },
        { name: 'factor_id', type: 'smallint' },
        { name: 'calculation_date', type: 'date' },
        { name: 'exposure_value', type: 'numeric' },
        { name: 'exposure_dollar', type: 'numeric' },
      ],
      conflict: ['portfolio_id', 'factor_id', 'calculation_date'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((r) => ({
      portfolio_id: r.portfolioId,
      factor_id: r.factorId,
      calculation_date: r.date,
      exposure_value: r.exposureValue,
      exposure_dollar: r.exposureDollar,
    })),
  );
}

/**
 * Serialises writers of these portfolios across processes for the rest of the transaction: a
 * portfolio run and the nightly run never write the same portfolio's rows at the same time.
 * Locks are taken in id order, so two runs locking overlapping groups cannot deadlock.
 */
export async function lockPortfolios(trx: Knex.Transaction, portfolioIds: readonly string[]): Promise<void> {
  const sorted = [...portfolioIds].sort();
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('portfolio:' || id, 7)) FROM unnest(?::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`, [
    sorted,
  ]);
}

/** Complete snapshot dates of several portfolios on or after `from`, by portfolio. */
export async function completeSnapshotDatesMany(
  db: Knex | Knex.Transaction,
  portfolioIds: readonly string[],
  from: IsoDate,
  to: IsoDate,
): Promise<Map<string, Set<IsoDate>>> {
  const rows = (await db('portfolio_snapshots')
    .whereIn('portfolio_id', portfolioIds as string[])
    .where({ is_complete: true })
    .whereBetween('snapshot_date', [from, to])
    .select('portfolio_id', 'snapshot_date')) as { portfolio_id: string; snapshot_date: string }[];
  const out = new Map<string, Set<IsoDate>>();
  for (const r of rows) {
    let set = out.get(r.portfolio_id);
    if (!set) out.set(r.portfolio_id, (set = new Set()));
    set.add(r.snapshot_date);
  }
  return out;
}

/** For each (portfolio, date): the state the roll-forward continues from, the last snapshot strictly before the date. */
export async function loadPriorStates(
  db: Knex | Knex.Transaction,
  requests: readonly { portfolioId: string; date: IsoDate }[],
): Promise<Map<string, PriorSnapshotState>> {
  const out = new Map<string, PriorSnapshotState>();
  if (requests.length === 0) return out;
  const r = await db.raw<{ rows: { portfolio_id: string; snapshot_date: string; total_value: number; cumulative_pnl: number; daily_return: number }[] }>(
    `SELECT q.pid AS portfolio_id, s.snapshot_date::text AS snapshot_date, s.total_value, s.cumulative_pnl, s.daily_return
       FROM unnest(?::uuid[], ?::date[]) AS q(pid, d)
       CROSS JOIN LATERAL (
         SELECT snapshot_date, total_value, cumulative_pnl, daily_return FROM portfolio_snapshots
          WHERE portfolio_id = q.pid AND snapshot_date < q.d ORDER BY snapshot_date DESC LIMIT 62
       ) s
      ORDER BY q.pid, s.snapshot_date`,
    [requests.map((x) => x.portfolioId), requests.map((x) => x.date)],
  );
  const grouped = new Map<string, typeof r.rows>();
  for (const row of r.rows) {
    const list = grouped.get(row.portfolio_id) ?? [];
    list.push(row);
    grouped.set(row.portfolio_id, list);
  }
  for (const [pid, rows] of grouped) {
    const last = rows[rows.length - 1]!;
    out.set(pid, {
      date: last.snapshot_date,
      equity: last.total_value,
      cumulativePnl: last.cumulative_pnl,
      recentDailyReturns: rows.map((x) => x.daily_return),
    });
  }
  return out;
}

/** The portfolios among `requests` that have a snapshot on or after their date. */
export async function portfoliosWithSnapshotsFrom(
  db: Knex | Knex.Transaction,
  requests: readonly { portfolioId: string; from: IsoDate }[],
): Promise<Set<string>> {
  if (requests.length === 0) return new Set();
  const r = await db.raw<{ rows: { pid: string }[] }>(
    `SELECT q.pid FROM unnest(?::uuid[], ?::date[]) AS q(pid, d)
      WHERE EXISTS (SELECT 1 FROM portfolio_snapshots s WHERE s.portfolio_id = q.pid AND s.snapshot_date >= q.d)`,
    [requests.map((x) => x.portfolioId), requests.map((x) => x.from)],
  );
  return new Set(r.rows.map((x) => x.pid));
}

/** Removes exposure rows of the dates being recomputed, per portfolio, so a factor that lost its beta keeps no stale row. */
export async function deleteExposuresFromMany(trx: Knex.Transaction, requests: readonly { portfolioId: string; from: IsoDate }[]): Promise<void> {
  if (requests.length === 0) return;
  const ids = requests.map((x) => x.portfolioId);
  const froms = requests.map((x) => x.from);
  await trx.raw(
    `DELETE FROM factor_exposures f USING unnest(?::uuid[], ?::date[]) AS q(pid, d) WHERE f.portfolio_id = q.pid AND f.calculation_date >= q.d`,
    [ids, froms],
  );
  await trx.raw(
    `DELETE FROM position_factor_exposures e USING positions p, unnest(?::uuid[], ?::date[]) AS q(pid, d)
      WHERE p.portfolio_id = q.pid AND e.position_id = p.id AND e.calculation_date >= q.d`,
    [ids, froms],
  );
}

/** Symbols recorded as having no vendor prices. */
export async function unavailableSymbols(db: Knex | Knex.Transaction, symbols: readonly string[]): Promise<Map<string, string>> {
  const rows = (await db('symbol_universe')
    .whereIn('symbol', symbols as string[])
    .where({ price_status: 'unavailable' })
    .select('symbol', 'unavailable_reason')) as { symbol: string; unavailable_reason: string }[];
  return new Map(rows.map((r) => [r.symbol, r.unavailable_reason]));
}
