import { describe, expect, it } from 'vitest';
import {
  ewmaCovariance,
  FACTOR_COUNT,
  factorContributions,
  factorCovariance,
  factorPanel,
  factorRiskFigures,
  factorVector,
  figure,
  missing,
  residualVariance,
  RISK_FACTORS,
  riskFactorKeyOf,
  type DenseWindow,
  type FactorCovariance,
  type PerFactor,
  type ReturnSeries,
} from '../../../../../jobs/calc/risk/index.js';
import { symmetricEigen } from '../../../../../jobs/calc/linear-algebra.js';
import { tradingDayOrdinal } from '../../../../../jobs/calc/trading-calendar.js';
import { normal, prng } from '../synthetic.js';
import { D, seriesEnding } from './helpers.js';

/** An 8×8 matrix from a few (i, j, value) entries (mirrored). */
function sigmaOf(entries: [number, number, number][]): Float64Array {
  const s = new Float64Array(FACTOR_COUNT * FACTOR_COUNT);
  for (const [i, j, v] of entries) {
    s[i * FACTOR_COUNT + j] = v;
    s[j * FACTOR_COUNT + i] = v;
  }
  return s;
}

function covOf(matrix: Float64Array): FactorCovariance {
  const eig = symmetricEigen(matrix, FACTOR_COUNT);
  return { factors: RISK_FACTORS.map((f) => f.key), matrix, observations: 252, rank: 8, minEigenvalue: eig.values[0]!, maxEigenvalue: eig.values[7]!, repaired: false, unavailable: null };
}

/** Eight factor series of `n` days ending at D from a generator. */
function factorSeries(n: number, gen: (factor: number, day: number) => number | null): PerFactor<ReturnSeries> {
  return Object.fromEntries(RISK_FACTORS.map((f, j) => [f.key, seriesEnding(D, Array.from({ length: n }, (_, t) => gen(j, t)))]));
}

describe('risk factors', () => {
  it('are the eight non-spread factors with short keys', () => {
    expect(RISK_FACTORS.map((f) => f.name)).toEqual(['Market Beta', 'IR Beta', 'Value', 'Growth', 'Momentum', 'Quality', 'Size', 'Low Volatility']);
    expect(riskFactorKeyOf('Low Volatility')).toBe('lowVolatility');
    expect(riskFactorKeyOf('Size Spread')).toBeUndefined();
  });
});

describe('EWMA covariance', () => {
  it('weights λ^k normalised, centred on the weighted mean, no bias correction (hand-worked, λ = 0.5)', () => {
    // Rows oldest first (1, 0), (0, 1), (2, 2); weights ∝ ¼, ½, 1 → 1/7, 2/7, 4/7.
    // μ = (1/7 + 8/7, 2/7 + 8/7) = (9/7, 10/7); deviations (−2/7, −10/7), (−9/7, −3/7), (5/7, 4/7).
    // Σ11 = (1·4 + 2·81 + 4·25)/343 = 266/343; Σ22 = (100 + 18 + 64)/343 = 182/343; Σ12 = (20 + 54 + 80)/343 = 154/343.
    const c = ewmaCovariance([1, 0, 0, 1, 2, 2], 3, 2, 0.5);
    expect(c[0]).toBeCloseTo(266 / 343, 15);
    expect(c[3]).toBeCloseTo(182 / 343, 15);
    expect(c[1]).toBeCloseTo(154 / 343, 15);
    expect(c[2]).toBe(c[1]);
  });

  it('uses only the days every factor has a return, at least 60', () => {
    const z = normal(prng(21));
    // 70 days, but the market lacks 11 of them: 59 complete days.
    const returns = factorSeries(70, (j, t) => (j === 0 && t % 6 === 0 ? null : 0.01 * z()));
    const end = tradingDayOrdinal(D);
    const cov = factorCovariance(factorPanel(returns, end));
    expect(cov.matrix).toBeNull();
    expect(cov.unavailable).toMatchObject({ reason: 'insufficient_observations', observations: 58, required: 60 });
    const full = factorCovariance(factorPanel(factorSeries(70, () => 0.01 * z()), end));
    expect(full.observations).toBe(70);
    expect(full.rank).toBe(8);
    const { market: _dropped, ...seven } = returns;
    expect(factorCovariance(factorPanel(seven, end)).unavailable?.message).toMatch(/no return series for market/);
  });

  it('reports collinear proxies (rank < 8) and stays PSD', () => {
    const z = normal(prng(22));
    const base = Array.from({ length: 100 }, () => Array.from({ length: 8 }, () => 0.01 * z()));
    // Growth = Value exactly, Momentum = Market − Size.
    const returns = factorSeries(100, (j, t) => {
      const r = base[t]!;
      if (j === 3) return r[2]!;
      if (j === 4) return r[0]! - r[6]!;
      return r[j]!;
    });
    const cov = factorCovariance(factorPanel(returns, tradingDayOrdinal(D)));
    expect(cov.rank).toBe(6);
    // Singular but not indefinite: the two zero eigenvalues are rounding, nothing to repair.
    expect(cov.repaired).toBe(false);
    expect(Math.abs(cov.minEigenvalue!)).toBeLessThan(1e-12 * cov.maxEigenvalue!);
    const eig = symmetricEigen(cov.matrix!, FACTOR_COUNT);
    expect(eig.values[0]!).toBeGreaterThanOrEqual(-1e-12 * eig.values[7]!);
    for (const v of cov.matrix!) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('factor variance and contributions', () => {
  // Σ: market variance 0.0004, rates 0.0001, cov(market, rates) 0.0001; b = (3,000, 1,000, 0, …).
  // Σb = (0.0004·3000 + 0.0001·1000, 0.0001·3000 + 0.0001·1000) = (1.3, 0.4); bᵀΣb = 3,900 + 400 = 4,300.
  const sigma = sigmaOf([[0, 0, 0.0004], [1, 1, 0.0001], [0, 1, 0.0001], [2, 2, 0.0002]]);
  const b = factorVector({ market: 3000, rates: 1000 });

  it('b_f (Σb)_f / bᵀΣb (hand-worked) sum to 1', () => {
    const c = factorContributions(b, sigma, 0.0005);
    expect(c.market.value).toBeCloseTo(3900 / 4300, 14);
    expect(c.rates.value).toBeCloseTo(400 / 4300, 14);
    expect(c.value.value).toBe(0);
    const sum = Object.values(c).reduce((s, f) => s + (f.value ?? 0), 0);
    expect(sum).toBeCloseTo(1, 14);
  });

  it('sum to 1 for random exposures and covariances, hedges included (property)', () => {
    const z = normal(prng(31));
    for (let trial = 0; trial < 20; trial++) {
      const rows = Array.from({ length: 80 * 8 }, () => 0.01 * z());
      const s = ewmaCovariance(rows, 80, 8);
      const bb = Float64Array.from({ length: 8 }, () => 1000 * z());
      const c = factorContributions(bb, s, symmetricEigen(s, 8).values[7]!);
      const sum = Object.values(c).reduce((acc, f) => acc + f.value!, 0);
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('is undefined (null, zero_variance) without exposure', () => {
    const c = factorContributions(new Float64Array(8), sigma, 0.0005);
    for (const f of Object.values(c)) expect(f.unavailable?.reason).toBe('zero_variance');
  });

  it('totals: factor 4,300 + idiosyncratic 700 = 5,000; share 0.86; annualised √(v·252)', () => {
    const fr = factorRiskFigures(b, covOf(sigma), figure(700));
    expect(fr.factorVariance.value).toBeCloseTo(4300, 9);
    expect(fr.totalVariance.value).toBeCloseTo(5000, 9);
    expect(fr.factorShare.value).toBeCloseTo(0.86, 12);
    expect(fr.factorRisk.value).toBeCloseTo(1040.9610943738483, 8);
    expect(fr.idiosyncraticRisk.value).toBeCloseTo(420, 9);
    expect(fr.totalRisk.value).toBeCloseTo(1122.4972160321825, 8);
  });

  it('passes an unavailable covariance or idiosyncratic variance on with the reason', () => {
    const none: FactorCovariance = { ...covOf(sigma), matrix: null, unavailable: missing('insufficient_observations', 'few').unavailable };
    const fr = factorRiskFigures(b, none, figure(700));
    expect(fr.factorVariance.unavailable?.reason).toBe('unavailable_input');
    expect(fr.totalRisk.value).toBeNull();
    expect(fr.contributions.market.value).toBeNull();
    expect(fr.idiosyncraticRisk.value).toBeCloseTo(420, 9);
    const noIdio = factorRiskFigures(b, covOf(sigma), missing('insufficient_observations', 'none'));
    expect(noIdio.factorVariance.value).toBeCloseTo(4300, 9);
    expect(noIdio.totalVariance.unavailable?.reason).toBe('unavailable_input');
  });
});

describe('residual variance', () => {
  it('is the sample variance of r − Σβx on days with every return (hand-worked)', () => {
    // Market x = 0.01, −0.02, 0.03, 0.00 (other factors 0.001 each day); r = 1.5x + 0.5·0.001 + e with
    // β_market 1.5, β_value 0.5 and e = 0.001, −0.001, 0.002, −0.002: residual = e, mean 0,
    // Σe² = 1e-5 → s² = 1e-5 / 3. A fifth day without the holding's return is skipped.
    const x = [0.02, 0.01, -0.02, 0.03, 0];
    const e = [0, 0.001, -0.001, 0.002, -0.002];
    const returns = factorSeries(5, (j, t) => (j === 0 ? x[t]! : 0.001));
    const panel = factorPanel(returns, tradingDayOrdinal(D), 5);
    const r: DenseWindow = {
      length: 5,
      values: Float64Array.from(x, (v, t) => 1.5 * v + 0.0005 + e[t]!),
      present: Uint8Array.from([0, 1, 1, 1, 1]),
      count: 4,
    };
    const res = residualVariance(r, factorVector({ market: 1.5, value: 0.5 }), panel, 2);
    expect(res.observations).toBe(4);
    expect(res.variance.value).toBeCloseTo(1e-5 / 3, 18);
    expect(residualVariance(r, factorVector({ market: 1.5, value: 0.5 }), panel, 5).variance.unavailable).toMatchObject({ observations: 4, required: 5 });
  });
});
