import { describe, expect, it } from 'vitest';
import {
  figure,
  historicalTail,
  historicalVarEs,
  missing,
  normalDensity,
  parametricVarEs,
  quantileLinear,
  Z_SCORES,
} from '../../../../../jobs/calc/risk/index.js';
import { normal, prng } from '../synthetic.js';
import { win } from './helpers.js';

describe('quantile with linear interpolation', () => {
  it('matches h = (n − 1)p between order statistics (hand-worked)', () => {
    // [1..5]: p = 0.05 → h = 0.2 → 1 + 0.2·1 = 1.2; p = 0.01 → 1.04; p = 0.5 → 3; p = 1 → 5.
    const x = [1, 2, 3, 4, 5];
    expect(quantileLinear(x, 0.05)).toBeCloseTo(1.2, 15);
    expect(quantileLinear(x, 0.01)).toBeCloseTo(1.04, 15);
    expect(quantileLinear(x, 0.5)).toBe(3);
    expect(quantileLinear(x, 1)).toBe(5);
    expect(quantileLinear([7], 0.05)).toBe(7);
  });
});

describe('historical VaR and ES', () => {
  it('VaR = −quantile, ES = −mean of the P&L at or below it (hand-worked, 10 values)', () => {
    // Sorted −10, −4, −2, 0, 1, 3, 5, 6, 8, 10. 95 %: h = 9·0.05 = 0.45 → q = −10 + 0.45·6 = −7.3; only −10 ≤ q.
    // 99 %: h = 0.09 → q = −10 + 0.54 = −9.46.
    const pnl = [3, -2, 10, -10, 0, 5, 1, -4, 8, 6];
    const t95 = historicalTail(pnl, 0.95);
    expect(t95.valueAtRisk).toBeCloseTo(7.3, 14);
    expect(t95.expectedShortfall).toBe(10);
    expect(historicalTail(pnl, 0.99).valueAtRisk).toBeCloseTo(9.46, 14);
  });

  it('builds PnL_t = Σ MV_i r_it over days with a return, needing 126 (hand-worked)', () => {
    // A (MV 1,000) has r = (k − 65)/1,000 on 130 of 252 days → P&L −65 … 64. B (MV 500) has one return
    // of 0.002 on a day A has none: that day's P&L is 1 (A counts 0). 131 values: −65 … 64 and 1.
    // 95 %: h = 130·0.05 = 6.5 → q = −58.5 (between −59 and −58) → VaR 58.5; ES = −mean(−65 … −59) = 62.
    // 99 %: h = 1.3 → q = −64 + 0.3 = −63.7 → VaR 63.7; ES = −mean(−65, −64) = 64.5.
    const a: (number | null)[] = new Array<number | null>(252).fill(null);
    for (let k = 0; k < 130; k++) a[100 + k] = (k - 65) / 1000;
    const b: (number | null)[] = new Array<number | null>(252).fill(null);
    b[50] = 0.002;
    const h = historicalVarEs([win(a), win(b)], [1000, 500]);
    expect(h.days).toBe(131);
    expect(h.var95.value).toBeCloseTo(58.5, 10);
    expect(h.es95.value).toBeCloseTo(62, 10);
    expect(h.var99.value).toBeCloseTo(63.7, 10);
    expect(h.es99.value).toBeCloseTo(64.5, 10);
  });

  it('is null below 126 days and without holdings, with the reason', () => {
    const a = new Array<number | null>(252).fill(null).map((_, i) => (i < 125 ? 0.01 : null));
    expect(historicalVarEs([win(a)], [100]).var95.unavailable).toMatchObject({ reason: 'insufficient_observations', observations: 125, required: 126 });
    expect(historicalVarEs([], []).es99.unavailable?.reason).toBe('insufficient_holdings');
  });

  it('may be negative (a window of gains) and is reported as computed; an all-short book flips the tail', () => {
    const gains = new Array<number>(130).fill(0).map((_, k) => 0.001 * (k + 1));
    expect(historicalVarEs([win(gains)], [1000]).var95.value!).toBeLessThan(0);
    expect(historicalVarEs([win(gains)], [-1000]).var95.value!).toBeGreaterThan(0);
  });

  it('VaR ≤ ES at both levels (property)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const z = normal(prng(seed));
      const sample = Array.from({ length: 126 + seed * 5 }, () => 1000 * z() * (seed % 3 === 0 ? Math.abs(z()) : 1));
      for (const c of [0.95, 0.99]) {
        const t = historicalTail(sample, c);
        expect(t.valueAtRisk).toBeLessThanOrEqual(t.expectedShortfall + 1e-9);
      }
    }
  });
});

describe('parametric VaR and ES', () => {
  it('z_c σ and φ(z_c)/(1 − c) σ (hand-worked for σ = 1,000)', () => {
    // φ(1.6448536) = e^(−1.3527717)/√(2π) = 0.10313564…; /0.05 → 2,062.71 per 1,000.
    // φ(2.3263479) = 0.02665214…; /0.01 → 2,665.21.
    const p = parametricVarEs(figure(1000));
    expect(p.var95.value).toBeCloseTo(1644.8536, 9);
    expect(p.var99.value).toBeCloseTo(2326.3479, 9);
    expect(p.es95.value).toBeCloseTo(2062.7128989500184, 8);
    expect(p.es99.value).toBeCloseTo(2665.214059393431, 8);
    expect(normalDensity(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    for (const c of [0.95, 0.99] as const) expect(Z_SCORES[c]).toBeLessThan(normalDensity(Z_SCORES[c]) / (1 - c));
  });

  it('is 0 for no risk and unavailable without a variance', () => {
    expect(parametricVarEs(figure(0)).es99.value).toBe(0);
    expect(parametricVarEs(missing('insufficient_observations', 'few days')).var95.unavailable?.reason).toBe('unavailable_input');
  });
});
