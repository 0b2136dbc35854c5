import { raw, type RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, uniqueViolationOf, type Db } from './base.model.js';
import { PortfolioFactorExposureModel } from './portfolio-factor-exposure.model.js';
import { PortfolioSnapshotModel } from './portfolio-snapshot.model.js';
import { PositionModel } from './position.model.js';
import { RunModel } from './run.model.js';
import { UserModel } from './user.model.js';

export interface NewPortfolio {
  userId: string;
  name: string;
  currency: string;
  equityBalance: number;
  inceptionDate: IsoDate;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** A portfolio as lists show it: its fields, how many live positions, how far its snapshots reach. */
export interface PortfolioSummary {
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

/** A live portfolio a run may cover: its equity and the earliest entry date of its live positions. */
export interface ScopedPortfolio {
  id: string;
  equityBalance: number;
  inception: IsoDate;
}

type SummaryRow = PortfolioModel & { positionCount: number; lastSnapshotDate: IsoDate | null; lastCompleteSnapshotDate: IsoDate | null };

const toSummary = (m: SummaryRow): PortfolioSummary => ({
  id: m.id,
  userId: m.user_id,
  name: m.name,
  currency: m.currency,
  equityBalance: m.equity_balance,
  inceptionDate: m.inception_date,
  createdAt: m.created_at,
  deletedAt: m.deleted_at,
  positionCount: m.positionCount,
  lastSnapshotDate: m.lastSnapshotDate,
  lastCompleteSnapshotDate: m.lastCompleteSnapshotDate,
});

/** `portfolios`: a user's portfolio; its positions, snapshots, factor exposures and runs hang off it. */
export class PortfolioModel extends BaseModel {
  static override tableName = 'portfolios';
  id!: string;
  user_id!: string;
  name!: string;
  currency!: string;
  equity_balance!: number;
  inception_date!: IsoDate;
  idempotency_key!: string | null;
  request_hash!: string | null;
  created_at!: Date;
  updated_at!: Date;
  deleted_at!: Date | null;
  /** Invalidation mark: snapshots from this date on are stale (null: none). */
  recompute_from!: IsoDate | null;
  /** Bumped by every change; a run clears the mark only at the version it read. */
  change_version!: number;
  owner?: UserModel;
  positions?: PositionModel[];
  snapshots?: PortfolioSnapshotModel[];
  factorExposures?: PortfolioFactorExposureModel[];
  runs?: RunModel[];

  static override get relationMappings(): RelationMappings {
    return {
      owner: { relation: BaseModel.BelongsToOneRelation, modelClass: UserModel, join: { from: 'portfolios.user_id', to: 'users.id' } },
      positions: { relation: BaseModel.HasManyRelation, modelClass: PositionModel, join: { from: 'portfolios.id', to: 'positions.portfolio_id' } },
      snapshots: { relation: BaseModel.HasManyRelation, modelClass: PortfolioSnapshotModel, join: { from: 'portfolios.id', to: 'portfolio_snapshots.portfolio_id' } },
      factorExposures: { relation: BaseModel.HasManyRelation, modelClass: PortfolioFactorExposureModel, join: { from: 'portfolios.id', to: 'factor_exposures.portfolio_id' } },
      runs: { relation: BaseModel.HasManyRelation, modelClass: RunModel, join: { from: 'portfolios.id', to: 'batch_run_history.portfolio_id' } },
    };
  }

  /** Inserts a portfolio; returns its id, or which unique index refused it. */
  static async insertOne(trx: Db, p: NewPortfolio): Promise<{ id: string } | { conflict: 'name' | 'idempotency_key' }> {
    // A savepoint keeps the transaction usable after a unique violation, so the caller can still read.
    try {
      const m = await trx.transaction(async (sp) =>
        PortfolioModel.query(sp).insert({
          user_id: p.userId,
          name: p.name,
          currency: p.currency,
          equity_balance: p.equityBalance,
          inception_date: p.inceptionDate,
          idempotency_key: p.idempotencyKey,
          request_hash: p.requestHash,
        }),
      );
      return { id: (m as PortfolioModel).id };
    } catch (err) {
      const constraint = uniqueViolationOf(err);
      if (constraint === 'portfolios_user_name_key') return { conflict: 'name' };
      if (constraint === 'portfolios_user_idempotency_key') return { conflict: 'idempotency_key' };
      throw err;
    }
  }

  /** The portfolio a user created with this idempotency key, and the hash of that request. */
  static async findByIdempotencyKey(db: Db, userId: string, key: string): Promise<{ id: string; requestHash: string } | undefined> {
    const m = await PortfolioModel.query(db).select('id', 'request_hash').where({ user_id: userId, idempotency_key: key }).first();
    return m ? { id: m.id, requestHash: m.request_hash ?? '' } : undefined;
  }

  /** Owner of a portfolio (deleted ones included, so their runs stay attributable). */
  static async ownerOf(db: Db, portfolioId: string): Promise<{ userId: string; deleted: boolean } | undefined> {
    const m = await PortfolioModel.query(db).select('user_id', 'deleted_at').findById(portfolioId);
    return m ? { userId: m.user_id, deleted: m.deleted_at !== null } : undefined;
  }

  static async isLive(db: Db, portfolioId: string): Promise<boolean> {
    return (await PortfolioModel.query(db).select('id').findById(portfolioId).whereNull('deleted_at')) !== undefined;
  }

  private static summaryQuery(db: Db) {
    return PortfolioModel.query(db).select(
      'portfolios.*',
      PortfolioModel.relatedQuery('positions').whereNull('deleted_at').count().as('positionCount'),
      PortfolioModel.relatedQuery('snapshots').max('snapshot_date').as('lastSnapshotDate'),
      PortfolioModel.relatedQuery('snapshots').where('is_complete', true).max('snapshot_date').as('lastCompleteSnapshotDate'),
    );
  }

  /** Summaries, newest first: of one user, or of everyone; deleted ones only when asked. */
  static async summaries(db: Db, q: { userId?: string; includeDeleted?: boolean; limit: number }): Promise<PortfolioSummary[]> {
    const query = PortfolioModel.summaryQuery(db).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(q.limit);
    if (q.userId) void query.where('user_id', q.userId);
    if (!q.includeDeleted) void query.whereNull('deleted_at');
    return ((await query) as SummaryRow[]).map(toSummary);
  }

  static async summary(db: Db, portfolioId: string): Promise<PortfolioSummary | undefined> {
    const m = (await PortfolioModel.summaryQuery(db).findById(portfolioId).whereNull('deleted_at')) as SummaryRow | undefined;
    return m ? toSummary(m) : undefined;
  }

  /**
   * Live portfolios a run may cover (all, one, or the given ids) that hold at least one live position,
   * with their inception (earliest live entry date), ordered by id for stable chunking.
   */
  static async inScope(db: Db, portfolioId: string | null, ids?: readonly string[]): Promise<ScopedPortfolio[]> {
    const q = PortfolioModel.query(db)
      .joinRelated('positions')
      .whereNull('positions.deleted_at')
      .whereNull('portfolios.deleted_at')
      .groupBy('portfolios.id', 'portfolios.equity_balance')
      .orderBy('portfolios.id')
      .select('portfolios.id', 'portfolios.equity_balance', raw('min(positions.entry_date)::text').as('inception'));
    if (portfolioId) void q.where('portfolios.id', portfolioId);
    if (ids) void q.whereIn('portfolios.id', ids as string[]);
    // Plain rows: the nightly run reads every portfolio here.
    const rows = (await q.toKnexQuery()) as { id: string; equity_balance: number; inception: string }[];
    return rows.map((r) => ({ id: r.id, equityBalance: r.equity_balance, inception: r.inception }));
  }

  /** A live portfolio as a change needs it. */
  static async forChange(db: Db, portfolioId: string): Promise<{ userId: string; inceptionDate: IsoDate; name: string } | undefined> {
    const m = await PortfolioModel.query(db).select('user_id', 'inception_date', 'name').findById(portfolioId).whereNull('deleted_at');
    return m ? { userId: m.user_id, inceptionDate: m.inception_date, name: m.name } : undefined;
  }

  /**
   * Records that the portfolio's snapshots from `from` on are stale: the mark moves to the earlier of
   * its value and `from`, and the version is bumped (inside the change's transaction).
   */
  static async markChanged(trx: Db, portfolioId: string, from: IsoDate | null): Promise<void> {
    await PortfolioModel.query(trx)
      .patch({
        recompute_from: from === null ? raw('recompute_from') : raw('least(coalesce(recompute_from, ?::date), ?::date)', [from, from]),
        change_version: raw('change_version + 1'),
        updated_at: raw('now()'),
      } as unknown as Partial<PortfolioModel>)
      .where({ id: portfolioId });
  }

  /** The invalidation marks of these portfolios (live or not), by id. */
  static async marks(db: Db, portfolioIds: readonly string[]): Promise<Map<string, { recomputeFrom: IsoDate | null; version: number; deleted: boolean }>> {
    const out = new Map<string, { recomputeFrom: IsoDate | null; version: number; deleted: boolean }>();
    if (portfolioIds.length === 0) return out;
    const rows = (await PortfolioModel.query(db)
      .whereIn('id', portfolioIds as string[])
      .select('id', 'recompute_from', 'change_version', 'deleted_at')
      .toKnexQuery()) as { id: string; recompute_from: IsoDate | null; change_version: number; deleted_at: Date | null }[];
    for (const r of rows) out.set(r.id, { recomputeFrom: r.recompute_from, version: Number(r.change_version), deleted: r.deleted_at !== null });
    return out;
  }

  /** Clears the mark when no change came since the run read `version`; true when cleared. */
  static async clearMark(trx: Db, portfolioId: string, version: number): Promise<boolean> {
    const n = await PortfolioModel.query(trx).patch({ recompute_from: null }).where({ id: portfolioId, change_version: version }).whereNotNull('recompute_from');
    return n > 0;
  }

  /** Live portfolios among these ids that still carry a mark left by a change since `since`. */
  static async markedSince(db: Db, portfolioIds: readonly string[], since: Date): Promise<string[]> {
    if (portfolioIds.length === 0) return [];
    const rows = await PortfolioModel.query(db)
      .select('id')
      .whereIn('id', portfolioIds as string[])
      .whereNotNull('recompute_from')
      .whereNull('deleted_at')
      .where('updated_at', '>=', since);
    return rows.map((r) => r.id);
  }

  /** Renames a live portfolio; 'name' when another live portfolio of the owner has the name. */
  static async rename(trx: Db, portfolioId: string, name: string): Promise<'ok' | 'name'> {
    try {
      await trx.transaction(async (sp) => PortfolioModel.query(sp).patch({ name, updated_at: raw('now()') } as unknown as Partial<PortfolioModel>).where({ id: portfolioId }));
      return 'ok';
    } catch (err) {
      if (uniqueViolationOf(err) === 'portfolios_user_name_key') return 'name';
      throw err;
    }
  }

  /** Soft delete: the portfolio leaves every run from now on; its rows stay until purged. */
  static async softDelete(trx: Db, portfolioId: string): Promise<void> {
    await PortfolioModel.query(trx).patch({ deleted_at: raw('now()'), recompute_from: null } as unknown as Partial<PortfolioModel>).where({ id: portfolioId }).whereNull('deleted_at');
  }

  /**
   * Serialises writers of these portfolios across processes for the rest of the transaction: a
   * portfolio run and the nightly run never write the same portfolio's rows at the same time.
   * Locks are taken in id order, so two runs locking overlapping groups cannot deadlock.
   */
  static async lockForWrite(trx: Db, portfolioIds: readonly string[]): Promise<void> {
    const sorted = [...portfolioIds].sort();
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('portfolio:' || id, 7)) FROM unnest(?::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`, [
      sorted,
    ]);
  }
}
