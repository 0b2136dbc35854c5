import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { FactorDefinitionModel } from './factor-definition.model.js';

/** One factor beta of a symbol on a calculation date, as the estimator produced it. */
export interface SymbolBetaWrite {
  symbol: string;
  factor: string;
  date: IsoDate;
  beta: number;
  rSquared: number | null;
  observations: number;
  stdError: number | null;
  method: string;
  window: number;
  qualityFlag: string;
}

/** Stored betas by symbol, then by `${factor name}|${date}`. */
export type StoredBetas = Map<string, Map<string, number>>;

const BETAS: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'factor_id', type: 'smallint' },
    { name: 'calculation_date', type: 'date' },
    { name: 'beta_value', type: 'numeric' },
    { name: 'r_squared', type: 'numeric' },
    { name: 'observations', type: 'int' },
    { name: 'std_error', type: 'numeric' },
    { name: 'method', type: 'text' },
    { name: 'window', type: 'int' },
    { name: 'quality_flag', type: 'text' },
  ],
  key: ['symbol', 'calculation_date', 'factor_id'],
  touch: 'updated_at = now()',
};

/** `symbol_factor_exposures`: one beta per symbol, factor and trading day. */
export class SymbolFactorExposureModel extends BaseModel {
  static override tableName = 'symbol_factor_exposures';
  static override idColumn = ['symbol', 'calculation_date', 'factor_id'];
  id!: number;
  symbol!: string;
  factor_id!: number;
  calculation_date!: IsoDate;
  beta_value!: number;
  r_squared!: number | null;
  observations!: number;
  std_error!: number | null;
  method!: string;
  window!: number;
  quality_flag!: string;
  factor?: FactorDefinitionModel;

  static override get relationMappings(): RelationMappings {
    return {
      factor: { relation: BaseModel.BelongsToOneRelation, modelClass: FactorDefinitionModel, join: { from: 'symbol_factor_exposures.factor_id', to: 'factor_definitions.id' } },
    };
  }

  /** Upserts betas on (symbol, date, factor); `factorIds` maps factor names to their ids. */
  static async upsertMany(db: Db, factorIds: ReadonlyMap<string, number>, rows: readonly SymbolBetaWrite[]): Promise<number> {
    return SymbolFactorExposureModel.upsertRows(
      db,
      BETAS,
      rows.map((r) => ({
        symbol: r.symbol,
        factor_id: factorIds.get(r.factor),
        calculation_date: r.date,
        beta_value: r.beta,
        r_squared: r.rSquared,
        observations: r.observations,
        std_error: r.stdError !== null && Number.isFinite(r.stdError) ? r.stdError : null,
        method: r.method,
        window: r.window,
        quality_flag: r.qualityFlag,
      })),
    );
  }

  /** Stored betas of `symbols` on the dates in [from, to]. */
  static async betasOf(db: Db, symbols: readonly string[], from: IsoDate, to: IsoDate): Promise<StoredBetas> {
    // Plain rows: a chunk of the nightly run reads tens of thousands of betas.
    const rows = (await SymbolFactorExposureModel.query(db)
      .joinRelated('factor')
      .select('symbol_factor_exposures.symbol', 'factor.name', 'symbol_factor_exposures.calculation_date', 'symbol_factor_exposures.beta_value')
      .whereIn('symbol_factor_exposures.symbol', symbols as string[])
      .whereBetween('symbol_factor_exposures.calculation_date', [from, to])
      .toKnexQuery()) as { symbol: string; name: string; calculation_date: IsoDate; beta_value: number }[];
    const out: StoredBetas = new Map();
    for (const row of rows) {
      let bySymbol = out.get(row.symbol);
      if (!bySymbol) out.set(row.symbol, (bySymbol = new Map()));
      bySymbol.set(`${row.name}|${row.calculation_date}`, row.beta_value);
    }
    return out;
  }
}
