import { Model, type RelationMappings } from 'objection';

/**
 * Objection models for every table, with their relations. They live in one module because the
 * relations are mutually recursive; bulk and hot-path SQL lives in db/queries.
 * Dates are 'YYYY-MM-DD' strings and NUMERIC columns are numbers (see db/knex.ts).
 */

export class UserModel extends Model {
  static override tableName = 'users';
  id!: string;
  email!: string;
  created_at!: Date;
  tokens?: ApiTokenModel[];
  portfolios?: PortfolioModel[];
  static override get relationMappings(): RelationMappings {
    return {
      tokens: { relation: Model.HasManyRelation, modelClass: ApiTokenModel, join: { from: 'users.id', to: 'api_tokens.user_id' } },
      portfolios: { relation: Model.HasManyRelation, modelClass: PortfolioModel, join: { from: 'users.id', to: 'portfolios.user_id' } },
    };
  }
}

export class ApiTokenModel extends Model {
  static override tableName = 'api_tokens';
  id!: string;
  user_id!: string;
  token_hash!: string;
  role!: 'admin' | 'user';
  created_at!: Date;
  revoked_at!: Date | null;
  user?: UserModel;
  static override get relationMappings(): RelationMappings {
    return {
      user: { relation: Model.BelongsToOneRelation, modelClass: UserModel, join: { from: 'api_tokens.user_id', to: 'users.id' } },
    };
  }
}

export class PortfolioModel extends Model {
  static override tableName = 'portfolios';
  id!: string;
  user_id!: string;
  name!: string;
  currency!: string;
  equity_balance!: number;
  inception_date!: string;
  idempotency_key!: string | null;
  request_hash!: string | null;
  created_at!: Date;
  updated_at!: Date;
  deleted_at!: Date | null;
  owner?: UserModel;
  positions?: PositionModel[];
  snapshots?: PortfolioSnapshotModel[];
  factorExposures?: FactorExposureModel[];
  runs?: BatchRunModel[];
  static override get relationMappings(): RelationMappings {
    return {
      owner: { relation: Model.BelongsToOneRelation, modelClass: UserModel, join: { from: 'portfolios.user_id', to: 'users.id' } },
      positions: { relation: Model.HasManyRelation, modelClass: PositionModel, join: { from: 'portfolios.id', to: 'positions.portfolio_id' } },
      snapshots: { relation: Model.HasManyRelation, modelClass: PortfolioSnapshotModel, join: { from: 'portfolios.id', to: 'portfolio_snapshots.portfolio_id' } },
      factorExposures: { relation: Model.HasManyRelation, modelClass: FactorExposureModel, join: { from: 'portfolios.id', to: 'factor_exposures.portfolio_id' } },
      runs: { relation: Model.HasManyRelation, modelClass: BatchRunModel, join: { from: 'portfolios.id', to: 'batch_run_history.portfolio_id' } },
    };
  }
}

export class PositionModel extends Model {
  static override tableName = 'positions';
  id!: string;
  portfolio_id!: string;
  symbol!: string;
  quantity!: number;
  entry_price!: number;
  entry_date!: string;
  exit_date!: string | null;
  exit_price!: number | null;
  investment_class!: 'PUBLIC' | 'PRIVATE';
  created_at!: Date;
  deleted_at!: Date | null;
  portfolio?: PortfolioModel;
  instrument?: SymbolModel;
  factorExposures?: PositionFactorExposureModel[];
  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: Model.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'positions.portfolio_id', to: 'portfolios.id' } },
      instrument: { relation: Model.BelongsToOneRelation, modelClass: SymbolModel, join: { from: 'positions.symbol', to: 'symbol_universe.symbol' } },
      factorExposures: { relation: Model.HasManyRelation, modelClass: PositionFactorExposureModel, join: { from: 'positions.id', to: 'position_factor_exposures.position_id' } },
    };
  }
}

export class SymbolModel extends Model {
  static override tableName = 'symbol_universe';
  static override idColumn = 'symbol';
  symbol!: string;
  asset_type!: string;
  first_seen_date!: string | null;
  last_seen_date!: string | null;
  is_active!: boolean;
  price_status!: 'pending' | 'ok' | 'unavailable';
  unavailable_reason!: string | null;
  bars?: MarketDataModel[];
  coverage?: PriceCoverageModel;
  factorExposures?: SymbolFactorExposureModel[];
  metrics?: SymbolDailyMetricModel[];
  static override get relationMappings(): RelationMappings {
    return {
      bars: { relation: Model.HasManyRelation, modelClass: MarketDataModel, join: { from: 'symbol_universe.symbol', to: 'market_data_cache.symbol' } },
      coverage: { relation: Model.HasOneRelation, modelClass: PriceCoverageModel, join: { from: 'symbol_universe.symbol', to: 'price_coverage.symbol' } },
      factorExposures: { relation: Model.HasManyRelation, modelClass: SymbolFactorExposureModel, join: { from: 'symbol_universe.symbol', to: 'symbol_factor_exposures.symbol' } },
      metrics: { relation: Model.HasManyRelation, modelClass: SymbolDailyMetricModel, join: { from: 'symbol_universe.symbol', to: 'symbol_daily_metrics.symbol' } },
    };
  }
}

export class MarketDataModel extends Model {
  static override tableName = 'market_data_cache';
  static override idColumn = ['symbol', 'date'];
  symbol!: string;
  date!: string;
  open!: number | null;
  high!: number | null;
  low!: number | null;
  close!: number;
  volume!: number | null;
  source!: string;
  fetched_at!: Date;
}

export class PriceCoverageModel extends Model {
  static override tableName = 'price_coverage';
  static override idColumn = 'symbol';
  symbol!: string;
  covered_from!: string;
  covered_to!: string;
  checked_at!: Date;
}

export class FactorDefinitionModel extends Model {
  static override tableName = 'factor_definitions';
  id!: number;
  name!: string;
  factor_type!: 'market' | 'interest_rate' | 'style' | 'spread';
  method!: 'ols' | 'ridge' | 'spread_ols';
  etf_proxy!: string;
  display_order!: number;
}

const factorRelation = (from: string): RelationMappings => ({
  factor: { relation: Model.BelongsToOneRelation, modelClass: FactorDefinitionModel, join: { from, to: 'factor_definitions.id' } },
});

export class SymbolFactorExposureModel extends Model {
  static override tableName = 'symbol_factor_exposures';
  static override idColumn = ['symbol', 'calculation_date', 'factor_id'];
  id!: number;
  symbol!: string;
  factor_id!: number;
  calculation_date!: string;
  beta_value!: number;
  r_squared!: number | null;
  observations!: number;
  std_error!: number | null;
  method!: string;
  window!: number;
  quality_flag!: string;
  factor?: FactorDefinitionModel;
  static override get relationMappings(): RelationMappings {
    return factorRelation('symbol_factor_exposures.factor_id');
  }
}

export class SymbolDailyMetricModel extends Model {
  static override tableName = 'symbol_daily_metrics';
  static override idColumn = ['symbol', 'metrics_date'];
  symbol!: string;
  metrics_date!: string;
  price!: number | null;
  return_1d!: number | null;
  return_mtd!: number | null;
  return_ytd!: number | null;
  return_1m!: number | null;
  return_3m!: number | null;
  return_1y!: number | null;
}

export class PortfolioSnapshotModel extends Model {
  static override tableName = 'portfolio_snapshots';
  id!: number;
  portfolio_id!: string;
  snapshot_date!: string;
  total_value!: number;
  cash_value!: number;
  long_value!: number;
  short_value!: number;
  gross_exposure!: number;
  net_exposure!: number;
  daily_pnl!: number;
  daily_return!: number;
  cumulative_pnl!: number;
  num_positions!: number;
  num_long!: number;
  num_short!: number;
  beta_market!: number | null;
  realized_volatility_21d!: number | null;
  realized_volatility_63d!: number | null;
  is_complete!: boolean;
  warnings!: unknown[];
  run_id!: string | null;
  portfolio?: PortfolioModel;
  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: Model.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'portfolio_snapshots.portfolio_id', to: 'portfolios.id' } },
    };
  }
}

export class PositionFactorExposureModel extends Model {
  static override tableName = 'position_factor_exposures';
  static override idColumn = ['position_id', 'calculation_date', 'factor_id'];
  id!: number;
  position_id!: string;
  factor_id!: number;
  calculation_date!: string;
  beta_value!: number;
  exposure_dollar!: number;
  position?: PositionModel;
  factor?: FactorDefinitionModel;
  static override get relationMappings(): RelationMappings {
    return {
      ...factorRelation('position_factor_exposures.factor_id'),
      position: { relation: Model.BelongsToOneRelation, modelClass: PositionModel, join: { from: 'position_factor_exposures.position_id', to: 'positions.id' } },
    };
  }
}

export class FactorExposureModel extends Model {
  static override tableName = 'factor_exposures';
  static override idColumn = ['portfolio_id', 'calculation_date', 'factor_id'];
  id!: number;
  portfolio_id!: string;
  factor_id!: number;
  calculation_date!: string;
  exposure_value!: number | null;
  exposure_dollar!: number;
  portfolio?: PortfolioModel;
  factor?: FactorDefinitionModel;
  static override get relationMappings(): RelationMappings {
    return {
      ...factorRelation('factor_exposures.factor_id'),
      portfolio: { relation: Model.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'factor_exposures.portfolio_id', to: 'portfolios.id' } },
    };
  }
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'partial' | 'failed';

export class BatchRunModel extends Model {
  static override tableName = 'batch_run_history';
  id!: string;
  scope!: 'all' | 'portfolio';
  portfolio_id!: string | null;
  scope_key!: string;
  source!: 'cron' | 'onboarding' | 'admin' | 'settings';
  status!: RunStatus;
  requested_by!: string | null;
  requested_from!: string | null;
  requested_to!: string | null;
  force!: boolean;
  job_id!: string | null;
  attempts!: number;
  created_at!: Date;
  started_at!: Date | null;
  heartbeat_at!: Date | null;
  finished_at!: Date | null;
  phases!: Record<string, unknown>;
  counters!: Record<string, unknown>;
  progress!: Record<string, unknown>;
  warnings!: unknown[];
  error_summary!: string | null;
  activity_log!: unknown[];
  portfolio?: PortfolioModel;
  chunks?: BatchRunChunkModel[];
  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: Model.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'batch_run_history.portfolio_id', to: 'portfolios.id' } },
      chunks: { relation: Model.HasManyRelation, modelClass: BatchRunChunkModel, join: { from: 'batch_run_history.id', to: 'batch_run_chunks.run_id' } },
    };
  }
}

export class BatchRunChunkModel extends Model {
  static override tableName = 'batch_run_chunks';
  static override idColumn = ['run_id', 'chunk_no'];
  run_id!: string;
  chunk_no!: number;
  portfolio_ids!: string[];
  job_id!: string | null;
  status!: RunStatus;
  dates_total!: number;
  dates_done!: number;
  portfolios_done!: number;
  failures!: unknown[];
  warnings!: unknown[];
  counters!: Record<string, number>;
  run?: BatchRunModel;
  static override get relationMappings(): RelationMappings {
    return {
      run: { relation: Model.BelongsToOneRelation, modelClass: BatchRunModel, join: { from: 'batch_run_chunks.run_id', to: 'batch_run_history.id' } },
    };
  }
}
