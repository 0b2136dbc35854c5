import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { SymbolModel } from './symbol.model.js';

/** A symbol's price and period returns on a date. */
export interface SymbolMetricsWrite {
  symbol: string;
  date: IsoDate;
  price: number | null;
  return1d: number | null;
  returnMtd: number | null;
  returnYtd: number | null;
  return1m: number | null;
  return3m: number | null;
  return1y: number | null;
  /** Total returns (dividends reinvested) over the same periods. */
  totalReturn1d: number | null;
  totalReturnMtd: number | null;
  totalReturnYtd: number | null;
  totalReturn1m: number | null;
  totalReturn3m: number | null;
  totalReturn1y: number | null;
}

const METRICS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'metrics_date', type: 'date' },
    { name: 'price', type: 'numeric' },
    { name: 'return_1d', type: 'numeric' },
    { name: 'return_mtd', type: 'numeric' },
    { name: 'return_ytd', type: 'numeric' },
    { name: 'return_1m', type: 'numeric' },
    { name: 'return_3m', type: 'numeric' },
    { name: 'return_1y', type: 'numeric' },
    { name: 'total_return_1d', type: 'numeric' },
    { name: 'total_return_mtd', type: 'numeric' },
    { name: 'total_return_ytd', type: 'numeric' },
    { name: 'total_return_1m', type: 'numeric' },
    { name: 'total_return_3m', type: 'numeric' },
    { name: 'total_return_1y', type: 'numeric' },
  ],
  key: ['symbol', 'metrics_date'],
  touch: 'updated_at = now()',
};

/** `symbol_daily_metrics`: price (as traded) and period price and total returns per symbol and date. */
export class SymbolDailyMetricModel extends BaseModel {
  static override tableName = 'symbol_daily_metrics';
  static override idColumn = ['symbol', 'metrics_date'];
  symbol!: string;
  metrics_date!: IsoDate;
  price!: number | null;
  return_1d!: number | null;
  return_mtd!: number | null;
  return_ytd!: number | null;
  return_1m!: number | null;
  return_3m!: number | null;
  return_1y!: number | null;
  total_return_1d!: number | null;
  total_return_mtd!: number | null;
  total_return_ytd!: number | null;
  total_return_1m!: number | null;
  total_return_3m!: number | null;
  total_return_1y!: number | null;
  instrument?: SymbolModel;

  static override get relationMappings(): RelationMappings {
    return {
      instrument: { relation: BaseModel.BelongsToOneRelation, modelClass: SymbolModel, join: { from: 'symbol_daily_metrics.symbol', to: 'symbol_universe.symbol' } },
    };
  }

  static async upsertMany(db: Db, rows: readonly SymbolMetricsWrite[]): Promise<number> {
    return SymbolDailyMetricModel.upsertRows(
      db,
      METRICS,
      rows.map((m) => ({
        symbol: m.symbol,
        metrics_date: m.date,
        price: m.price,
        return_1d: m.return1d,
        return_mtd: m.returnMtd,
        return_ytd: m.returnYtd,
        return_1m: m.return1m,
        return_3m: m.return3m,
        return_1y: m.return1y,
        total_return_1d: m.totalReturn1d,
        total_return_mtd: m.totalReturnMtd,
        total_return_ytd: m.totalReturnYtd,
        total_return_1m: m.totalReturn1m,
        total_return_3m: m.totalReturn3m,
        total_return_1y: m.totalReturn1y,
      })),
    );
  }
}
