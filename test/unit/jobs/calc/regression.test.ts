import { describe, expect, it } from 'vitest';
import { solveLinearSystem } from '../../../../jobs/calc/linear-algebra.js';
import { centredMoments, RollingMoments } from '../../../../jobs/calc/moments.js';
import { ols } from '../../../../jobs/calc/ols.js';
import { ridge } from '../../../../jobs/calc/ridge.js';
import { linearFitFromMoments, twoRegressorOlsFromMoments } from '../../../../jobs/calc/linear-model.js';
import { normal, prng, referenceFit } from './synthetic.js';

function synthetic(n: number, betas: number[], noise: number, seed: number): { x: number[][]; y: number[] } {
  const z = normal(prng(seed));
  const common = Array.from({ length: n }, () => 0.01 * z());
  const x = betas.map((_, j) => common.map((c) => (0.5 + 0.1 * j) * c + 0.008 * z()));
  const y = Array.from({ length: n }, (_, t) => 0.0002 + betas.reduce((s, b, j) => s + b * x[j]![t]!, 0) + noise * z());
  return { x, y };
}

describe('OLS y = a + b·x', () => {
  it('matches the hand-worked closed form', () => {
    // x = 1..4, y = 2, 4.5, 5.5, 8: x̄ = 2.5, ȳ = 5, Cxx = 5, Cxy = 9.5, Cyy = 18.5.
    // b = 9.5/5 = 1.9; a = 5 − 1.9·2.5 = 0.25; R² = 9.5²/(5·18.5) = 0.975675…;
    // SS_res = 18.5 − 1.9·9.5 = 0.45; SE(b) = √(0.45/2/5) = √0.045.
    const fit = ols([1, 2, 3, 4], [2, 4.5, 5.5, 8])!;
    expect(fit.slope).toBeCloseTo(1.9, 14);
    expect(fit.intercept).toBeCloseTo(0.25, 14);
    expect(fit.rSquared).toBeCloseTo(90.25 / 92.5, 14);
    expect(fit.stdError).toBeCloseTo(Math.sqrt(0.045), 14);
    expect(fit.n).toBe(4);
  });

  it('has no slope for a constant regressor and a null R² for a constant y', () => {
    expect(ols([1, 1, 1], [1, 2, 3])).toBeUndefined();
    const flat = ols([1, 2, 3], [5, 5, 5])!;
    expect(flat.slope).toBe(0);
    expect(flat.rSquared).toBeNull();
  });
});

describe('ridge on standardised regressors', () => {
  it('matches the one-regressor closed form β = Cxy / (Cxx·(1 + α/n))', () => {
    // Standardising gives Xsᵀxs = Cxx/σ² = n and Xsᵀy_c = Cxy/σ, so w = Cxy/(σ(n + α)) and
    // β = w/σ = Cxy/(Cxx(1 + α/n)). Same data as above: 9.5 / (5 · 1.25) = 1.52.
    const fit = ridge([[1, 2, 3, 4]], [2, 4.5, 5.5, 8], 1)!;
    expect(fit.betas[0]).toBeCloseTo(1.52, 14);
    // R² = 1 − SS_res/SS_tot with residuals y_c − 1.52·(x − x̄): (−3 + 2.28, −0.5 + 0.76, 0.5 − 0.76, 3 − 2.28)
    const ssRes = 0.72 ** 2 * 2 + 0.26 ** 2 * 2;
    expect(fit.rSquared).toBeCloseTo(1 - ssRes / 18.5, 13);
  });

  it('equals ordinary least squares when α = 0', () => {
    const { x, y } = synthetic(120, [0.7, -0.4, 1.2, 0.1, 0.5, -0.9], 0.003, 11);
    const fit = ridge(x, y, 0)!;
    const ref = referenceFit(x, y);
    for (let j = 0; j < 6; j++) expect(fit.betas[j]).toBeCloseTo(ref.beta[j]!, 9);
    expect(fit.intercept).toBeCloseTo(ref.intercept, 11);
  });

  it('satisfies the ridge normal equations (XsᵀXs + αI) w = Xsᵀ y_c to 1e-9', () => {
    const { x, y } = synthetic(90, [0.3, 0.2, -0.5, 0.8, 0, 0.4], 0.005, 5);
    const alpha = 1;
    const fit = ridge(x, y, alpha)!;
    const n = y.length;
    const ybar = y.reduce((s, v) => s + v, 0) / n;
    const xs = x.map((c) => {
      const m = c.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(c.reduce((s, v) => s + (v - m) ** 2, 0) / n); // population std
      return c.map((v) => (v - m) / sd);
    });
    for (let j = 0; j < 6; j++) {
      let lhs = alpha * fit.weights[j]!;
      for (let l = 0; l < 6; l++) {
        let g = 0;
        for (let t = 0; t < n; t++) g += xs[j]![t]! * xs[l]![t]!;
        lhs += g * fit.weights[l]!;
      }
      let rhs = 0;
      for (let t = 0; t < n; t++) rhs += xs[j]![t]! * (y[t]! - ybar);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9);
      expect(fit.betas[j]).toBeCloseTo(fit.weights[j]! / fit.sigmas[j]!, 15);
    }
    // R² from explicit residuals.
    let ssRes = 0;
    let ssTot = 0;
    for (let t = 0; t < n; t++) {
      let pred = 0;
      for (let j = 0; j < 6; j++) pred += xs[j]![t]! * fit.weights[j]!;
      ssRes += (y[t]! - ybar - pred) ** 2;
      ssTot += (y[t]! - ybar) ** 2;
    }
    expect(fit.rSquared).toBeCloseTo(1 - ssRes / ssTot, 10);
  });

  it('recovers known betas from y = Xβ + noise', () => {
    // With n = 2000 and α = 1 the shrinkage is about α/n of each standardised coefficient, far below
    // the sampling error of a 0.1 %-noise model, so the fitted betas sit within 0.02 of the truth.
    const truth = [0.9, -0.6, 0.3, 1.5, -0.2, 0.7];
    const { x, y } = synthetic(2000, truth, 0.001, 99);
    const fit = ridge(x, y, 1)!;
    truth.forEach((b, j) => expect(Math.abs(fit.betas[j]! - b)).toBeLessThan(0.02));
    expect(fit.rSquared!).toBeGreaterThan(0.95);
  });

  it('gives a constant regressor a zero beta instead of NaN', () => {
    const { x, y } = synthetic(60, [1, 1], 0.002, 3);
    const fit = ridge([x[0]!, new Array<number>(60).fill(0.001), x[1]!], y, 1)!;
    expect(fit.betas[1]).toBe(0);
    expect(Number.isFinite(fit.betas[0]!) && Number.isFinite(fit.betas[2]!)).toBe(true);
  });
});

describe('linear models on combinations of columns', () => {
  const { x, y } = synthetic(150, [0.8, 0.3], 0.004, 21);
  // Columns: 0 y, 1 x0, 2 x1. Regressors x0 and the difference x1 − x0.
  const mo = centredMoments([y, x[0]!, x[1]!], 0, y.length);
  const diff = x[1]!.map((v, t) => v - x[0]![t]!);

  it('fits y on [x0, x1 − x0] from the moments of the raw columns as on explicit columns', () => {
    const ref = referenceFit([x[0]!, diff], y);
    const fit = linearFitFromMoments(mo, 0, [[[1, 1]], [[2, 1], [1, -1]]], { alpha: 0, stdErrors: true })!;
    expect(fit.coefficients[0]).toBeCloseTo(ref.beta[0]!, 10);
    expect(fit.coefficients[1]).toBeCloseTo(ref.beta[1]!, 10);
    expect(fit.intercept).toBeCloseTo(ref.intercept, 12);
    expect(fit.rSquared).toBeCloseTo(ref.r2, 10);
    // The closed form gives the same fit, standard errors included.
    const two = twoRegressorOlsFromMoments(mo, 0, [[[1, 1]], [[2, 1], [1, -1]]])!;
    expect(two.coefficients[0]).toBeCloseTo(fit.coefficients[0]!, 12);
    expect(two.coefficients[1]).toBeCloseTo(fit.coefficients[1]!, 12);
    expect(two.stdErrors[1]).toBeCloseTo(fit.stdErrors![1]!, 12);
    expect(two.rSquared).toBeCloseTo(fit.rSquared!, 12);
  });

  it('gives OLS standard errors √(s² (XᵀX)⁻¹_jj) with s² = SS_res / (n − k − 1)', () => {
    // One regressor: the textbook SE(b) = √(SS_res / (n − 2) / C_xx), as ols() computes it.
    const one = linearFitFromMoments(mo, 0, [[[1, 1]]], { alpha: 0, stdErrors: true })!;
    expect(one.stdErrors![0]).toBeCloseTo(ols(x[0]!, y)!.stdError!, 14);
    // Two regressors, from an explicit inverse of the centred XᵀX.
    const fit = linearFitFromMoments(mo, 0, [[[1, 1]], [[2, 1]]], { alpha: 0, stdErrors: true })!;
    const c = mo.cross;
    const [a, b, d] = [c[1 * 3 + 1]!, c[1 * 3 + 2]!, c[2 * 3 + 2]!];
    const det = a * d - b * b;
    const ssRes = (1 - fit.rSquared!) * c[0]!;
    const s2 = ssRes / (y.length - 3);
    expect(fit.stdErrors![0]).toBeCloseTo(Math.sqrt((s2 * d) / det), 14);
    expect(fit.stdErrors![1]).toBeCloseTo(Math.sqrt((s2 * a) / det), 14);
    // A penalised fit has none.
    expect(linearFitFromMoments(mo, 0, [[[1, 1]], [[2, 1]]], { alpha: 1, stdErrors: true })!.stdErrors).toBeNull();
  });

  it('leaves the market column unpenalised when asked', () => {
    const fit = linearFitFromMoments(mo, 0, [[[1, 1]], [[2, 1], [1, -1]]], { alpha: 5, penalised: [false, true] })!;
    const ref = referenceFit([x[0]!, diff], y, 5, [false, true]);
    expect(fit.coefficients[0]).toBeCloseTo(ref.beta[0]!, 10);
    expect(fit.coefficients[1]).toBeCloseTo(ref.beta[1]!, 10);
  });
});

describe('linear algebra and rolling moments', () => {
  it('solves a hand-checked 3×3 system and reports singular ones', () => {
    // 2x + y − z = 8, −3x − y + 2z = −11, −2x + y + 2z = −3 → (2, 3, −1).
    const x = solveLinearSystem([2, 1, -1, -3, -1, 2, -2, 1, 2], [8, -11, -3], 3)!;
    expect([...x].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([2, 3, -1]);
    expect(solveLinearSystem([1, 2, 2, 4], [1, 2], 2)).toBeUndefined();
  });

  it('keeps rolling sums equal to direct centred moments through 1,000 slides', () => {
    const z = normal(prng(42));
    const cols = [0, 1, 2].map((j) => Float64Array.from({ length: 1200 }, () => 100 + j + 0.01 * z()));
    const roll = new RollingMoments(cols, 1_000_000); // never rebuild: pure add/drop
    for (let hi = 90; hi <= 1090; hi++) {
      const r = roll.moveTo(hi - 90, hi);
      const d = centredMoments(cols, hi - 90, hi);
      for (let i = 0; i < 9; i++) expect(Math.abs(r.cross[i]! - d.cross[i]!)).toBeLessThan(1e-12);
      for (let j = 0; j < 3; j++) expect(Math.abs(r.mean[j]! - d.mean[j]!)).toBeLessThan(1e-12);
    }
  });
});
