import type { IsoDate } from '../../core/dates.js';
import { RISK_SUMMARY_FIGURES, type RiskSummaryCounts, type RiskSummaryFigure } from '../../core/risk-figures.js';
import { BaseModel, type BulkColumn, type BulkUpsertSpec, type Db } from './base.model.js';
import { PortfolioSnapshotModel } from './portfolio-snapshot.model.js';

/**
 * The stored risk figures (docs/risk.md): a summary, sector rows and stress rows per portfolio and
 * trading day; the matrices of each portfolio's latest day; the factor covariance of each day.
 * Every write is an upsert on the natural key, so a recomputed day replaces its rows.
 */

export { RISK_SUMMARY_FIGURES, type RiskSummaryFigure };

/** volatility21d → volatility_21d, top3Share → top3_share, historicalVar95 → historical_var_95. */
export function figureColumn(key: string): string {
  return key
    .replace(/([A-Z])/g, '_$1')
    .toLowerCase()
    .replace(/([a-z])(\d)/g, (m, a: string, d: string) => (a === 'p' ? m : `${a}_${d}`));
}

/** Why a stored figure is null. */
export interface StoredUnavailable {
  reason: string;
  message: string;
  observations?: number;
  required?: number;
}

export interface StoredRiskNote {
  symbol: string;
  code: string;
  message: string;
}

/** One portfolio-day's summary as stored and read back. */
export type RiskSummaryRecord = Record<RiskSummaryFigure, number | null> &
  RiskSummaryCounts & {
    portfolioId: string;
    date: IsoDate;
    /** Dollar exposure per risk factor. */
    factorExposures: Record<string, number>;
    notes: StoredRiskNote[];
    unavailable: Partial<Record<string, StoredUnavailable>>;
  };

export type RiskSummaryWrite = RiskSummaryRecord & { runId: string | null };

export interface SectorExposureRecord {
  portfolioId: string;
  date: IsoDate;
  sector: string;
  holdings: number;
  long: number;
  short: number;
  net: number;
  gross: number;
  netShareOfNav: number | null;
  grossShareOfNav: number | null;
  unavailable: Partial<Record<string, StoredUnavailable>>;
}

export interface StressResultRecord {
  portfolioId: string;
  date: IsoDate;
  scenarioId: string;
  scenarioName: string;
  direct: number | null;
  correlated: number | null;
  difference: number | null;
  directShareOfNav: number | null;
  correlatedShareOfNav: number | null;
  pseudoInverse: boolean;
  capped: string[];
  unavailable: Partial<Record<string, StoredUnavailable>>;
}

export interface CorrelationRecord {
  portfolioId: string;
  date: IsoDate;
  symbols: string[];
  correlations: (number | null)[][];
  observations: number[][];
  unavailable: unknown[];
  stressMoves: unknown[];
}

export interface FactorCovarianceRecord {
  date: IsoDate;
  factors: string[];
  matrix: number[][] | null;
  observations: number;
  rank: number | null;
  minEigenvalue: number | null;
  maxEigenvalue: number | null;
  repaired: boolean;
  unavailable: StoredUnavailable | null;
}

const SUMMARY_COUNTS: readonly (readonly [string, keyof RiskSummaryRecord, BulkColumn['type']])[] = [
  ['nav', 'nav', 'float8'],
  ['gross_value', 'grossValue', 'float8'],
  ['holdings', 'holdings', 'int'],
  ['public_holdings', 'publicHoldings', 'int'],
  ['private_holdings', 'privateHoldings', 'int'],
  ['unpriced_holdings', 'unpricedHoldings', 'int'],
  ['correlation_pairs', 'correlationPairs', 'int'],
  ['diversification_days', 'diversificationDays', 'int'],
  ['var_days', 'varDays', 'int'],
  ['covariance_observations', 'covarianceObservations', 'int'],
  ['covariance_rank', 'covarianceRank', 'int'],
  ['covariance_repaired', 'covarianceRepaired', 'bool'],
  ['factor_exposures', 'factorExposures', 'jsonb'],
  ['notes', 'notes', 'jsonb'],
  ['unavailable', 'unavailable', 'jsonb'],
];

const SUMMARIES: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'calculation_date', type: 'date' },
    ...SUMMARY_COUNTS.map(([name, , type]) => ({ name, type })),
    ...RISK_SUMMARY_FIGURES.map((k) => ({ name: figureColumn(k), type: 'float8' as const })),
    { name: 'run_id', type: 'uuid' },
  ],
  key: ['portfolio_id', 'calculation_date'],
  touch: 'computed_at = now()',
};

type Row = Record<string, unknown>;

function summaryOf(r: Row): RiskSummaryRecord {
  const out: Row = { portfolioId: r['portfolio_id'], date: r['calculation_date'] };
  for (const [col, key] of SUMMARY_COUNTS) out[key] = r[col];
  for (const k of RISK_SUMMARY_FIGURES) out[k] = r[figureColumn(k)] ?? null;
  return out as RiskSummaryRecord;
}

/** `portfolio_risk_summaries`: one row per portfolio and trading day. */
export class PortfolioRiskSummaryModel extends BaseModel {
  static override tableName = 'portfolio_risk_summaries';
  static override idColumn = ['portfolio_id', 'calculation_date'];
  portfolio_id!: string;
  calculation_date!: IsoDate;

  static async upsertMany(db: Db, rows: readonly RiskSummaryWrite[]): Promise<number> {
    return PortfolioRiskSummaryModel.upsertRows(
      db,
      SUMMARIES,
      rows.map((r) => {
        const out: Row = { portfolio_id: r.portfolioId, calculation_date: r.date, run_id: r.runId };
        for (const [col, key] of SUMMARY_COUNTS) out[col] = r[key];
        for (const k of RISK_SUMMARY_FIGURES) out[figureColumn(k)] = r[k];
        return out;
      }),
    );
  }

  /** The summary of a day; with no date, the latest. */
  static async ofDay(db: Db, portfolioId: string, date?: IsoDate): Promise<RiskSummaryRecord | undefined> {
    const q = PortfolioRiskSummaryModel.query(db).where({ portfolio_id: portfolioId });
    if (date !== undefined) q.where({ calculation_date: date });
    const row = (await q.orderBy('calculation_date', 'desc').limit(1).toKnexQuery()) as Row[];
    return row[0] === undefined ? undefined : summaryOf(row[0]);
  }

  /** Summaries in [from, to], ascending, at most `limit` from `after` (exclusive) on. */
  static async history(db: Db, q: { portfolioId: string; from?: IsoDate; to?: IsoDate; after?: IsoDate; limit: number }): Promise<RiskSummaryRecord[]> {
    const query = PortfolioRiskSummaryModel.query(db).where({ portfolio_id: q.portfolioId });
    if (q.from !== undefined) query.where('calculation_date', '>=', q.from);
    if (q.to !== undefined) query.where('calculation_date', '<=', q.to);
    if (q.after !== undefined) query.where('calculation_date', '>', q.after);
    const rows = (await query.orderBy('calculation_date').limit(q.limit).toKnexQuery()) as Row[];
    return rows.map(summaryOf);
  }

  /** Rows per portfolio (for counts in tests and benches). */
  static async countOf(db: Db, portfolioIds: readonly string[]): Promise<number> {
    if (portfolioIds.length === 0) return 0;
    const r = (await PortfolioRiskSummaryModel.query(db).whereIn('portfolio_id', portfolioIds as string[]).count('* as n').toKnexQuery()) as { n: number | string }[];
    return Number(r[0]?.n ?? 0);
  }

  /**
   * The risk watermark of each portfolio: its days in [inception, target] that have a snapshot but
   * no summary, or a summary older than the snapshot (the snapshot was recomputed since). Ascending.
   */
  static async backlog(db: Db, portfolios: readonly { id: string; inception: IsoDate }[], target: IsoDate): Promise<Map<string, IsoDate[]>> {
    const out = new Map<string, IsoDate[]>();
    if (portfolios.length === 0) return out;
    const rows = (await PortfolioSnapshotModel.query(db)
      .alias('s')
      .select('s.portfolio_id', 's.snapshot_date')
      .join(db.raw('unnest(?::uuid[], ?::date[]) AS p(id, inception)', [portfolios.map((p) => p.id), portfolios.map((p) => p.inception)]), 'p.id', 's.portfolio_id')
      .leftJoin('portfolio_risk_summaries as r', (j) => j.on('r.portfolio_id', 's.portfolio_id').andOn('r.calculation_date', 's.snapshot_date'))
      .whereRaw('s.snapshot_date >= p.inception')
      .where('s.snapshot_date', '<=', target)
      .whereRaw('(r.portfolio_id IS NULL OR r.computed_at < s.updated_at)')
      .orderBy([{ column: 's.portfolio_id' }, { column: 's.snapshot_date' }])
      .toKnexQuery()) as { portfolio_id: string; snapshot_date: IsoDate }[];
    for (const r of rows) {
      let list = out.get(r.portfolio_id);
      if (!list) out.set(r.portfolio_id, (list = []));
      list.push(r.snapshot_date);
    }
    return out;
  }

  /** Each portfolio's snapshots in [from, to] (value and return, ascending): the NAV and the return series of the risk figures. */
  static async snapshotSeries(db: Db, portfolioIds: readonly string[], from: IsoDate, to: IsoDate): Promise<Map<string, { date: IsoDate; totalValue: number; dailyReturn: number }[]>> {
    const out = new Map<string, { date: IsoDate; totalValue: number; dailyReturn: number }[]>();
    for (const id of portfolioIds) out.set(id, []);
    if (portfolioIds.length === 0) return out;
    const rows = (await PortfolioSnapshotModel.query(db)
      .select('portfolio_id', 'snapshot_date', 'total_value', 'daily_return')
      .whereIn('portfolio_id', portfolioIds as string[])
      .whereBetween('snapshot_date', [from, to])
      .orderBy([{ column: 'portfolio_id' }, { column: 'snapshot_date' }])
      .toKnexQuery()) as { portfolio_id: string; snapshot_date: IsoDate; total_value: number; daily_return: number }[];
    for (const r of rows) out.get(r.portfolio_id)?.push({ date: r.snapshot_date, totalValue: Number(r.total_value), dailyReturn: Number(r.daily_return) });
    return out;
  }
}

const SECTORS: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'calculation_date', type: 'date' },
    { name: 'sector', type: 'text' },
    { name: 'holdings', type: 'int' },
    { name: 'long_value', type: 'float8' },
    { name: 'short_value', type: 'float8' },
    { name: 'net_value', type: 'float8' },
    { name: 'gross_value', type: 'float8' },
    { name: 'net_share_of_nav', type: 'float8' },
    { name: 'gross_share_of_nav', type: 'float8' },
    { name: 'unavailable', type: 'jsonb' },
  ],
  key: ['portfolio_id', 'calculation_date', 'sector'],
};

/** Deletes a table's rows of the given portfolio-days (before their rows are written again). */
async function deleteDays(db: Db, table: string, days: readonly { portfolioId: string; date: IsoDate }[]): Promise<void> {
  if (days.length === 0) return;
  await db.raw(`DELETE FROM ${table} t USING unnest(?::uuid[], ?::date[]) AS d(portfolio_id, day) WHERE t.portfolio_id = d.portfolio_id AND t.calculation_date = d.day`, [
    days.map((d) => d.portfolioId),
    days.map((d) => d.date),
  ]);
}

/** `portfolio_sector_exposures`: one row per sector held, per portfolio and trading day. */
export class PortfolioSectorExposureModel extends BaseModel {
  static override tableName = 'portfolio_sector_exposures';
  static override idColumn = ['portfolio_id', 'calculation_date', 'sector'];

  /** Replaces the sector rows of the days written (a sector no longer held keeps no row). */
  static async replaceDays(db: Db, days: readonly { portfolioId: string; date: IsoDate }[], rows: readonly SectorExposureRecord[]): Promise<number> {
    await deleteDays(db, PortfolioSectorExposureModel.tableName, days);
    return PortfolioSectorExposureModel.upsertRows(
      db,
      SECTORS,
      rows.map((r) => ({
        portfolio_id: r.portfolioId,
        calculation_date: r.date,
        sector: r.sector,
        holdings: r.holdings,
        long_value: r.long,
        short_value: r.short,
        net_value: r.net,
        gross_value: r.gross,
        net_share_of_nav: r.netShareOfNav,
        gross_share_of_nav: r.grossShareOfNav,
        unavailable: r.unavailable,
      })),
    );
  }

  static async ofDay(db: Db, portfolioId: string, date: IsoDate): Promise<SectorExposureRecord[]> {
    const rows = (await PortfolioSectorExposureModel.query(db).where({ portfolio_id: portfolioId, calculation_date: date }).orderBy('gross_value', 'desc').toKnexQuery()) as Row[];
    return rows.map((r) => ({
      portfolioId: r['portfolio_id'] as string,
      date: r['calculation_date'] as IsoDate,
      sector: r['sector'] as string,
      holdings: r['holdings'] as number,
      long: r['long_value'] as number,
      short: r['short_value'] as number,
      net: r['net_value'] as number,
      gross: r['gross_value'] as number,
      netShareOfNav: (r['net_share_of_nav'] as number | null) ?? null,
      grossShareOfNav: (r['gross_share_of_nav'] as number | null) ?? null,
      unavailable: r['unavailable'] as SectorExposureRecord['unavailable'],
    }));
  }
}

const STRESS: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'calculation_date', type: 'date' },
    { name: 'scenario_id', type: 'text' },
    { name: 'scenario_name', type: 'text' },
    { name: 'direct_pnl', type: 'float8' },
    { name: 'correlated_pnl', type: 'float8' },
    { name: 'difference', type: 'float8' },
    { name: 'direct_share_of_nav', type: 'float8' },
    { name: 'correlated_share_of_nav', type: 'float8' },
    { name: 'pseudo_inverse', type: 'bool' },
    { name: 'capped', type: 'jsonb' },
    { name: 'unavailable', type: 'jsonb' },
  ],
  key: ['portfolio_id', 'calculation_date', 'scenario_id'],
};

/** `stress_test_results`: one row per scenario, per portfolio and trading day. */
export class StressTestResultModel extends BaseModel {
  static override tableName = 'stress_test_results';
  static override idColumn = ['portfolio_id', 'calculation_date', 'scenario_id'];

  /** Replaces the stress rows of the days written (a scenario removed since keeps no row). */
  static async replaceDays(db: Db, days: readonly { portfolioId: string; date: IsoDate }[], rows: readonly StressResultRecord[]): Promise<number> {
    await deleteDays(db, StressTestResultModel.tableName, days);
    if (rows.length === 0) return 0;
    // capped is text[]: sent as a JSON array and converted in the statement.
    const spec: BulkUpsertSpec = { ...STRESS };
    const n = await StressTestResultModel.upsertRows(
      db,
      spec,
      rows.map((r) => ({
        portfolio_id: r.portfolioId,
        calculation_date: r.date,
        scenario_id: r.scenarioId,
        scenario_name: r.scenarioName,
        direct_pnl: r.direct,
        correlated_pnl: r.correlated,
        difference: r.difference,
        direct_share_of_nav: r.directShareOfNav,
        correlated_share_of_nav: r.correlatedShareOfNav,
        pseudo_inverse: r.pseudoInverse,
        capped: r.capped,
        unavailable: r.unavailable,
      })),
    );
    return n;
  }

  static async ofDay(db: Db, portfolioId: string, date: IsoDate): Promise<StressResultRecord[]> {
    const rows = (await StressTestResultModel.query(db).where({ portfolio_id: portfolioId, calculation_date: date }).toKnexQuery()) as Row[];
    return rows.map((r) => ({
      portfolioId: r['portfolio_id'] as string,
      date: r['calculation_date'] as IsoDate,
      scenarioId: r['scenario_id'] as string,
      scenarioName: r['scenario_name'] as string,
      direct: (r['direct_pnl'] as number | null) ?? null,
      correlated: (r['correlated_pnl'] as number | null) ?? null,
      difference: (r['difference'] as number | null) ?? null,
      directShareOfNav: (r['direct_share_of_nav'] as number | null) ?? null,
      correlatedShareOfNav: (r['correlated_share_of_nav'] as number | null) ?? null,
      pseudoInverse: r['pseudo_inverse'] as boolean,
      capped: r['capped'] as string[],
      unavailable: r['unavailable'] as StressResultRecord['unavailable'],
    }));
  }
}

const CORRELATIONS: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'calculation_date', type: 'date' },
    { name: 'symbols', type: 'jsonb' },
    { name: 'correlations', type: 'jsonb' },
    { name: 'observations', type: 'jsonb' },
    { name: 'unavailable', type: 'jsonb' },
    { name: 'stress_moves', type: 'jsonb' },
  ],
  key: ['portfolio_id'],
  touch: 'computed_at = now()',
};

/** `correlation_calculations`: the matrices of each portfolio's latest computed day. */
export class CorrelationCalculationModel extends BaseModel {
  static override tableName = 'correlation_calculations';
  static override idColumn = 'portfolio_id';

  /** Writes each portfolio's matrices unless a later day's are stored already. */
  static async upsertLatest(db: Db, rows: readonly CorrelationRecord[]): Promise<number> {
    if (rows.length === 0) return 0;
    const spec: BulkUpsertSpec = {
      ...CORRELATIONS,
      touch: `computed_at = now()`,
    };
    // A later day wins: rows of earlier days are dropped before the write.
    const stored = await CorrelationCalculationModel.latestDates(
      db,
      rows.map((r) => r.portfolioId),
    );
    const newer = rows.filter((r) => (stored.get(r.portfolioId) ?? '') <= r.date);
    return CorrelationCalculationModel.upsertRows(
      db,
      spec,
      newer.map((r) => ({
        portfolio_id: r.portfolioId,
        calculation_date: r.date,
        symbols: r.symbols,
        correlations: r.correlations,
        observations: r.observations,
        unavailable: r.unavailable,
        stress_moves: r.stressMoves,
      })),
    );
  }

  static async latestDates(db: Db, portfolioIds: readonly string[]): Promise<Map<string, IsoDate>> {
    if (portfolioIds.length === 0) return new Map();
    const rows = (await CorrelationCalculationModel.query(db).select('portfolio_id', 'calculation_date').whereIn('portfolio_id', portfolioIds as string[]).toKnexQuery()) as {
      portfolio_id: string;
      calculation_date: IsoDate;
    }[];
    return new Map(rows.map((r) => [r.portfolio_id, r.calculation_date]));
  }

  static async of(db: Db, portfolioId: string): Promise<CorrelationRecord | undefined> {
    const rows = (await CorrelationCalculationModel.query(db).where({ portfolio_id: portfolioId }).toKnexQuery()) as Row[];
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      portfolioId: r['portfolio_id'] as string,
      date: r['calculation_date'] as IsoDate,
      symbols: r['symbols'] as string[],
      correlations: r['correlations'] as (number | null)[][],
      observations: r['observations'] as number[][],
      unavailable: r['unavailable'] as unknown[],
      stressMoves: r['stress_moves'] as unknown[],
    };
  }
}

const COVARIANCES: BulkUpsertSpec = {
  columns: [
    { name: 'calculation_date', type: 'date' },
    { name: 'factors', type: 'jsonb' },
    { name: 'matrix', type: 'jsonb' },
    { name: 'observations', type: 'int' },
    { name: 'rank', type: 'int' },
    { name: 'min_eigenvalue', type: 'float8' },
    { name: 'max_eigenvalue', type: 'float8' },
    { name: 'repaired', type: 'bool' },
    { name: 'unavailable', type: 'jsonb' },
  ],
  key: ['calculation_date'],
  touch: 'computed_at = now()',
};

/** `factor_covariances`: the factor covariance of each trading day, shared by every portfolio. */
export class FactorCovarianceModel extends BaseModel {
  static override tableName = 'factor_covariances';
  static override idColumn = 'calculation_date';

  static async upsertMany(db: Db, rows: readonly FactorCovarianceRecord[]): Promise<number> {
    return FactorCovarianceModel.upsertRows(
      db,
      COVARIANCES,
      rows.map((r) => ({
        calculation_date: r.date,
        factors: r.factors,
        matrix: r.matrix,
        observations: r.observations,
        rank: r.rank,
        min_eigenvalue: r.minEigenvalue,
        max_eigenvalue: r.maxEigenvalue,
        repaired: r.repaired,
        unavailable: r.unavailable,
      })),
    );
  }

  static async ofDay(db: Db, date: IsoDate): Promise<FactorCovarianceRecord | undefined> {
    const rows = (await FactorCovarianceModel.query(db).where({ calculation_date: date }).toKnexQuery()) as Row[];
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      date: r['calculation_date'] as IsoDate,
      factors: r['factors'] as string[],
      matrix: (r['matrix'] as number[][] | null) ?? null,
      observations: r['observations'] as number,
      rank: (r['rank'] as number | null) ?? null,
      minEigenvalue: (r['min_eigenvalue'] as number | null) ?? null,
      maxEigenvalue: (r['max_eigenvalue'] as number | null) ?? null,
      repaired: r['repaired'] as boolean,
      unavailable: (r['unavailable'] as StoredUnavailable | null) ?? null,
    };
  }
}
