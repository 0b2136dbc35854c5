/**
 * First and second moments of a window of observations of several columns, the sufficient
 * statistics of every regression in this module: with them an OLS or ridge fit costs O(k³) for k
 * regressors, independent of the window length.
 */

/** Centred moments of n observations of m columns. */
export interface CentredMoments {
  /** Number of observations. */
  n: number;
  /** Number of columns. */
  m: number;
  /** Column means, length m. */
  mean: Float64Array;
  /** Centred cross-products C_jk = Σ_t (x_tj − mean_j)(x_tk − mean_k), row-major m×m. */
  cross: Float64Array;
}

/**
 * Centred moments computed directly (two passes: means, then centred products) over rows
 * [lo, hi) of the given columns. Used for a fresh window and as the reference for rolling sums.
 */
export function centredMoments(columns: readonly ArrayLike<number>[], lo: number, hi: number): CentredMoments {
  const m = columns.length;
  const n = Math.max(0, hi - lo);
  const mean = new Float64Array(m);
  const cross = new Float64Array(m * m);
  if (n === 0) return { n, m, mean, cross };
  for (let j = 0; j < m; j++) {
    const col = columns[j]!;
    let s = 0;
    for (let t = lo; t < hi; t++) s += col[t]!;
    mean[j] = s / n;
  }
  const dev = new Float64Array(m);
  for (let t = lo; t < hi; t++) {
    for (let j = 0; j < m; j++) dev[j] = columns[j]![t]! - mean[j]!;
    for (let j = 0; j < m; j++) {
      const dj = dev[j]!;
      for (let k = j; k < m; k++) cross[j * m + k] = cross[j * m + k]! + dj * dev[k]!;
    }
  }
  for (let j = 0; j < m; j++) for (let k = 0; k < j; k++) cross[j * m + k] = cross[k * m + j]!;
  return { n, m, mean, cross };
}

/**
 * Raw sums Σx_j and Σx_j·x_k over a sliding window of rows [lo, hi), updated in O(m²) per row added
 * or dropped instead of O(window · m²) per window. To bound floating-point drift from long chains of
 * additions and subtractions the sums are rebuilt from the data at least every `rebuildEvery` moves
 * (1: every move, i.e. no rolling), and
 * whenever the window jumps backwards or by more than its own length.
 *
 * The sums are taken about a fixed shift per column (the first row's values of the most recent
 * rebuild), which keeps Σx² − (Σx)²/n free of catastrophic cancellation when a column's mean is large
 * compared with its spread.
 */
export class RollingMoments {
  private readonly m: number;
  private readonly sum: Float64Array;
  private readonly prod: Float64Array;
  private readonly shift: Float64Array;
  /** Scratch: one row's shifted values. */
  private readonly row: Float64Array;
  private lo = 0;
  private hi = 0;
  private slides = 0;

  /**
   * `rows`, when given, maps window positions to indices into the columns (the window [lo, hi) then
   * covers columns[j][rows[lo..hi−1]]), so aligned observations can be read in place without copying.
   */
  constructor(
    private readonly columns: readonly ArrayLike<number>[],
    private readonly rebuildEvery = 128,
    private readonly rows?: ArrayLike<number>,
  ) {
    this.m = columns.length;
    this.sum = new Float64Array(this.m);
    this.prod = new Float64Array(this.m * this.m);
    this.shift = new Float64Array(this.m);
    this.row = new Float64Array(this.m);
  }

  /** Moves the window to rows [lo, hi) and returns its centred moments. */
  moveTo(lo: number, hi: number): CentredMoments {
    if (hi < lo) hi = lo;
    const overlap = lo >= this.lo && hi >= this.hi && lo < this.hi && this.hi > this.lo;
    if (!overlap || this.slides + 1 >= this.rebuildEvery) {
      this.rebuild(lo, hi);
    } else {
      for (let t = this.hi; t < hi; t++) this.apply(t, 1);
      for (let t = this.lo; t < lo; t++) this.apply(t, -1);
      this.lo = lo;
      this.hi = hi;
      this.slides++;
    }
    return this.moments();
  }

  private rebuild(lo: number, hi: number): void {
    this.sum.fill(0);
    this.prod.fill(0);
    const first = this.rows ? this.rows[lo]! : lo;
    for (let j = 0; j < this.m; j++) this.shift[j] = hi > lo ? this.columns[j]![first]! : 0;
    this.lo = lo;
    this.hi = hi;
    this.slides = 0;
    for (let t = lo; t < hi; t++) this.apply(t, 1);
  }

  private apply(pos: number, sign: 1 | -1): void {
    const m = this.m;
    const x = this.row;
    const t = this.rows ? this.rows[pos]! : pos;
    for (let j = 0; j < m; j++) x[j] = this.columns[j]![t]! - this.shift[j]!;
    for (let j = 0; j < m; j++) {
      const xj = x[j]!;
      this.sum[j] = this.sum[j]! + sign * xj;
      const sxj = sign * xj;
      for (let k = j; k < m; k++) {
        const idx = j * m + k;
        this.prod[idx] = this.prod[idx]! + sxj * x[k]!;
      }
    }
  }

  private moments(): CentredMoments {
    const m = this.m;
    const n = this.hi - this.lo;
    const mean = new Float64Array(m);
    const cross = new Float64Array(m * m);
    if (n === 0) return { n, m, mean, cross };
    for (let j = 0; j < m; j++) mean[j] = this.shift[j]! + this.sum[j]! / n;
    for (let j = 0; j < m; j++) {
      for (let k = j; k < m; k++) {
        const c = this.prod[j * m + k]! - (this.sum[j]! * this.sum[k]!) / n;
        cross[j * m + k] = c;
        cross[k * m + j] = c;
      }
    }
    return { n, m, mean, cross };
  }
}
