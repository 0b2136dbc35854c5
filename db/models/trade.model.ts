import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type Db } from './base.model.js';

export interface NewTrade {
  symbol: string;
  /** Signed: buy > 0, sell < 0, in the share basis of the trade date. */
  quantity: number;
  price: number;
  date: IsoDate;
  fees: number;
  allowShort: boolean;
  realizedPnl: number;
}

export interface TradeView extends NewTrade {
  id: string;
  createdAt: Date;
}

/** `trades`: the trades recorded on a portfolio; the lots they open and close are position rows. */
export class TradeModel extends BaseModel {
  static override tableName = 'trades';
  id!: string;
  portfolio_id!: string;
  change_id!: string;
  symbol!: string;
  quantity!: number;
  price!: number;
  trade_date!: IsoDate;
  fees!: number;
  allow_short!: boolean;
  realized_pnl!: number;
  created_at!: Date;

  static async insertOne(trx: Db, portfolioId: string, changeId: string, t: NewTrade): Promise<string> {
    const m = await TradeModel.query(trx).insert({
      portfolio_id: portfolioId,
      change_id: changeId,
      symbol: t.symbol,
      quantity: t.quantity,
      price: t.price,
      trade_date: t.date,
      fees: t.fees,
      allow_short: t.allowShort,
      realized_pnl: t.realizedPnl,
    });
    return m.id;
  }

  static async setRealized(trx: Db, id: string, realizedPnl: number): Promise<void> {
    await TradeModel.query(trx).patch({ realized_pnl: realizedPnl }).where({ id });
  }

  /** A portfolio's trades by date, then as recorded. */
  static async ofPortfolio(db: Db, portfolioId: string, q: { symbol?: string; limit: number }): Promise<TradeView[]> {
    const query = TradeModel.query(db).where({ portfolio_id: portfolioId }).orderBy([{ column: 'trade_date' }, { column: 'created_at' }, { column: 'id' }]).limit(q.limit);
    if (q.symbol) void query.where({ symbol: q.symbol });
    return (await query).map((m) => ({
      id: m.id,
      symbol: m.symbol,
      quantity: m.quantity,
      price: m.price,
      date: m.trade_date,
      fees: m.fees,
      allowShort: m.allow_short,
      realizedPnl: m.realized_pnl,
      createdAt: m.created_at,
    }));
  }

  /** Fees of the trades of these portfolios, by portfolio (what the roll-forward books). */
  static async feesOf(db: Db, portfolioIds: readonly string[]): Promise<Map<string, { date: IsoDate; amount: number }[]>> {
    const out = new Map<string, { date: IsoDate; amount: number }[]>();
    if (portfolioIds.length === 0) return out;
    const rows = (await TradeModel.query(db)
      .whereIn('portfolio_id', portfolioIds as string[])
      .where('fees', '>', 0)
      .select('portfolio_id', 'trade_date', 'fees')
      .orderBy(['portfolio_id', 'trade_date'])
      .toKnexQuery()) as { portfolio_id: string; trade_date: IsoDate; fees: number }[];
    for (const r of rows) {
      const list = out.get(r.portfolio_id) ?? [];
      list.push({ date: r.trade_date, amount: r.fees });
      out.set(r.portfolio_id, list);
    }
    return out;
  }
}
