/**
 * Factor betas per symbol and calculation date.
 *
 * Inputs are as-traded closes with each series' corporate actions; every return below is a daily
 * total return r_t = (P_t + D_t) / P_{t−1} − 1 on split-adjusted closes (corporate-actions.ts), for
 * the symbol and for the proxies alike. A return ending on t exists when t and the trading day before
 * it both have a close; each regression uses the dates on which the symbol and every proxy it needs
 * have a return (a gap in one of them drops the returns spanning it), and on date d the most recent
 * `window` such returns ending on or before d.
 *
 * Every regression is fitted jointly with the market (SPY), so that a market-like series has zero
 * style, spread and rate loadings (SPY itself: market 1, everything else 0):
 * - Market Beta: OLS y = a + b·SPY; 90 returns, at least 30.
 * - IR Beta: OLS y = a + b_m·SPY + b·TLT, the TLT coefficient; 90 / 30. Fitted with SPY because
 *   TLT's correlation with equities swings between about −0.4 and +0.3, and a TLT-only slope of an
 *   equity would report that swing times its market beta as rate sensitivity.
 * - Value, Growth, Momentum, Quality, Size, Low Volatility: one ridge regression on
 *   [SPY, VTV−SPY, VUG−SPY, MTUM−SPY, QUAL−SPY, IWM−SPY, USMV−SPY]; columns standardised by their
 *   population σ, α = 1 on the six excess columns, the market coefficient unpenalised; a style beta is
 *   the coefficient of its excess column; 90 / 30. The style proxies all move with the market
 *   (correlations of 0.85-0.97), so raw proxy columns are nearly collinear and their coefficients
 *   would trade off against each other; the excess columns carry only what a style adds to the market.
 * - The four spreads: OLS y = a + b_m·SPY + b·(r_long − r_short), the spread coefficient; 180 / 60.
 * Betas are clipped to [−5, 5]; R² is that of the whole regression (shared by the six style betas);
 * standard errors are OLS ones of the reported coefficient (none for the ridge).
 *
 * Proxies are checked per factor, never as a block: a proxy is usable on d when it has a close on d
 * or in the 5 trading days before, and at least the factor's minimum number of returns on or before d
 * (counted on dates where SPY also has one). A factor whose proxy is not usable has no row
 * ('missing_proxy'); the other factors are unaffected (Market Beta needs SPY only). A style proxy that
 * is not usable leaves the ridge, which is fitted on the styles that are.
 *
 * Over many dates the window sums are rolled (one observation in, one out) rather than recomputed,
 * see RollingMoments; all regressions of a window share one set of sums over the raw return columns
 * (excess and spread columns are linear combinations, see linear-model.ts).
 */
import { prepareCorporateActions, totalReturnIndex, type SymbolHistory } from './corporate-actions.js';
import {
  BETA_CLIP,
  FACTORS,
  FACTOR_PROXIES,
  OLS_MIN_OBSERVATIONS,
  OLS_WINDOW,
  RIDGE_ALPHA,
  RIDGE_MIN_OBSERVATIONS,
  RIDGE_WINDOW,
  SPREAD_MIN_OBSERVATIONS,
  SPREAD_WINDOW,
  type FactorMethod,
  type FactorName,
  type FactorProxy,
} from './factors.js';
import { countOnOrBefore } from './dates.js';
import { linearFitFromMoments, twoRegressorOlsFromMoments, type Regressor } from './linear-model.js';
import { RollingMoments, type CentredMoments } from './moments.js';
import { olsFromMoments } from './ols.js';
import { STALE_PRICE_TRADING_DAYS, usableCloseOnOrBefore } from './returns.js';
import { addTradingDays, assertIsoDate, tradingDaysBetween } from './trading-calendar.js';
import type { IsoDate } from './types.js';

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
  /** Standard error of the (unclipped) OLS coefficient; null for ridge betas and when n ≤ k + 1. */
  stdError: number | null;
  qualityFlag: BetaQualityFlag;
}

/**
 * Why a beta has no row:
 * - 'insufficient_history': fewer aligned returns than the factor's minimum in its window;
 * - 'no_price': the symbol has no close on d nor in the 5 trading days before;
 * - 'missing_proxy': a proxy the factor needs (`proxy`) has no close on d nor in the 5 trading days
 *   before, or fewer returns than the factor's minimum;
 * - 'degenerate': the factor's regressor did not vary over the window (no slope exists).
 */
export type MissingBetaReason = 'insufficient_history' | 'no_price' | 'missing_proxy' | 'degenerate';

export interface MissingBeta {
  symbol: string;
  factor: FactorName;
  date: IsoDate;
  reason: MissingBetaReason;
  /** Aligned returns available in the window (0 when a proxy is missing). */
  observations: number;
  /** The factor's minimum. */
  required: number;
  /** For 'missing_proxy': the proxy that is missing or short. */
  proxy?: FactorProxy;
}

/** Beta of a symbol for a factor on a date, or undefined when there is none. */
export type BetaLookup = (symbol: string, factor: FactorName, date: IsoDate) => number | undefined;

/**
 * The factor proxies' total returns on a grid of consecutive trading days, reusable across symbols.
 * Build it once per run with prepareFactorPanel and pass it to every computeSymbolBetas call.
 */
export interface FactorPanel {
  /** Every NYSE trading day from the first to the last proxy close. */
  readonly dates: readonly IsoDate[];
  /** returns[p][t]: total return of FACTOR_PROXIES[p] ending on dates[t]; NaN without closes on t and t−1. */
  readonly returns: readonly Float64Array[];
  /** Bit p is set when FACTOR_PROXIES[p] has a return ending on dates[t]. */
  readonly present: Uint8Array;
  /** The proxy histories the panel was built from (identity check for the cache). */
  readonly source: readonly (SymbolHistory | undefined)[];
}

const P = Object.fromEntries(FACTOR_PROXIES.map((p, i) => [p, i])) as Record<FactorProxy, number>;
const SPY_BIT = 1 << P.SPY;
const bitOf = (p: FactorProxy): number => 1 << P[p];

/** Per panel: prefix counts and memoised lookups (kept out of the public shape). */
interface PanelIndex {
  /** pairCount[p][i]: dates among dates[0..i) where SPY and proxy p both have a return. */
  pairCount: Int32Array[];
  /** Canonical alignment key of a proxy mask (see canonicalKey). */
  canonical: Map<number, number>;
  /** Per calculation date: proxies with a recent close, and how many grid dates are ≤ d. */
  status: Map<IsoDate, { fresh: number; gridCount: number }>;
}

const panelCache = new WeakMap<Record<string, SymbolHistory>, FactorPanel>();
const panelIndex = new WeakMap<FactorPanel, PanelIndex>();

/**
 * Total returns of the eight proxies on one grid of trading days. computeSymbolBetas builds and caches
 * this per `factorHistories` object (checked by the identity of its eight histories), so passing the
 * same object for every symbol of a run prepares the proxies once. A proxy absent from the object has
 * no returns: only the factors that need it go missing.
 */
export function prepareFactorPanel(factorHistories: Record<string, SymbolHistory>): FactorPanel {
  const cached = panelCache.get(factorHistories);
  if (cached && FACTOR_PROXIES.every((p, i) => factorHistories[p] === cached.source[i])) return cached;
  const source = FACTOR_PROXIES.map((p) => factorHistories[p]);
  const indexes = source.map((h, i) => {
    if (h === undefined) return [];
    prepareCorporateActions(h.actions, FACTOR_PROXIES[i]);
    return totalReturnIndex(h);
  });
  let first: IsoDate | undefined;
  let last: IsoDate | undefined;
  for (const s of indexes) {
    if (s.length === 0) continue;
    if (first === undefined || s[0]!.date < first) first = s[0]!.date;
    if (last === undefined || s[s.length - 1]!.date > last) last = s[s.length - 1]!.date;
  }
  const dates = first === undefined || last === undefined ? [] : tradingDaysBetween(first, last);
  const g = dates.length;
  const present = new Uint8Array(g);
  const returns = indexes.map((series, p) => {
    const values = onGrid(series, dates);
    const out = new Float64Array(g).fill(Number.NaN);
    for (let t = 1; t < g; t++) {
      const r = values[t]! / values[t - 1]! - 1;
      if (Number.isFinite(r)) {
        out[t] = r;
        present[t] = present[t]! | (1 << p);
      }
    }
    return out;
  });
  const panel: FactorPanel = { dates, returns, present, source };
  const pairCount = FACTOR_PROXIES.map((p) => {
    const need = SPY_BIT | bitOf(p);
    const c = new Int32Array(g + 1);
    for (let t = 0; t < g; t++) c[t + 1] = c[t]! + ((present[t]! & need) === need ? 1 : 0);
    return c;
  });
  panelIndex.set(panel, { pairCount, canonical: new Map(), status: new Map() });
  panelCache.set(factorHistories, panel);
  return panel;
}

/** Values of a series on the grid (NaN where it has no bar); bars off the grid are ignored. */
function onGrid(series: readonly { date: IsoDate; close: number }[], dates: readonly IsoDate[]): Float64Array {
  const out = new Float64Array(dates.length).fill(Number.NaN);
  let t = 0;
  for (const bar of series) {
    while (t < dates.length && dates[t]! < bar.date) t++;
    if (t >= dates.length) break;
    if (dates[t] === bar.date) out[t] = bar.close;
  }
  return out;
}

function indexOf(panel: FactorPanel): PanelIndex {
  const ix = panelIndex.get(panel);
  if (ix === undefined) throw new RangeError('computeSymbolBetas: factorPanel was not built by prepareFactorPanel');
  return ix;
}

function statusOn(panel: FactorPanel, ix: PanelIndex, d: IsoDate): { fresh: number; gridCount: number } {
  let st = ix.status.get(d);
  if (st === undefined) {
    const oldest = addTradingDays(d, -STALE_PRICE_TRADING_DAYS);
    let fresh = 0;
    panel.source.forEach((h, p) => {
      if (h !== undefined && usableCloseOnOrBefore(h.closes, d, oldest) !== undefined) fresh |= 1 << p;
    });
    st = { fresh, gridCount: countOnOrBefore(panel.dates, d, (x) => x) };
    ix.status.set(d, st);
  }
  return st;
}

/** A proxy is usable on a date: a close in the freshness window and `min` returns (with SPY's) so far. */
function usable(ix: PanelIndex, st: { fresh: number; gridCount: number }, p: FactorProxy, min: number): boolean {
  return (st.fresh & bitOf(p)) !== 0 && ix.pairCount[P[p]]![st.gridCount]! >= min;
}

/**
 * The alignment key of a set of proxies: the largest set of proxies that have a return on every date
 * on which all of `mask` do. Masks with the same dates share one alignment and one set of rolling
 * sums (with complete data every factor maps to all eight proxies).
 */
function canonicalKey(panel: FactorPanel, ix: PanelIndex, mask: number): number {
  let key = ix.canonical.get(mask);
  if (key === undefined) {
    let and = 0xff;
    let any = false;
    for (let t = 0; t < panel.present.length; t++) {
      const bits = panel.present[t]!;
      if ((bits & mask) === mask) {
        and &= bits;
        any = true;
      }
    }
    key = any ? and : mask;
    ix.canonical.set(mask, key);
  }
  return key;
}

/** A symbol's observations for the proxies of one key: the grid dates where all of them have a return. */
interface Alignment {
  /** Grid index of each observation, ascending. */
  rows: Int32Array;
  /** Observations with grid index < the last gridCount asked (moves forward with the dates). */
  hi: number;
  /** Rolling sums per window length. */
  frames: Map<number, Frame>;
}

/** Rolling sums over one window length of an alignment, on the columns its regressions use. */
interface Frame {
  roll: RollingMoments;
  layout: Layout;
  /** The moments of the last date asked, shared by the regressions of that date. */
  date: IsoDate | null;
  moments: CentredMoments | null;
}

/**
 * Which proxy columns the rolled sums of a (key, window) hold, and the regressors on them (the same
 * for every symbol, so built once per process).
 */
interface Layout {
  /** Proxy indices of columns 1.. (column 0 is the symbol). */
  proxies: number[];
  /** Column of each proxy (−1 when absent). */
  col: Int32Array;
  /** Regressors per group and style membership. */
  regressors: Map<number, Regressor[]>;
}

const layouts = new Map<number, Layout>();

function layoutOf(key: number, window: number): Layout {
  const id = window * 256 + key;
  let layout = layouts.get(id);
  if (!layout) {
    const wanted = WINDOW_PROXIES.get(window)! & key;
    const col = new Int32Array(FACTOR_PROXIES.length).fill(-1);
    const proxies: number[] = [];
    FACTOR_PROXIES.forEach((_, p) => {
      if (wanted & (1 << p)) {
        proxies.push(p);
        col[p] = proxies.length;
      }
    });
    layouts.set(id, (layout = { proxies, col, regressors: new Map() }));
  }
  return layout;
}

function align(panel: FactorPanel, yRet: Float64Array, key: number): Alignment {
  const picked = new Int32Array(yRet.length);
  let n = 0;
  for (let t = 1; t < yRet.length; t++) {
    if (!Number.isNaN(yRet[t]!) && (panel.present[t]! & key) === key) picked[n++] = t;
  }
  return { rows: picked.subarray(0, n), hi: 0, frames: new Map() };
}

/** The proxies the regressions of each window length use. */
const WINDOW_PROXIES = new Map<number, number>();

function frameOf(panel: FactorPanel, yRet: Float64Array, key: number, al: Alignment, window: number, rebuildEvery: number): Frame {
  let frame = al.frames.get(window);
  if (!frame) {
    const layout = layoutOf(key, window);
    // The rolled columns are the grid-indexed return arrays themselves, read through the rows.
    const columns = [yRet, ...layout.proxies.map((p) => panel.returns[p]!)];
    frame = { roll: new RollingMoments(columns, rebuildEvery, al.rows), layout, date: null, moments: null };
    al.frames.set(window, frame);
  }
  return frame;
}

/** b clipped to [−5, 5]; 0 when not finite. */
function clip(b: number): number {
  if (!Number.isFinite(b)) return 0;
  return b > BETA_CLIP ? BETA_CLIP : b < -BETA_CLIP ? -BETA_CLIP : b;
}

function flagOf(clipped: boolean, r2: number | null): BetaQualityFlag {
  if (clipped) return 'clipped';
  if (r2 !== null && r2 < LOW_R2_THRESHOLD) return 'low_r2';
  return 'ok';
}

type Factor = (typeof FACTORS)[number];
const FACTOR_INDEX = new Map<FactorName, number>(FACTORS.map((f, i) => [f.name, i]));
const factor = (name: FactorName): Factor => FACTORS[FACTOR_INDEX.get(name)!]!;

/** A regression: the proxies it cannot do without, the style proxies that join when usable. */
interface Group {
  window: number;
  minObservations: number;
  requiredMask: number;
  required: readonly FactorProxy[];
  /** Style factors: each joins the ridge when its proxy is usable. */
  optional: readonly { proxy: FactorProxy; factor: Factor }[];
  /** The factor reported from coefficient 1 (none for the style group, which reports `optional`). */
  reported: Factor | null;
  kind: 'market' | 'ols' | 'ridge';
  /** The regressor after SPY (coefficient 1) of an 'ols' group, as proxy legs [proxy, weight]. */
  legs: readonly (readonly [FactorProxy, number])[];
}

const STYLE_FACTORS = FACTORS.filter((f) => f.method === 'ridge');
const group = (g: Omit<Group, 'requiredMask'>): Group => ({ ...g, requiredMask: g.required.reduce((m, p) => m | bitOf(p), 0) });
const GROUPS: readonly Group[] = [
  group({ window: OLS_WINDOW, minObservations: OLS_MIN_OBSERVATIONS, required: ['SPY'], optional: [], reported: factor('Market Beta'), kind: 'market', legs: [] }),
  group({ window: OLS_WINDOW, minObservations: OLS_MIN_OBSERVATIONS, required: ['SPY', 'TLT'], optional: [], reported: factor('IR Beta'), kind: 'ols', legs: [['TLT', 1]] }),
  group({
    window: RIDGE_WINDOW,
    minObservations: RIDGE_MIN_OBSERVATIONS,
    required: ['SPY'],
    optional: STYLE_FACTORS.map((f) => ({ proxy: f.etfProxy as FactorProxy, factor: f })),
    reported: null,
    kind: 'ridge',
    legs: [],
  }),
  ...FACTORS.filter((f) => f.method === 'spread_ols').map((f): Group => {
    const [long, short] = f.etfProxy.split('-') as [FactorProxy, FactorProxy];
    return group({
      window: SPREAD_WINDOW,
      minObservations: SPREAD_MIN_OBSERVATIONS,
      required: [...new Set<FactorProxy>(['SPY', long, short])],
      optional: [],
      reported: f,
      kind: 'ols',
      legs: [
        [long, 1],
        [short, -1],
      ],
    });
  }),
];
for (const g of GROUPS) {
  let mask = WINDOW_PROXIES.get(g.window) ?? 0;
  mask |= g.requiredMask;
  for (const o of g.optional) mask |= bitOf(o.proxy);
  WINDOW_PROXIES.set(g.window, mask);
}

/** Regressors of a group in a layout: SPY, then the style excess columns or the 'ols' legs. */
function regressorsOf(layout: Layout, gi: number, g: Group, members: number): Regressor[] {
  const cacheKey = gi * 256 + members;
  let regs = layout.regressors.get(cacheKey);
  if (!regs) {
    const spy = layout.col[P.SPY]!;
    regs = [[[spy, 1]]];
    if (g.kind === 'ridge') {
      for (const o of g.optional) if (members & bitOf(o.proxy)) regs.push([[layout.col[P[o.proxy]]!, 1], [spy, -1]]);
    } else if (g.kind === 'ols') {
      regs.push(g.legs.map(([p, w]) => [layout.col[P[p]]!, w] as const));
    }
    layout.regressors.set(cacheKey, regs);
  }
  return regs;
}

export interface SymbolBetasInput {
  symbol: string;
  /**
   * The symbol's own stored closes as traded, with its corporate actions, covering the lookback (180
   * trading days) before the first date.
   */
  history: SymbolHistory;
  /** The eight FACTOR_PROXIES' histories (as-traded closes and corporate actions), keyed by ticker. */
  factorHistories: Record<string, SymbolHistory>;
  /** Calculation dates (any order; duplicates ignored). */
  dates: IsoDate[];
  /** Precomputed panel of `factorHistories` (optional; built and cached from it otherwise). */
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
  /** Sorted by date, then factor display order. */
  missing: MissingBeta[];
}

/**
 * Computes every factor beta of one symbol on each requested date (see the module comment for the
 * regressions). A factor without a usable proxy or enough aligned returns on a date yields no row and
 * a MissingBeta. Throws a RangeError on malformed dates or corporate actions, or when `factorPanel`
 * was built from other proxy histories than `factorHistories`.
 */
export function computeSymbolBetas(input: SymbolBetasInput): SymbolBetasResult {
  const { symbol } = input;
  prepareCorporateActions(input.history.actions, symbol);
  const panel = input.factorPanel ?? prepareFactorPanel(input.factorHistories);
  if (input.factorPanel && FACTOR_PROXIES.some((p, i) => input.factorHistories[p] !== panel.source[i])) {
    throw new RangeError('computeSymbolBetas: factorPanel was built from other proxy histories than factorHistories');
  }
  const ix = indexOf(panel);
  const rebuildEvery = input.rebuildEvery ?? 128;
  const yValues = onGrid(totalReturnIndex(input.history), panel.dates);
  const yRet = new Float64Array(yValues.length);
  yRet[0] = Number.NaN;
  for (let t = 1; t < yValues.length; t++) yRet[t] = yValues[t]! / yValues[t - 1]! - 1;
  const alignments = new Map<number, Alignment>();

  const dates = [...new Set(input.dates)];
  for (const d of dates) assertIsoDate(d);
  dates.sort();
  const rows: BetaRow[] = [];
  const missing: MissingBeta[] = [];
  const dayRows: (BetaRow | undefined)[] = new Array(FACTORS.length);
  const dayMissing: (MissingBeta | undefined)[] = new Array(FACTORS.length);
  let d: IsoDate = '';
  const miss = (f: Factor, reason: MissingBetaReason, observations: number, proxy?: FactorProxy): void => {
    const m: MissingBeta = { symbol, factor: f.name, date: d, reason, observations, required: f.minObservations };
    if (proxy !== undefined) m.proxy = proxy;
    dayMissing[FACTOR_INDEX.get(f.name)!] = m;
  };
  const emit = (f: Factor, raw: number, r2: number | null, n: number, se: number | null): void => {
    const beta = clip(raw);
    const flag = flagOf(Math.abs(beta) === BETA_CLIP && Math.abs(raw) > BETA_CLIP, r2);
    dayRows[FACTOR_INDEX.get(f.name)!] = { symbol, factor: f.name, date: d, beta, rSquared: r2, observations: n, method: f.method, window: f.window, stdError: se, qualityFlag: flag };
  };

  // Per group, the alignment of the last date (the proxies usable rarely change from date to date).
  const last = GROUPS.map(() => ({ mask: -1, key: 0, al: undefined as Alignment | undefined, out: [] as Factor[] }));

  for (d of dates) {
    const st = statusOn(panel, ix, d);
    const priced = usableCloseOnOrBefore(input.history.closes, d) !== undefined;
    dayRows.fill(undefined);
    dayMissing.fill(undefined);

    for (let gi = 0; gi < GROUPS.length; gi++) {
      const g = GROUPS[gi]!;
      let lacking: FactorProxy | undefined;
      for (const p of g.required) {
        if (!usable(ix, st, p, g.minObservations)) {
          lacking = p;
          break;
        }
      }
      if (lacking !== undefined) {
        for (const f of g.reported ? [g.reported] : g.optional.map((o) => o.factor)) miss(f, 'missing_proxy', 0, lacking);
        continue;
      }
      let members = 0;
      for (const o of g.optional) {
        if (usable(ix, st, o.proxy, g.minObservations)) members |= bitOf(o.proxy);
        else miss(o.factor, 'missing_proxy', 0, o.proxy);
      }
      const mask = g.requiredMask | members;
      const state = last[gi]!;
      if (state.mask !== mask) {
        state.mask = mask;
        state.key = canonicalKey(panel, ix, mask);
        state.al = alignments.get(state.key);
        if (!state.al) alignments.set(state.key, (state.al = align(panel, yRet, state.key)));
        state.out = g.reported ? [g.reported] : g.optional.filter((o) => members & bitOf(o.proxy)).map((o) => o.factor);
      }
      const { al, out } = state;
      if (out.length === 0 || al === undefined) continue;
      while (al.hi < al.rows.length && al.rows[al.hi]! < st.gridCount) al.hi++;
      const n = Math.min(g.window, al.hi);
      if (!priced || n < g.minObservations) {
        for (const f of out) miss(f, priced ? 'insufficient_history' : 'no_price', n);
        continue;
      }
      const frame = frameOf(panel, yRet, state.key, al, g.window, rebuildEvery);
      if (frame.date !== d) {
        frame.moments = frame.roll.moveTo(al.hi - n, al.hi);
        frame.date = d;
      }
      const mo = frame.moments!;
      if (g.kind === 'market') {
        const fit = olsFromMoments(mo, 0, frame.layout.col[P.SPY]!);
        if (fit) emit(g.reported!, fit.slope, fit.rSquared, n, fit.stdError);
        else miss(g.reported!, 'degenerate', n);
        continue;
      }
      const regressors = regressorsOf(frame.layout, gi, g, members);
      if (g.kind === 'ols') {
        const fit = twoRegressorOlsFromMoments(mo, 0, regressors);
        if (fit) emit(g.reported!, fit.coefficients[1], fit.rSquared, n, fit.stdErrors[1]);
        else miss(g.reported!, 'degenerate', n);
        continue;
      }
      const fit = linearFitFromMoments(mo, 0, regressors, { alpha: RIDGE_ALPHA, penalised: RIDGE_PENALISED });
      out.forEach((f, j) => {
        if (!fit || !fit.active[j + 1]) miss(f, 'degenerate', n);
        else emit(f, fit.coefficients[j + 1]!, fit.rSquared, n, null);
      });
    }
    for (let i = 0; i < FACTORS.length; i++) {
      const row = dayRows[i];
      if (row) rows.push(row);
      const m = dayMissing[i];
      if (m) missing.push(m);
    }
  }
  return { rows, missing };
}

/** The ridge's market column (first) is not penalised, the style excess columns are. */
const RIDGE_PENALISED = [false, true, true, true, true, true, true];

/** A BetaLookup over computed rows (e.g. those loaded from symbol_factor_exposures). */
export function betaLookupFromRows(rows: Iterable<Pick<BetaRow, 'symbol' | 'factor' | 'date' | 'beta'>>): BetaLookup {
  const map = new Map<string, number>();
  for (const r of rows) map.set(`${r.symbol}\u0000${r.factor}\u0000${r.date}`, r.beta);
  return (symbol, factor, date) => map.get(`${symbol}\u0000${factor}\u0000${date}`);
}
