/** Public surface of the risk figures (pure). */
export * from './figure.js';
export * from './series.js';
export * from './volatility.js';
export * from './holdings.js';
export * from './concentration.js';
export * from './sic-sectors.js';
export * from './sectors.js';
export * from './correlations.js';
export * from './factor-risk.js';
export * from './var.js';
export * from './stress.js';
export * from './portfolio-risk.js';
