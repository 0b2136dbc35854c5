import { describe, expect, it } from 'vitest';
import {
  computeHoldingRisk,
  computePortfolioRisk,
  computePortfolioRiskWithMatrices,
  computeRiskMatrices,
  prepareRiskDay,
  RISK_FACTORS,
  STRESS_CATALOGUE,
  SUMMARY_FIGURES,
  toReturnSeries,
  Z_SCORES,
  type PerFactor,
  type PortfolioRiskInput,
  type PortfolioRiskResult,
  type ReturnSeries,
  type RiskPosition,
  type SymbolRiskData,
} from '../../../../../jobs/calc/risk/index.js';
import { normal, prng } from '../synthetic.js';
import { D, daysEnding, numbersIn } from './helpers.js';

const N = 300; // trading days of history ending at D
const days = daysEnding(D, N);
const z = normal(prng(20240628));
/** Factor returns: a market draw, and each style partly the market. */
const marketDraws = days.map(() => 0.01 * z());
const factorRaw: number[][] = RISK_FACTORS.map((_, j) => days.map((_, t) => (j === 0 ? marketDraws[t]! : 0.3 * marketDraws[t]! * (j % 2 ? -1 : 1) + 0.006 * z())));
const asSeries = (values: readonly (number | null)[]): ReturnSeries =>
  toReturnSeries(values.flatMap((v, t) => (v === null ? [] : [{ date: days[t]!, value: v }])));
const factorReturns: PerFactor<ReturnSeries> = Object.fromEntries(RISK_FACTORS.map((f, j) => [f.key, asSeries(factorRaw[j]!)]));

/** A symbol whose returns are Σ β x + noise on the days `has(t)`. */
function symbol(betas: PerFactor<number>, noise: number, has: (t: number) => boolean = () => true): number[] {
  return days.map((_, t) => RISK_FACTORS.reduce((s, f, j) => s + (betas[f.key] ?? 0) * factorRaw[j]![t]!, 0) + noise * z()).map((v, t) => (has(t) ? v : Number.NaN));
}
const raw: Record<string, number[]> = {
  AAA: symbol({ market: 1.2, value: 0.3 }, 0.008),
  BBB: symbol({ market: 0.8, rates: -0.2 }, 0.01, (t) => t % 11 !== 0),
  CCC: symbol({ market: 1 }, 0.02, (t) => t >= N - 25), // listed 25 trading days ago
  DDD: symbol({ market: 0.5 }, 0.012),
};
const returnsOf = (s: string): ReturnSeries => asSeries(raw[s]!.map((v) => (Number.isNaN(v) ? null : v)));
const symbols: Record<string, SymbolRiskData> = {
  AAA: { returns: returnsOf('AAA'), betas: { market: 1.15, value: 0.28, rates: 0, growth: 0.01, momentum: 0, quality: 0, size: 0, lowVolatility: 0 }, sicCode: '3571', type: 'CS' },
  BBB: { returns: returnsOf('BBB'), betas: { market: 0.82, rates: -0.19, value: 0, growth: 0, momentum: 0, quality: 0, size: 0, lowVolatility: 0 }, sicCode: '6021', type: 'CS' },
  CCC: { returns: returnsOf('CCC'), betas: { market: 1, rates: 0, value: 0, growth: 0, momentum: 0, quality: 0, size: 0, lowVolatility: 0 }, type: 'ETF' },
  DDD: { returns: returnsOf('DDD') }, // no betas, no SIC
  PRIV: { sector: 'Real Estate' },
  UNP: { sicCode: '2911' },
};
const portfolioReturns = asSeries(days.map(() => 0.009 * z()));
const positions: RiskPosition[] = [
  { id: 'p1', symbol: 'AAA', marketValue: 600, investmentClass: 'PUBLIC' },
  { id: 'p2', symbol: 'BBB', marketValue: -300, investmentClass: 'PUBLIC' },
  { id: 'p3', symbol: 'AAA', marketValue: 400, investmentClass: 'PUBLIC' },
  { id: 'p4', symbol: 'CCC', marketValue: 200, investmentClass: 'PUBLIC' },
  { id: 'p5', symbol: 'DDD', marketValue: 100, investmentClass: 'PUBLIC' },
  { id: 'p6', symbol: 'PRIV', marketValue: 500, investmentClass: 'PRIVATE' },
  { id: 'p7', symbol: 'UNP', marketValue: null, investmentClass: 'PUBLIC' },
];
const input: PortfolioRiskInput = { nav: 2000, positions, symbols, portfolioReturns };
const day = prepareRiskDay({ date: D, factorReturns });

function expectNoNonFinite(result: unknown): void {
  for (const v of numbersIn(result)) expect(Number.isFinite(v)).toBe(true);
}

function expectNullsExplained(r: PortfolioRiskResult): void {
  for (const k of SUMMARY_FIGURES) {
    const v = r.summary[k];
    if (v === null) {
      expect(r.summary.unavailable[k], k).toBeDefined();
      expect(r.summary.unavailable[k]!.message.length).toBeGreaterThan(0);
    } else {
      expect(r.summary.unavailable[k], k).toBeUndefined();
    }
  }
}

/** Independent EWMA covariance over the complete days of the last 252 (direct weights). */
function referenceCovariance(): number[][] {
  const rows = days.slice(-252).map((_, k) => factorRaw.map((f) => f[N - 252 + k]!));
  const t = rows.length;
  const w = rows.map((_, r) => 0.94 ** (t - 1 - r));
  const total = w.reduce((a, b) => a + b, 0);
  const mu = RISK_FACTORS.map((_, j) => rows.reduce((s, row, r) => s + (w[r]! / total) * row[j]!, 0));
  return RISK_FACTORS.map((_, i) => RISK_FACTORS.map((_, j) => rows.reduce((s, row, r) => s + (w[r]! / total) * (row[i]! - mu[i]!) * (row[j]! - mu[j]!), 0)));
}

describe('computePortfolioRisk on a mixed book', () => {
  const r = computePortfolioRisk(day, input);
  const s = r.summary;

  it('merges positions, lists PRIVATE and unpriced holdings, and explains every null', () => {
    expect(s).toMatchObject({ holdings: 5, publicHoldings: 4, privateHoldings: 1, unpricedHoldings: 1, nav: 2000 });
    expect(r.holdings.find((h) => h.symbol === 'AAA')?.marketValue).toBe(1000);
    const codes = s.notes.map((n) => `${n.symbol}:${n.code}`).sort();
    expect(codes).toEqual(['CCC:diversification_excluded', 'CCC:no_residual_variance', 'DDD:missing_betas', 'PRIV:private_excluded', 'UNP:unpriced'].sort());
    expectNullsExplained(r);
    expectNoNonFinite(r);
  });

  it('concentration and sectors over priced holdings, PRIVATE included (hand-worked)', () => {
    // |MV| = 1,000, 300, 200, 100, 500 → G = 2,100; HHI = (1e6 + 9e4 + 4e4 + 1e4 + 2.5e5)/2,100² = 1.39e6/4.41e6.
    expect(s.grossValue).toBe(2100);
    expect(s.hhi).toBeCloseTo(1.39e6 / 4.41e6, 14);
    expect(s.top3Share).toBeCloseTo(1800 / 2100, 14);
    expect(r.sectors.map((x) => [x.sector, x.net])).toEqual([
      ['Financials', -300],
      ['Information Technology', 1000],
      ['Real Estate', 500],
      ['ETF', 200],
      ['Unknown', 100],
    ]);
    expect(r.sectors[0]!.netShareOfNav).toBeCloseTo(-0.15, 15);
  });

  it('historical VaR equals the quantile of the P&L rebuilt from the raw returns', () => {
    const mv: Record<string, number> = { AAA: 1000, BBB: -300, CCC: 200, DDD: 100 };
    const pnl: number[] = [];
    for (let t = N - 252; t < N; t++) {
      let p = 0;
      let any = false;
      for (const [sym, m] of Object.entries(mv)) {
        const v = raw[sym]![t]!;
        if (Number.isNaN(v)) continue;
        p += m * v;
        any = true;
      }
      if (any) pnl.push(p);
    }
    pnl.sort((a, b) => a - b);
    const h = (pnl.length - 1) * 0.05;
    const q = pnl[Math.floor(h)]! + (h - Math.floor(h)) * (pnl[Math.floor(h) + 1]! - pnl[Math.floor(h)]!);
    expect(s.varDays).toBe(252);
    expect(s.historicalVar95).toBeCloseTo(-q, 9);
    const tail = pnl.filter((v) => v <= q);
    expect(s.historicalEs95).toBeCloseTo(-tail.reduce((a, b) => a + b, 0) / tail.length, 9);
    expect(s.historicalVar95!).toBeLessThanOrEqual(s.historicalEs95!);
    expect(s.historicalVar99!).toBeLessThanOrEqual(s.historicalEs99!);
    expect(s.historicalVar95ShareOfNav).toBeCloseTo(s.historicalVar95! / 2000, 15);
  });

  it('factor variance, idiosyncratic variance and parametric VaR agree with an independent computation', () => {
    const sigma = referenceCovariance();
    const betas = (sym: string): number[] => RISK_FACTORS.map((f) => symbols[sym]!.betas?.[f.key] ?? 0);
    const mv: [string, number][] = [['AAA', 1000], ['BBB', -300], ['CCC', 200], ['DDD', 100]];
    const b = RISK_FACTORS.map((_, j) => mv.reduce((acc, [sym, m]) => acc + betas(sym)[j]! * m, 0));
    const fv = b.reduce((acc, bi, i) => acc + bi * b.reduce((a2, bj, j) => a2 + sigma[i]![j]! * bj, 0), 0);
    expect(s.factorVariance).toBeCloseTo(fv, 8);
    // Residual variance over the last 90 days; CCC has 25 days (< 30) and is left out.
    let idio = 0;
    for (const [sym, m] of mv.filter(([x]) => x !== 'CCC')) {
      const res: number[] = [];
      for (let t = N - 90; t < N; t++) {
        const v = raw[sym]![t]!;
        if (Number.isNaN(v)) continue;
        res.push(v - betas(sym).reduce((acc, bj, j) => acc + bj * factorRaw[j]![t]!, 0));
      }
      const mean = res.reduce((a, c) => a + c, 0) / res.length;
      idio += m * m * (res.reduce((a, c) => a + (c - mean) ** 2, 0) / (res.length - 1));
    }
    expect(s.idiosyncraticVariance).toBeCloseTo(idio, 9);
    expect(s.totalVariance).toBeCloseTo(fv + idio, 8);
    expect(s.factorShare).toBeCloseTo(fv / (fv + idio), 10);
    expect(s.totalRisk).toBeCloseTo(Math.sqrt((fv + idio) * 252), 7);
    expect(s.parametricVar95).toBeCloseTo(Z_SCORES[0.95] * Math.sqrt(fv + idio), 8);
    expect(s.parametricVar99!).toBeLessThan(s.parametricEs99!);
    const contributions = RISK_FACTORS.map((f) => s[`contribution${f.key[0]!.toUpperCase()}${f.key.slice(1)}` as 'contributionMarket']!);
    expect(contributions.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 12);
    expect(r.factorExposures.market).toBeCloseTo(b[0]!, 10);
  });

  it('stress totals are Σ b_f s_f over the scenario moves', () => {
    expect(r.stress.map((x) => x.scenarioId)).toEqual(STRESS_CATALOGUE.map((c) => c.id));
    const b = r.factorExposures;
    const crash = r.stress.find((x) => x.scenarioId === 'market_crash_35')!;
    expect(crash.direct).toBeCloseTo(-0.35 * b.market, 10);
    const rates = r.stress.find((x) => x.scenarioId === 'rates_up_100bp')!;
    expect(rates.direct).toBeCloseTo(-0.17 * b.rates, 10);
    for (const row of r.stress) expect(row.difference).toBeCloseTo(row.correlated! - row.direct!, 10);
  });

  it('portfolio volatility comes from the portfolio series, holding volatility from the symbol', () => {
    expect(s.volatility21d).not.toBeNull();
    expect(s.volatilityPercentile).not.toBeNull();
    expect(r.holdings.find((h) => h.symbol === 'CCC')!.volatility!.vol63).toBeNull();
    expect(r.holdings.find((h) => h.symbol === 'PRIV')!.volatility).toBeNull();
  });

  it('the matrices: symmetric correlations in [−1, 1], per-factor stress moves adding up to the totals', () => {
    const m = computeRiskMatrices(day, input);
    expect(m.correlations.symbols).toEqual(['AAA', 'BBB', 'CCC', 'DDD']);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        expect(m.correlations.values[i]![j]).toBe(m.correlations.values[j]![i]);
        const v = m.correlations.values[i]![j] ?? null;
        if (v !== null) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      }
    }
    expect(m.correlations.values[0]![2]).toBeNull(); // CCC: 25 common days
    expect(m.factorCovariance.matrix).toHaveLength(8);
    expect(m.factorCovariance.observations).toBe(252);
    for (const st of m.stress) {
      const row = r.stress.find((x) => x.scenarioId === st.scenarioId)!;
      expect(st.moves.reduce((a, mv) => a + mv.directPnl, 0)).toBeCloseTo(row.direct!, 9);
      expect(st.moves.reduce((a, mv) => a + mv.correlatedPnl!, 0)).toBeCloseTo(row.correlated!, 9);
    }
    expectNoNonFinite(m);
    const both = computePortfolioRiskWithMatrices(day, input);
    expect(both.matrices).toEqual(m);
    expect(both.summary).toEqual(r.summary);
  });

  it('stays within the storage budget: one summary, 22 stress rows and at most 14 sector rows', () => {
    const rows = 1 + r.stress.length + r.sectors.length;
    expect(rows).toBeLessThanOrEqual(37);
  });
});

describe('edge cases', () => {
  it('an empty portfolio: nothing to concentrate or correlate, no factor risk, VaR 0 parametric', () => {
    const r = computePortfolioRisk(day, { nav: 1000, positions: [], symbols: {}, portfolioReturns: toReturnSeries([]) });
    const s = r.summary;
    expect(s.hhi).toBeNull();
    expect(s.unavailable.hhi?.reason).toBe('insufficient_holdings');
    expect(s.averageCorrelation).toBeNull();
    expect(s.diversificationRatio).toBeNull();
    expect(s.historicalVar95).toBeNull();
    expect(s.unavailable.historicalVar95?.reason).toBe('insufficient_holdings');
    expect(s.factorVariance).toBe(0);
    expect(s.totalVariance).toBe(0);
    expect(s.parametricVar99).toBe(0);
    expect(s.factorShare).toBeNull();
    expect(s.unavailable.contributionMarket?.reason).toBe('zero_variance');
    expect(s.volatility21d).toBeNull();
    expect(r.stress.every((x) => x.direct === 0 && x.correlated === 0)).toBe(true);
    expect(r.sectors).toEqual([]);
    expectNullsExplained(r);
    expectNoNonFinite(r);
  });

  it('a single position: fully concentrated, no pair, diversification ratio 1', () => {
    const r = computePortfolioRisk(day, { nav: 1000, positions: [positions[0]!], symbols, portfolioReturns });
    expect(r.summary.hhi).toBe(1);
    expect(r.summary.effectiveHoldings).toBe(1);
    expect(r.summary.averageCorrelation).toBeNull();
    expect(r.summary.unavailable.averageCorrelation?.reason).toBe('insufficient_holdings');
    expect(r.summary.diversificationRatio).toBeCloseTo(1, 12);
    expect(r.summary.historicalVar95).not.toBeNull();
    expectNullsExplained(r);
  });

  it('an all-short book: negative exposures, a market fall is a gain, VaR still ≤ ES', () => {
    const shorts = positions.filter((p) => p.investmentClass === 'PUBLIC' && p.marketValue !== null).map((p) => ({ ...p, marketValue: -Math.abs(p.marketValue!) }));
    const r = computePortfolioRisk(day, { nav: 3000, positions: shorts, symbols, portfolioReturns });
    expect(r.factorExposures.market).toBeLessThan(0);
    expect(r.stress.find((x) => x.scenarioId === 'market_down_10')!.direct!).toBeGreaterThan(0);
    expect(r.summary.historicalVar95!).toBeLessThanOrEqual(r.summary.historicalEs95!);
    expect(r.sectors.every((x) => x.long === 0 && x.short < 0)).toBe(true);
    expectNullsExplained(r);
    expectNoNonFinite(r);
  });

  it('a PRIVATE-only book counts in concentration and sectors only, and lists the holding', () => {
    const r = computePortfolioRisk(day, { nav: 500, positions: [positions[5]!], symbols, portfolioReturns });
    expect(r.summary.hhi).toBe(1);
    expect(r.sectors).toHaveLength(1);
    expect(r.summary.publicHoldings).toBe(0);
    expect(r.summary.historicalVar95).toBeNull();
    expect(r.summary.factorVariance).toBe(0);
    expect(r.summary.notes.map((n) => n.code)).toEqual(['private_excluded']);
    expectNullsExplained(r);
  });

  it('an unpriced position counts nowhere and is listed', () => {
    const r = computePortfolioRisk(day, { nav: 500, positions: [positions[6]!, positions[4]!], symbols, portfolioReturns });
    expect(r.summary.unpricedHoldings).toBe(1);
    expect(r.summary.grossValue).toBe(100);
    expect(r.holdings.find((h) => h.symbol === 'UNP')).toMatchObject({ status: 'unpriced', marketValue: null, sector: 'Energy' });
    expect(r.summary.notes.find((n) => n.symbol === 'UNP')?.code).toBe('unpriced');
  });

  it('NAV ≤ 0 leaves every share of NAV null with the reason', () => {
    const r = computePortfolioRisk(day, { ...input, nav: -50 });
    expect(r.summary.historicalVar95).not.toBeNull();
    expect(r.summary.historicalVar95ShareOfNav).toBeNull();
    expect(r.summary.unavailable.historicalVar95ShareOfNav?.reason).toBe('non_positive_nav');
    expect(r.summary.unavailable.totalRiskShareOfNav?.reason).toBe('non_positive_nav');
    expect(r.stress[0]!.unavailable.directShareOfNav?.reason).toBe('non_positive_nav');
  });

  it('rejects malformed input naming the field', () => {
    expect(() => computePortfolioRisk(day, { ...input, nav: Number.NaN })).toThrow(/nav/);
    expect(() => computePortfolioRisk(day, { ...input, positions: [{ id: 'x', symbol: 'AAA', marketValue: Infinity, investmentClass: 'PUBLIC' }] })).toThrow(/positions\[0\] \(x\): marketValue/);
    expect(() =>
      computePortfolioRisk(day, { ...input, positions: [positions[0]!, { symbol: 'AAA', marketValue: 1, investmentClass: 'PRIVATE' }] }),
    ).toThrow(/AAA is held both as PUBLIC and as PRIVATE/);
    expect(() => prepareRiskDay({ date: '2024-06-29', factorReturns })).toThrow(/not an NYSE trading day/);
    expect(() => prepareRiskDay({ date: D, factorReturns, scenarios: [STRESS_CATALOGUE[0]!] })).toThrow(/market_up_5 appears twice/);
    expect(() => prepareRiskDay({ date: D, factorReturns, scenarios: [{ id: 'mine', name: 'Mine', shocks: { market: -3 } }] })).toThrow(
      /scenarios\[0\] \(mine\): shocks.market: a shock of -3 is outside ±100 %/,
    );
    const own = prepareRiskDay({ date: D, factorReturns, scenarios: [{ id: 'mine', name: 'Mine', shocks: { size: -0.2 } }] });
    const rows = computePortfolioRisk(own, input).stress;
    expect(rows).toHaveLength(23);
    expect(rows[22]).toMatchObject({ scenarioId: 'mine', scenarioName: 'Mine' });
  });
});

describe('numerically careful', () => {
  it('collinear proxies: rank-deficient covariance, pseudo-inverse flagged, no NaN', () => {
    const collinear = { ...factorReturns, growth: factorReturns.value! };
    const d2 = prepareRiskDay({ date: D, factorReturns: collinear });
    expect(d2.covariance.rank).toBe(7);
    const r = computePortfolioRisk(d2, input);
    expect(r.summary.covarianceRank).toBe(7);
    // value_rotation_20 shocks value and growth, which are the same series: Σ_ss is singular.
    const rot = r.stress.find((x) => x.scenarioId === 'value_rotation_20')!;
    expect(rot.pseudoInverse).toBe(true);
    expect(rot.correlated).not.toBeNull();
    expect(r.stress.find((x) => x.scenarioId === 'market_up_5')!.pseudoInverse).toBe(false);
    expectNoNonFinite(r);
    expectNullsExplained(r);
  });

  it('too few factor days: factor risk and correlated stress null with the reason, direct stress kept', () => {
    const short = Object.fromEntries(Object.entries(factorReturns).map(([k, s]) => [k, toReturnSeries(s.dates.slice(-59).map((date, i) => ({ date, value: s.values[s.values.length - 59 + i]! })))]));
    const d2 = prepareRiskDay({ date: D, factorReturns: short });
    const r = computePortfolioRisk(d2, input);
    expect(r.summary.factorVariance).toBeNull();
    expect(r.summary.unavailable.factorVariance?.message).toMatch(/59 observations, at least 60/);
    expect(r.summary.parametricVar95).toBeNull();
    expect(r.summary.covarianceRank).toBeNull();
    expect(r.stress[0]!.direct).not.toBeNull();
    expect(r.stress[0]!.correlated).toBeNull();
    expectNullsExplained(r);
    expectNoNonFinite(computeRiskMatrices(d2, input));
  });

  it('returns far out of range give null (not_finite), never Infinity', () => {
    const huge = toReturnSeries(days.map((date, t) => ({ date, value: (t % 2 ? 1 : -1) * 1e200 })));
    const r = computePortfolioRisk(day, {
      nav: 1000,
      positions: [{ symbol: 'HUGE', marketValue: 1e10, investmentClass: 'PUBLIC' }],
      symbols: { HUGE: { returns: huge, betas: { market: 1 } } },
      portfolioReturns: huge,
    });
    expect(r.summary.volatility21d).toBeNull();
    expect(r.summary.unavailable.volatility21d?.reason).toBe('not_finite');
    expect(r.summary.unavailable.idiosyncraticVariance?.reason).toBe('not_finite');
    expectNoNonFinite(r);
    expectNullsExplained(r);
  });
});

describe('the day is shared by its portfolios', () => {
  it('computes a symbol once per day and recomputes when its betas differ', () => {
    const d2 = prepareRiskDay({ date: D, factorReturns });
    const first = computeHoldingRisk(d2, 'AAA', symbols.AAA!);
    expect(computeHoldingRisk(d2, 'AAA', { ...symbols.AAA!, betas: { ...symbols.AAA!.betas } })).toBe(first);
    const other = computeHoldingRisk(d2, 'AAA', { ...symbols.AAA!, betas: { market: 2 } });
    expect(other).not.toBe(first);
    expect(other.missingBetas).toHaveLength(7);
    // A stored vol21 history replaces the recomputation: a history of 200 days of 1.0 puts today's
    // (much lower) volatility at the bottom: 1 value of 201 is ≤ today's.
    const history = daysEnding(D, 201).slice(0, -1).map((date) => ({ date, value: 1 }));
    const withHistory = computeHoldingRisk(d2, 'AAA', { ...symbols.AAA!, vol21History: history });
    expect(withHistory).not.toBe(first);
    expect(withHistory.volatility.percentile.value).toBeCloseTo(1 / 201, 15);
    const a = computePortfolioRisk(d2, input);
    const b = computePortfolioRisk(prepareRiskDay({ date: D, factorReturns }), input);
    expect(a.summary).toEqual(b.summary);
  });
});

describe('the summary figures', () => {
  it('hold one contribution per risk factor, named after it, and nothing twice', () => {
    const contributions = SUMMARY_FIGURES.filter((k) => k.startsWith('contribution'));
    expect(contributions).toEqual(RISK_FACTORS.map((f) => `contribution${f.key[0]!.toUpperCase()}${f.key.slice(1)}`));
    expect(new Set(SUMMARY_FIGURES).size).toBe(SUMMARY_FIGURES.length);
  });
});
