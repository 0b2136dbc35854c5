import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { arrayLiteral, BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { SymbolModel } from './symbol.model.js';

/** One daily bar as traded. */
export interface BarWrite {
  symbol: string;
  date: IsoDate;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number;
  volume: number | null;
  source: string;
}

export type Closes = Map<string, { date: IsoDate; close: number }[]>;

const BARS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'date', type: 'date' },
    { name: 'open', type: 'numeric' },
    { name: 'high', type: 'numeric' },
    { name: 'low', type: 'numeric' },
    { name: 'close', type: 'numeric' },
    { name: 'volume', type: 'numeric' },
    { name: 'source', type: 'text' },
  ],
  key: ['symbol', 'date'],
  touch: 'fetched_at = now()',
  // Bars are as traded: the same bar fetched twice is not rewritten.
  onlyWhenChanged: true,
};

/** `market_data_cache`: the daily bars fetched from the vendor, one per symbol and trading day. */
export class BarModel extends BaseModel {
  static override tableName = 'market_data_cache';
  static override idColumn = ['symbol', 'date'];
  symbol!: string;
  date!: IsoDate;
  open!: number | null;
  high!: number | null;
  low!: number | null;
  close!: number;
  volume!: number | null;
  source!: string;
  fetched_at!: Date;
  instrument?: SymbolModel;

  static override get relationMappings(): RelationMappings {
    return {
      instrument: { relation: BaseModel.BelongsToOneRelation, modelClass: SymbolModel, join: { from: 'market_data_cache.symbol', to: 'symbol_universe.symbol' } },
    };
  }

  /** Upserts bars on (symbol, date); a stored bar with the same values is left alone. Returns rows written. */
  static async upsertMany(db: Db, rows: readonly BarWrite[]): Promise<number> {
    return BarModel.upsertRows(db, BARS, rows as unknown as Record<string, unknown>[]);
  }

  /**
   * Per symbol, the given trading days that have no cached bar; symbols lacking nothing are absent.
   * Computed in SQL so that a nightly run over a large universe reads only what is missing. With
   * `outside`, a symbol's days inside its window there are not looked at (the vendor was already
   * asked for them): a nightly run then probes only its new days, not the whole price window.
   */
  static async uncachedDays(
    db: Db,
    symbols: readonly string[],
    days: readonly IsoDate[],
    outside?: ReadonlyMap<string, { from: IsoDate; to: IsoDate }>,
  ): Promise<Map<string, IsoDate[]>> {
    const out = new Map<string, IsoDate[]>();
    // The pairs to probe, built here: the planner cannot see how few days a window leaves, and would
    // scan the whole cache for what is one index probe per symbol on a nightly run.
    const pairSymbols: string[] = [];
    const pairDays: IsoDate[] = [];
    for (const s of symbols) {
      const w = outside?.get(s);
      for (const d of days) {
        if (w !== undefined && d >= w.from && d <= w.to) continue;
        pairSymbols.push(s);
        pairDays.push(d);
      }
    }
    if (pairSymbols.length === 0) return out;
    const result = (await db.raw(
      `SELECT p.symbol, p.date::text AS date
         FROM unnest(?::text[], ?::date[]) AS p(symbol, date)
        WHERE NOT EXISTS (SELECT 1 FROM market_data_cache c WHERE c.symbol = p.symbol AND c.date = p.date)
        ORDER BY p.symbol, p.date`,
      [arrayLiteral(pairSymbols, 'text'), arrayLiteral(pairDays, 'date')],
    )) as { rows: { symbol: string; date: string }[] };
    for (const r of result.rows) {
      const list = out.get(r.symbol);
      if (list) list.push(r.date);
      else out.set(r.symbol, [r.date]);
    }
    return out;
  }

  /** Closes of symbols in [from, to], ascending by date; every requested symbol has an entry. */
  static async closes(db: Db, symbols: readonly string[], from: IsoDate, to: IsoDate): Promise<Closes> {
    const out: Closes = new Map();
    for (const s of symbols) out.set(s, []);
    if (symbols.length === 0 || from > to) return out;
    // Plain rows: a run reads hundreds of thousands of closes.
    const rows = (await BarModel.query(db)
      .select('symbol', 'date', 'close')
      .whereIn('symbol', symbols as string[])
      .where('date', '>=', from)
      .where('date', '<=', to)
      .orderBy([{ column: 'symbol' }, { column: 'date' }])
      .toKnexQuery()) as { symbol: string; date: string; close: number }[];
    for (const r of rows) out.get(r.symbol)?.push({ date: r.date, close: Number(r.close) });
    return out;
  }

  /**
   * Per symbol, its last stored close before `date` (however old), or nothing when it has none: what
   * a position is valued at across a gap that began before a window of closes.
   */
  static async lastClosesBefore(db: Db, symbols: readonly string[], date: IsoDate): Promise<Map<string, { date: IsoDate; close: number }>> {
    const out = new Map<string, { date: IsoDate; close: number }>();
    if (symbols.length === 0) return out;
    const res = (await db.raw(
      `SELECT s.symbol, b.date::text AS date, b.close FROM unnest(?::text[]) AS s(symbol)
         CROSS JOIN LATERAL (SELECT date, close FROM ${BarModel.tableName} WHERE symbol = s.symbol AND date < ? ORDER BY date DESC LIMIT 1) b`,
      [symbols as string[], date],
    )) as { rows: { symbol: string; date: string; close: number }[] };
    for (const r of res.rows) out.set(r.symbol, { date: r.date, close: Number(r.close) });
    return out;
  }

  /** For each (symbol, date) asked, the symbol's last stored close on or before that date (keyed `symbol|date`). */
  static async closesOnOrBefore(db: Db, asks: readonly { symbol: string; date: IsoDate }[]): Promise<Map<string, { date: IsoDate; close: number }>> {
    const out = new Map<string, { date: IsoDate; close: number }>();
    if (asks.length === 0) return out;
    const res = (await db.raw(
      `SELECT a.symbol, a.asked::text AS asked, b.date::text AS date, b.close FROM unnest(?::text[], ?::date[]) AS a(symbol, asked)
         CROSS JOIN LATERAL (SELECT date, close FROM ${BarModel.tableName} WHERE symbol = a.symbol AND date <= a.asked ORDER BY date DESC LIMIT 1) b`,
      [asks.map((a) => a.symbol), asks.map((a) => a.date)],
    )) as { rows: { symbol: string; asked: string; date: string; close: number }[] };
    for (const r of res.rows) out.set(`${r.symbol}|${r.asked}`, { date: r.date, close: Number(r.close) });
    return out;
  }

  /** Whether the cache holds any bar of the symbol. */
  static async anyOf(db: Db, symbol: string): Promise<boolean> {
    return (await BarModel.query(db).select('symbol').where({ symbol }).first()) !== undefined;
  }
}
