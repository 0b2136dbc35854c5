import { describe, expect, it } from 'vitest';
import {
  diversificationRatio,
  pairwiseCorrelations,
  weightedAverageCorrelation,
  type CorrelationMatrix,
} from '../../../../../jobs/calc/risk/index.js';
import { normal, prng } from '../synthetic.js';
import { win } from './helpers.js';

/** Reference Pearson on the days both have a value (two-pass). */
function pearson(x: readonly (number | null)[], y: readonly (number | null)[]): { r: number; n: number } {
  const pairs = x.flatMap((v, i) => (v !== null && y[i] !== null ? [[v, y[i]!] as const] : []));
  const mx = pairs.reduce((s, p) => s + p[0], 0) / pairs.length;
  const my = pairs.reduce((s, p) => s + p[1], 0) / pairs.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (const [a, b] of pairs) {
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
    syy += (b - my) ** 2;
  }
  return { r: sxy / Math.sqrt(sxx * syy), n: pairs.length };
}

describe('pairwise correlations', () => {
  it('Pearson on the common days (hand-worked)', () => {
    // Common days of A and B: A = 1, 2, 3 and B = 2, 4, 7 (× 0.01); B's extra day is not common.
    // x̄ = 2, ȳ = 13/3; Sxy = 5, Sxx = 2, Syy = 114/9 → r = 5 / √(2 · 114/9) = 0.99339926…
    const a = win([0.01, 0.02, null, 0.03]);
    const b = win([0.02, 0.04, 0.09, 0.07]);
    const m = pairwiseCorrelations(['A', 'B'], [a, b], 3);
    expect(m.values[0]![1]).toBeCloseTo(0.9933992677987828, 13);
    expect(m.values[1]![0]).toBe(m.values[0]![1]);
    expect(m.observations[0]![1]).toBe(3);
    expect(m.observations[1]![1]).toBe(4);
    expect(m.values[0]![0]).toBe(1);
  });

  it('is null below 30 common days, and for a constant series, with the reason', () => {
    const z = normal(prng(3));
    const x = Array.from({ length: 90 }, () => 0.01 * z());
    const y = x.map((v, i) => (i < 61 ? null : v + 0.001 * z())); // 29 common days
    const flat = x.map(() => 0.004);
    const m = pairwiseCorrelations(['X', 'Y', 'F'], [win(x), win(y), win(flat)]);
    expect(m.values[0]![1]).toBeNull();
    expect(m.unavailable.find((u) => u.i === 0 && u.j === 1)?.unavailable).toMatchObject({ reason: 'insufficient_observations', observations: 29, required: 30 });
    expect(m.values[0]![2]).toBeNull();
    expect(m.unavailable.find((u) => u.i === 0 && u.j === 2)?.unavailable.reason).toBe('zero_variance');
    expect(m.values[2]![2]).toBeNull();
  });

  it('is symmetric, within [−1, 1] and equal to the two-pass reference, with and without gaps (property)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rnd = prng(seed);
      const z = normal(rnd);
      const common = Array.from({ length: 90 }, () => z());
      const raw = Array.from({ length: 6 }, (_, i) => common.map((c, k) => (i % 2 === 0 && rnd() < 0.15 ? null : 0.01 * ((i - 2.5) * c + z()) + (k === 0 ? 5 : 0))));
      const m = pairwiseCorrelations(raw.map((_, i) => `S${i}`), raw.map(win));
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          const v = m.values[i]![j]!;
          expect(v).toBe(m.values[j]![i]);
          expect(Math.abs(v)).toBeLessThanOrEqual(1);
          if (i !== j) expect(v).toBeCloseTo(pearson(raw[i]!, raw[j]!).r, 12);
        }
      }
    }
  });
});

describe('weighted average correlation', () => {
  it('weights pairs by |w_i w_j| over the pairs with a value (hand-worked)', () => {
    // MV 100, −50, 50: ρ12 = 0.5 (weight 5,000), ρ13 = −0.2 (weight 5,000), ρ23 null.
    // (0.5 · 5,000 − 0.2 · 5,000) / 10,000 = 0.15
    const m: CorrelationMatrix = {
      symbols: ['A', 'B', 'C'],
      values: [
        [1, 0.5, -0.2],
        [0.5, 1, null],
        [-0.2, null, 1],
      ],
      observations: [],
      unavailable: [],
    };
    expect(weightedAverageCorrelation(m, [100, -50, 50]).value).toBeCloseTo(0.15, 15);
  });

  it('needs two holdings and a pair with a value', () => {
    const one: CorrelationMatrix = { symbols: ['A'], values: [[1]], observations: [[40]], unavailable: [] };
    expect(weightedAverageCorrelation(one, [10]).unavailable?.reason).toBe('insufficient_holdings');
    const none: CorrelationMatrix = { symbols: ['A', 'B'], values: [[1, null], [null, 1]], observations: [], unavailable: [] };
    expect(weightedAverageCorrelation(none, [10, 10]).unavailable?.reason).toBe('insufficient_observations');
  });
});

describe('diversification ratio', () => {
  it('Σ|w|σ_i / σ_p for two uncorrelated holdings is √2 (hand-worked)', () => {
    // r1 = ±0.01 alternating, r2 = 0.01, 0.01, −0.01, −0.01: σ1 = σ2 = √(0.0004/3);
    // P&L with MV 100 each = 2, 0, 0, −2 → σ_p = √(8/3); ratio = 200·√(0.0004/3) / √(8/3) = √2.
    // A third holding with a single return is left out (minimum 2 here) and listed.
    const r = diversificationRatio(
      ['A', 'B', 'C'],
      [win([0.01, -0.01, 0.01, -0.01]), win([0.01, 0.01, -0.01, -0.01]), win([null, 0.5, null, null])],
      [100, 100, 1000],
      2,
    );
    expect(r.ratio.value).toBeCloseTo(Math.SQRT2, 13);
    expect(r.excluded).toEqual(['C']);
    expect(r.days).toBe(4);
  });

  it('is 1 for a single holding, uses NAV-free weights (a short counts by |w|), null for a perfect hedge', () => {
    const z = normal(prng(9));
    const x = Array.from({ length: 40 }, () => 0.01 * z());
    expect(diversificationRatio(['A'], [win(x)], [-300]).ratio.value).toBeCloseTo(1, 13);
    const hedge = diversificationRatio(['A', 'B'], [win(x), win(x)], [100, -100]);
    expect(hedge.ratio.value).toBeNull();
    expect(hedge.ratio.unavailable?.reason).toBe('zero_variance');
  });

  it('counts a missing return as 0 on days another holding has one', () => {
    // A: 0.01, −0.01, missing, missing; B: missing, missing, 0.02, −0.02; minimum 2; MV 100 each.
    // σ_A = √(0.0002/1), σ_B = √(0.0008/1); P = 1, −1, 2, −2 → mean 0, σ_p = √(10/3).
    // ratio = 100(√0.0002 + √0.0008) / √(10/3) = 100 · 3√0.0002 / √(10/3)
    const r = diversificationRatio(['A', 'B'], [win([0.01, -0.01, null, null]), win([null, null, 0.02, -0.02])], [100, 100], 2);
    expect(r.ratio.value).toBeCloseTo((100 * 3 * Math.sqrt(0.0002)) / Math.sqrt(10 / 3), 13);
  });

  it('is null when no holding has enough returns', () => {
    const r = diversificationRatio(['A'], [win([0.01, null])], [100]);
    expect(r.ratio.unavailable?.reason).toBe('insufficient_holdings');
    expect(r.excluded).toEqual(['A']);
  });
});
