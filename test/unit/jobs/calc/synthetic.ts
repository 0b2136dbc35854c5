/**
 * Deterministic synthetic market data for the calc tests and the benchmark.
 */
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import type { Bar, IsoDate } from '../../../../jobs/calc/types.js';
import { mulberry32 } from '../../../../jobs/market-data/prng.js';

/** mulberry32: a tiny seeded PRNG with uniform output in [0, 1). */
export const prng = mulberry32;

/** Standard normal draws by Box-Muller. */
export function normal(rnd: () => number): () => number {
  return () => {
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Closes from returns: P_0 = start, P_t = P_{t−1}(1 + r_t). */
export function closesFromReturns(dates: readonly IsoDate[], returns: readonly number[], start = 100): Bar[] {
  let p = start;
  return dates.map((date, i) => {
    if (i > 0) p *= 1 + returns[i]!;
    return { date, close: p };
  });
}

export interface SyntheticMarket {
  dates: IsoDate[];
  /** Daily returns per proxy, index-aligned with dates (index 0 unused). */
  factorReturns: Record<string, number[]>;
  factorCloses: Record<string, Bar[]>;
}

/** Correlated proxy returns: a market shock plus idiosyncratic noise per proxy. */
export function syntheticMarket(from: IsoDate, to: IsoDate, seed: number): SyntheticMarket {
  const dates = tradingDaysBetween(from, to);
  const z = normal(prng(seed));
  const market = dates.map(() => 0.01 * z());
  const factorReturns: Record<string, number[]> = {};
  const factorCloses: Record<string, Bar[]> = {};
  FACTOR_PROXIES.forEach((p, k) => {
    const load = p === 'SPY' ? 1 : p === 'TLT' ? -0.3 : 0.8 + 0.05 * k;
    factorReturns[p] = market.map((m) => load * m + 0.004 * z());
    factorCloses[p] = closesFromReturns(dates, factorReturns[p]!, 50 + 10 * k);
  });
  return { dates, factorReturns, factorCloses };
}

/** A symbol whose returns are Σ loading × proxy return + noise. */
export function syntheticSymbol(market: SyntheticMarket, loadings: Partial<Record<string, number>>, noise: number, seed: number, start = 40): Bar[] {
  const z = normal(prng(seed));
  const r = market.dates.map((_, t) => {
    let v = noise * z();
    for (const [p, b] of Object.entries(loadings)) v += (b ?? 0) * market.factorReturns[p]![t]!;
    return v;
  });
  return closesFromReturns(market.dates, r, start);
}
