import { describe, expect, it } from 'vitest';
import { nearestPositiveSemidefinite, symmetricEigen, symmetricPseudoInverse } from '../../../../../jobs/calc/linear-algebra.js';
import { normal, prng } from '../synthetic.js';

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] = out[i * n + j]! + a[i * n + k]! * b[k * n + j]!;
  return out;
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const z = normal(prng(seed));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = z();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

describe('symmetricEigen (Jacobi)', () => {
  it('finds the hand-worked eigenpairs of [[2, 1], [1, 2]]', () => {
    // det(A − λI) = (2 − λ)² − 1 = 0 → λ = 1 (vector (1, −1)/√2) and λ = 3 (vector (1, 1)/√2).
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeCloseTo(-0.5, 14); // (1, −1) direction
    expect(vectors[1]! * vectors[3]!).toBeCloseTo(0.5, 14); // (1, 1) direction
  });

  it('reconstructs random 8×8 symmetric matrices with orthonormal vectors', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const n = 8;
      const a = randomSymmetric(n, seed);
      const { values, vectors } = symmetricEigen(a, n);
      for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
      const vt = new Float64Array(n * n);
      const vd = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          vt[i * n + j] = vectors[j * n + i]!;
          vd[i * n + j] = vectors[i * n + j]! * values[j]!;
        }
      }
      const back = matmul(vd, vt, n);
      const eye = matmul(vt, vectors, n);
      for (let i = 0; i < n * n; i++) {
        expect(back[i]).toBeCloseTo(a[i]!, 11);
        expect(eye[i]).toBeCloseTo(i % (n + 1) === 0 ? 1 : 0, 12);
      }
    }
  });
});

describe('nearestPositiveSemidefinite', () => {
  it('clips the negative eigenvalue of [[1, 2], [2, 1]] (hand-worked)', () => {
    // Eigenvalues −1 (vector (1, −1)/√2) and 3 (vector (1, 1)/√2): dropping −1 leaves 3·vvᵀ = 1.5 everywhere.
    const p = nearestPositiveSemidefinite([1, 2, 2, 1], 2);
    expect(p.repaired).toBe(true);
    expect(p.rank).toBe(1);
    expect(p.eigenvalues[0]).toBeCloseTo(-1, 14);
    for (const v of p.matrix) expect(v).toBeCloseTo(1.5, 14);
  });

  it('returns a PSD input unchanged and every output PSD (property)', () => {
    const psd = nearestPositiveSemidefinite([2, 1, 1, 2], 2);
    expect(psd.repaired).toBe(false);
    expect(Array.from(psd.matrix)).toEqual([2, 1, 1, 2]);
    const z = normal(prng(99));
    for (let seed = 1; seed <= 30; seed++) {
      const n = 8;
      const out = nearestPositiveSemidefinite(randomSymmetric(n, seed), n);
      const eig = symmetricEigen(out.matrix, n);
      const scale = Math.max(...Array.from(eig.values, Math.abs));
      expect(eig.values[0]!).toBeGreaterThanOrEqual(-1e-12 * scale);
      for (let trial = 0; trial < 10; trial++) {
        const x = Array.from({ length: n }, () => z());
        let q = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += x[i]! * out.matrix[i * n + j]! * x[j]!;
        expect(q).toBeGreaterThanOrEqual(-1e-10 * scale);
      }
    }
  });
});

describe('symmetricPseudoInverse', () => {
  it('inverts a non-singular matrix: [[2, 1], [1, 2]]⁻¹ = [[2, −1], [−1, 2]] / 3', () => {
    const p = symmetricPseudoInverse([2, 1, 1, 2], 2);
    expect(p.singular).toBe(false);
    expect(p.rank).toBe(2);
    [2 / 3, -1 / 3, -1 / 3, 2 / 3].forEach((v, i) => expect(p.inverse[i]).toBeCloseTo(v, 14));
  });

  it('pseudo-inverts the singular [[1, 1], [1, 1]] to [[¼, ¼], [¼, ¼]] and flags it', () => {
    // Only eigenvalue 2 with vector (1, 1)/√2 is kept: (1/2)·vvᵀ = ¼ everywhere.
    const p = symmetricPseudoInverse([1, 1, 1, 1], 2);
    expect(p.singular).toBe(true);
    expect(p.rank).toBe(1);
    for (const v of p.inverse) expect(v).toBeCloseTo(0.25, 14);
  });

  it('gives zero for the zero matrix and satisfies A A⁺ A = A on rank-deficient matrices', () => {
    const zero = symmetricPseudoInverse([0, 0, 0, 0], 2);
    expect(zero.rank).toBe(0);
    expect(Array.from(zero.inverse)).toEqual([0, 0, 0, 0]);
    // A = XᵀX with X 3×5: rank 3 of 5.
    const z = normal(prng(5));
    const n = 5;
    const x = Array.from({ length: 3 * n }, () => z());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let r = 0; r < 3; r++) a[i * n + j] = a[i * n + j]! + x[r * n + i]! * x[r * n + j]!;
    const p = symmetricPseudoInverse(a, n);
    expect(p.rank).toBe(3);
    expect(p.singular).toBe(true);
    const back = matmul(matmul(a, p.inverse, n), a, n);
    for (let i = 0; i < n * n; i++) expect(back[i]).toBeCloseTo(a[i]!, 10);
  });
});
