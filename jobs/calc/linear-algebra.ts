/**
 * Small dense linear algebra for the regressions (matrices of at most a dozen rows).
 */

/**
 * Solves A x = b for a square matrix A (row-major, n×n) by Gaussian elimination with partial
 * pivoting. Returns undefined when A is singular to working precision (a pivot below 1e-14 times the
 * largest absolute entry). A and b are not modified.
 */
export function solveLinearSystem(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | undefined {
  const m = Float64Array.from(a as ArrayLike<number>);
  const x = Float64Array.from(b as ArrayLike<number>);
  return solveInPlace(m, x, n) ? x : undefined;
}

/**
 * solveLinearSystem without copies: overwrites `m` (its first n×n entries, row-major) with its
 * elimination and `x` (first n entries) with the solution. Returns false when A is singular.
 */
export function solveInPlace(m: Float64Array, x: Float64Array, n: number): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(m[i]!));
  if (!(scale > 0) || !Number.isFinite(scale)) return false;
  const tol = scale * 1e-14;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(m[col * n + col]!);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(m[r * n + col]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (best <= tol) return false;
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        const t = m[col * n + k]!;
        m[col * n + k] = m[piv * n + k]!;
        m[piv * n + k] = t;
      }
      const t = x[col]!;
      x[col] = x[piv]!;
      x[piv] = t;
    }
    const p = m[col * n + col]!;
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / p;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] = m[r * n + k]! - f * m[col * n + k]!;
      x[r] = x[r]! - f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r * n + k]! * x[k]!;
    x[r] = s / m[r * n + r]!;
  }
  return true;
}
