/**
 * The factor model on a market shaped like the real one (style proxies = market + their own style
 * factor, correlations with SPY of 0.85-0.97): market neutrality, planted loadings, stability under
 * collinearity, per-factor proxy availability, and total returns.
 */
import { describe, expect, it } from 'vitest';
import type { CorporateActions, SymbolHistory } from '../../../../jobs/calc/corporate-actions.js';
import { computeSymbolBetas, prepareFactorPanel, type BetaRow, type SymbolBetasResult } from '../../../../jobs/calc/factor-betas.js';
import { FACTORS, FACTOR_PROXIES, proxiesNeededBy, type FactorName } from '../../../../jobs/calc/factors.js';
import { alignedReturns } from '../../../../jobs/calc/returns.js';
import { ridge } from '../../../../jobs/calc/ridge.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import type { Bar } from '../../../../jobs/calc/types.js';
import { collinearMarket, correlation, plain, plainAll, referenceFit, syntheticSymbol } from './synthetic.js';

const STYLES = ['VTV', 'VUG', 'MTUM', 'QUAL', 'IWM', 'USMV'] as const;
const STYLE_NAMES: FactorName[] = ['Value', 'Growth', 'Momentum', 'Quality', 'Size', 'Low Volatility'];
const D = '2024-12-31';

const market = collinearMarket('2023-01-03', '2024-12-31', 909);
const factorHistories = plainAll(market.factorCloses);
const betasOf = (history: SymbolHistory, histories: Record<string, SymbolHistory> = factorHistories, dates = [D]): SymbolBetasResult =>
  computeSymbolBetas({ symbol: 'X', history, factorHistories: histories, dates });
const row = (res: SymbolBetasResult, factor: FactorName, date = D): BetaRow | undefined => res.rows.find((r) => r.factor === factor && r.date === date);
const beta = (res: SymbolBetasResult, factor: FactorName, date = D): number => row(res, factor, date)!.beta;

describe('the synthetic market is collinear like the real one', () => {
  it('has style proxies correlated with SPY at 0.85 or more and TLT weakly', () => {
    const spy = market.factorReturns.SPY!.slice(1);
    for (const p of STYLES) expect(correlation(market.factorReturns[p]!.slice(1), spy)).toBeGreaterThanOrEqual(0.85);
    expect(Math.abs(correlation(market.factorReturns.TLT!.slice(1), spy))).toBeLessThan(0.4);
  });
});

describe('market neutrality', () => {
  it('gives SPY itself a market beta of 1 and zero IR, style and spread betas', () => {
    // SPY = 1 × SPY exactly: the market column absorbs it, the other coefficients solve to 0.
    const res = betasOf(factorHistories.SPY!);
    expect(res.rows).toHaveLength(12);
    expect(beta(res, 'Market Beta')).toBeCloseTo(1, 12);
    expect(row(res, 'Market Beta')!.rSquared).toBeCloseTo(1, 12);
    for (const r of res.rows.filter((x) => x.factor !== 'Market Beta')) expect(Math.abs(r.beta)).toBeLessThan(1e-9);
  });

  it('reads y = 1.3·SPY + 0.5·(VUG − VTV) + noise as market ≈ 1.3 and growth-value ≈ 0.5', () => {
    // VUG − VTV carries 0.5 × (1.03 − 0.97) = 0.03 of market in expectation, so the simple market beta
    // is 1.3 + 0.03 ± its sampling error (≈ 0.03 over 90 returns).
    // Spread: y on [SPY, VUG − VTV] recovers 0.5 up to noise (σ 0.1 % a day, spread σ ≈ 0.46 %, 180
    // returns: SE ≈ 0.016). Ridge: the excess columns VUG − SPY and VTV − SPY get +0.5 and −0.5, shrunk
    // by about α/n = 1 % and with an SE of about 0.03 each over 90 returns.
    const y = syntheticSymbol(market, { SPY: 1.3, VUG: 0.5, VTV: -0.5 }, 0.001, 31);
    const res = betasOf(plain(y));
    expect(Math.abs(beta(res, 'Market Beta') - 1.3)).toBeLessThan(0.06);
    expect(Math.abs(beta(res, 'Growth-Value Spread') - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(beta(res, 'Growth') - 0.5)).toBeLessThan(0.1);
    expect(Math.abs(beta(res, 'Value') + 0.5)).toBeLessThan(0.1);
    for (const f of ['Momentum', 'Quality', 'Size', 'Low Volatility', 'Momentum Spread', 'Size Spread', 'Quality Spread', 'IR Beta'] as const) {
      expect(Math.abs(beta(res, f))).toBeLessThan(0.1);
    }
  });
});

describe('collinear proxies', () => {
  // Planted: y = 1.1·SPY + 0.6·(VTV − SPY) − 0.4·(MTUM − SPY) + 0.3·(IWM − SPY) + noise (σ 0.1 %).
  const planted: Record<string, number> = { VTV: 0.6, VUG: 0, MTUM: -0.4, QUAL: 0, IWM: 0.3, USMV: 0 };
  const y = syntheticSymbol(market, { SPY: 1.1 - 0.6 + 0.4 - 0.3, VTV: 0.6, MTUM: -0.4, IWM: 0.3 }, 0.001, 77);
  const dates = tradingDaysBetween('2024-10-01', D);
  const res = betasOf(plain(y), factorHistories, dates);

  it('recovers the planted style loadings', () => {
    STYLES.forEach((p, j) => expect(Math.abs(beta(res, STYLE_NAMES[j]!) - planted[p]!)).toBeLessThan(0.1));
  });

  it('stays stable from one date to the next as the window slides', () => {
    for (const name of STYLE_NAMES) {
      const path = dates.map((d) => beta(res, name, d));
      for (let i = 1; i < path.length; i++) expect(Math.abs(path[i]! - path[i - 1]!)).toBeLessThan(0.1);
    }
  });

  it('does not read the market as a style tilt, where a ridge on the raw proxies does', () => {
    // The raw-proxy ridge of SPY on the six collinear style ETFs spreads SPY over them (their betas sum
    // to about 1); the excess-return model gives 0 (previous test file, and here on the same window).
    const al = alignedReturns(market.factorCloses, undefined, D);
    const tail = (k: string): Float64Array => al.returns[k]!.slice(-90);
    const raw = ridge(STYLES.map((p) => tail(p)), tail('SPY'), 1)!;
    expect([...raw.betas].reduce((s, b) => s + b, 0)).toBeGreaterThan(0.8);
    const neutral = betasOf(factorHistories.SPY!);
    expect(STYLE_NAMES.reduce((s, f) => s + Math.abs(beta(neutral, f)), 0)).toBeLessThan(1e-9);
  });
});

describe('a missing, short, stale or holey proxy removes only the factors that need it', () => {
  const y = syntheticSymbol(market, { SPY: 0.8, VTV: 0.3, MTUM: 0.2, TLT: -0.3, IWM: 0.4 }, 0.003, 5);
  const full = betasOf(plain(y));
  const without = (drop: string, replace?: Bar[]): Record<string, SymbolHistory> => {
    const h: Record<string, SymbolHistory> = { ...factorHistories };
    if (replace) h[drop] = plain(replace);
    else delete h[drop];
    return h;
  };
  const missingOf = (res: SymbolBetasResult): string[] => res.missing.map((m) => `${m.factor}:${m.reason}:${m.proxy ?? ''}`);

  it('an absent MTUM removes Momentum and the Momentum Spread only', () => {
    const res = betasOf(plain(y), without('MTUM'));
    expect(missingOf(res)).toEqual(['Momentum:missing_proxy:MTUM', 'Momentum Spread:missing_proxy:MTUM']);
    expect(res.rows).toHaveLength(10);
    // Factors that do not use MTUM keep exactly their values.
    for (const f of ['Market Beta', 'IR Beta', 'Growth-Value Spread', 'Size Spread', 'Quality Spread'] as const) expect(beta(res, f)).toBeCloseTo(beta(full, f), 12);
    // The ridge is fitted on the five styles left: y on [SPY, VTV−SPY, VUG−SPY, QUAL−SPY, IWM−SPY, USMV−SPY].
    const al = alignedReturns({ y, ...market.factorCloses }, undefined, D);
    const tail = (k: string): Float64Array => al.returns[k]!.slice(-90);
    const five = STYLES.filter((p) => p !== 'MTUM');
    const ref = referenceFit([tail('SPY'), ...five.map((p) => tail(p).map((v, i) => v - tail('SPY')[i]!))], tail('y'), 1, [false, ...five.map(() => true)]);
    five.forEach((p, j) => expect(beta(res, STYLE_NAMES[STYLES.indexOf(p)]!)).toBeCloseTo(ref.beta[j + 1]!, 9));
  });

  it('an absent TLT removes the IR beta only; an absent SPY removes everything', () => {
    const noTlt = betasOf(plain(y), without('TLT'));
    expect(missingOf(noTlt)).toEqual(['IR Beta:missing_proxy:TLT']);
    for (const r of noTlt.rows) expect(r.beta).toBeCloseTo(beta(full, r.factor), 12);
    const noSpy = betasOf(plain(y), without('SPY'));
    expect(noSpy.rows).toEqual([]);
    expect(noSpy.missing.every((m) => m.reason === 'missing_proxy' && m.proxy === 'SPY')).toBe(true);
    expect(noSpy.missing).toHaveLength(12);
  });

  it('a short QUAL (25 closes) removes Quality and the Quality Spread; a stale IWM removes Size and the Size Spread', () => {
    const short = betasOf(plain(y), without('QUAL', market.factorCloses.QUAL!.slice(-25)));
    expect(missingOf(short)).toEqual(['Quality:missing_proxy:QUAL', 'Quality Spread:missing_proxy:QUAL']);
    expect(beta(short, 'Market Beta')).toBeCloseTo(beta(full, 'Market Beta'), 12);
    // IWM's last close 10 trading days before D: older than the 5-day freshness rule.
    const stale = betasOf(plain(y), without('IWM', market.factorCloses.IWM!.slice(0, -10)));
    expect(missingOf(stale)).toEqual(['Size:missing_proxy:IWM', 'Size Spread:missing_proxy:IWM']);
    expect(proxiesNeededBy('Size Spread')).toEqual(['SPY', 'IWM']);
  });

  it('a 7-day hole in VUG keeps every factor; only the windows that use VUG reach further back', () => {
    const holey = market.factorCloses.VUG!.filter((b) => b.date < '2024-11-04' || b.date > '2024-11-12');
    const res = betasOf(plain(y), without('VUG', holey));
    expect(res.rows).toHaveLength(12);
    expect(beta(res, 'Market Beta')).toBeCloseTo(beta(full, 'Market Beta'), 12);
    expect(beta(res, 'Size Spread')).toBeCloseTo(beta(full, 'Size Spread'), 12);
    expect(row(res, 'Growth-Value Spread')!.observations).toBe(180);
    expect(beta(res, 'Growth-Value Spread')).not.toBe(beta(full, 'Growth-Value Spread'));
  });

  it('builds the proxy panel once per run and rejects a panel of other proxies', () => {
    const panel = prepareFactorPanel(factorHistories);
    expect(prepareFactorPanel(factorHistories)).toBe(panel);
    expect(panel.returns).toHaveLength(FACTOR_PROXIES.length);
    const withPanel = computeSymbolBetas({ symbol: 'X', history: plain(y), factorHistories, dates: [D], factorPanel: panel });
    expect(withPanel).toEqual(full);
    expect(() => computeSymbolBetas({ symbol: 'X', history: plain(y), factorHistories: without('TLT'), dates: [D], factorPanel: panel })).toThrow(RangeError);
  });
});

describe('betas on total returns', () => {
  // TWIN's total return equals SPY's every day, but as traded it splits 2-for-1 on 2024-10-01 and
  // pays a special $3 dividend (per pre-split share) ex 2024-08-15 — both inside the windows.
  const spy = market.factorCloses.SPY!;
  const split = '2024-10-01';
  const exDate = '2024-08-15';
  const dividendAdjusted = 1.5; // $3 per pre-split share = $1.5 per post-split share
  const twin: Bar[] = [];
  let adj = spy[0]!.close / 2; // the adjusted (post-split basis) value
  spy.forEach((bar, i) => {
    if (i > 0) adj = adj * (bar.close / spy[i - 1]!.close) - (bar.date === exDate ? dividendAdjusted : 0);
    twin.push({ date: bar.date, close: bar.date < split ? adj * 2 : adj });
  });
  const actions: CorporateActions = { splits: [{ date: split, from: 1, to: 2 }], dividends: [{ exDate, amount: 3, type: 'SC' }] };
  // r_t = (P_t + D_t) / P_{t−1} − 1 reproduces SPY's return exactly only if the dividend enters the
  // numerator on the ex-date: (adj_t + D) / adj_{t−1} = S_t / S_{t−1}.

  it('gives a total-return twin of SPY a market beta of 1 with R² 1 and no other loading', () => {
    const res = betasOf({ closes: twin, actions }, factorHistories, ['2024-08-15', '2024-10-01', D]);
    for (const d of ['2024-08-15', '2024-10-01', D]) {
      expect(beta(res, 'Market Beta', d)).toBeCloseTo(1, 9);
      expect(row(res, 'Market Beta', d)!.rSquared).toBeCloseTo(1, 9);
      for (const f of FACTORS.filter((x) => x.name !== 'Market Beta')) expect(Math.abs(beta(res, f.name, d))).toBeLessThan(1e-6);
    }
    // Read as if the as-traded closes were returns, the split day is a −50 % loss and R² collapses.
    const naive = betasOf(plain(twin), factorHistories, [D]);
    expect(row(naive, 'Market Beta')!.rSquared!).toBeLessThan(0.5);
  });

  it("uses the proxies' dividends too (TLT pays monthly)", () => {
    // TLT as traded drops by its $0.30 dividend on the first trading day of each month; a symbol whose
    // returns are TLT's total returns has an IR beta of exactly 1 only when TLT's dividends are known.
    const tltTr = market.factorCloses.TLT!;
    const months = new Set<string>();
    const exDates = tltTr.filter((b) => !months.has(b.date.slice(0, 7)) && months.add(b.date.slice(0, 7))).map((b) => b.date).slice(1);
    const asTraded: Bar[] = [];
    let p = tltTr[0]!.close;
    tltTr.forEach((bar, i) => {
      if (i > 0) p = p * (bar.close / tltTr[i - 1]!.close) - (exDates.includes(bar.date) ? 0.3 : 0);
      asTraded.push({ date: bar.date, close: p });
    });
    const tltActions: CorporateActions = { splits: [], dividends: exDates.map((exDate) => ({ exDate, amount: 0.3, type: 'CD' as const })) };
    const withDividends = { ...factorHistories, TLT: { closes: asTraded, actions: tltActions } };
    const res = betasOf(plain(tltTr), withDividends);
    expect(beta(res, 'IR Beta')).toBeCloseTo(1, 9);
    const blind = betasOf(plain(tltTr), { ...factorHistories, TLT: plain(asTraded) });
    expect(Math.abs(beta(blind, 'IR Beta') - 1)).toBeGreaterThan(1e-6);
    expect(proxiesNeededBy('IR Beta')).toEqual(['SPY', 'TLT']);
  });
});
