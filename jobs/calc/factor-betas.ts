/**
 * Factor betas per symbol and calculation date (SPEC §4).
 *
 * For one symbol the symbol's closes and the eight proxy series are aligned on dates first
 * (returns.ts rules); every beta on date d then uses the most recent aligned returns whose end date
 * is on or before d:
 * - Market Beta (SPY) and IR Beta (TLT): OLS with intercept, last 90 returns, at least 30.
 * - Value, Growth, Momentum, Quality, Size, Low Volatility: one ridge regression (α = 1) on the six
 *   style proxies over the last 90 returns, at least 30.
 * - The four spreads: independent OLS y = a + b·(r_long − r_short), last 180 returns, at least 60.
 * Betas are clipped to [−5, 5]. Over many dates the window sums are rolled (one observation in, one
 * out) rather than recomputed, see RollingMoments.
 */
import {
  BETA_CLIP,
  FACTORS,
  FACTOR_PROXIES,
  OLS_WINDOW,
  RIDGE_ALPHA,
  SPREAD_WINDOW,
  type FactorMethod,
  type FactorName,
} from './factors.js';
import { RollingMoments, type CentredMoments } from './moments.js';
import { olsFromMoments } from './ols.js';
import { usableCloseOnOrBefore } from './returns.js';
import { ridgeFromMoments } from './ridge.js';
import { assertIsoDate, tradingDayOrdinal } from './trading-calendar.js';
import type { IsoDate, PriceSeries } from './types.js';

/**
 * 'clipped': the fitted beta was outside [−5, 5] and was clipped (the stored beta is the bound).
 * 'low_r2': R² of the fit is below LOW_R2_THRESHOLD (the beta explains little; shown, but with care).
 * 'ok': neither. 'clipped' wins over 'low_r2'.
 */
export type BetaQualityFlag = 'ok' | 'clipped' | 'low_r2';
export const LOW_R2_THRESHOLD = 0.05;

export interface BetaRow {
  symbol: string;
  factor: FactorName;
  date: IsoDate;
  /** Clipped to [−5, 5]; never NaN. */
  beta: number;
  /** R² of the regression that produced the beta (shared by the six ridge betas); null when y is constant. */
  rSquared: number | null;
  /** Aligned returns actually used (≤ window). */
  observations: number;
  method: FactorMethod;
  /** The factor's configured window (90 or 180 returns). */
  window: number;
  /** Standard error of the (unclipped) OLS slope; null for ridge betas and when n ≤ 2. */
  stdError: number | null;
  qualityFlag: BetaQualityFlag;
}

/**
 * Why a beta has no row:
 * - 'insufficient_history': fewer aligned returns than the factor's minimum in its window;
 * - 'no_price': the symbol has no close on d nor in the 5 trading days before (same rule as valuation);
 * - 'degenerate': the regressor did not vary over the window (no slope exists).
 */
export type MissingBetaReason = 'insufficient_history' | 'no_price' | 'degenerate';

export interface MissingBeta {
  symbol: string;
  factor: FactorName;
  date: IsoDate;
  reason: MissingBetaReason;
  /** Aligned returns available in the window. */
  observations: number;
  /** The factor's minimum. */
  required: number;
}

/** Beta of a symbol for a factor on a date, or undefined when there is none. */
export type BetaLookup = (symbol: string, factor: FactorName, date: IsoDate) => number | undefined;

/** The factor proxies' closes intersected on trading days, reusable across symbols. */
export interface FactorPanel {
  readonly dates: readonly IsoDate[];
  readonly ordinals: Int32Array;
  /** closes[p][i]: close of FACTOR_PROXIES[p] on dates[i]. */
  readonly closes: readonly Float64Array[];
  /** The series the panel was built from (identity check for the cache). */
  readonly source: readonly (PriceSeries | undefined)[];
}

const panelCache = new WeakMap<Record<string, PriceSeries>, FactorPanel>();

/**
 * Intersects the eight proxy series on trading days. computeSymbolBetas builds and caches this per
 * `factorCloses` object (checked by the identity of its eight arrays), so passing the same object for
 * every symbol of a run aligns the proxies once.
 */
export function prepareFactorPanel(factorCloses: Record<string, PriceSeries>): FactorPanel {
  const cached = panelCache.get(factorCloses);
  if (cached && FACTOR_PROXIES.every((p, i) => factorCloses[p] === cached.source[i])) return cached;
  const source = FACTOR_PROXIES.map((p) => factorCloses[p]);
  const lists = source.map((s) => s ?? []);
  const dates: IsoDate[] = [];
  const ordinals: number[] = [];
  const closes: number[][] = lists.map(() => []);
  const cursors = new Array<number>(lists.length).fill(0);
  const first = lists[0]!;
  for (const bar of first) {
    let inAll = true;
    for (let s = 1; s < lists.length && inAll; s++) {
      const list = lists[s]!;
      let c = cursors[s]!;
      while (c < list.length && list[c]!.date < bar.date) c++;
      cursors[s] = c;
      inAll = c < list.length && list[c]!.date === bar.date;
    }
    if (!inAll) continue;
    const ordinal = tradingDayOrdinal(bar.date);
    if (ordinal < 0) continue;
    dates.push(bar.date);
    ordinals.push(ordinal);
    closes[0]!.push(bar.close);
    for (let s = 1; s < lists.length; s++) closes[s]!.push(lists[s]![cursors[s]!]!.close);
  }
  const panel: FactorPanel = {
    dates,
    ordinals: Int32Array.from(ordinals),
    closes: closes.map((c) => Float64Array.from(c)),
    source,
  };
  panelCache.set(factorCloses, panel);
  return panel;
}

const P = Object.fromEntries(FACTOR_PROXIES.map((p, i) => [p, i])) as Record<(typeof FACTOR_PROXIES)[number], number>;

/** Column layout of the 90-return window: y, SPY, TLT, then the six style proxies in FACTORS order. */
const STYLE_FACTORS = FACTORS.filter((f) => f.method === 'ridge');
const COLS90 = ['SPY', 'TLT', ...STYLE_FACTORS.map((f) => f.etfProxy)] as const;
const SPREAD_FACTORS = FACTORS.filter((f) => f.method === 'spread_ols');
const SPREAD_LEGS = SPREAD_FACTORS.map((f) => {
  const [long, short] = f.etfProxy.split('-') as [keyof typeof P, keyof typeof P];
  return { long: P[long], short: P[short] };
});

/** Aligned returns of a symbol against the panel: y and the proxies, plus spread columns. */
interface AlignedPanel {
  dates: IsoDate[];
  cols90: Float64Array[];
  cols180: Float64Array[];
}

function alignSymbol(closes: PriceSeries, panel: FactorPanel): AlignedPanel {
  const nP = panel.dates.length;
  const idx: number[] = []; // panel index of each return end
  const yRet: number[] = [];
  let j = 0;
  let prevOrdinal = -2;
  let prevClose = 0;
  let prevPanel = -1;
  for (const bar of closes) {
    while (j < nP && panel.dates[j]! < bar.date) j++;
    if (j >= nP) break;
    if (panel.dates[j] !== bar.date) continue;
    const ordinal = panel.ordinals[j]!;
    if (ordinal === prevOrdinal + 1 && prevPanel === j - 1) {
      idx.push(j);
      yRet.push(bar.close / prevClose - 1);
    }
    prevOrdinal = ordinal;
    prevClose = bar.close;
    prevPanel = j;
  }
  const n = idx.length;
  const proxyRet = FACTOR_PROXIES.map((_, p) => {
    const c = panel.closes[p]!;
    const out = new Float64Array(n);
    for (let t = 0; t < n; t++) out[t] = c[idx[t]!]! / c[idx[t]! - 1]! - 1;
    return out;
  });
  const y = Float64Array.from(yRet);
  const cols90 = [y, ...COLS90.map((p) => proxyRet[P[p as keyof typeof P]]!)];
  const cols180 = [
    y,
    ...SPREAD_LEGS.map(({ long, short }) => {
      const out = new Float64Array(n);
      const l = proxyRet[long]!;
      const s = proxyRet[short]!;
      for (let t = 0; t < n; t++) out[t] = l[t]! - s[t]!;
      return out;
    }),
  ];
  return { dates: idx.map((i) => panel.dates[i]!), cols90, cols180 };
}

function clip(b: number): { beta: number; clipped: boolean } {
  if (!Number.isFinite(b)) return { beta: 0, clipped: false };
  if (b > BETA_CLIP) return { beta: BETA_CLIP, clipped: true };
  if (b < -BETA_CLIP) return { beta: -BETA_CLIP, clipped: true };
  return { beta: b, clipped: false };
}

function flagOf(clipped: boolean, r2: number | null): BetaQualityFlag {
  if (clipped) return 'clipped';
  if (r2 !== null && r2 < LOW_R2_THRESHOLD) return 'low_r2';
  return 'ok';
}

export interface SymbolBetasInput {
  symbol: string;
  /** The symbol's own stored closes, covering the lookback (180 trading days) before the first date. */
  closes: PriceSeries;
  /** Closes of the eight FACTOR_PROXIES, keyed by ticker. */
  factorCloses: Record<string, PriceSeries>;
  /** Calculation dates (any order; duplicates ignored). */
  dates: IsoDate[];
  /** Precomputed proxies panel (optional; built and cached from factorCloses otherwise). */
  factorPanel?: FactorPanel;
  /**
   * Force a full recomputation of the window sums every this many date steps (default 128); 1 turns
   * rolling off, which tests use as the direct per-date reference.
   */
  rebuildEvery?: number;
}

export interface SymbolBetasResult {
  /** Sorted by date, then factor display order. */
  rows: BetaRow[];
  missing: MissingBeta[];
}

/**
 * Computes every factor beta of one symbol on each requested date (see the module comment for the
 * regressions). A factor without enough aligned returns on a date yields no row and a MissingBeta.
 */
export function computeSymbolBetas(input: SymbolBetasInput): SymbolBetasResult {
  const { symbol } = input;
  const panel = input.factorPanel ?? prepareFactorPanel(input.factorCloses);
  const aligned = alignSymbol(input.closes, panel);
  const rebuildEvery = input.rebuildEvery ?? 128;
  const roll90 = new RollingMoments(aligned.cols90, rebuildEvery);
  const roll180 = new RollingMoments(aligned.cols180, rebuildEvery);
  const dates = [...new Set(input.dates)];
  for (const d of dates) assertIsoDate(d);
  dates.sort();
  const rows: BetaRow[] = [];
  const missing: MissingBeta[] = [];
  let hi = 0; // aligned returns with end date ≤ d

  const miss = (factor: (typeof FACTORS)[number], d: IsoDate, reason: MissingBetaReason, observations: number): void => {
    missing.push({ symbol, factor: factor.name, date: d, reason, observations, required: factor.minObservations });
  };

  for (const d of dates) {
    while (hi < aligned.dates.length && aligned.dates[hi]! <= d) hi++;
    const n90 = Math.min(OLS_WINDOW, hi);
    const n180 = Math.min(SPREAD_WINDOW, hi);
    if (usableCloseOnOrBefore(input.closes, d) === undefined) {
      for (const f of FACTORS) miss(f, d, 'no_price', f.window === SPREAD_WINDOW ? n180 : n90);
      continue;
    }
    const perFactor = new Map<FactorName, BetaRow>();
    const emit = (f: (typeof FACTORS)[number], raw: number, r2: number | null, n: number, se: number | null): void => {
      const { beta, clipped } = clip(raw);
      perFactor.set(f.name, {
        symbol,
        factor: f.name,
        date: d,
        beta,
        rSquared: r2,
        observations: n,
        method: f.method,
        window: f.window,
        stdError: se,
        qualityFlag: flagOf(clipped, r2),
      });
    };

    let mo90: CentredMoments | undefined;
    for (const f of FACTORS) {
      if (f.method === 'spread_ols') continue;
      if (n90 < f.minObservations) {
        miss(f, d, 'insufficient_history', n90);
        continue;
      }
      mo90 ??= roll90.moveTo(hi - n90, hi);
      if (f.method === 'ols') {
        const fit = olsFromMoments(mo90, 0, f.etfProxy === 'SPY' ? 1 : 2);
        if (fit) emit(f, fit.slope, fit.rSquared, n90, fit.stdError);
        else miss(f, d, 'degenerate', n90);
      }
    }
    if (mo90 !== undefined) {
      const fit = ridgeFromMoments(mo90, 0, [3, 4, 5, 6, 7, 8], RIDGE_ALPHA);
      STYLE_FACTORS.forEach((f, j) => {
        if (fit) emit(f, fit.betas[j]!, fit.rSquared, n90, null);
        else miss(f, d, 'degenerate', n90);
      });
    }
    let mo180: CentredMoments | undefined;
    SPREAD_FACTORS.forEach((f, j) => {
      if (n180 < f.minObservations) {
        miss(f, d, 'insufficient_history', n180);
        return;
      }
      mo180 ??= roll180.moveTo(hi - n180, hi);
      const fit = olsFromMoments(mo180, 0, j + 1);
      if (fit) emit(f, fit.slope, fit.rSquared, n180, fit.stdError);
      else miss(f, d, 'degenerate', n180);
    });
    for (const f of FACTORS) {
      const row = perFactor.get(f.name);
      if (row) rows.push(row);
    }
  }
  return { rows, missing };
}

/** A BetaLookup over computed rows (e.g. those loaded from symbol_factor_exposures). */
export function betaLookupFromRows(rows: Iterable<Pick<BetaRow, 'symbol' | 'factor' | 'date' | 'beta'>>): BetaLookup {
  const map = new Map<string, number>();
  for (const r of rows) map.set(`${r.symbol}\u0000${r.factor}\u0000${r.date}`, r.beta);
  return (symbol, factor, date) => map.get(`${symbol}\u0000${factor}\u0000${date}`);
}
