/**
 * Deterministic synthetic market data for the calc tests and the benchmark.
 */
import { NO_CORPORATE_ACTIONS, type SymbolHistory } from '../../../../jobs/calc/corporate-actions.js';
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

/** A history with no corporate actions, for series that have none. */
export function plain(closes: readonly Bar[]): SymbolHistory {
  return { closes, actions: NO_CORPORATE_ACTIONS };
}

/** Histories without corporate actions for every series of a record. */
export function plainAll(series: Record<string, readonly Bar[]>): Record<string, SymbolHistory> {
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, plain(v)]));
}

/**
 * Reference linear fit with intercept, written out independently of jobs/calc: centre every column,
 * standardise the regressors by their population σ, solve (XsᵀXs + α·diag(penalised)) w = Xsᵀy_c by
 * Gauss-Jordan elimination, β = w/σ. α = 0 is OLS. Returns β, the intercept ȳ − Σ β_j x̄_j and
 * R² = 1 − SS_res/SS_tot.
 */
export function referenceFit(xCols: readonly ArrayLike<number>[], y: ArrayLike<number>, alpha = 0, penalised: readonly boolean[] = xCols.map(() => true)): { beta: number[]; intercept: number; r2: number } {
  const n = y.length;
  const k = xCols.length;
  const mean = (c: ArrayLike<number>): number => {
    let s = 0;
    for (let t = 0; t < n; t++) s += c[t]!;
    return s / n;
  };
  const yc = Array.from({ length: n }, (_, t) => y[t]! - mean(y));
  const xMeans = xCols.map((c) => mean(c));
  const xs = xCols.map((c, j) => {
    const m = xMeans[j]!;
    const centred = Array.from({ length: n }, (_, t) => c[t]! - m);
    const sd = Math.sqrt(centred.reduce((s, v) => s + v * v, 0) / n);
    return { sd, col: centred.map((v) => v / sd) };
  });
  const a: number[][] = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k + 1 }, (_, j) => {
      let s = 0;
      if (j === k) for (let t = 0; t < n; t++) s += xs[i]!.col[t]! * yc[t]!;
      else for (let t = 0; t < n; t++) s += xs[i]!.col[t]! * xs[j]!.col[t]!;
      return s + (j === i && penalised[i] ? alpha : 0);
    }),
  );
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  const w = a.map((r, i) => r[k]! / r[i]!);
  let ssRes = 0;
  let ssTot = 0;
  for (let t = 0; t < n; t++) {
    let pred = 0;
    for (let j = 0; j < k; j++) pred += w[j]! * xs[j]!.col[t]!;
    ssRes += (yc[t]! - pred) ** 2;
    ssTot += yc[t]! ** 2;
  }
  const beta = w.map((v, j) => v / xs[j]!.sd);
  return { beta, intercept: mean(y) - beta.reduce((s, b, j) => s + b * xMeans[j]!, 0), r2: 1 - ssRes / ssTot };
}

export interface CollinearSpec {
  /** Market loading of each proxy (SPY is the market itself, 1). */
  loading: Partial<Record<string, number>>;
  /** Daily volatility of each proxy's own factor (its style, size or rates factor). */
  own: Partial<Record<string, number>>;
}

/**
 * The proxies' factor structure of the real market: SPY is the market m (daily σ 1 %); every other
 * proxy is loading × m + its own independent factor, so the style proxies correlate with SPY at
 * 0.85-0.97 and TLT weakly and negatively. `ownReturns` keeps each proxy's own factor.
 */
export const REALISTIC: CollinearSpec = {
  loading: { SPY: 1, VTV: 0.97, VUG: 1.03, MTUM: 1.0, QUAL: 0.98, IWM: 1.1, USMV: 0.75, TLT: -0.2 },
  own: { SPY: 0, VTV: 0.003, VUG: 0.0035, MTUM: 0.004, QUAL: 0.0025, IWM: 0.006, USMV: 0.003, TLT: 0.009 },
};

export function collinearMarket(from: IsoDate, to: IsoDate, seed: number, spec: CollinearSpec = REALISTIC): SyntheticMarket & { ownReturns: Record<string, number[]> } {
  const dates = tradingDaysBetween(from, to);
  const z = normal(prng(seed));
  const market = dates.map(() => 0.01 * z());
  const factorReturns: Record<string, number[]> = {};
  const ownReturns: Record<string, number[]> = {};
  const factorCloses: Record<string, Bar[]> = {};
  FACTOR_PROXIES.forEach((p, k) => {
    const own = spec.own[p] ?? 0;
    ownReturns[p] = market.map(() => own * z());
    factorReturns[p] = market.map((m, t) => (spec.loading[p] ?? 1) * m + ownReturns[p]![t]!);
    factorCloses[p] = closesFromReturns(dates, factorReturns[p]!, 50 + 10 * k);
  });
  return { dates, factorReturns, factorCloses, ownReturns };
}

/** Pearson correlation of two equally long series. */
export function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let t = 0; t < n; t++) {
    sab += (a[t]! - ma) * (b[t]! - mb);
    saa += (a[t]! - ma) ** 2;
    sbb += (b[t]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
