import { BaseModel, type Db } from './base.model.js';

/** `factor_definitions`: the 12 factors, seeded by the first migration. */
export class FactorDefinitionModel extends BaseModel {
  static override tableName = 'factor_definitions';
  id!: number;
  name!: string;
  factor_type!: 'market' | 'interest_rate' | 'style' | 'spread';
  method!: 'ols' | 'ridge' | 'spread_ols';
  etf_proxy!: string;
  display_order!: number;

  /** factor name → id */
  static async idsByName(db: Db): Promise<Map<string, number>> {
    const rows = await FactorDefinitionModel.query(db).select('id', 'name');
    return new Map(rows.map((r) => [r.name, r.id]));
  }
}
