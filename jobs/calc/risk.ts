/**
 * Portfolio risk statistics from daily returns.
 */

export const TRADING_DAYS_PER_YEAR = 252;

/**
 * Annualised realised volatility of the last `window` daily returns:
 * sample standard deviation (n − 1 denominator) × √252. Null until `window` returns exist.
 * `returns` is ordered oldest first.
 */
export function realizedVolatility(returns: readonly number[], window: number): number | null {
  if (window < 2 || returns.length < window) return null;
  const start = returns.length - window;
  let mean = 0;
  for (let i = start; i < returns.length; i++) mean += returns[i]!;
  mean /= window;
  let ss = 0;
  for (let i = start; i < returns.length; i++) {
    const dlt = returns[i]! - mean;
    ss += dlt * dlt;
  }
  const vol = Math.sqrt(ss / (window - 1)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
  return Number.isFinite(vol) ? vol : null;
}
