import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { FactorDefinitionModel } from './factor-definition.model.js';
import { PositionModel } from './position.model.js';

export interface PositionExposureWrite {
  positionId: string;
  factorId: number;
  date: IsoDate;
  betaValue: number;
  exposureDollar: number;
}

/** One factor exposure of a position on a date, as the API returns it. */
export interface PositionExposureView {
  positionId: string;
  symbol: string;
  quantity: number;
  factorId: number;
  factorName: string;
  betaValue: number;
  exposureDollar: number;
}

const EXPOSURES: BulkUpsertSpec = {
  columns: [
    { name: 'position_id', type: 'uuid' },
    { name: 'factor_id', type: 'smallint' },
    { name: 'calculation_date', type: 'date' },
    { name: 'beta_value', type: 'numeric' },
    { name: 'exposure_dollar', type: 'numeric' },
  ],
  key: ['position_id', 'factor_id', 'calculation_date'],
  touch: 'updated_at = now()',
};

/** `position_factor_exposures`: every held position's exposure to every factor on every date (the largest table). */
export class PositionFactorExposureModel extends BaseModel {
  static override tableName = 'position_factor_exposures';
  static override idColumn = ['position_id', 'calculation_date', 'factor_id'];
  id!: number;
  position_id!: string;
  factor_id!: number;
  calculation_date!: IsoDate;
  beta_value!: number;
  exposure_dollar!: number;
  position?: PositionModel;
  factor?: FactorDefinitionModel;

  static override get relationMappings(): RelationMappings {
    return {
      position: { relation: BaseModel.BelongsToOneRelation, modelClass: PositionModel, join: { from: 'position_factor_exposures.position_id', to: 'positions.id' } },
      factor: { relation: BaseModel.BelongsToOneRelation, modelClass: FactorDefinitionModel, join: { from: 'position_factor_exposures.factor_id', to: 'factor_definitions.id' } },
    };
  }

  static async upsertMany(db: Db, rows: readonly PositionExposureWrite[]): Promise<number> {
    return PositionFactorExposureModel.upsertRows(
      db,
      EXPOSURES,
      rows.map((r) => ({
        position_id: r.positionId,
        factor_id: r.factorId,
        calculation_date: r.date,
        beta_value: r.betaValue,
        exposure_dollar: r.exposureDollar,
      })),
    );
  }

  /** Removes the exposures of each portfolio's positions from its date on (the dates being recomputed). */
  static async deleteFrom(trx: Db, requests: readonly { portfolioId: string; from: IsoDate }[]): Promise<void> {
    if (requests.length === 0) return;
    await trx.raw(
      `DELETE FROM position_factor_exposures e USING positions p, unnest(?::uuid[], ?::date[]) AS q(pid, d)
        WHERE p.portfolio_id = q.pid AND e.position_id = p.id AND e.calculation_date >= q.d`,
      [requests.map((x) => x.portfolioId), requests.map((x) => x.from)],
    );
  }

  /** A portfolio's position exposures on a date, by symbol, position and factor order. */
  static async ofPortfolioOn(db: Db, portfolioId: string, date: IsoDate): Promise<PositionExposureView[]> {
    const rows = await PositionFactorExposureModel.query(db)
      .joinRelated('[position, factor]')
      .select(
        'position.id as positionId',
        'position.symbol',
        'position.quantity',
        'factor.id as factorId',
        'factor.name as factorName',
        'position_factor_exposures.beta_value as betaValue',
        'position_factor_exposures.exposure_dollar as exposureDollar',
      )
      .where({ 'position.portfolio_id': portfolioId, 'position_factor_exposures.calculation_date': date })
      .orderBy([{ column: 'position.symbol' }, { column: 'position.id' }, { column: 'factor.display_order' }])
      .toKnexQuery();
    return rows as unknown as PositionExposureView[];
  }
}
