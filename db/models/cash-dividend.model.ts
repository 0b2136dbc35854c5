import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';

/** CD regular cash, SC special cash, LT / ST long / short-term capital-gain distributions. */
export type DividendTypeCode = 'CD' | 'SC' | 'LT' | 'ST';

/** A cash distribution per share, in the share basis of its ex-dividend date. */
export interface DividendRecord {
  symbol: string;
  exDate: IsoDate;
  type: DividendTypeCode;
  amount: number;
}

export type DividendWrite = DividendRecord & {
  currency: string;
  declarationDate: IsoDate | null;
  recordDate: IsoDate | null;
  payDate: IsoDate | null;
  frequency: number | null;
  vendorId: string | null;
  source: string;
};

const DIVIDENDS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'ex_dividend_date', type: 'date' },
    { name: 'dividend_type', type: 'text' },
    { name: 'cash_amount', type: 'numeric' },
    { name: 'currency', type: 'text' },
    { name: 'declaration_date', type: 'date' },
    { name: 'record_date', type: 'date' },
    { name: 'pay_date', type: 'date' },
    { name: 'frequency', type: 'smallint' },
    { name: 'vendor_id', type: 'text' },
    { name: 'source', type: 'text' },
  ],
  key: ['symbol', 'ex_dividend_date', 'dividend_type'],
  touch: 'fetched_at = now()',
};

/** `cash_dividends`: the cash distributions of the symbols in scope, as the vendor reports them. */
export class CashDividendModel extends BaseModel {
  static override tableName = 'cash_dividends';
  static override idColumn = ['symbol', 'ex_dividend_date', 'dividend_type'];
  symbol!: string;
  ex_dividend_date!: IsoDate;
  dividend_type!: DividendTypeCode;
  cash_amount!: number;
  currency!: string;
  declaration_date!: IsoDate | null;
  record_date!: IsoDate | null;
  pay_date!: IsoDate | null;
  frequency!: number | null;
  vendor_id!: string | null;
  source!: string;
  fetched_at!: Date;

  /** Upserts dividends on (symbol, ex_dividend_date, dividend_type). Returns rows written. */
  static async upsertMany(db: Db, rows: readonly DividendWrite[]): Promise<number> {
    return CashDividendModel.upsertRows(
      db,
      DIVIDENDS,
      rows.map((r) => ({
        symbol: r.symbol,
        ex_dividend_date: r.exDate,
        dividend_type: r.type,
        cash_amount: r.amount,
        currency: r.currency,
        declaration_date: r.declarationDate,
        record_date: r.recordDate,
        pay_date: r.payDate,
        frequency: r.frequency,
        vendor_id: r.vendorId,
        source: r.source,
      })),
    );
  }

  /** Dividends of the symbols, ascending by ex-date; every requested symbol has an entry. */
  static async bySymbols(db: Db, symbols: readonly string[], exFrom?: IsoDate): Promise<Map<string, DividendRecord[]>> {
    const out = new Map<string, DividendRecord[]>(symbols.map((s) => [s, []]));
    if (symbols.length === 0) return out;
    const q = CashDividendModel.query(db).select('symbol', 'ex_dividend_date', 'dividend_type', 'cash_amount').whereIn('symbol', symbols as string[]);
    if (exFrom !== undefined) q.where('ex_dividend_date', '>=', exFrom);
    const rows = (await q
      .orderBy([{ column: 'symbol' }, { column: 'ex_dividend_date' }, { column: 'dividend_type' }])
      .toKnexQuery()) as { symbol: string; ex_dividend_date: IsoDate; dividend_type: DividendTypeCode; cash_amount: number }[];
    for (const r of rows) out.get(r.symbol)?.push({ symbol: r.symbol, exDate: r.ex_dividend_date, type: r.dividend_type, amount: Number(r.cash_amount) });
    return out;
  }
}
