import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { SymbolModel } from './symbol.model.js';

/** The span of trading days the vendor was already asked for, for one symbol. */
export interface CoverageWrite {
  symbol: string;
  from: IsoDate;
  to: IsoDate;
}

const COVERAGE: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'covered_from', type: 'date' },
    { name: 'covered_to', type: 'date' },
  ],
  key: ['symbol'],
  touch: 'checked_at = now()',
};

/**
 * `price_coverage`: what the vendor has already been asked for per symbol, so that days it has no bar
 * for (before a listing, after a delisting, funds it does not carry) are not asked again.
 */
export class PriceCoverageModel extends BaseModel {
  static override tableName = 'price_coverage';
  static override idColumn = 'symbol';
  symbol!: string;
  covered_from!: IsoDate;
  covered_to!: IsoDate;
  checked_at!: Date;
  instrument?: SymbolModel;

  static override get relationMappings(): RelationMappings {
    return {
      instrument: { relation: BaseModel.BelongsToOneRelation, modelClass: SymbolModel, join: { from: 'price_coverage.symbol', to: 'symbol_universe.symbol' } },
    };
  }

  /** Stores coverage windows as given (the caller merges them with the previous window). */
  static async upsertMany(db: Db, rows: readonly CoverageWrite[]): Promise<number> {
    return PriceCoverageModel.upsertRows(
      db,
      COVERAGE,
      rows.map((r) => ({ symbol: r.symbol, covered_from: r.from, covered_to: r.to })),
    );
  }

  static async windows(db: Db, symbols: readonly string[]): Promise<Map<string, { from: IsoDate; to: IsoDate }>> {
    const out = new Map<string, { from: IsoDate; to: IsoDate }>();
    if (symbols.length === 0) return out;
    const rows = await PriceCoverageModel.query(db).select('symbol', 'covered_from', 'covered_to').whereIn('symbol', symbols as string[]);
    for (const r of rows) out.set(r.symbol, { from: r.covered_from, to: r.covered_to });
    return out;
  }
}
