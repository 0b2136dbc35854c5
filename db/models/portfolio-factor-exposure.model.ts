import type { RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';
import { FactorDefinitionModel } from './factor-definition.model.js';
import { PortfolioModel } from './portfolio.model.js';

export interface PortfolioExposureWrite {
  portfolioId: string;
  factorId: number;
  date: IsoDate;
  exposureValue: number | null;
  exposureDollar: number;
  /** Share of the gross exposure of held public positions that had a beta for this factor (0..1). */
  coverage: number | null;
}

/** One factor exposure of a portfolio on a date, as the API returns it. */
export interface PortfolioExposureView {
  factorId: number;
  factorName: string;
  displayOrder: number;
  exposureValue: number | null;
  exposureDollar: number;
  coverage: number | null;
}

const EXPOSURES: BulkUpsertSpec = {
  columns: [
    { name: 'portfolio_id', type: 'uuid' },
    { name: 'factor_id', type: 'smallint' },
    { name: 'calculation_date', type: 'date' },
    { name: 'exposure_value', type: 'numeric' },
    { name: 'exposure_dollar', type: 'numeric' },
    { name: 'coverage', type: 'numeric' },
  ],
  key: ['portfolio_id', 'factor_id', 'calculation_date'],
  touch: 'updated_at = now()',
};

/** `factor_exposures`: a portfolio's exposure to every factor on every date. */
export class PortfolioFactorExposureModel extends BaseModel {
  static override tableName = 'factor_exposures';
  static override idColumn = ['portfolio_id', 'calculation_date', 'factor_id'];
  id!: number;
  portfolio_id!: string;
  factor_id!: number;
  calculation_date!: IsoDate;
  exposure_value!: number | null;
  exposure_dollar!: number;
  coverage!: number | null;
  portfolio?: PortfolioModel;
  factor?: FactorDefinitionModel;

  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: BaseModel.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'factor_exposures.portfolio_id', to: 'portfolios.id' } },
      factor: { relation: BaseModel.BelongsToOneRelation, modelClass: FactorDefinitionModel, join: { from: 'factor_exposures.factor_id', to: 'factor_definitions.id' } },
    };
  }

  static async upsertMany(db: Db, rows: readonly PortfolioExposureWrite[]): Promise<number> {
    return PortfolioFactorExposureModel.upsertRows(
      db,
      EXPOSURES,
      rows.map((r) => ({
        portfolio_id: r.portfolioId,
        factor_id: r.factorId,
        calculation_date: r.date,
        exposure_value: r.exposureValue,
        exposure_dollar: r.exposureDollar,
        coverage: r.coverage,
      })),
    );
  }

  /** Removes each portfolio's exposures from its date on (the dates being recomputed). */
  static async deleteFrom(trx: Db, requests: readonly { portfolioId: string; from: IsoDate }[]): Promise<void> {
    if (requests.length === 0) return;
    await trx.raw(`DELETE FROM factor_exposures f USING unnest(?::uuid[], ?::date[]) AS q(pid, d) WHERE f.portfolio_id = q.pid AND f.calculation_date >= q.d`, [
      requests.map((x) => x.portfolioId),
      requests.map((x) => x.from),
    ]);
  }

  /** The latest date a portfolio has exposures for. */
  static async latestDate(db: Db, portfolioId: string): Promise<IsoDate | null> {
    const row = (await PortfolioFactorExposureModel.query(db).where({ portfolio_id: portfolioId }).max('calculation_date as d').first()) as unknown as
      | { d: IsoDate | null }
      | undefined;
    return row?.d ?? null;
  }

  /** A portfolio's exposures on a date, in display order of the factors. */
  static async ofPortfolioOn(db: Db, portfolioId: string, date: IsoDate): Promise<PortfolioExposureView[]> {
    const rows = await PortfolioFactorExposureModel.query(db)
      .joinRelated('factor')
      .select(
        'factor.id as factorId',
        'factor.name as factorName',
        'factor.display_order as displayOrder',
        'factor_exposures.exposure_value as exposureValue',
        'factor_exposures.exposure_dollar as exposureDollar',
        'factor_exposures.coverage as coverage',
      )
      .where({ 'factor_exposures.portfolio_id': portfolioId, 'factor_exposures.calculation_date': date })
      .orderBy('factor.display_order')
      .toKnexQuery();
    return rows as unknown as PortfolioExposureView[];
  }
}
