import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, rowsPerInsert, type Db } from './base.model.js';
import { PortfolioModel } from './portfolio.model.js';
import { PositionFactorExposureModel } from './position-factor-exposure.model.js';
import { SymbolModel, type PriceStatus } from './symbol.model.js';

export type InvestmentClass = 'PUBLIC' | 'PRIVATE';

/** A position to store: what onboarding validated, before it has an id. */
export interface NewPosition {
  symbol: string;
  /** Signed: negative is short. */
  quantity: number;
  entryPrice: number;
  entryDate: IsoDate;
  exitDate: IsoDate | null;
  exitPrice: number | null;
  investmentClass: InvestmentClass;
}

/** A stored live position (the shape the analytics take). */
export interface StoredPosition extends NewPosition {
  id: string;
}

/** A live position of a portfolio a run covers. */
export interface HeldPosition extends StoredPosition {
  portfolioId: string;
}

/** A lot as `position.lots` shows it. */
export interface LotView extends StoredPosition {
  openedBy: string | null;
  closedBy: string | null;
  splitFrom: string | null;
  realizedPnl: number | null;
}

/** A live position as the API shows it: with the price status of its symbol. */
export interface PositionView extends StoredPosition {
  priceStatus: PriceStatus | null;
  unavailableReason: string | null;
}

const POSITION_COLUMNS = ['id', 'portfolio_id', 'symbol', 'quantity', 'entry_price', 'entry_date', 'exit_date', 'exit_price', 'investment_class'] as const;

type PositionColumns = Pick<PositionModel, (typeof POSITION_COLUMNS)[number]>;

const toStoredPosition = (r: PositionColumns): StoredPosition => ({
  id: r.id,
  symbol: r.symbol,
  quantity: r.quantity,
  entryPrice: r.entry_price,
  entryDate: r.entry_date,
  exitDate: r.exit_date,
  exitPrice: r.exit_price,
  investmentClass: r.investment_class,
});

/** `positions`: what a portfolio holds, with entry and (optional) exit. */
export class PositionModel extends BaseModel {
  static override tableName = 'positions';
  id!: string;
  portfolio_id!: string;
  symbol!: string;
  quantity!: number;
  entry_price!: number;
  entry_date!: IsoDate;
  exit_date!: IsoDate | null;
  exit_price!: number | null;
  investment_class!: InvestmentClass;
  created_at!: Date;
  deleted_at!: Date | null;
  opened_by!: string | null;
  closed_by!: string | null;
  split_from!: string | null;
  portfolio?: PortfolioModel;
  instrument?: SymbolModel;
  factorExposures?: PositionFactorExposureModel[];

  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: BaseModel.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'positions.portfolio_id', to: 'portfolios.id' } },
      instrument: { relation: BaseModel.BelongsToOneRelation, modelClass: SymbolModel, join: { from: 'positions.symbol', to: 'symbol_universe.symbol' } },
      factorExposures: {
        relation: BaseModel.HasManyRelation,
        modelClass: PositionFactorExposureModel,
        join: { from: 'positions.id', to: 'position_factor_exposures.position_id' },
      },
    };
  }

  /** Writes a portfolio's positions through the query builder, in statements under the parameter limit. */
  static async insertMany(trx: Db, portfolioId: string, positions: readonly NewPosition[]): Promise<void> {
    const per = rowsPerInsert(8);
    for (let i = 0; i < positions.length; i += per) {
      await PositionModel.query(trx).insert(
        positions.slice(i, i + per).map((p) => ({
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

  /** The live positions of these portfolios, by portfolio, in entry order. */
  static async liveOf(db: Db, portfolioIds: readonly string[]): Promise<Map<string, HeldPosition[]>> {
    const rows = (await PositionModel.query(db)
      .whereIn('portfolio_id', portfolioIds as string[])
      .whereNull('deleted_at')
      .orderBy(['portfolio_id', 'entry_date', 'id'])
      .select(...POSITION_COLUMNS)
      .toKnexQuery()) as PositionColumns[];
    const out = new Map<string, HeldPosition[]>();
    for (const r of rows) {
      const list = out.get(r.portfolio_id) ?? [];
      list.push({ ...toStoredPosition(r), portfolioId: r.portfolio_id });
      out.set(r.portfolio_id, list);
    }
    return out;
  }

  /** A portfolio's live positions with the price status of their symbols, in entry order. */
  static async withPriceStatus(db: Db, portfolioId: string): Promise<PositionView[]> {
    const rows = await PositionModel.query(db)
      .leftJoinRelated('instrument')
      .select('positions.*', 'instrument.price_status', 'instrument.unavailable_reason')
      .where('positions.portfolio_id', portfolioId)
      .whereNull('positions.deleted_at')
      .orderBy([{ column: 'positions.entry_date' }, { column: 'positions.symbol' }, { column: 'positions.id' }])
      .castTo<(PositionModel & { price_status: PriceStatus | null; unavailable_reason: string | null })[]>();
    return rows.map((r) => ({ ...toStoredPosition(r), priceStatus: r.price_status, unavailableReason: r.unavailable_reason }));
  }

  /** A live position of a portfolio. */
  static async findLive(db: Db, portfolioId: string, positionId: string): Promise<StoredPosition | undefined> {
    const m = await PositionModel.query(db).select(...POSITION_COLUMNS).findById(positionId).where({ portfolio_id: portfolioId }).whereNull('deleted_at');
    return m ? toStoredPosition(m) : undefined;
  }

  /** The open lots of a symbol, in the order they were opened (entry date, then creation). */
  static async openLotsOf(db: Db, portfolioId: string, symbol: string): Promise<StoredPosition[]> {
    const rows = await PositionModel.query(db)
      .select(...POSITION_COLUMNS)
      .where({ portfolio_id: portfolioId, symbol })
      .whereNull('deleted_at')
      .whereNull('exit_date')
      .orderBy([{ column: 'entry_date' }, { column: 'created_at' }, { column: 'id' }]);
    return rows.map(toStoredPosition);
  }

  /** Every live lot of a symbol, open or closed, oldest first. */
  static async lotsOf(db: Db, portfolioId: string, symbol: string): Promise<LotView[]> {
    const rows = await PositionModel.query(db)
      .where({ portfolio_id: portfolioId, symbol })
      .whereNull('deleted_at')
      .orderBy([{ column: 'entry_date' }, { column: 'created_at' }, { column: 'id' }]);
    return rows.map((r) => ({
      ...toStoredPosition(r),
      openedBy: r.opened_by,
      closedBy: r.closed_by,
      splitFrom: r.split_from,
      // Exit proceeds − cost, as typed (the share basis of each date; splits between are not applied here).
      realizedPnl: r.exit_price === null ? null : Math.round(r.quantity * (r.exit_price - r.entry_price) * 100) / 100,
    }));
  }

  /** Opens a lot from a trade; returns its id. */
  static async openLot(trx: Db, portfolioId: string, lot: NewPosition, tradeId: string | null): Promise<string> {
    const m = await PositionModel.query(trx).insert({
      portfolio_id: portfolioId,
      symbol: lot.symbol,
      quantity: lot.quantity,
      entry_price: lot.entryPrice,
      entry_date: lot.entryDate,
      exit_date: lot.exitDate,
      exit_price: lot.exitPrice,
      investment_class: lot.investmentClass,
      opened_by: tradeId,
    });
    return m.id;
  }

  /** Closes a lot in full with a trade's date and price. */
  static async closeLot(trx: Db, positionId: string, exitDate: IsoDate, exitPrice: number, tradeId: string): Promise<void> {
    await PositionModel.query(trx).patch({ exit_date: exitDate, exit_price: exitPrice, closed_by: tradeId }).where({ id: positionId });
  }

  /** Closes part of a lot: `keep` stays open; the closed part becomes a lot of its own with the exit. */
  static async splitLot(trx: Db, portfolioId: string, lot: StoredPosition, keep: number, closedQuantity: number, exitDate: IsoDate, exitPrice: number, tradeId: string): Promise<string> {
    await PositionModel.query(trx).patch({ quantity: keep }).where({ id: lot.id });
    const m = await PositionModel.query(trx).insert({
      portfolio_id: portfolioId,
      symbol: lot.symbol,
      quantity: closedQuantity,
      entry_price: lot.entryPrice,
      entry_date: lot.entryDate,
      exit_date: exitDate,
      exit_price: exitPrice,
      investment_class: lot.investmentClass,
      closed_by: tradeId,
      split_from: lot.id,
    });
    return m.id;
  }

  /** Corrects a live position. */
  static async correct(trx: Db, positionId: string, p: Pick<NewPosition, 'quantity' | 'entryPrice' | 'entryDate' | 'exitDate' | 'exitPrice'>): Promise<void> {
    await PositionModel.query(trx)
      .patch({ quantity: p.quantity, entry_price: p.entryPrice, entry_date: p.entryDate, exit_date: p.exitDate, exit_price: p.exitPrice })
      .where({ id: positionId });
  }

  /** Soft delete: the position leaves the analytics; its past exposure rows stay. */
  static async softDelete(trx: Db, positionId: string): Promise<void> {
    await PositionModel.query(trx).patch({ deleted_at: new Date() }).where({ id: positionId }).whereNull('deleted_at');
  }
}
