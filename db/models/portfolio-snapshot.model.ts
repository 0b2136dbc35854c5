import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { PortfolioModel } from './portfolio.model.js';

/** The figures of one daily snapshot (docs/analytics.md), camelCase. Money in the portfolio currency. */
export interface SnapshotFigures {
  totalValue: number;
  cashValue: number;
  longValue: number;
  shortValue: number;
  grossExposure: number;
  netExposure: number;
  dailyPnl: number;
  dailyReturn: number;
  cumulativePnl: number;
  /** Cash dividends earned (paid by shorts) on the day; part of dailyPnl. */
  dailyDividendPnl: number;
  /** Running sum of dailyDividendPnl; part of cumulativePnl. */
  cumulativeDividendPnl: number;
  /** Realized P&L of lots closed on the day (exit proceeds − cost); part of dailyPnl. */
  dailyRealizedPnl?: number;
  cumulativeRealizedPnl?: number;
  /** Trade fees booked on the day (dailyPnl carries them negated). */
  dailyFees?: number;
  cumulativeFees?: number;
  /** Contributions − withdrawals at the day's close: in totalValue, not in dailyPnl or dailyReturn. */
  dailyCapitalFlow?: number;
  cumulativeCapitalFlow?: number;
  /** Cumulative time-weighted return: Π (1 + dailyReturn) − 1. */
  cumulativeTwr?: number;
  numPositions: number;
  numLong: number;
  numShort: number;
  betaMarket: number | null;
  /** Share of the gross exposure of held public positions that had a market beta (0..1); null when nothing is held. */
  betaMarketCoverage: number | null;
  /** Trading days since the oldest close any held position was valued at (0: every close is of the day). */
  maxStaleDays: number;
  realizedVolatility21d: number | null;
  realizedVolatility63d: number | null;
  isComplete: boolean;
}

/** A snapshot to write: its figures, where it belongs and the run writing it. */
export type SnapshotWrite = SnapshotFigures & {
  portfolioId: string;
  date: IsoDate;
  warnings: unknown[];
  runId: string | null;
};

/** A stored snapshot as the API returns it. */
export type SnapshotView = SnapshotFigures & {
  date: IsoDate;
  warnings: unknown[];
};

/** Per portfolio: its complete snapshots on or after its inception, and the latest of them. */
export interface SnapshotCoverage {
  completeCount: number;
  lastComplete: IsoDate | null;
}

/** The state a portfolio's roll-forward continues from: its last snapshot before a date. */
export interface PriorSnapshotState {
  date: IsoDate;
  equity: number;
  cumulativePnl: number;
  cumulativeDividendPnl: number;
  /** Up to the last 62 daily returns before and including `date`, oldest first. */
  recentDailyReturns: number[];
  cumulativeRealizedPnl: number;
  cumulativeFees: number;
  cumulativeCapitalFlow: number;
  cumulativeTwr: number;
}

/** Columns of the snapshot and the figure each one stores. */
const FIGURE_COLUMNS: readonly (readonly [string, keyof SnapshotFigures, 'numeric' | 'int' | 'bool'])[] = [
  ['total_value', 'totalValue', 'numeric'],
  ['cash_value', 'cashValue', 'numeric'],
  ['long_value', 'longValue', 'numeric'],
  ['short_value', 'shortValue', 'numeric'],
  ['gross_exposure', 'grossExposure', 'numeric'],
  ['net_exposure', 'netExposure', 'numeric'],
  ['daily_pnl', 'dailyPnl', 'numeric'],
  ['daily_return', 'dailyReturn', 'numeric'],
  ['cumulative_pnl', 'cumulativePnl', 'numeric'],
  ['daily_dividend_pnl', 'dailyDividendPnl', 'numeric'],
  ['cumulative_dividend_pnl', 'cumulativeDividendPnl', 'numeric'],
  ['daily_realized_pnl', 'dailyRealizedPnl', 'numeric'],
  ['cumulative_realized_pnl', 'cumulativeRealizedPnl', 'numeric'],
  ['daily_fees', 'dailyFees', 'numeric'],
  ['cumulative_fees', 'cumulativeFees', 'numeric'],
  ['daily_capital_flow', 'dailyCapitalFlow', 'numeric'],
  ['cumulative_capital_flow', 'cumulativeCapitalFlow', 'numeric'],
  ['cumulative_twr', 'cumulativeTwr', 'numeric'],
  ['num_positions', 'numPositions', 'int'],
  ['num_long', 'numLong', 'int'],
  ['num_short', 'numShort', 'int'],
  ['beta_market', 'betaMarket', 'numeric'],
  ['beta_market_coverage', 'betaMarketCoverage', 'numeric'],
  ['max_stale_days', 'maxStaleDays', 'int'],
  ['realized_volatility_21d', 'realizedVolatility21d', 'numeric'],
  ['realized_volatility_63d', 'realizedVolatility63d', 'numeric'],
  ['is_complete', 'isComplete', 'bool'],
];

const LIFECYCLE_COLUMNS = ['daily_realized_pnl', 'cumulative_realized_pnl', 'daily_fees', 'cumulative_fees', 'daily_capital_flow', 'cumulative_capital_flow', 'cumulative_twr'];

const SNAPSHOTS: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'snapshot_date', type: 'date' },
    ...FIGURE_COLUMNS.map(([name, , type]) => ({ name, type })),
    { name: 'warnings', type: 'jsonb' },
    { name: 'run_id', type: 'uuid' },
  ],
  key: ['portfolio_id', 'snapshot_date'],
  touch: 'updated_at = now()',
};

/** Rows the roll-forward keeps per portfolio: enough daily returns for the 63-day volatility. */
const PRIOR_RETURNS = 62;

/** `portfolio_snapshots`: one row per portfolio and trading day; its unique key is the write's idempotency key. */
export class PortfolioSnapshotModel extends BaseModel {
  static override tableName = 'portfolio_snapshots';
  static override jsonAttributes = ['warnings'];
  id!: number;
  portfolio_id!: string;
  snapshot_date!: IsoDate;
  total_value!: number;
  cash_value!: number;
  long_value!: number;
  short_value!: number;
  gross_exposure!: number;
  net_exposure!: number;
  daily_pnl!: number;
  daily_return!: number;
  cumulative_pnl!: number;
  daily_dividend_pnl!: number;
  cumulative_dividend_pnl!: number;
  daily_realized_pnl!: number;
  cumulative_realized_pnl!: number;
  daily_fees!: number;
  cumulative_fees!: number;
  daily_capital_flow!: number;
  cumulative_capital_flow!: number;
  cumulative_twr!: number;
  num_positions!: number;
  num_long!: number;
  num_short!: number;
  beta_market!: number | null;
  beta_market_coverage!: number | null;
  max_stale_days!: number;
  realized_volatility_21d!: number | null;
  realized_volatility_63d!: number | null;
  is_complete!: boolean;
  warnings!: unknown[];
  run_id!: string | null;
  portfolio?: PortfolioModel;

  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: BaseModel.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'portfolio_snapshots.portfolio_id', to: 'portfolios.id' } },
    };
  }

  static async upsertMany(db: Db, rows: readonly SnapshotWrite[]): Promise<number> {
    return PortfolioSnapshotModel.upsertRows(
      db,
      SNAPSHOTS,
      rows.map((s) => {
        const row: Record<string, unknown> = { portfolio_id: s.portfolioId, snapshot_date: s.date, warnings: s.warnings, run_id: s.runId };
        for (const [column, figure] of FIGURE_COLUMNS) row[column] = s[figure];
        // The lifecycle figures are 0 for writers that do not keep them.
        for (const column of LIFECYCLE_COLUMNS) row[column] ??= 0;
        return row;
      }),
    );
  }

  /** A portfolio's snapshots in date order, over the unique (portfolio_id, snapshot_date) index. */
  static async page(db: Db, q: { portfolioId: string; from?: IsoDate; to?: IsoDate; limit: number }): Promise<SnapshotView[]> {
    const query = PortfolioSnapshotModel.query(db).where({ portfolio_id: q.portfolioId }).orderBy('snapshot_date', 'asc').limit(q.limit);
    if (q.from) void query.where('snapshot_date', '>=', q.from);
    if (q.to) void query.where('snapshot_date', '<=', q.to);
    return (await query).map((m) => {
      const view: Record<string, unknown> = { date: m.snapshot_date };
      for (const [column, figure] of FIGURE_COLUMNS) view[figure] = m[column as keyof PortfolioSnapshotModel];
      view.warnings = m.warnings;
      return view as unknown as SnapshotView;
    });
  }

  /** A portfolio's latest snapshot, complete or not, or null before its first. */
  static async latestView(db: Db, portfolioId: string): Promise<SnapshotView | null> {
    const m = await PortfolioSnapshotModel.query(db).where({ portfolio_id: portfolioId }).orderBy('snapshot_date', 'desc').first();
    if (!m) return null;
    const view: Record<string, unknown> = { date: m.snapshot_date };
    for (const [column, figure] of FIGURE_COLUMNS) view[figure] = m[column as keyof PortfolioSnapshotModel];
    view.warnings = m.warnings;
    return view as unknown as SnapshotView;
  }

  /** The date of a portfolio's latest snapshot, complete or not. */
  static async lastDate(db: Db, portfolioId: string): Promise<IsoDate | null> {
    const row = (await PortfolioSnapshotModel.query(db).where({ portfolio_id: portfolioId }).max('snapshot_date as d').first()) as unknown as
      | { d: IsoDate | null }
      | undefined;
    return row?.d ?? null;
  }

  /** Per portfolio: complete snapshots on or after its inception, and the latest of them (one grouped query). */
  static async coverage(db: Db, portfolios: readonly { id: string; inception: IsoDate }[]): Promise<Map<string, SnapshotCoverage>> {
    const out = new Map<string, SnapshotCoverage>();
    if (portfolios.length === 0) return out;
    const r = await db.raw<{ rows: { portfolio_id: string; n: number; last: string | null }[] }>(
      `SELECT s.portfolio_id, count(*)::int AS n, max(s.snapshot_date)::text AS last
         FROM unnest(?::uuid[], ?::date[]) AS scope(portfolio_id, inception)
         JOIN portfolio_snapshots s ON s.portfolio_id = scope.portfolio_id AND s.snapshot_date >= scope.inception AND s.is_complete
        GROUP BY s.portfolio_id`,
      [portfolios.map((p) => p.id), portfolios.map((p) => p.inception)],
    );
    for (const row of r.rows) out.set(row.portfolio_id, { completeCount: row.n, lastComplete: row.last });
    return out;
  }

  /** Complete snapshot dates of several portfolios in [from, to], by portfolio. */
  static async completeDates(db: Db, portfolioIds: readonly string[], from: IsoDate, to: IsoDate): Promise<Map<string, Set<IsoDate>>> {
    const rows = (await PortfolioSnapshotModel.query(db)
      .whereIn('portfolio_id', portfolioIds as string[])
      .where({ is_complete: true })
      .whereBetween('snapshot_date', [from, to])
      .select('portfolio_id', 'snapshot_date')
      .toKnexQuery()) as { portfolio_id: string; snapshot_date: IsoDate }[];
    const out = new Map<string, Set<IsoDate>>();
    for (const r of rows) {
      let set = out.get(r.portfolio_id);
      if (!set) out.set(r.portfolio_id, (set = new Set()));
      set.add(r.snapshot_date);
    }
    return out;
  }

  /** For each (portfolio, date): the state its roll-forward continues from, its last snapshot strictly before the date. */
  static async priorStates(db: Db, requests: readonly { portfolioId: string; date: IsoDate }[]): Promise<Map<string, PriorSnapshotState>> {
    const out = new Map<string, PriorSnapshotState>();
    if (requests.length === 0) return out;
    const r = await db.raw<{
      rows: {
        portfolio_id: string;
        snapshot_date: string;
        total_value: number;
        cumulative_pnl: number;
        cumulative_dividend_pnl: number;
        daily_return: number;
        cumulative_realized_pnl: number;
        cumulative_fees: number;
        cumulative_capital_flow: number;
        cumulative_twr: number;
      }[];
    }>(
      `SELECT q.pid AS portfolio_id, s.snapshot_date::text AS snapshot_date, s.total_value, s.cumulative_pnl, s.cumulative_dividend_pnl, s.daily_return,
              s.cumulative_realized_pnl, s.cumulative_fees, s.cumulative_capital_flow, s.cumulative_twr
         FROM unnest(?::uuid[], ?::date[]) AS q(pid, d)
         CROSS JOIN LATERAL (
           SELECT snapshot_date, total_value, cumulative_pnl, cumulative_dividend_pnl, daily_return,
                  cumulative_realized_pnl, cumulative_fees, cumulative_capital_flow, cumulative_twr FROM portfolio_snapshots
            WHERE portfolio_id = q.pid AND snapshot_date < q.d ORDER BY snapshot_date DESC LIMIT ${PRIOR_RETURNS}
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
        cumulativeDividendPnl: last.cumulative_dividend_pnl,
        recentDailyReturns: rows.map((x) => x.daily_return),
        cumulativeRealizedPnl: last.cumulative_realized_pnl,
        cumulativeFees: last.cumulative_fees,
        cumulativeCapitalFlow: last.cumulative_capital_flow,
        cumulativeTwr: last.cumulative_twr,
      });
    }
    return out;
  }

  /** The portfolios among `requests` that have a snapshot on or after their date. */
  static async portfoliosWithSnapshotsFrom(db: Db, requests: readonly { portfolioId: string; from: IsoDate }[]): Promise<Set<string>> {
    if (requests.length === 0) return new Set();
    const r = await db.raw<{ rows: { pid: string }[] }>(
      `SELECT q.pid FROM unnest(?::uuid[], ?::date[]) AS q(pid, d)
        WHERE EXISTS (SELECT 1 FROM portfolio_snapshots s WHERE s.portfolio_id = q.pid AND s.snapshot_date >= q.d)`,
      [requests.map((x) => x.portfolioId), requests.map((x) => x.from)],
    );
    return new Set(r.rows.map((x) => x.pid));
  }
}
