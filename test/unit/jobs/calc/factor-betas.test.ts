import { describe, expect, it } from 'vitest';
import { betaLookupFromRows, computeSymbolBetas, type BetaRow } from '../../../../jobs/calc/factor-betas.js';
import { FACTORS, FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { alignedReturns } from '../../../../jobs/calc/returns.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import type { Bar } from '../../../../jobs/calc/types.js';
import { plain, plainAll, prng, referenceFit, syntheticMarket, syntheticSymbol } from './synthetic.js';

const STYLE = ['VTV', 'VUG', 'MTUM', 'QUAL', 'IWM', 'USMV'];
const SPREADS: [string, string, string][] = [
  ['Growth-Value Spread', 'VUG', 'VTV'],
  ['Momentum Spread', 'MTUM', 'SPY'],
  ['Size Spread', 'IWM', 'SPY'],
  ['Quality Spread', 'QUAL', 'SPY'],
];
const clip = (b: number): number => Math.max(-5, Math.min(5, b));

/**
 * Direct per-date computation, independent of the rolling sums and of jobs/calc's solvers: align with
 * alignedReturns (no corporate actions here, so closes are total-return series already), slice the
 * last 90 / 180 returns ending on or before d, and fit each regression from scratch with referenceFit:
 * market OLS on SPY; IR OLS on [SPY, TLT]; ridge (α = 1) on [SPY, VTV−SPY, …, USMV−SPY] with SPY
 * unpenalised; each spread OLS on [SPY, long − short].
 */
function direct(closes: Bar[], factorCloses: Record<string, Bar[]>, d: string): Map<string, number> {
  const al = alignedReturns({ y: closes, ...factorCloses }, undefined, d);
  const n = al.dates.length;
  const out = new Map<string, number>();
  const tail = (k: string, w: number): Float64Array => al.returns[k]!.slice(Math.max(0, n - w));
  const minus = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v - b[i]!);
  if (Math.min(90, n) >= 30) {
    const spy = tail('SPY', 90);
    out.set('Market Beta', clip(referenceFit([spy], tail('y', 90)).beta[0]!));
    out.set('IR Beta', clip(referenceFit([spy, tail('TLT', 90)], tail('y', 90)).beta[1]!));
    const fit = referenceFit([spy, ...STYLE.map((p) => minus(tail(p, 90), spy))], tail('y', 90), 1, [false, ...STYLE.map(() => true)]);
    const names = ['Value', 'Growth', 'Momentum', 'Quality', 'Size', 'Low Volatility'];
    names.forEach((name, j) => out.set(name, clip(fit.beta[j + 1]!)));
  }
  if (Math.min(180, n) >= 60) {
    for (const [name, l, s] of SPREADS) {
      const fit = referenceFit([tail('SPY', 180), minus(tail(l, 180), tail(s, 180))], tail('y', 180));
      out.set(name, clip(fit.beta[1]!));
    }
  }
  return out;
}

describe('computeSymbolBetas', () => {
  const market = syntheticMarket('2023-01-03', '2024-12-31', 2024);
  const factorHistories = plainAll(market.factorCloses);
  const symbol = syntheticSymbol(market, { SPY: 1.2, VUG: 0.3, TLT: -0.2 }, 0.006, 7);

  it('equals the direct per-date computation to 1e-9 over a full-year (252-day) backfill, rolling or not', () => {
    // Drop a few closes so the alignment has gaps inside the windows.
    const holey = symbol.filter((_, i) => i % 37 !== 5);
    const dates = tradingDaysBetween('2024-01-02', '2024-12-31');
    expect(dates).toHaveLength(252);
    const rolling = computeSymbolBetas({ symbol: 'X', history: plain(holey), factorHistories, dates, rebuildEvery: 1_000_000 });
    const periodic = computeSymbolBetas({ symbol: 'X', history: plain(holey), factorHistories, dates });
    const fresh = computeSymbolBetas({ symbol: 'X', history: plain(holey), factorHistories, dates, rebuildEvery: 1 });
    expect(rolling.rows.length).toBe(252 * 12);
    for (let i = 0; i < rolling.rows.length; i++) {
      const r = rolling.rows[i]!;
      expect(Math.abs(r.beta - periodic.rows[i]!.beta)).toBeLessThan(1e-9);
      expect(Math.abs(r.beta - fresh.rows[i]!.beta)).toBeLessThan(1e-9);
      expect(Math.abs((r.rSquared ?? 0) - (fresh.rows[i]!.rSquared ?? 0))).toBeLessThan(1e-9);
    }
    // Independent direct computation on every 7th date (all 12 factors).
    for (let k = 0; k < dates.length; k += 7) {
      const d = dates[k]!;
      const ref = direct(holey, market.factorCloses, d);
      const got = rolling.rows.filter((r) => r.date === d);
      expect(got).toHaveLength(12);
      for (const r of got) expect(Math.abs(r.beta - ref.get(r.factor)!)).toBeLessThan(1e-9);
    }
  });

  it('recovers the loadings it was built with', () => {
    const rows = computeSymbolBetas({ symbol: 'X', history: plain(symbol), factorHistories, dates: ['2024-12-31'] }).rows;
    const market90 = rows.find((r) => r.factor === 'Market Beta')!;
    // y = 1.2·SPY + 0.3·VUG − 0.2·TLT + noise; VUG ≈ 0.9·market, so the univariate market beta is
    // ≈ 1.2 + 0.3·cov(VUG, SPY)/var(SPY) + small TLT term ≈ 1.4 to 1.5.
    expect(market90.beta).toBeGreaterThan(1.2);
    expect(market90.beta).toBeLessThan(1.7);
    expect(market90.observations).toBe(90);
    expect(market90.window).toBe(90);
    expect(market90.stdError).toBeGreaterThan(0);
    expect(rows.find((r) => r.factor === 'Growth-Value Spread')!.observations).toBe(180);
  });

  it("gives SPY a market beta of exactly 1 with R² 1", () => {
    const row = computeSymbolBetas({ symbol: 'SPY', history: factorHistories.SPY!, factorHistories, dates: ['2024-06-28'] }).rows.find((r) => r.factor === 'Market Beta')!;
    expect(row.beta).toBeCloseTo(1, 12);
    expect(row.rSquared).toBeCloseTo(1, 12);
  });

  it('reports insufficient history instead of a row, per factor and date', () => {
    // The symbol lists on 2024-09-03. Sessions 2024-09-03..30: 20; 2024-10-01..14: 10; so on
    // 2024-10-14 it has 30 closes = 29 returns (< 30) and on 2024-10-15 30 returns.
    const ipo = symbol.filter((b) => b.date >= '2024-09-03');
    const res = computeSymbolBetas({ symbol: 'NEW', history: plain(ipo), factorHistories, dates: ['2024-10-14', '2024-10-15'] });
    const miss15 = res.missing.filter((m) => m.date === '2024-10-14');
    expect(miss15).toHaveLength(12);
    expect(miss15.every((m) => m.reason === 'insufficient_history')).toBe(true);
    expect(miss15.find((m) => m.factor === 'Market Beta')).toMatchObject({ observations: 29, required: 30 });
    expect(res.rows.filter((r) => r.date === '2024-10-15').map((r) => r.factor)).toEqual(FACTORS.slice(0, 8).map((f) => f.name));
    expect(res.missing.filter((m) => m.date === '2024-10-15').map((m) => m.factor)).toEqual(FACTORS.slice(8).map((f) => f.name));
  });

  it('reports no_price when the symbol has no close in the 5 trading days up to d', () => {
    const delisted = symbol.filter((b) => b.date <= '2024-06-03');
    const res = computeSymbolBetas({ symbol: 'GONE', history: plain(delisted), factorHistories, dates: ['2024-06-10', '2024-06-11'] });
    // 2024-06-10 − 5 trading days = 2024-06-03: still usable; 2024-06-11 is not.
    expect(res.rows.filter((r) => r.date === '2024-06-10')).toHaveLength(12);
    expect(res.missing.filter((m) => m.date === '2024-06-11' && m.reason === 'no_price')).toHaveLength(12);
  });

  it('clips extreme betas to ±5 and flags them', () => {
    const wild = syntheticSymbol(market, { SPY: 20 }, 0.001, 3, 1000);
    const rows = computeSymbolBetas({ symbol: 'W', history: plain(wild), factorHistories, dates: ['2024-12-31'] }).rows;
    const m = rows.find((r) => r.factor === 'Market Beta')!;
    expect(m.beta).toBe(5);
    expect(m.qualityFlag).toBe('clipped');
  });

  it('never leaks NaN or out-of-range betas on random inputs', () => {
    const rnd = prng(77);
    const dates = tradingDaysBetween('2024-03-01', '2024-12-31');
    for (let trial = 0; trial < 25; trial++) {
      const closes: Bar[] = [];
      let p = 1 + rnd() * 500;
      for (const d of market.dates) {
        if (rnd() < 0.1) continue; // random gaps
        const shock = rnd() < 0.02 ? (rnd() - 0.5) * 1.5 : (rnd() - 0.5) * 0.1;
        p = Math.max(0.01, p * (1 + shock));
        if (trial % 5 === 0 && rnd() < 0.5) p = 42; // long flat stretches
        closes.push({ date: d, close: p });
      }
      const res = computeSymbolBetas({ symbol: 'R', history: plain(closes), factorHistories, dates });
      expect(res.rows.length + res.missing.length).toBe(dates.length * 12);
      // One assertion per trial: per-row expect() calls would dominate the run time.
      const bad = res.rows.filter(
        (r) =>
          !Number.isFinite(r.beta) ||
          Math.abs(r.beta) > 5 ||
          (r.rSquared !== null && !(r.rSquared >= -1e-12 && r.rSquared <= 1 + 1e-12)) ||
          (r.stdError !== null && !Number.isFinite(r.stdError)) ||
          (r.qualityFlag === 'clipped') !== (Math.abs(r.beta) === 5),
      );
      expect(bad).toEqual([]);
    }
  });

  it('builds a lookup from rows', () => {
    const rows: BetaRow[] = computeSymbolBetas({ symbol: 'X', history: plain(symbol), factorHistories, dates: ['2024-12-31'] }).rows;
    const lookup = betaLookupFromRows(rows);
    expect(lookup('X', 'Market Beta', '2024-12-31')).toBe(rows[0]!.beta);
    expect(lookup('X', 'Market Beta', '2024-12-30')).toBeUndefined();
    expect(FACTOR_PROXIES).toHaveLength(8);
  });
});
