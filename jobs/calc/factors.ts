/**
 * The 12 factor definitions in display order: market and interest-rate betas, six style betas from
 * one ridge regression, four long-short spreads. The database seed of `factor_definitions` uses this
 * list, so names are part of the storage contract. How each beta is estimated: factor-betas.ts and
 * docs/factor-model.md.
 */

/** Factor ETFs that are always in scope of a run. */
export const FACTOR_PROXIES = ['SPY', 'VTV', 'VUG', 'MTUM', 'QUAL', 'IWM', 'USMV', 'TLT'] as const;
export type FactorProxy = (typeof FACTOR_PROXIES)[number];

export type FactorType = 'market' | 'interest_rate' | 'style' | 'spread';
export type FactorMethod = 'ols' | 'ridge' | 'spread_ols';

export interface FactorDefinition {
  readonly name: string;
  readonly factorType: FactorType;
  readonly method: FactorMethod;
  /** The proxy ETF, or 'LONG-SHORT' for a spread (return of LONG minus return of SHORT). */
  readonly etfProxy: string;
  readonly displayOrder: number;
  /** Number of most recent aligned daily returns (ending at the calculation date) used. */
  readonly window: number;
  /** Fewer aligned returns than this in the window: no beta for that date. */
  readonly minObservations: number;
}

export const RIDGE_WINDOW = 90;
export const RIDGE_MIN_OBSERVATIONS = 30;
export const RIDGE_ALPHA = 1.0;
export const SPREAD_WINDOW = 180;
export const SPREAD_MIN_OBSERVATIONS = 60;
export const OLS_WINDOW = 90;
export const OLS_MIN_OBSERVATIONS = 30;
/** Betas are clipped to [−BETA_CLIP, BETA_CLIP]. */
export const BETA_CLIP = 5;

export const FACTORS = [
  { name: 'Market Beta', factorType: 'market', method: 'ols', etfProxy: 'SPY', displayOrder: 1, window: OLS_WINDOW, minObservations: OLS_MIN_OBSERVATIONS },
  { name: 'IR Beta', factorType: 'interest_rate', method: 'ols', etfProxy: 'TLT', displayOrder: 2, window: OLS_WINDOW, minObservations: OLS_MIN_OBSERVATIONS },
  { name: 'Value', factorType: 'style', method: 'ridge', etfProxy: 'VTV', displayOrder: 3, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Growth', factorType: 'style', method: 'ridge', etfProxy: 'VUG', displayOrder: 4, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Momentum', factorType: 'style', method: 'ridge', etfProxy: 'MTUM', displayOrder: 5, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Quality', factorType: 'style', method: 'ridge', etfProxy: 'QUAL', displayOrder: 6, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Size', factorType: 'style', method: 'ridge', etfProxy: 'IWM', displayOrder: 7, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Low Volatility', factorType: 'style', method: 'ridge', etfProxy: 'USMV', displayOrder: 8, window: RIDGE_WINDOW, minObservations: RIDGE_MIN_OBSERVATIONS },
  { name: 'Growth-Value Spread', factorType: 'spread', method: 'spread_ols', etfProxy: 'VUG-VTV', displayOrder: 9, window: SPREAD_WINDOW, minObservations: SPREAD_MIN_OBSERVATIONS },
  { name: 'Momentum Spread', factorType: 'spread', method: 'spread_ols', etfProxy: 'MTUM-SPY', displayOrder: 10, window: SPREAD_WINDOW, minObservations: SPREAD_MIN_OBSERVATIONS },
  { name: 'Size Spread', factorType: 'spread', method: 'spread_ols', etfProxy: 'IWM-SPY', displayOrder: 11, window: SPREAD_WINDOW, minObservations: SPREAD_MIN_OBSERVATIONS },
  { name: 'Quality Spread', factorType: 'spread', method: 'spread_ols', etfProxy: 'QUAL-SPY', displayOrder: 12, window: SPREAD_WINDOW, minObservations: SPREAD_MIN_OBSERVATIONS },
] as const satisfies readonly FactorDefinition[];

export type FactorName = (typeof FACTORS)[number]['name'];

/** The style factors of the ridge regression, in column order of the design matrix. */
export const RIDGE_FACTORS = FACTORS.filter((f) => f.method === 'ridge');

const BY_NAME = new Map<string, (typeof FACTORS)[number]>(FACTORS.map((f) => [f.name, f]));

/** The definition of a factor by name; undefined for an unknown name. */
export function factorByName(name: string): (typeof FACTORS)[number] | undefined {
  return BY_NAME.get(name);
}

/** True for one of the 12 factor names. */
export function isFactorName(name: string): name is FactorName {
  return BY_NAME.has(name);
}

/**
 * The proxies a factor's regression needs (every factor is estimated jointly with the market, so
 * SPY is always among them): Market Beta needs SPY only; IR Beta SPY and TLT; a style factor SPY and
 * its own proxy; a spread SPY and both legs. A proxy without enough data removes exactly the factors
 * that list it.
 */
export function proxiesNeededBy(name: FactorName): readonly FactorProxy[] {
  const f = BY_NAME.get(name);
  if (f === undefined) throw new RangeError(`Unknown factor ${JSON.stringify(name)}`);
  const legs = f.etfProxy.split('-') as FactorProxy[];
  return [...new Set<FactorProxy>(['SPY', ...legs])];
}

/** Largest lookback (in aligned returns) any factor needs, i.e. the spread window. */
export const MAX_FACTOR_WINDOW = Math.max(...FACTORS.map((f) => f.window));
