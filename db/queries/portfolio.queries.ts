import type { IsoDate } from '../../core/dates.js';
import type { Knex } from '../knex.js';
import { bulkUpsert } from './bulk.js';
import type { PositionInput, SnapshotValues } from '../../jobs/calc/portfolio-day.js';

type Db = Knex | Knex.Transaction;

// ------------------------------------------------------------------------------------------------
// Onboarding writes

export interface PortfolioInsert {
  userId: string;
  name: string;
  currency: string;
  equityBalance: number;
  inceptionDate: IsoDate;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** Inserts a portfolio; returns its id, or a name of the unique index that refused it. */
export async function insertPortfolio(
  trx: Knex.Transaction,
  p: PortfolioInsert,
): Promise<{ id: string } | { conflict: 'name' | 'idempotency_key' }> {
  // A savepoint keeps the transaction usable after a unique violation, so the caller can still read.
  try {
    const [row] = (await trx.transaction(async (sp) =>
      sp('portfolios')
        .insert({
          user_id: p.userId,
          name: p.name,
          currency: p.currency,
          equity_balance: p.equityBalance,
          inception_date: p.inceptionDate,
          idempotency_key: p.idempotencyKey,
          request_hash: p.requestHash,
        })
        .returning('id'),
    )) as { id: string }[];
    if (!row) throw new Error('portfolios insert returned no row');
    return row;
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505' && e.constraint === 'portfolios_user_name_key') return { conflict: 'name' };
    if (e.code === '23505' && e.constraint === 'portfolios_user_idempotency_key') return { conflict: 'idempotency_key' };
    throw err;
  }
}

/** A position to write: the calc's position input before it has an id. */
export type PositionInsert = Omit<PositionInput, 'id'>;

const POSITION_INSERT_CHUNK = 1_000;

export async function insertPositions(trx: Knex.Transaction, portfolioId: string, positions: readonly PositionInsert[]): Promise<void> {
  for (let i = 0; i < positions.length; i += POSITION_INSERT_CHUNK) {
    await trx('positions').insert(
      positions.slice(i, i + POSITION_INSERT_CHUNK).map((p) => ({
        portfolio_id: portfolioId,
        symbol: p.symbol,
        quantity: p.quantity,
        entry_price: p.entryPrice,
        entry_date: p.entryDate,
        exit_date: p.exitDate,
        exit_price: p.exitPrice,
        investment_class: p.investmentClass,
      })),
    );
  }
}

/** Adds symbols the universe does not know yet; existing rows are left as they are. */
export async function insertNewSymbols(trx: Knex.Transaction, symbols: readonly string[], seenOn: IsoDate): Promise<number> {
  return bulkUpsert(
    trx,
    {
      table: 'symbol_universe',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'first_seen_date', type: 'date' },
        { name: 'last_seen_date', type: 'date' },
      ],
      conflict: ['symbol'],
      update: [],
    },
    symbols.map((symbol) => ({ symbol, first_seen_date: seenOn, last_seen_date: seenOn })),
  );
}

export interface IdempotentPortfolio {
  id: string;
  requestHash: string;
}

export async function findByIdempotencyKey(db: Db, userId: string, key: string): Promise<IdempotentPortfolio | undefined> {
  return (await db('portfolios')
    .select({ id: 'id', requestHash: 'request_hash' })
    .where({ user_id: userId, idempotency_key: key })
    .first()) as IdempotentPortfolio | undefined;
}

/** The first onboarding run of a portfolio: what a repeated onboarding request returns. */
export async function firstOnboardingRunId(db: Db, portfolioId: string): Promise<string | undefined> {
  const row = (await db('batch_run_history')
    .select('id')
    .where({ portfolio_id: portfolioId, source: 'onboarding' })
    .orderBy('created_at', 'asc')
    .first()) as { id: string } | undefined;
  return row?.id;
}

/** Removes a portfolio that never got its run (positions go with it), so a failed onboarding leaves nothing. */
export async function deletePortfolioWithoutRuns(db: Db, portfolioId: string): Promise<boolean> {
  const res = (await db.raw(
    'DELETE FROM portfolios p WHERE p.id = ? AND NOT EXISTS (SELECT 1 FROM batch_run_history r WHERE r.portfolio_id = p.id)',
    [portfolioId],
  )) as { rowCount: number | null };
  return (res.rowCount ?? 0) > 0;
}

// ------------------------------------------------------------------------------------------------
// Reads

/** Owner of a portfolio (deleted ones included, so their runs stay attributable). */
export async function findPortfolioOwner(db: Db, portfolioId: string): Promise<{ userId: string; deleted: boolean } | undefined> {
  const row = (await db('portfolios').select('user_id', 'deleted_at').where({ id: portfolioId }).first()) as
    | { user_id: string; deleted_at: Date | null }
    | undefined;
  return row ? { userId: row.user_id, deleted: row.deleted_at !== null } : undefined;
}

export interface PortfolioSummaryRow {
  id: string;
  userId: string;
  name: string;
  currency: string;
  equityBalance: number;
  inceptionDate: IsoDate;
  createdAt: Date;
  deletedAt: Date | null;
  positionCount: number;
  lastSnapshotDate: IsoDate | null;
  lastCompleteSnapshotDate: IsoDate | null;
}

const SUMMARY_COLUMNS = `
  p.id, p.user_id AS "userId", p.name, p.currency, p.equity_balance AS "equityBalance",
  p.inception_date AS "inceptionDate", p.created_at AS "createdAt", p.deleted_at AS "deletedAt",
  (SELECT count(*)::int FROM positions x WHERE x.portfolio_id = p.id AND x.deleted_at IS NULL) AS "positionCount",
  (SELECT max(s.snapshot_date) FROM portfolio_snapshots s WHERE s.portfolio_id = p.id) AS "lastSnapshotDate",
  (SELECT max(s.snapshot_date) FROM portfolio_snapshots s WHERE s.portfolio_id = p.id AND s.is_complete) AS "lastCompleteSnapshotDate"`;

export async function listPortfolios(db: Db, q: { userId?: string; includeDeleted?: boolean; limit: number }): Promise<PortfolioSummaryRow[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.userId) {
    where.push('p.user_id = ?');
    params.push(q.userId);
  }
  if (!q.includeDeleted) where.push('p.deleted_at IS NULL');
  params.push(q.limit);
  const res = (await db.raw(
    `SELECT ${SUMMARY_COLUMNS} FROM portfolios p ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at DESC, p.id LIMIT ?`,
    params,
  )) as { rows: PortfolioSummaryRow[] };
  return res.rows;
}

export async function getPortfolioSummary(db: Db, portfolioId: string): Promise<PortfolioSummaryRow | undefined> {
  const res = (await db.raw(`SELECT ${SUMMARY_COLUMNS} FROM portfolios p WHERE p.id = ? AND p.deleted_at IS NULL`, [portfolioId])) as {
    rows: PortfolioSummaryRow[];
  };
  return res.rows[0];
}

/** A stored position with the price status of its symbol. */
export type PositionRow = PositionInput & {
  priceStatus: 'pending' | 'ok' | 'unavailable' | null;
  unavailableReason: string | null;
};

export async function listPositions(db: Db, portfolioId: string): Promise<PositionRow[]> {
  return (await db('positions as x')
    .leftJoin('symbol_universe as u', 'u.symbol', 'x.symbol')
    .select({
      id: 'x.id',
      symbol: 'x.symbol',
      quantity: 'x.quantity',
      entryPrice: 'x.entry_price',
      entryDate: 'x.entry_date',
      exitDate: 'x.exit_date',
      exitPrice: 'x.exit_price',
      investmentClass: 'x.investment_class',
      priceStatus: 'u.price_status',
      unavailableReason: 'u.unavailable_reason',
    })
    .where('x.portfolio_id', portfolioId)
    .whereNull('x.deleted_at')
    .orderBy([{ column: 'x.entry_date' }, { column: 'x.symbol' }, { column: 'x.id' }])) as PositionRow[];
}

/** A stored snapshot as the API returns it: every SPEC §5 column, its date and its warnings. */
export type SnapshotRow = SnapshotValues & {
  date: IsoDate;
  warnings: unknown[];
};

/** Snapshots in date order over the unique (portfolio_id, snapshot_date) index. */
export async function listSnapshots(db: Db, q: { portfolioId: string; from?: IsoDate; to?: IsoDate; limit: number }): Promise<SnapshotRow[]> {
  return (await db('portfolio_snapshots')
    .select({
      date: 'snapshot_date',
      totalValue: 'total_value',
      cashValue: 'cash_value',
      longValue: 'long_value',
      shortValue: 'short_value',
      grossExposure: 'gross_exposure',
      netExposure: 'net_exposure',
      dailyPnl: 'daily_pnl',
      dailyReturn: 'daily_return',
      cumulativePnl: 'cumulative_pnl',
      numPositions: 'num_positions',
      numLong: 'num_long',
      numShort: 'num_short',
      betaMarket: 'beta_market',
      realizedVolatility21d: 'realized_volatility_21d',
      realizedVolatility63d: 'realized_volatility_63d',
      isComplete: 'is_complete',
      warnings: 'warnings',
    })
    .where({ portfolio_id: q.portfolioId })
    .modify((b) => {
      if (q.from) void b.andWhere('snapshot_date', '>=', q.from);
      if (q.to) void b.andWhere('snapshot_date', '<=', q.to);
    })
    .orderBy('snapshot_date', 'asc')
    .limit(q.limit)) as SnapshotRow[];
}

export async function countSnapshots(db: Db, portfolioId: string): Promise<number> {
  const row = (await db('portfolio_snapshots').where({ portfolio_id: portfolioId }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Latest date with portfolio factor exposures on or before `onOrBefore` (any date when absent). */
export async function latestExposureDate(db: Db, portfolioId: string, onOrBefore?: IsoDate): Promise<IsoDate | null> {
  const row = (await db('factor_exposures')
    .max({ d: 'calculation_date' })
    .where({ portfolio_id: portfolioId })
    .modify((b) => {
      if (onOrBefore) void b.andWhere('calculation_date', '<=', onOrBefore);
    })
    .first()) as { d: IsoDate | null } | undefined;
  return row?.d ?? null;
}

export interface FactorExposureRow {
  factorId: number;
  factorName: string;
  displayOrder: number;
  exposureValue: number | null;
  exposureDollar: number;
}

export async function portfolioFactorExposures(db: Db, portfolioId: string, date: IsoDate): Promise<FactorExposureRow[]> {
  return (await db('factor_exposures as e')
    .join('factor_definitions as f', 'f.id', 'e.factor_id')
    .select({
      factorId: 'f.id',
      factorName: 'f.name',
      displayOrder: 'f.display_order',
      exposureValue: 'e.exposure_value',
      exposureDollar: 'e.exposure_dollar',
    })
    .where({ 'e.portfolio_id': portfolioId, 'e.calculation_date': date })
    .orderBy('f.display_order')) as FactorExposureRow[];
}

export interface PositionExposureRow {
  positionId: string;
  symbol: string;
  quantity: number;
  factorId: number;
  factorName: string;
  betaValue: number;
  exposureDollar: number;
}

export async function positionFactorExposures(db: Db, portfolioId: string, date: IsoDate): Promise<PositionExposureRow[]> {
  return (await db('position_factor_exposures as e')
    .join('positions as x', 'x.id', 'e.position_id')
    .join('factor_definitions as f', 'f.id', 'e.factor_id')
    .select({
      positionId: 'x.id',
      symbol: 'x.symbol',
      quantity: 'x.quantity',
      factorId: 'f.id',
      factorName: 'f.name',
      betaValue: 'e.beta_value',
      exposureDollar: 'e.exposure_dollar',
    })
    .where({ 'x.portfolio_id': portfolioId, 'e.calculation_date': date })
    .orderBy([{ column: 'x.symbol' }, { column: 'x.id' }, { column: 'f.display_order' }])) as PositionExposureRow[];
}

export async function factorNames(db: Db): Promise<{ id: number; name: string }[]> {
  return (await db('factor_definitions').select('id', 'name').orderBy('display_order')) as { id: number; name: string }[];
}

/** Row counts of the tables onboarding writes; for tests and the demo's summary. */
export async function onboardingRowCounts(db: Db): Promise<Record<'portfolios' | 'positions' | 'symbol_universe' | 'batch_run_history', number>> {
  const res = (await db.raw(`SELECT
    (SELECT count(*) FROM portfolios)::int AS portfolios,
    (SELECT count(*) FROM positions)::int AS positions,
    (SELECT count(*) FROM symbol_universe)::int AS symbol_universe,
    (SELECT count(*) FROM batch_run_history)::int AS batch_run_history`)) as {
    rows: Record<'portfolios' | 'positions' | 'symbol_universe' | 'batch_run_history', number>[];
  };
  const row = res.rows[0];
  if (!row) throw new Error('row count query returned nothing');
  return row;
}
