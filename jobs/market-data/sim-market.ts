/**
 * The simulated market's factor structure: the daily returns the factor ETFs are made of, and the
 * true loadings of every ticker on them.
 *
 * Factors (day i, all seeded by the simulator's seed):
 * - market m: SPY's return. Drift plus a GARCH(1,1) shock (variance h_i = ω + α·e²_{i−1} + β·h_{i−1},
 *   e the previous day's total shock) plus occasional market-wide jump days (mostly crashes), so
 *   calm years, bad weeks and drawdowns alternate.
 * - style factors x_s, one per style proxy s ∈ {VTV, VUG, MTUM, QUAL, IWM, USMV}: the proxy's return
 *   minus SPY's, x_s = μ_s + (b_s − 1)·(m − μ_m) + σ_s·(v_i/σ̄)·u_s. b_s is the proxy's sensitivity to the
 *   market (USMV 0.72, IWM 1.15, …), u_s its own shock (VTV's and VUG's share an opposite
 *   growth-value component), scaled by the market's conditional volatility; c_i (below) is a milder
 *   clustering multiplier for the other shocks.
 *   So every style proxy is the market plus its style factor, r_s = m + x_s, and moves with SPY at
 *   0.85-0.97 (IWM 0.75-0.9).
 * - rates: TLT's return, with a small negative market sensitivity (−0.12).
 * - gold, international equity and seven sector factors: independent of the proxies.
 *
 * A ticker's daily return is
 *   r = α + β_m·m + Σ_s β_s·x_s + β_r·rates + β_gold·gold + β_intl·intl + β_sector·sector + σ·c_i·z,
 * so a regression on [SPY, VTV − SPY, …, USMV − SPY, TLT] recovers (β_m, β_s…, β_r): the true
 * market-neutral loadings (`simulatedBetas`). A univariate regression on SPY alone recovers
 * `simulatedMarketBeta` instead, which adds what the styles and rates carry of the market.
 */
import { FACTOR_PROXIES } from '../calc/factors.js';
import type { FactorProxy } from '../calc/factors.js';
import type { IsoDate } from '../calc/types.js';
import { fnv1a, normalArray, normalStream, seeded } from './prng.js';
import { knownSymbol, SECTORS, STYLE_PROXIES } from './sim-symbols.js';
import type { AssetClass, Sector, StyleProxy } from './sim-symbols.js';

export const SIM_START_DATE: IsoDate = '2015-01-02';

/** Market factor: drift, GARCH(1,1) variance and jump days (daily units). */
export const MARKET_MODEL = {
  mu: 0.00045,
  /** Long-run volatility of the diffusive shock (jumps come on top). */
  longRunVol: 0.01,
  garchAlpha: 0.06,
  garchBeta: 0.88,
  volFloor: 0.006,
  volCap: 0.04,
  jumpProbability: 1.6 / 252,
  /** Share of jump days that are crashes; the others are rebounds. */
  crashShare: 0.75,
  crash: { mean: -0.035, sd: 0.015 },
  rebound: { mean: 0.025, sd: 0.01 },
} as const;

/** Style factors: the market sensitivity b_s of each proxy, its own volatility and drift (daily). */
export const STYLE_MODEL: Readonly<Record<StyleProxy, { marketSensitivity: number; vol: number; mu: number; growthValue: number }>> = {
  VTV: { marketSensitivity: 0.9, vol: 0.004, mu: -0.00004, growthValue: -0.6 },
  VUG: { marketSensitivity: 1.1, vol: 0.0045, mu: 0.00006, growthValue: 0.6 },
  MTUM: { marketSensitivity: 1.0, vol: 0.0045, mu: 0.00003, growthValue: 0 },
  QUAL: { marketSensitivity: 1.0, vol: 0.003, mu: 0.00002, growthValue: 0 },
  IWM: { marketSensitivity: 1.15, vol: 0.008, mu: -0.00006, growthValue: 0 },
  USMV: { marketSensitivity: 0.72, vol: 0.0035, mu: 0.00002, growthValue: 0 },
};

export const RATES_MODEL = { mu: 0.00008, vol: 0.0092, marketSensitivity: -0.12 } as const;
export const GOLD_MODEL = { mu: 0.0002, vol: 0.0088 } as const;
export const INTERNATIONAL_MODEL = { mu: 0, vol: 0.0055 } as const;
export const SECTOR_VOL: Readonly<Record<Sector, number>> = {
  technology: 0.007,
  consumer: 0.006,
  financials: 0.007,
  energy: 0.011,
  healthcare: 0.006,
  utilities: 0.006,
  industrials: 0.005,
};

export interface SimLoadings {
  assetClass: AssetClass;
  market: number;
  styles: Readonly<Record<StyleProxy, number>>;
  rates: number;
  gold: number;
  international: number;
  sector: Sector | undefined;
  sectorLoading: number;
  /** Daily volatility of the ticker's own noise before clustering. */
  idioVol: number;
  /** Constant daily drift of its own (negative for a few generated decliners). */
  alpha: number;
}

const isFactor = (t: string): t is FactorProxy => (FACTOR_PROXIES as readonly string[]).includes(t);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const zeroStyles = (): Record<StyleProxy, number> => ({ VTV: 0, VUG: 0, MTUM: 0, QUAL: 0, IWM: 0, USMV: 0 });

const loadingsCache = new Map<string, SimLoadings>();

/** 5 % of generated tickers decline steadily (−40 % a year of their own) from a low price: the reverse splits of the market. */
export function isDecliner(ticker: string): boolean {
  return knownSymbol(ticker) === undefined && fnv1a(`decliner:${ticker}`) % 100 < 5;
}

/**
 * The true loadings of a ticker: from the known-symbol table, else generated from a hash of the
 * name (independent of the price seed): market in [0.6, 1.6], each style in [−0.5, 0.5], rates in
 * [−0.3, 0.3], one sector at [0.3, 1.0], own volatility 0.6-2.0 % a day; 5 % of them decline
 * steadily (`isDecliner`), which is where reverse splits come from.
 */
export function simulatedLoadings(ticker: string): SimLoadings {
  const cached = loadingsCache.get(ticker);
  if (cached) return cached;
  const known = knownSymbol(ticker);
  let out: SimLoadings;
  if (known) {
    const l = known.loadings;
    out = {
      assetClass: known.assetClass,
      market: l.market,
      styles: { ...zeroStyles(), ...l.styles },
      rates: l.rates ?? 0,
      gold: l.gold ?? 0,
      international: l.international ?? 0,
      sector: l.sector?.[0],
      sectorLoading: l.sector?.[1] ?? 0,
      idioVol: l.idioVol,
      alpha: 0,
    };
  } else {
    const rand = seeded(`betas:${ticker}`);
    const market = round3(0.6 + rand());
    const styles = zeroStyles();
    for (const s of STYLE_PROXIES) styles[s] = round3(-0.5 + rand());
    const rates = round3(-0.3 + 0.6 * rand());
    const sector = SECTORS[fnv1a(`sector:${ticker}`) % SECTORS.length]!;
    const sectorLoading = round3(0.3 + 0.7 * rand());
    const idioVol = 0.006 + 0.014 * seeded(`idio-vol:${ticker}`)();
    const alpha = isDecliner(ticker) ? -0.002 : 0;
    out = { assetClass: 'equity', market, styles, rates, gold: 0, international: 0, sector, sectorLoading, idioVol, alpha };
  }
  loadingsCache.set(ticker, out);
  return out;
}

/**
 * The true regression coefficients of a ticker on the factor proxies, in the market-neutral basis:
 * `SPY` is β_m (the coefficient on SPY's return), a style proxy X is β_X (the coefficient on
 * X − SPY), `TLT` is β_r (on TLT's return). A joint regression of the ticker's total returns on
 * [SPY, VTV − SPY, VUG − SPY, MTUM − SPY, QUAL − SPY, IWM − SPY, USMV − SPY, TLT] estimates exactly
 * these. SPY itself is {SPY: 1}; a style proxy X is {SPY: 1, X: 1}; TLT is {TLT: 1}.
 */
export function simulatedBetas(ticker: string): Readonly<Record<FactorProxy, number>> {
  const l = simulatedLoadings(ticker);
  return { SPY: l.market, ...l.styles, TLT: l.rates };
}

/**
 * The true slope of a univariate regression of the ticker's returns on SPY's: β_m plus what its
 * style and rates loadings carry of the market, Σ β_s·(b_s − 1) + β_r·(TLT's market sensitivity).
 */
export function simulatedMarketBeta(ticker: string): number {
  const l = simulatedLoadings(ticker);
  let b = l.market + l.rates * RATES_MODEL.marketSensitivity;
  for (const s of STYLE_PROXIES) b += l.styles[s] * (STYLE_MODEL[s].marketSensitivity - 1);
  return b;
}

/** Daily volatility of a ticker's own noise (0 for the factor ETFs). */
export function simulatedIdioVol(ticker: string): number {
  return isFactor(ticker) ? 0 : simulatedLoadings(ticker).idioVol;
}

function grow(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/**
 * The factor returns, day by day from SIM_START_DATE (day 0 has no return), grown on demand and
 * identical however far they are grown.
 */
export class FactorPaths {
  length = 0;
  market = new Float64Array(0);
  /** The market's conditional volatility on each day (diffusive part). */
  marketVol = new Float64Array(0);
  /** 1 on a market-wide jump day. */
  jumpDays = new Uint8Array(0);
  /** Volatility-clustering multiplier for the other shocks: 0.5 + 0.5 · marketVol / longRunVol. */
  clustering = new Float64Array(0);
  styles: Float64Array<ArrayBuffer>[] = STYLE_PROXIES.map(() => new Float64Array(0));
  rates = new Float64Array(0);
  gold = new Float64Array(0);
  international = new Float64Array(0);
  sectors: Float64Array<ArrayBuffer>[] = SECTORS.map(() => new Float64Array(0));

  private scratchBuffer = new Float64Array(0);

  /** A reusable buffer of at least n values (valid until the next call). */
  scratch(n: number): Float64Array {
    if (this.scratchBuffer.length < n) this.scratchBuffer = new Float64Array(n);
    return this.scratchBuffer;
  }

  private h: number = MARKET_MODEL.longRunVol ** 2;
  private prevShock = 0;
  private readonly z: () => number;
  private readonly jumpU: () => number;
  private readonly jumpZ: () => number;
  private readonly growthValue: () => number;
  private readonly styleZ: (() => number)[];
  private readonly ratesZ: () => number;
  private readonly goldZ: () => number;
  private readonly intlZ: () => number;
  private readonly sectorZ: (() => number)[];

  constructor(readonly seed: number) {
    this.z = normalStream(seeded(`market:${seed}`));
    this.jumpU = seeded(`jump:${seed}`);
    this.jumpZ = normalStream(seeded(`jump-size:${seed}`));
    this.growthValue = normalStream(seeded(`growth-value:${seed}`));
    this.styleZ = STYLE_PROXIES.map((s) => normalStream(seeded(`style:${seed}:${s}`)));
    this.ratesZ = normalStream(seeded(`rates:${seed}`));
    this.goldZ = normalStream(seeded(`gold:${seed}`));
    this.intlZ = normalStream(seeded(`international:${seed}`));
    this.sectorZ = SECTORS.map((s) => normalStream(seeded(`sector:${seed}:${s}`)));
  }

  ensure(n: number): void {
    if (n <= this.length) return;
    this.market = grow(this.market, n);
    this.marketVol = grow(this.marketVol, n);
    const jd = new Uint8Array(Math.max(n, this.jumpDays.length * 2));
    jd.set(this.jumpDays);
    this.jumpDays = jd;
    this.clustering = grow(this.clustering, n);
    this.styles = this.styles.map((a) => grow(a, n));
    this.rates = grow(this.rates, n);
    this.gold = grow(this.gold, n);
    this.international = grow(this.international, n);
    this.sectors = this.sectors.map((a) => grow(a, n));
    const M = MARKET_MODEL;
    const omega = M.longRunVol ** 2 * (1 - M.garchAlpha - M.garchBeta);
    for (let i = this.length; i < n; i++) {
      if (i === 0) {
        this.marketVol[0] = M.longRunVol;
        this.clustering[0] = 1;
        continue;
      }
      this.h = omega + M.garchAlpha * this.prevShock ** 2 + M.garchBeta * this.h;
      const vol = Math.min(M.volCap, Math.max(M.volFloor, Math.sqrt(this.h)));
      this.h = vol * vol;
      let shock = vol * this.z();
      const u = this.jumpU();
      const jz = this.jumpZ();
      if (u < M.jumpProbability) {
        const crash = u < M.jumpProbability * M.crashShare;
        shock += crash ? M.crash.mean - Math.abs(M.crash.sd * jz) : M.rebound.mean + Math.abs(M.rebound.sd * jz);
        this.jumpDays[i] = 1;
      }
      this.prevShock = shock;
      const c = 0.5 + (0.5 * vol) / M.longRunVol;
      this.market[i] = M.mu + shock;
      this.marketVol[i] = vol;
      this.clustering[i] = c;
      // Style noise scales with the market's volatility, so the proxies' correlations with SPY hold in calm and wild years.
      const styleScale = vol / M.longRunVol;
      const g = this.growthValue();
      STYLE_PROXIES.forEach((s, k) => {
        const p = STYLE_MODEL[s];
        const own = p.growthValue * g + Math.sqrt(1 - p.growthValue ** 2) * this.styleZ[k]!();
        this.styles[k]![i] = p.mu + (p.marketSensitivity - 1) * shock + p.vol * styleScale * own;
      });
      this.rates[i] = RATES_MODEL.mu + RATES_MODEL.marketSensitivity * shock + RATES_MODEL.vol * this.ratesZ();
      this.gold[i] = GOLD_MODEL.mu + GOLD_MODEL.vol * this.goldZ();
      this.international[i] = INTERNATIONAL_MODEL.mu + INTERNATIONAL_MODEL.vol * c * this.intlZ();
      SECTORS.forEach((s, k) => {
        this.sectors[k]![i] = SECTOR_VOL[s] * c * this.sectorZ[k]!();
      });
    }
    this.length = n;
  }
}

/**
 * A ticker's economic daily returns (before price anchoring, halts and dividends) for days
 * [0, n): its loadings applied to the factor paths plus its own seeded noise. Day 0 is 0.
 */
export function economicReturns(ticker: string, paths: FactorPaths, n: number, into?: Float64Array): Float64Array {
  paths.ensure(n);
  const l = simulatedLoadings(ticker);
  const out = into && into.length >= n ? into : new Float64Array(n);
  const { market, rates, gold, international, clustering, styles } = paths;
  const [s0, s1, s2, s3, s4, s5] = styles as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const [b0, b1, b2, b3, b4, b5] = STYLE_PROXIES.map((s) => l.styles[s]) as [number, number, number, number, number, number];
  const sector = l.sector === undefined ? paths.sectors[0]! : paths.sectors[SECTORS.indexOf(l.sector)]!;
  const bSector = l.sector === undefined ? 0 : l.sectorLoading;
  const { alpha, market: bm, rates: br, gold: bg, international: bi, idioVol } = l;
  const eps = idioVol > 0 ? normalArray(fnv1a(`idio:${paths.seed}:${ticker}`), n - 1, paths.scratch(n)) : undefined;
  out[0] = 0;
  for (let i = 1; i < n; i++) {
    out[i] =
      alpha +
      bm * market[i]! +
      b0 * s0[i]! +
      b1 * s1[i]! +
      b2 * s2[i]! +
      b3 * s3[i]! +
      b4 * s4[i]! +
      b5 * s5[i]! +
      br * rates[i]! +
      bg * gold[i]! +
      bi * international[i]! +
      bSector * sector[i]! +
      (eps ? idioVol * clustering[i]! * eps[i - 1]! : 0);
  }
  return out;
}
