import type { IsoDate } from '../../core/dates.js';
import { BaseModel, uniqueViolationOf, type Db } from './base.model.js';

export type ChangeKind = 'trade' | 'cash_flow' | 'position_update' | 'position_delete' | 'rename' | 'delete' | 'import_trades';

export interface NewChange {
  portfolioId: string;
  kind: ChangeKind;
  idempotencyKey: string | null;
  requestHash: string;
  requestedBy: string | null;
  affectedFrom: IsoDate | null;
}

/** A recorded change as a repeated request with the same key is answered. */
export interface RecordedChange {
  id: string;
  kind: ChangeKind;
  requestHash: string;
  result: Record<string, unknown>;
}

/** `portfolio_changes`: every accepted change of a portfolio; (portfolio, idempotency key) is unique. */
export class PortfolioChangeModel extends BaseModel {
  static override tableName = 'portfolio_changes';
  static override jsonAttributes = ['result'];
  id!: string;
  portfolio_id!: string;
  kind!: ChangeKind;
  idempotency_key!: string | null;
  request_hash!: string;
  requested_by!: string | null;
  affected_from!: IsoDate | null;
  result!: Record<string, unknown>;
  created_at!: Date;

  static async findByKey(db: Db, portfolioId: string, key: string): Promise<RecordedChange | undefined> {
    const m = await PortfolioChangeModel.query(db).select('id', 'kind', 'request_hash', 'result').where({ portfolio_id: portfolioId, idempotency_key: key }).first();
    return m ? { id: m.id, kind: m.kind, requestHash: m.request_hash, result: m.result } : undefined;
  }

  /** Records a change; null when its idempotency key was taken meanwhile (a savepoint keeps the transaction usable). */
  static async insertOne(trx: Db, c: NewChange): Promise<string | null> {
    try {
      const m = await trx.transaction(async (sp) =>
        PortfolioChangeModel.query(sp).insert({
          portfolio_id: c.portfolioId,
          kind: c.kind,
          idempotency_key: c.idempotencyKey,
          request_hash: c.requestHash,
          requested_by: c.requestedBy,
          affected_from: c.affectedFrom,
        }),
      );
      return (m as PortfolioChangeModel).id;
    } catch (err) {
      if (uniqueViolationOf(err) === 'portfolio_changes_key') return null;
      throw err;
    }
  }

  static async setResult(trx: Db, id: string, result: Record<string, unknown>, affectedFrom: IsoDate | null): Promise<void> {
    await PortfolioChangeModel.query(trx).patch({ result, affected_from: affectedFrom }).where({ id });
  }
}
