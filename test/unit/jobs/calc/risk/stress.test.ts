import { describe, expect, it } from 'vitest';
import {
  FACTOR_COUNT,
  RISK_FACTORS,
  scenarioMoves,
  shockAsReturn,
  STRESS_CATALOGUE,
  stressPnl,
  validateScenario,
  factorVector,
  type FactorCovariance,
  type StressScenario,
} from '../../../../../jobs/calc/risk/index.js';

/** A covariance from (i, j, value) entries, mirrored; indices in RISK_FACTORS order (0 market, 1 rates, 2 value, 3 growth …). */
function cov(entries: [number, number, number][]): FactorCovariance {
  const m = new Float64Array(FACTOR_COUNT * FACTOR_COUNT);
  for (let j = 0; j < FACTOR_COUNT; j++) m[j * FACTOR_COUNT + j] = 0.0001;
  for (const [i, j, v] of entries) {
    m[i * FACTOR_COUNT + j] = v;
    m[j * FACTOR_COUNT + i] = v;
  }
  return { factors: RISK_FACTORS.map((f) => f.key), matrix: m, observations: 252, rank: 8, minEigenvalue: 0, maxEigenvalue: 1, repaired: false, unavailable: null };
}

const scenario = (shocks: StressScenario['shocks']): StressScenario => ({ id: 'test', name: 'test', shocks });

describe('the catalogue', () => {
  it('has the 22 fixed ids with their shocks', () => {
    expect(STRESS_CATALOGUE.map((s) => [s.id, s.shocks])).toEqual([
      ['market_up_5', { market: 0.05 }],
      ['market_down_5', { market: -0.05 }],
      ['market_up_10', { market: 0.1 }],
      ['market_down_10', { market: -0.1 }],
      ['market_crash_35', { market: -0.35 }],
      ['market_rally_25', { market: 0.25 }],
      ['rates_up_25bp', { rates: 0.0025 }],
      ['rates_down_25bp', { rates: -0.0025 }],
      ['rates_up_50bp', { rates: 0.005 }],
      ['rates_down_50bp', { rates: -0.005 }],
      ['rates_up_100bp', { rates: 0.01 }],
      ['rates_down_100bp', { rates: -0.01 }],
      ['rate_spike_300bp', { rates: 0.03 }],
      ['value_rotation_20', { value: 0.2, growth: -0.1 }],
      ['growth_rally_15', { growth: 0.15, momentum: 0.1 }],
      ['small_cap_outperformance_10', { size: 0.1 }],
      ['quality_flight_12', { quality: 0.12, market: -0.05 }],
      ['vix_spike_150', { lowVolatility: -0.25, market: -0.15 }],
      ['liquidity_crisis', { market: -0.2, lowVolatility: -0.3, quality: 0.15, size: -0.1 }],
      ['financial_crisis_2008', { market: -0.45, value: -0.3, size: -0.25, quality: 0.2, lowVolatility: -0.35 }],
      ['covid_crash_2020', { market: -0.35, growth: 0.15, value: -0.4, size: -0.3, quality: 0.1 }],
      ['dotcom_crash_2000', { market: -0.45, growth: -0.6, value: 0.2, momentum: -0.5, quality: 0.15 }],
    ]);
  });

  it('converts yield changes with duration 17: +50 bp → −8.5 %', () => {
    expect(shockAsReturn('rates', 0.005)).toBeCloseTo(-0.085, 15);
    expect(shockAsReturn('rates', 0.03)).toBeCloseTo(-0.51, 15);
    expect(shockAsReturn('market', -0.1)).toBe(-0.1);
  });
});

describe('direct and correlated P&L', () => {
  it('implies Σ_us Σ_ss⁻¹ s_s for the unshocked factors (hand-worked)', () => {
    // Market variance 0.0004, cov(market, value) 0.0001, other variances 0.0001, other covariances 0.
    // Market −10 %: value moves 0.0001/0.0004 · (−0.10) = −0.025; the rest 0.
    // b: market 1,000, value 2,000 → direct −100; correlated −100 + 2,000 · (−0.025) = −150; difference −50.
    const moves = scenarioMoves(scenario({ market: -0.1 }), cov([[0, 0, 0.0004], [0, 2, 0.0001]]));
    expect(moves.correlated![2]).toBeCloseTo(-0.025, 15);
    expect(moves.correlated![3]).toBe(0);
    expect(moves.pseudoInverse).toBe(false);
    const r = stressPnl(factorVector({ market: 1000, value: 2000 }), moves, 10_000);
    expect(r.direct.value).toBeCloseTo(-100, 12);
    expect(r.correlated.value).toBeCloseTo(-150, 12);
    expect(r.difference.value).toBeCloseTo(-50, 12);
    expect(r.directShareOfNav.value).toBeCloseTo(-0.01, 15);
    expect(r.correlatedShareOfNav.value).toBeCloseTo(-0.015, 15);
  });

  it('with two shocked factors solves the 2×2 system (hand-worked)', () => {
    // Shock market −0.10 and rates +100 bp (rates return −0.17). Σ_ss = [[4, 1], [1, 1]]·1e-4, Σ_ss⁻¹ = [[1, −1], [−1, 4]]/3 ·1e4.
    // Σ_us for value: (cov(value, market), cov(value, rates)) = (2, 1)·1e-4.
    // y = Σ_ss⁻¹ s = 1e4/3 · (−0.10 + 0.17, 0.10 − 0.68) = 1e4/3 · (0.07, −0.58); s_value = (2·0.07 − 0.58)/3 = −0.44/3.
    const moves = scenarioMoves(scenario({ market: -0.1, rates: 0.01 }), cov([[0, 0, 0.0004], [0, 1, 0.0001], [0, 2, 0.0002], [1, 2, 0.0001], [2, 2, 0.0004]]));
    expect(moves.direct[1]).toBeCloseTo(-0.17, 15);
    expect(moves.correlated![2]).toBeCloseTo(-0.44 / 3, 13);
  });

  it('caps an implied move at ±100 %', () => {
    // cov(value, market)/var(market) = 0.005/0.0001 = 50 → value would move 50 · (−0.10) = −5 → −1.
    const moves = scenarioMoves(scenario({ market: -0.1 }), cov([[2, 2, 1], [0, 2, 0.005]]));
    expect(moves.correlated![2]).toBe(-1);
    expect(moves.capped).toEqual(['value']);
  });

  it('uses the pseudo-inverse for a singular Σ_ss and flags it', () => {
    // Market and value identical (all entries a = 0.0004); growth has covariance c = 0.0002 with both.
    // Σ_ss⁺ = [[1, 1], [1, 1]]/(4a); s = (−0.1, −0.1) → y = (−0.2, −0.2)/(4a); s_growth = 2c · (−0.2)/(4a) = −0.1 · c/a = −0.05.
    const moves = scenarioMoves(scenario({ market: -0.1, value: -0.1 }), cov([[0, 0, 0.0004], [2, 2, 0.0004], [0, 2, 0.0004], [0, 3, 0.0002], [2, 3, 0.0002]]));
    expect(moves.pseudoInverse).toBe(true);
    expect(moves.correlated![3]).toBeCloseTo(-0.05, 13);
  });

  it('a scenario shocking all eight factors has no implied move; no covariance leaves only the direct P&L', () => {
    const all = scenarioMoves(scenario(Object.fromEntries(RISK_FACTORS.map((f) => [f.key, 0.01]))), cov([]));
    expect(Array.from(all.correlated!)).toEqual(Array.from(all.direct));
    const none: FactorCovariance = { ...cov([]), matrix: null, unavailable: { reason: 'insufficient_observations', message: 'few days' } };
    const moves = scenarioMoves(scenario({ market: -0.1 }), none);
    const r = stressPnl(factorVector({ market: 500 }), moves, 1000);
    expect(r.direct.value).toBeCloseTo(-50, 12);
    expect(r.correlated.value).toBeNull();
    expect(r.correlated.unavailable?.message).toMatch(/few days/);
    expect(r.difference.value).toBeNull();
    expect(stressPnl(factorVector({ market: 500 }), moves, 0).directShareOfNav.unavailable?.reason).toBe('non_positive_nav');
  });
});

describe('validateScenario', () => {
  it('accepts known factors by key or name within ±100 %', () => {
    const v = validateScenario({ id: 'my_crash', name: ' My crash ', shocks: { market: -1, 'Low Volatility': 0.2, rates: 0.05 } });
    expect(v).toEqual({ ok: true, scenario: { id: 'my_crash', name: 'My crash', shocks: { market: -1, lowVolatility: 0.2, rates: 0.05 } } });
  });

  it('reports every problem with its field', () => {
    const v = validateScenario({ id: 'Bad Id', name: '', shocks: { market: -1.5, vix: 0.1, rates: 0.06, value: 'x', growth: 0.1, Growth: 0.2 } });
    expect(v.ok).toBe(false);
    const issues = v.ok ? [] : v.issues;
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
    expect(Object.keys(byField).sort()).toEqual(['id', 'name', 'shocks.Growth', 'shocks.market', 'shocks.rates', 'shocks.value', 'shocks.vix'].sort());
    expect(byField['shocks.market']).toMatch(/outside ±100 %/);
    expect(byField['shocks.vix']).toMatch(/not a factor.*market, rates, value/);
    expect(byField['shocks.rates']).toMatch(/−?-?102\.0 %.*±0\.0588.*588 bp/);
    expect(byField['shocks.value']).toMatch(/finite number/);
    expect(byField['shocks.Growth']).toMatch(/shocked twice/);
  });

  it('rejects a catalogue id, empty shocks and non-objects', () => {
    const dup = validateScenario({ id: 'market_up_5', name: 'x', shocks: { market: 0.05 } });
    expect(dup.ok ? [] : dup.issues.map((i) => i.field)).toEqual(['id']);
    const empty = validateScenario({ id: 'a', name: 'x', shocks: {} });
    expect(empty.ok ? [] : empty.issues).toEqual([{ field: 'shocks', message: 'shocks must move at least one factor' }]);
    expect(validateScenario(null).ok).toBe(false);
    expect(validateScenario({ id: 'a', name: 'x', shocks: [1] }).ok).toBe(false);
  });
});
