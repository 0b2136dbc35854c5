import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BarModel } from './bar.model.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { PriceCoverageModel } from './price-coverage.model.js';
import { SymbolDailyMetricModel } from './symbol-daily-metric.model.js';
import { SymbolFactorExposureModel } from './symbol-factor-exposure.model.js';

export type PriceStatus = 'pending' | 'ok' | 'unavailable';

/** Whether the vendor has prices for a symbol, and if not why. */
export interface PriceStatusWrite {
  symbol: string;
  status: 'ok' | 'unavailable';
  reason: string | null;
}

export interface SymbolPriceInfo {
  assetType: string;
  priceStatus: PriceStatus;
  unavailableReason: string | null;
  /** Milliseconds since the status was last written (by the database's clock). */
  statusAgeMs: number;
}

const PRICE_STATUS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'price_status', type: 'text' },
    { name: 'unavailable_reason', type: 'text' },
  ],
  key: ['symbol'],
  touch: 'updated_at = now()',
};

const NEW_SYMBOLS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'first_seen_date', type: 'date' },
    { name: 'last_seen_date', type: 'date' },
  ],
  key: ['symbol'],
  update: [],
};

/** `symbol_universe`: every symbol a portfolio holds plus the factor proxies, and whether prices exist for it. */
export class SymbolModel extends BaseModel {
  static override tableName = 'symbol_universe';
  static override idColumn = 'symbol';
  symbol!: string;
  asset_type!: string;
  first_seen_date!: IsoDate | null;
  last_seen_date!: IsoDate | null;
  is_active!: boolean;
  price_status!: PriceStatus;
  unavailable_reason!: string | null;
  updated_at!: Date;
  bars?: BarModel[];
  coverage?: PriceCoverageModel;
  factorExposures?: SymbolFactorExposureModel[];
  metrics?: SymbolDailyMetricModel[];

  static override get relationMappings(): RelationMappings {
    return {
      bars: { relation: BaseModel.HasManyRelation, modelClass: BarModel, join: { from: 'symbol_universe.symbol', to: 'market_data_cache.symbol' } },
      coverage: { relation: BaseModel.HasOneRelation, modelClass: PriceCoverageModel, join: { from: 'symbol_universe.symbol', to: 'price_coverage.symbol' } },
      factorExposures: {
        relation: BaseModel.HasManyRelation,
        modelClass: SymbolFactorExposureModel,
        join: { from: 'symbol_universe.symbol', to: 'symbol_factor_exposures.symbol' },
      },
      metrics: { relation: BaseModel.HasManyRelation, modelClass: SymbolDailyMetricModel, join: { from: 'symbol_universe.symbol', to: 'symbol_daily_metrics.symbol' } },
    };
  }

  /** Adds symbols the universe does not know yet; existing rows are left as they are. */
  static async addNew(trx: Db, symbols: readonly string[], seenOn: IsoDate): Promise<number> {
    return SymbolModel.upsertRows(
      trx,
      NEW_SYMBOLS,
      symbols.map((symbol) => ({ symbol, first_seen_date: seenOn, last_seen_date: seenOn })),
    );
  }

  /** Records whether the vendor has prices for symbols (adding unknown symbols to the universe). */
  static async setPriceStatus(db: Db, rows: readonly PriceStatusWrite[]): Promise<number> {
    return SymbolModel.upsertRows(
      db,
      PRICE_STATUS,
      rows.map((r) => ({ symbol: r.symbol, price_status: r.status, unavailable_reason: r.status === 'ok' ? null : r.reason })),
    );
  }

  static async priceInfo(db: Db, symbols: readonly string[]): Promise<Map<string, SymbolPriceInfo>> {
    const out = new Map<string, SymbolPriceInfo>();
    if (symbols.length === 0) return out;
    const rows = await SymbolModel.query(db)
      .select('symbol', 'asset_type', 'price_status', 'unavailable_reason', db.raw(`(extract(epoch from now() - updated_at) * 1000)::float8 AS status_age_ms`))
      .whereIn('symbol', symbols as string[])
      .castTo<(SymbolModel & { status_age_ms: number })[]>();
    for (const r of rows) {
      out.set(r.symbol, { assetType: r.asset_type, priceStatus: r.price_status, unavailableReason: r.unavailable_reason, statusAgeMs: r.status_age_ms });
    }
    return out;
  }

  /** Symbols recorded as having no vendor prices, with the reason. */
  static async unavailable(db: Db, symbols: readonly string[]): Promise<Map<string, string>> {
    const rows = await SymbolModel.query(db)
      .whereIn('symbol', symbols as string[])
      .where({ price_status: 'unavailable' })
      .select('symbol', 'unavailable_reason');
    return new Map(rows.map((r) => [r.symbol, r.unavailable_reason ?? '']));
  }
}
