/**
 * Total returns and regressions computed only from what the simulator serves (as-traded bars, the
 * splits and dividends lists), so tests check the simulator the way a client would see it.
 */
import { addTradingDays } from '../../jobs/calc/trading-calendar.js';
import type { IsoDate } from '../../jobs/calc/types.js';
import type { PriceModel } from '../../jobs/market-data/polygon-sim.js';

/**
 * Daily total returns of `ticker` on (from, to], keyed by date: a holder of one share on day i − 1
 * has k shares on day i (k = split_to / split_from of a split executed on i) and earns the cash
 * dividend per new share going ex on i. Days after a gap (halt, hole) are left out.
 */
export function totalReturns(model: PriceModel, ticker: string, from: IsoDate, to: IsoDate): Map<IsoDate, number> {
  const bars = model.bars(ticker, from, to, { adjusted: false });
  const ratio = new Map<IsoDate, number>();
  for (const s of model.splits({ ticker })) ratio.set(s.execution_date, (ratio.get(s.execution_date) ?? 1) * (s.split_to / s.split_from));
  const cash = new Map<IsoDate, number>();
  for (const d of model.dividends({ ticker })) cash.set(d.ex_dividend_date, (cash.get(d.ex_dividend_date) ?? 0) + d.cash_amount);
  const out = new Map<IsoDate, number>();
  for (let i = 1; i < bars.length; i++) {
    const b = bars[i]!;
    if (addTradingDays(b.date, -1) !== bars[i - 1]!.date) continue;
    const k = ratio.get(b.date) ?? 1;
    out.set(b.date, (k * (b.c + (cash.get(b.date) ?? 0))) / bars[i - 1]!.c - 1);
  }
  return out;
}

/** Aligns series on the dates all of them have. */
export function align(series: Map<IsoDate, number>[]): number[][] {
  const dates = [...series[0]!.keys()].filter((d) => series.every((s) => s.has(d)));
  return series.map((s) => dates.map((d) => s.get(d)!));
}

export const mean = (x: readonly number[]): number => x.reduce((s, v) => s + v, 0) / x.length;

export function stdev(x: readonly number[]): number {
  const m = mean(x);
  return Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1));
}

export function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

export const annualVol = (x: readonly number[]): number => stdev(x) * Math.sqrt(252);

/** OLS of y on the columns of X with an intercept: coefficients (without the intercept) and their standard errors. */
export function ols(y: readonly number[], X: readonly (readonly number[])[]): { beta: number[]; se: number[] } {
  const n = y.length;
  const k = X.length + 1;
  const row = (i: number): number[] => [1, ...X.map((c) => c[i]!)];
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const r = row(i);
    for (let a = 0; a < k; a++) {
      xty[a]! += r[a]! * y[i]!;
      for (let b = 0; b < k; b++) xtx[a]![b]! += r[a]! * r[b]!;
    }
  }
  const inv = invert(xtx);
  const coef = inv.map((r) => r.reduce((s, v, j) => s + v * xty[j]!, 0));
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const r = row(i);
    const fit = r.reduce((s, v, j) => s + v * coef[j]!, 0);
    rss += (y[i]! - fit) ** 2;
  }
  const s2 = rss / (n - k);
  return { beta: coef.slice(1), se: inv.slice(1).map((r, j) => Math.sqrt(s2 * r[j + 1]!)) };
}

function invert(m: number[][]): number[][] {
  const k = m.length;
  const a = m.map((r, i) => [...r, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pivot = a[c]![c]!;
    for (let j = 0; j < 2 * k; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((r) => r.slice(k));
}
