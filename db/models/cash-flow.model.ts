import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type Db } from './base.model.js';

export interface CashFlowView {
  id: string;
  date: IsoDate;
  /** Contribution > 0, withdrawal < 0. */
  amount: number;
  note: string | null;
  createdAt: Date;
}

/** `cash_flows`: contributions and withdrawals, each at the close of its date. */
export class CashFlowModel extends BaseModel {
  static override tableName = 'cash_flows';
  id!: string;
  portfolio_id!: string;
  change_id!: string;
  flow_date!: IsoDate;
  amount!: number;
  note!: string | null;
  created_at!: Date;

  static async insertOne(trx: Db, portfolioId: string, changeId: string, f: { date: IsoDate; amount: number; note: string | null }): Promise<string> {
    const m = await CashFlowModel.query(trx).insert({ portfolio_id: portfolioId, change_id: changeId, flow_date: f.date, amount: f.amount, note: f.note });
    return m.id;
  }

  static async ofPortfolio(db: Db, portfolioId: string, limit: number): Promise<CashFlowView[]> {
    const rows = await CashFlowModel.query(db).where({ portfolio_id: portfolioId }).orderBy([{ column: 'flow_date' }, { column: 'created_at' }, { column: 'id' }]).limit(limit);
    return rows.map((m) => ({ id: m.id, date: m.flow_date, amount: m.amount, note: m.note, createdAt: m.created_at }));
  }

  /** The flows of these portfolios, by portfolio (what the roll-forward books). */
  static async flowsOf(db: Db, portfolioIds: readonly string[]): Promise<Map<string, { date: IsoDate; amount: number }[]>> {
    const out = new Map<string, { date: IsoDate; amount: number }[]>();
    if (portfolioIds.length === 0) return out;
    const rows = (await CashFlowModel.query(db)
      .whereIn('portfolio_id', portfolioIds as string[])
      .select('portfolio_id', 'flow_date', 'amount')
      .orderBy(['portfolio_id', 'flow_date'])
      .toKnexQuery()) as { portfolio_id: string; flow_date: IsoDate; amount: number }[];
    for (const r of rows) {
      const list = out.get(r.portfolio_id) ?? [];
      list.push({ date: r.flow_date, amount: r.amount });
      out.set(r.portfolio_id, list);
    }
    return out;
  }
}
