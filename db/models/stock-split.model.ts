import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';

/** A split: on its execution date `from` old shares became `to` new shares. */
export interface SplitRecord {
  symbol: string;
  executionDate: IsoDate;
  from: number;
  to: number;
}

export type SplitWrite = SplitRecord & { vendorId: string | null; source: string };

const SPLITS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'execution_date', type: 'date' },
    { name: 'split_from', type: 'numeric' },
    { name: 'split_to', type: 'numeric' },
    { name: 'vendor_id', type: 'text' },
    { name: 'source', type: 'text' },
  ],
  key: ['symbol', 'execution_date'],
  touch: 'fetched_at = now()',
};

/** `stock_splits`: the splits of the symbols in scope, as the vendor reports them. */
export class StockSplitModel extends BaseModel {
  static override tableName = 'stock_splits';
  static override idColumn = ['symbol', 'execution_date'];
  symbol!: string;
  execution_date!: IsoDate;
  split_from!: number;
  split_to!: number;
  vendor_id!: string | null;
  source!: string;
  fetched_at!: Date;

  /** Upserts splits on (symbol, execution_date). Returns rows written. */
  static async upsertMany(db: Db, rows: readonly SplitWrite[]): Promise<number> {
    return StockSplitModel.upsertRows(
      db,
      SPLITS,
      rows.map((r) => ({ symbol: r.symbol, execution_date: r.executionDate, split_from: r.from, split_to: r.to, vendor_id: r.vendorId, source: r.source })),
    );
  }

  /** Splits of the symbols, ascending by execution date; every requested symbol has an entry. */
  static async bySymbols(db: Db, symbols: readonly string[]): Promise<Map<string, SplitRecord[]>> {
    const out = new Map<string, SplitRecord[]>(symbols.map((s) => [s, []]));
    if (symbols.length === 0) return out;
    const rows = (await StockSplitModel.query(db)
      .select('symbol', 'execution_date', 'split_from', 'split_to')
      .whereIn('symbol', symbols as string[])
      .orderBy([{ column: 'symbol' }, { column: 'execution_date' }])
      .toKnexQuery()) as { symbol: string; execution_date: IsoDate; split_from: number; split_to: number }[];
    for (const r of rows) out.get(r.symbol)?.push({ symbol: r.symbol, executionDate: r.execution_date, from: Number(r.split_from), to: Number(r.split_to) });
    return out;
  }
}
