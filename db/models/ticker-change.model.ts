import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';

/** From `date` on, `previousSymbol` trades as `symbol`. */
export interface TickerChangeRecord {
  previousSymbol: string;
  symbol: string;
  date: IsoDate;
}

const CHANGES: BulkUpsertSpec = {
  columns: [
    { name: 'previous_symbol', type: 'text' },
    { name: 'symbol', type: 'text' },
    { name: 'change_date', type: 'date' },
    { name: 'source', type: 'text' },
  ],
  key: ['previous_symbol', 'change_date'],
  touch: 'fetched_at = now()',
};

/** `ticker_changes`: ticker changes the vendor reported for symbols in scope (old and new ticker). */
export class TickerChangeModel extends BaseModel {
  static override tableName = 'ticker_changes';
  static override idColumn = ['previous_symbol', 'change_date'];
  previous_symbol!: string;
  symbol!: string;
  change_date!: IsoDate;
  source!: string;
  fetched_at!: Date;

  static async upsertMany(db: Db, rows: readonly (TickerChangeRecord & { source: string })[]): Promise<number> {
    return TickerChangeModel.upsertRows(
      db,
      CHANGES,
      rows.map((r) => ({ previous_symbol: r.previousSymbol, symbol: r.symbol, change_date: r.date, source: r.source })),
    );
  }

  /**
   * The changes the symbols' histories continue through: each change whose old ticker is one of the
   * symbols, then those of the new tickers (a chain), ascending by date. One query when none of the
   * symbols was renamed.
   */
  static async continuationsOf(db: Db, symbols: readonly string[]): Promise<TickerChangeRecord[]> {
    const out: TickerChangeRecord[] = [];
    const asked = new Set<string>();
    let ask = [...new Set(symbols)];
    for (let depth = 0; depth < 10 && ask.length > 0; depth++) {
      for (const s of ask) asked.add(s);
      const rows = (await TickerChangeModel.query(db)
        .select('previous_symbol', 'symbol', 'change_date')
        .whereIn('previous_symbol', ask)
        .orderBy('change_date')
        .toKnexQuery()) as { previous_symbol: string; symbol: string; change_date: IsoDate }[];
      for (const r of rows) out.push({ previousSymbol: r.previous_symbol, symbol: r.symbol, date: r.change_date });
      ask = [...new Set(rows.map((r) => r.symbol))].filter((s) => !asked.has(s));
    }
    return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  /** Every change in which one of the symbols is the old or the new ticker, ascending by date. */
  static async involving(db: Db, symbols: readonly string[]): Promise<TickerChangeRecord[]> {
    if (symbols.length === 0) return [];
    const rows = (await TickerChangeModel.query(db)
      .select('previous_symbol', 'symbol', 'change_date')
      .whereIn('previous_symbol', symbols as string[])
      .orWhereIn('symbol', symbols as string[])
      .orderBy('change_date')
      .toKnexQuery()) as { previous_symbol: string; symbol: string; change_date: IsoDate }[];
    return rows.map((r) => ({ previousSymbol: r.previous_symbol, symbol: r.symbol, date: r.change_date }));
  }
}
