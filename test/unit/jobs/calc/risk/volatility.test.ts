import { describe, expect, it } from 'vitest';
import {
  computeVolatility,
  ewmaVolatility,
  realizedWindowVolatility,
  rollingVol21,
  volatilityPercentile,
} from '../../../../../jobs/calc/risk/index.js';
import { tradingDayOrdinal } from '../../../../../jobs/calc/trading-calendar.js';
import { normal, prng } from '../synthetic.js';
import { D, daysEnding, seriesEnding } from './helpers.js';

const alternate = (n: number, a: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : -a));

describe('realized volatility', () => {
  it('is the sample std × √252 over the returns of the window (hand-worked)', () => {
    // 16 returns ±0.01 (8 each) in the 21-day window, 5 days without a return: mean 0, Σr² = 0.0016,
    // s² = 0.0016 / 15, σ = √(0.0016/15 × 252) = √0.02688 = 0.16395121…
    const values = [null, null, ...alternate(8, 0.01), null, null, null, ...alternate(8, 0.01)];
    const v = computeVolatility(seriesEnding(D, values), D);
    expect(v.vol21.value).toBeCloseTo(0.16395121225535358, 12);
    expect(v.observations.days21).toBe(16);
  });

  it('is null below its minimum, counting only returns inside the window of trading days', () => {
    // 30 returns, but the last 7 trading days have none: the 21-day window holds 14 < 15.
    const values = [...alternate(30, 0.01), null, null, null, null, null, null, null];
    const v = computeVolatility(seriesEnding(D, values), D);
    expect(v.vol21.value).toBeNull();
    expect(v.vol21.unavailable).toMatchObject({ reason: 'insufficient_observations', observations: 14, required: 15 });
    expect(v.vol63.unavailable).toMatchObject({ observations: 30, required: 40 });
    expect(v.vol252.unavailable).toMatchObject({ observations: 30, required: 150 });
  });

  it('has the minimums 15 / 40 / 150 exactly', () => {
    const s = seriesEnding(D, [...alternate(150, 0.01)]);
    const end = tradingDayOrdinal(D);
    expect(realizedWindowVolatility(s, end, 252, 150).value).not.toBeNull();
    const s149 = seriesEnding(D, alternate(149, 0.01));
    expect(realizedWindowVolatility(s149, end, 252, 150).value).toBeNull();
  });
});

describe('EWMA volatility', () => {
  it('seeds with the sample variance of the first returns and does not replay them (small hand case)', () => {
    // λ = 0.5, seed 2: σ²₀ = var(0.01, −0.01) = 2e-4 / 1; then σ² = 0.5·2e-4 + 0.5·0.02² = 3e-4;
    // × 252 → √0.0756 = 0.27495454…
    expect(ewmaVolatility([0.01, -0.01, 0.02], 0.5, 2, 2).value).toBeCloseTo(0.2749545416973504, 12);
  });

  it('applies λ = 0.94 to 21 seed and 21 later returns (hand-worked)', () => {
    // Seed: 11 × +0.01, 10 × −0.01: mean 0.01/21, Σ(r − r̄)² = 0.0021 − 0.0001/21, s² = that / 20 = 1.047619e-4.
    // 21 returns of 0.02: σ² = 0.94²¹ s² + (1 − 0.94²¹)·0.0004 with 0.94²¹ = 0.2726998666…
    // σ × √252 = 0.28374483…
    const r = [...alternate(21, 0.01), ...new Array<number>(21).fill(0.02)];
    const v = computeVolatility(seriesEnding(D, r), D);
    expect(v.ewma.value).toBeCloseTo(0.28374483241149984, 12);
    const short = computeVolatility(seriesEnding(D, r.slice(1)), D);
    expect(short.ewma.unavailable).toMatchObject({ reason: 'insufficient_observations', observations: 41, required: 42 });
  });
});

describe('volatility trend and percentile', () => {
  it('trend = vol21 / vol63 − 1 (hand-worked)', () => {
    // Window 63: 42 returns ±0.01 then, in the last 21 days, 20 returns ±0.02 and one day without.
    // vol21² ∝ 0.008/19 (20 × 0.0004, mean 0); vol63² ∝ (0.0042 + 0.008)/61 = 0.0122/61 = 2e-4 (62 returns, mean 0).
    // trend = √((0.008/19)/(0.0122/61)) − 1 = 0.45095250…
    const values = [...alternate(42, 0.01), null, ...alternate(20, 0.02)];
    const v = computeVolatility(seriesEnding(D, values), D);
    expect(v.trend.value).toBeCloseTo(0.4509525002200232, 12);
  });

  it('trend is unavailable when a volatility is, and for a flat 63-day window', () => {
    const flat = computeVolatility(seriesEnding(D, new Array<number>(63).fill(0.001)), D);
    expect(flat.trend.unavailable?.reason).toBe('zero_variance');
    const few = computeVolatility(seriesEnding(D, alternate(30, 0.01)), D);
    expect(few.trend.unavailable?.reason).toBe('unavailable_input');
    expect(few.trend.unavailable?.message).toMatch(/63-day/);
  });

  it('percentile = share of the values ≤ today (hand-worked, today included)', () => {
    // 60 values 0.1, 65 values 0.3, 10 nulls, today 0.2: 126 values, 61 of them ≤ 0.2.
    const history = [...new Array<number>(60).fill(0.1), ...new Array<number>(65).fill(0.3), ...new Array<null>(10).fill(null), 0.2];
    expect(volatilityPercentile(0.2, history).value).toBeCloseTo(61 / 126, 15);
    expect(volatilityPercentile(0.2, history.slice(1)).unavailable).toMatchObject({ observations: 125, required: 126 });
  });

  it('slides the 21-day sums to the same values as the direct computation on every day', () => {
    const z = normal(prng(7));
    const values = Array.from({ length: 300 }, (_, i) => (i % 17 === 3 ? null : 0.01 * z() + (i > 200 ? 0.02 * z() : 0)));
    const s = seriesEnding(D, values);
    const end = tradingDayOrdinal(D);
    const rolled = rollingVol21(s, end, 252);
    rolled.forEach((v, k) => {
      const direct = realizedWindowVolatility(s, end - 251 + k, 21, 15).value;
      if (direct === null) expect(v).toBeNull();
      else expect(v).toBeCloseTo(direct, 12);
    });
  });

  it('uses a stored vol21 history when given, and agrees with the computed one', () => {
    const z = normal(prng(11));
    const values = Array.from({ length: 272 }, (_, i) => 0.01 * z() * (1 + i / 100));
    const s = seriesEnding(D, values);
    const computed = computeVolatility(s, D);
    const end = tradingDayOrdinal(D);
    const days = daysEnding(D, 252);
    const history = days.slice(0, -1).map((date, k) => ({ date, value: realizedWindowVolatility(s, end - 251 + k, 21, 15).value }));
    const given = computeVolatility(s, D, { vol21History: history });
    expect(computed.percentile.value).not.toBeNull();
    expect(given.percentile.value).toBeCloseTo(computed.percentile.value!, 12);
    // Only 100 stored values: too few.
    expect(computeVolatility(s, D, { vol21History: history.slice(-100) }).percentile.unavailable).toMatchObject({ observations: 101, required: 126 });
  });
});
