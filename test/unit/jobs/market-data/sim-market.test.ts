import { describe, expect, it } from 'vitest';
import { FACTOR_PROXIES } from '../../../../jobs/calc/factors.js';
import { addTradingDays, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { PriceModel, simulatedBetas, simulatedLoadings, simulatedMarketBeta } from '../../../../jobs/market-data/polygon-sim.js';
import { STYLE_PROXIES } from '../../../../jobs/market-data/sim-symbols.js';
import { align, annualVol, correlation, ols, totalReturns } from '../../../helpers/sim-returns.js';

/** The tests' simulated today, and the year before it that the bands are measured on. */
const TODAY = '2026-11-20';
const YEAR_FROM = addTradingDays(TODAY, -252);

type Stats = { corr: number; vol: number; beta: number; rates: number };

/** Correlation with SPY, annual volatility, univariate SPY beta and univariate TLT beta of a year of total returns. */
function yearStats(model: PriceModel, tickers: readonly string[], from: string, to: string): Record<string, Stats> {
  const spyR = totalReturns(model, 'SPY', from, to);
  const tltR = totalReturns(model, 'TLT', from, to);
  const out: Record<string, Stats> = {};
  for (const t of tickers) {
    const [spy, y, tlt] = align([spyR, totalReturns(model, t, from, to), tltR]);
    out[t] = { corr: correlation(spy!, y!), vol: annualVol(y!), beta: ols(y!, [spy!]).beta[0]!, rates: ols(y!, [tlt!]).beta[0]! };
  }
  return out;
}

const DEMO = ['GOVT', 'MUB', 'IAU', 'IEFA', 'VO', 'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'] as const;
const STYLES_EXCEPT_SIZE = ['VTV', 'VUG', 'MTUM', 'QUAL', 'USMV'] as const;

/** The documented bands (README, "Simulator"), checked on one year of returns. */
function bandViolations(s: Record<string, Stats>, spyVol = true): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) bad.push(what);
  };
  if (spyVol) check(s.SPY!.vol >= 0.14 && s.SPY!.vol <= 0.2, `SPY vol ${s.SPY!.vol}`);
  for (const t of STYLES_EXCEPT_SIZE) check(s[t]!.corr >= 0.85, `${t} corr ${s[t]!.corr}`);
  check(s.IWM!.corr >= 0.75 && s.IWM!.corr <= 0.9, `IWM corr ${s.IWM!.corr}`);
  check(s.TLT!.corr >= -0.4 && s.TLT!.corr <= 0.3, `TLT corr ${s.TLT!.corr}`);
  check(s.TLT!.vol >= 0.12 && s.TLT!.vol <= 0.18, `TLT vol ${s.TLT!.vol}`);
  check(s.USMV!.vol < s.SPY!.vol, 'USMV vol below SPY');
  check(s.IWM!.vol > s.SPY!.vol, 'IWM vol above SPY');
  // Asset classes of the demo's symbols.
  for (const t of ['GOVT', 'MUB']) {
    check(Math.abs(s[t]!.beta) <= 0.1, `${t} market beta ${s[t]!.beta}`);
    check(s[t]!.rates >= 0.15 && s[t]!.rates <= 0.45, `${t} rates beta ${s[t]!.rates}`);
  }
  check(s.GOVT!.vol >= 0.035 && s.GOVT!.vol <= 0.065, `GOVT vol ${s.GOVT!.vol}`);
  check(s.MUB!.vol >= 0.025 && s.MUB!.vol <= 0.055, `MUB vol ${s.MUB!.vol}`);
  check(s.IAU!.beta >= -0.1 && s.IAU!.beta <= 0.3, `IAU beta ${s.IAU!.beta}`);
  check(s.IAU!.vol >= 0.11 && s.IAU!.vol <= 0.19, `IAU vol ${s.IAU!.vol}`);
  check(s.IEFA!.beta >= 0.6 && s.IEFA!.beta <= 0.95, `IEFA beta ${s.IEFA!.beta}`);
  check(s.IEFA!.corr >= 0.65 && s.IEFA!.corr <= 0.92, `IEFA corr ${s.IEFA!.corr}`);
  check(s.VO!.beta >= 0.9 && s.VO!.beta <= 1.25, `VO beta ${s.VO!.beta}`);
  for (const t of ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL']) {
    check(s[t]!.beta >= 0.8 && s[t]!.beta <= 2.2, `${t} beta ${s[t]!.beta}`);
    check(s[t]!.vol >= 0.18 && s[t]!.vol <= 0.6, `${t} vol ${s[t]!.vol}`);
  }
  return bad;
}

describe('the simulated market', () => {
  const model = new PriceModel(42, { today: TODAY });

  it('is deterministic from the seed', () => {
    expect(new PriceModel(42, { today: TODAY }).bars('AAPL', '2025-01-02', '2025-03-31')).toEqual(model.bars('AAPL', '2025-01-02', '2025-03-31'));
    expect(new PriceModel(7, { today: TODAY }).bars('AAPL', '2025-01-02', '2025-03-31')).not.toEqual(model.bars('AAPL', '2025-01-02', '2025-03-31'));
  });

  it('meets the documented bands over the year before the tests\' today', () => {
    const s = yearStats(model, [...FACTOR_PROXIES, ...DEMO], YEAR_FROM, TODAY);
    expect(bandViolations(s)).toEqual([]);
    // The style proxies move together too.
    for (const a of STYLE_PROXIES) {
      for (const b of STYLE_PROXIES) {
        if (a >= b) continue;
        const [x, y] = align([totalReturns(model, a, YEAR_FROM, TODAY), totalReturns(model, b, YEAR_FROM, TODAY)]);
        const c = correlation(x!, y!);
        expect(c, `${a}/${b}`).toBeGreaterThan(0.65);
        expect(c, `${a}/${b}`).toBeLessThan(0.98);
      }
    }
  });

  it('meets them in other years and seeds too (SPY volatility varies, as it should, in at least 4 years of 5)', () => {
    let spyOk = 0;
    let years = 0;
    for (const seed of [1, 2, 3]) {
      const m = new PriceModel(seed, { today: TODAY });
      for (let k = 1; k <= 6; k++) {
        const to = addTradingDays(TODAY, -252 * k);
        const s = yearStats(m, [...FACTOR_PROXIES, ...DEMO], addTradingDays(to, -252), to);
        expect(bandViolations(s, false), `seed ${seed}, year to ${to}`).toEqual([]);
        years++;
        if (s.SPY!.vol >= 0.14 && s.SPY!.vol <= 0.2) spyOk++;
      }
    }
    expect(spyOk / years).toBeGreaterThanOrEqual(0.8);
  });

  it('has volatility clustering, jump days, bad weeks and drawdowns', () => {
    const from = '2016-01-04';
    const spy = [...totalReturns(model, 'SPY', from, TODAY).values()];
    const jumps = model.jumpDays(TODAY).filter((d) => d >= from);
    expect(jumps.length).toBeGreaterThanOrEqual(8);
    let worstWeek = 0;
    for (let i = 5; i <= spy.length; i++) worstWeek = Math.min(worstWeek, spy.slice(i - 5, i).reduce((v, r) => v * (1 + r), 1) - 1);
    expect(worstWeek).toBeLessThan(-0.07);
    let peak = 1;
    let value = 1;
    let drawdown = 0;
    for (const r of spy) {
      value *= 1 + r;
      peak = Math.max(peak, value);
      drawdown = Math.min(drawdown, value / peak - 1);
    }
    expect(drawdown).toBeLessThan(-0.15);
    // Large moves follow large moves: |r| is autocorrelated (it is not for independent draws).
    const abs = spy.map(Math.abs);
    expect(correlation(abs.slice(1), abs.slice(0, -1))).toBeGreaterThan(0.1);
  });

  it('lets a joint regression on [SPY, style − SPY, TLT] recover the true market-neutral loadings', () => {
    const from = '2016-01-04';
    const proxies = Object.fromEntries(FACTOR_PROXIES.map((p) => [p, totalReturns(model, p, from, TODAY)]));
    for (const ticker of ['AAPL', 'GOVT', 'IAU', 'IEFA', 'QWER', 'ZZZZ', 'VTV', 'SPY']) {
      const [y, spy, ...rest] = align([totalReturns(model, ticker, from, TODAY), proxies.SPY!, ...STYLE_PROXIES.map((s) => proxies[s]!), proxies.TLT!]);
      const styles = rest.slice(0, STYLE_PROXIES.length).map((col) => col.map((v, i) => v - spy![i]!));
      const fit = ols(y!, [spy!, ...styles, rest[STYLE_PROXIES.length]!]);
      const truth = simulatedBetas(ticker);
      const names = ['SPY', ...STYLE_PROXIES, 'TLT'] as const;
      names.forEach((f, j) => {
        // Four standard errors, and the fit must be informative (standard errors below 0.1).
        expect(fit.se[j]!, `${ticker} ${f} se`).toBeLessThan(0.1);
        expect(Math.abs(fit.beta[j]! - truth[f]), `${ticker} ${f}: ${fit.beta[j]} vs ${truth[f]}`).toBeLessThanOrEqual(Math.max(4 * fit.se[j]!, 1e-6));
      });
    }
    expect(simulatedBetas('SPY')).toEqual({ SPY: 1, VTV: 0, VUG: 0, MTUM: 0, QUAL: 0, IWM: 0, USMV: 0, TLT: 0 });
    expect(simulatedBetas('VUG')).toMatchObject({ SPY: 1, VUG: 1, VTV: 0 });
  });

  it('lets a univariate regression on SPY recover simulatedMarketBeta', () => {
    const from = '2016-01-04';
    const spyR = totalReturns(model, 'SPY', from, TODAY);
    for (const ticker of ['USMV', 'IWM', 'TLT', 'GOVT', 'IAU', 'NVDA', 'QWER']) {
      const [spy, y] = align([spyR, totalReturns(model, ticker, from, TODAY)]);
      const fit = ols(y!, [spy!]);
      expect(Math.abs(fit.beta[0]! - simulatedMarketBeta(ticker)), ticker).toBeLessThanOrEqual(4 * fit.se[0]!);
    }
    expect(simulatedMarketBeta('GOVT')).toBeCloseTo(0, 1);
    expect(simulatedMarketBeta('IAU')).toBeCloseTo(0.1, 1);
  });

  it('keeps unknown tickers equity-like and hash-seeded', () => {
    const l = simulatedLoadings('QWER');
    expect(l.assetClass).toBe('equity');
    expect(l.market).toBeGreaterThanOrEqual(0.6);
    expect(l.market).toBeLessThanOrEqual(1.6);
    expect(simulatedLoadings('QWER')).toEqual(l);
    expect(simulatedLoadings('QWES')).not.toEqual(l);
    expect(tradingDaysBetween(YEAR_FROM, TODAY)).toHaveLength(253);
  });
});
