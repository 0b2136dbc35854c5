/** Public surface of the pure analytics engine. */
export * from './types.js';
export * from './factors.js';
export * from './trading-calendar.js';
export * from './corporate-actions.js';
export * from './returns.js';
export * from './ols.js';
export * from './ridge.js';
export * from './linear-model.js';
export * from './factor-betas.js';
export * from './symbol-metrics.js';
export * from './risk.js';
export * from './exposures.js';
export * from './portfolio-day.js';
export * from './entry-price.js';
