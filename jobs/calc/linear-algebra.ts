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

/** Eigenvalues and eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Row-major n×n; column k (vectors[i·n + k], i = 0..n−1) is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix (row-major; only its upper triangle
 * is read) by the cyclic Jacobi method: plane rotations zero one off-diagonal entry at a time until
 * the off-diagonal mass is below 1e-15 of the matrix's Frobenius norm. Accurate to working precision
 * for the small matrices of this module (n ≤ a dozen). A is not modified.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      m[i * n + j] = a[i * n + j]!;
      m[j * n + i] = a[i * n + j]!;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += m[i]! * m[i]!;
  const tol = norm * 1e-30;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q]! * m[p * n + q]!;
    if (!(off > tol)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          const np = c * akp - s * akq;
          const nq = s * akp + c * akq;
          m[k * n + p] = np;
          m[p * n + k] = np;
          m[k * n + q] = nq;
          m[q * n + k] = nq;
        }
        m[p * n + p] = app - t * apq;
        m[q * n + q] = aqq + t * apq;
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x]! - m[y * n + y]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src]!;
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src]!;
  });
  return { values, vectors };
}

/** V diag(f(λ)) Vᵀ for an eigen-decomposition. */
function recompose(eig: SymmetricEigen, n: number, f: (lambda: number) => number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const g = f(eig.values[k]!);
    if (g === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = eig.vectors[i * n + k]! * g;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + vik * eig.vectors[j * n + k]!;
    }
  }
  // Exact symmetry (the two triangles may differ in the last bit).
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = (out[i * n + j]! + out[j * n + i]!) / 2;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** Eigenvalues at or below this fraction of the largest one count as zero (rank, pseudo-inverse). */
export const EIGEN_RELATIVE_TOLERANCE = 1e-10;

export interface PsdProjection {
  /** The input when it was positive semi-definite, else V diag(max(λ, 0)) Vᵀ. */
  matrix: Float64Array;
  /** Eigenvalues of the input, ascending. */
  eigenvalues: Float64Array;
  /** Eigenvalues above EIGEN_RELATIVE_TOLERANCE × the largest. */
  rank: number;
  /**
   * True when an eigenvalue below −EIGEN_RELATIVE_TOLERANCE × the largest was raised to 0: the input
   * was not positive semi-definite beyond rounding. (Rounding-level negative eigenvalues, as a
   * singular covariance has, are raised to 0 too, without this flag.)
   */
  repaired: boolean;
}

/**
 * The nearest (in the Frobenius norm) positive semi-definite matrix to a symmetric n×n matrix:
 * negative eigenvalues are set to 0 and the matrix rebuilt from its eigen-decomposition. A matrix
 * without negative eigenvalues is returned unchanged (a copy).
 */
export function nearestPositiveSemidefinite(a: ArrayLike<number>, n: number): PsdProjection {
  const eig = symmetricEigen(a, n);
  const largest = n > 0 ? Math.max(0, eig.values[n - 1]!) : 0;
  let rank = 0;
  for (const l of eig.values) if (l > largest * EIGEN_RELATIVE_TOLERANCE && l > 0) rank++;
  const negative = n > 0 && eig.values[0]! < 0;
  const repaired = negative && eig.values[0]! < -largest * EIGEN_RELATIVE_TOLERANCE;
  const matrix = negative ? recompose(eig, n, (l) => Math.max(0, l)) : Float64Array.from(a as ArrayLike<number>);
  return { matrix, eigenvalues: eig.values, rank, repaired };
}

export interface PseudoInverse {
  /** Row-major n×n Moore-Penrose pseudo-inverse (the inverse when the matrix is non-singular). */
  inverse: Float64Array;
  /** Eigenvalues above EIGEN_RELATIVE_TOLERANCE × the largest (absolute values). */
  rank: number;
  /** rank < n: the matrix is singular to working precision and the result is a pseudo-inverse. */
  singular: boolean;
}

/**
 * Moore-Penrose pseudo-inverse of a symmetric n×n matrix through its eigen-decomposition:
 * V diag(1/λ) Vᵀ over eigenvalues with |λ| > EIGEN_RELATIVE_TOLERANCE × max|λ|, the others dropped.
 * For a non-singular matrix this is the inverse; a zero matrix has the zero matrix as pseudo-inverse.
 */
export function symmetricPseudoInverse(a: ArrayLike<number>, n: number): PseudoInverse {
  const eig = symmetricEigen(a, n);
  let largest = 0;
  for (const l of eig.values) largest = Math.max(largest, Math.abs(l));
  const cut = largest * EIGEN_RELATIVE_TOLERANCE;
  let rank = 0;
  for (const l of eig.values) if (Math.abs(l) > cut && l !== 0) rank++;
  const inverse = recompose(eig, n, (l) => (Math.abs(l) > cut && l !== 0 ? 1 / l : 0));
  return { inverse, rank, singular: rank < n };
}
