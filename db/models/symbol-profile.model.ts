import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';

/** A symbol's reference data from the vendor's ticker details; `not_found` when the vendor has none. */
export interface ProfileRecord {
  symbol: string;
  status: 'ok' | 'not_found';
  name: string | null;
  type: string | null;
  market: string | null;
  primaryExchange: string | null;
  active: boolean | null;
  listDate: IsoDate | null;
  delistedOn: IsoDate | null;
  sicCode: string | null;
  sicDescription: string | null;
  /** From the SIC code (jobs/calc/risk/sectors.ts); 'Unknown' when there is none. */
  sector: string;
  marketCap: number | null;
  sharesOutstanding: number | null;
}

export type ProfileView = ProfileRecord & { refreshedAt: Date };

const PROFILES: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'market', type: 'text' },
    { name: 'primary_exchange', type: 'text' },
    { name: 'active', type: 'bool' },
    { name: 'list_date', type: 'date' },
    { name: 'delisted_on', type: 'date' },
    { name: 'sic_code', type: 'text' },
    { name: 'sic_description', type: 'text' },
    { name: 'sector', type: 'text' },
    { name: 'market_cap', type: 'numeric' },
    { name: 'shares_outstanding', type: 'numeric' },
  ],
  key: ['symbol'],
  touch: 'refreshed_at = now()',
};

/** `symbol_profiles`: the vendor's ticker details per symbol (name, type, SIC code and sector, listing, delisting). */
export class SymbolProfileModel extends BaseModel {
  static override tableName = 'symbol_profiles';
  static override idColumn = 'symbol';
  symbol!: string;
  status!: 'ok' | 'not_found';
  name!: string | null;
  type!: string | null;
  market!: string | null;
  primary_exchange!: string | null;
  active!: boolean | null;
  list_date!: IsoDate | null;
  delisted_on!: IsoDate | null;
  sic_code!: string | null;
  sic_description!: string | null;
  sector!: string;
  market_cap!: number | null;
  shares_outstanding!: number | null;
  refreshed_at!: Date;

  /** Upserts profiles on the symbol and stamps refreshed_at. Returns rows written. */
  static async upsertMany(db: Db, rows: readonly ProfileRecord[]): Promise<number> {
    return SymbolProfileModel.upsertRows(
      db,
      PROFILES,
      rows.map((r) => ({
        symbol: r.symbol,
        status: r.status,
        name: r.name,
        type: r.type,
        market: r.market,
        primary_exchange: r.primaryExchange,
        active: r.active,
        list_date: r.listDate,
        delisted_on: r.delistedOn,
        sic_code: r.sicCode,
        sic_description: r.sicDescription,
        sector: r.sector,
        market_cap: r.marketCap,
        shares_outstanding: r.sharesOutstanding,
      })),
    );
  }

  /** Stored profiles of the symbols; symbols without one are absent. */
  static async bySymbols(db: Db, symbols: readonly string[]): Promise<Map<string, ProfileView>> {
    const out = new Map<string, ProfileView>();
    if (symbols.length === 0) return out;
    const rows = await SymbolProfileModel.query(db).whereIn('symbol', symbols as string[]);
    for (const m of rows) {
      out.set(m.symbol, {
        symbol: m.symbol,
        status: m.status,
        name: m.name,
        type: m.type,
        market: m.market,
        primaryExchange: m.primary_exchange,
        active: m.active,
        listDate: m.list_date,
        delistedOn: m.delisted_on,
        sicCode: m.sic_code,
        sicDescription: m.sic_description,
        sector: m.sector,
        marketCap: m.market_cap === null ? null : Number(m.market_cap),
        sharesOutstanding: m.shares_outstanding === null ? null : Number(m.shares_outstanding),
        refreshedAt: m.refreshed_at,
      });
    }
    return out;
  }
}
