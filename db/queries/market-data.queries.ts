/**
 * SQL for the market-data tables: market_data_cache, price_coverage and the price columns of
 * symbol_universe. Dates travel as 'YYYY-MM-DD' strings and numbers as JS numbers (db/knex.ts sets the
 * type parsers).
 */
import type { Knex } from 'knex';
import { bulkUpsert } from './bulk.js';

type Db = Knex | Knex.Transaction;

export interface BarRow {
  symbol: string;
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number;
  volume: number | null;
  source: string;
}

export interface CoverageRow {
  symbol: string;
  from: string;
  to: string;
}

export interface PriceStatusRow {
  symbol: string;
  status: 'ok' | 'unavailable';
  reason: string | null;
}

export interface SymbolPriceInfo {
  assetType: string;
  priceStatus: 'pending' | 'ok' | 'unavailable';
  unavailableReason: string | null;
  /** Milliseconds since the status was last written (by the database's clock). */
  statusAgeMs: number;
}

/**
 * Per symbol, the given trading days that have no cached bar. Symbols lacking nothing are absent.
 * Computed in SQL so that a nightly run over a large universe reads only what is missing.
 */
export async function loadUncachedDays(db: Db, symbols: readonly string[], days: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (symbols.length === 0 || days.length === 0) return out;
  const result = (await db.raw(
    `SELECT s.symbol, d.date
       FROM unnest(?::text[]) AS s(symbol)
       CROSS JOIN unnest(?::date[]) AS d(date)
      WHERE NOT EXISTS (
              SELECT 1 FROM market_data_cache c WHERE c.symbol = s.symbol AND c.date = d.date)
      ORDER BY s.symbol, d.date`,
    [symbols as string[], days as string[]],
  )) as { rows: { symbol: string; date: string }[] };
  for (const r of result.rows) {
    const list = out.get(r.symbol);
    if (list) list.push(r.date);
    else out.set(r.symbol, [r.date]);
  }
  return out;
}

export async function loadCoverage(db: Db, symbols: readonly string[]): Promise<Map<string, { from: string; to: string }>> {
  const out = new Map<string, { from: string; to: string }>();
  if (symbols.length === 0) return out;
  const rows = (await db('price_coverage')
    .select('symbol', 'covered_from', 'covered_to')
    .whereIn('symbol', symbols as string[])) as { symbol: string; covered_from: string; covered_to: string }[];
  for (const r of rows) out.set(r.symbol, { from: r.covered_from, to: r.covered_to });
  return out;
}

export async function loadSymbolPriceInfo(db: Db, symbols: readonly string[]): Promise<Map<string, SymbolPriceInfo>> {
  const out = new Map<string, SymbolPriceInfo>();
  if (symbols.length === 0) return out;
  const rows = (await db('symbol_universe')
    .select('symbol', 'asset_type', 'price_status', 'unavailable_reason', db.raw(`(extract(epoch from now() - updated_at) * 1000)::float8 AS status_age_ms`))
    .whereIn('symbol', symbols as string[])) as {
    symbol: string;
    asset_type: string;
    price_status: SymbolPriceInfo['priceStatus'];
    unavailable_reason: string | null;
    status_age_ms: number;
  }[];
  for (const r of rows) {
    out.set(r.symbol, { assetType: r.asset_type, priceStatus: r.price_status, unavailableReason: r.unavailable_reason, statusAgeMs: r.status_age_ms });
  }
  return out;
}

const BAR_SPEC = {
  table: 'market_data_cache',
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
  conflict: ['symbol', 'date'],
  extraUpdate: 'fetched_at = now()',
} as const;

/** Upserts bars on (symbol, date). Returns rows written. */
export async function upsertBars(db: Db, rows: readonly BarRow[]): Promise<number> {
  return bulkUpsert(db, BAR_SPEC, rows as unknown as Record<string, unknown>[]);
}

/** Stores coverage windows as given (the caller merges with the previous window). */
export async function upsertCoverage(db: Db, rows: readonly CoverageRow[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'price_coverage',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'covered_from', type: 'date' },
        { name: 'covered_to', type: 'date' },
      ],
      conflict: ['symbol'],
      extraUpdate: 'checked_at = now()',
    },
    rows.map((r) => ({ symbol: r.symbol, covered_from: r.from, covered_to: r.to })),
  );
}

/** Records whether the vendor has prices for symbols (inserting unknown symbols into the universe). */
export async function setPriceStatus(db: Db, rows: readonly PriceStatusRow[]): Promise<number> {
  return bulkUpsert(
    db,
    {
      table: 'symbol_universe',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'price_status', type: 'text' },
        { name: 'unavailable_reason', type: 'text' },
      ],
      conflict: ['symbol'],
      extraUpdate: 'updated_at = now()',
    },
    rows.map((r) => ({ symbol: r.symbol, price_status: r.status, unavailable_reason: r.status === 'ok' ? null : r.reason })),
  );
}

/** Closes of symbols in [from, to], ascending by date; every requested symbol has an entry. */
export async function loadCloses(
  db: Db,
  symbols: readonly string[],
  from: string,
  to: string,
): Promise<Map<string, { date: string; close: number }[]>> {
  const out = new Map<string, { date: string; close: number }[]>();
  for (const s of symbols) out.set(s, []);
  if (symbols.length === 0 || from > to) return out;
  const rows = (await db('market_data_cache')
    .select('symbol', 'date', 'close')
    .whereIn('symbol', symbols as string[])
    .andWhere('date', '>=', from)
    .andWhere('date', '<=', to)
    .orderBy([{ column: 'symbol' }, { column: 'date' }])) as { symbol: string; date: string; close: number }[];
  for (const r of rows) out.get(r.symbol)?.push({ date: r.date, close: Number(r.close) });
  return out;
}

/** Number of cached bars per symbol in [from, to] (tests and reports). */
export async function countBars(db: Db, symbols: readonly string[], from: string, to: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (symbols.length === 0) return out;
  const rows = (await db('market_data_cache')
    .select('symbol')
    .count<{ symbol: string; n: string | number }[]>({ n: '*' })
    .whereIn('symbol', symbols as string[])
    .andWhere('date', '>=', from)
    .andWhere('date', '<=', to)
    .groupBy('symbol')) as { symbol: string; n: string | number }[];
  for (const r of rows) out.set(r.symbol, Number(r.n));
  return out;
}
