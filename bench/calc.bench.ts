/**
 * Timing of the pure analytics engine on one core. Prints figures; asserts nothing.
 * Run: npm run bench:calc
 */
import { performance } from 'node:perf_hooks';
import { NO_CORPORATE_ACTIONS, type CorporateActions, type SymbolHistory } from '../jobs/calc/corporate-actions.js';
import { computeSymbolBetas, prepareFactorPanel } from '../jobs/calc/factor-betas.js';
import { FACTOR_PROXIES, type FactorName } from '../jobs/calc/factors.js';
import { computePortfolioDays, type PositionInput } from '../jobs/calc/portfolio-day.js';
import { lastCloseOnOrBefore } from '../jobs/calc/returns.js';
import {
  computePortfolioRisk,
  computePortfolioRiskWithMatrices,
  dailyTotalReturns,
  prepareRiskDay,
  RISK_FACTORS,
  toReturnSeries,
  type PerFactor,
  type PortfolioRiskInput,
  type PortfolioRiskResult,
  type RiskDay,
  type ReturnSeries,
  type SymbolRiskData,
} from '../jobs/calc/risk/index.js';
import { computeSymbolMetrics } from '../jobs/calc/symbol-metrics.js';
import { addTradingDays, tradingDaysBetween } from '../jobs/calc/trading-calendar.js';
import type { Bar, IsoDate, PriceSeries } from '../jobs/calc/types.js';
import { mulberry32 } from '../jobs/market-data/prng.js';

const REPS = 7;

const prng = mulberry32;

function series(dates: readonly IsoDate[], rnd: () => number, market: readonly number[], beta: number): Bar[] {
  let p = 20 + rnd() * 300;
  return dates.map((date, i) => {
    if (i > 0) p *= 1 + beta * market[i]! + (rnd() - 0.5) * 0.02;
    return { date, close: p };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median wall time and median CPU time (user + system of this process) of REPS runs. On a shared
 * machine the CPU time is the steadier figure: other processes stretch the wall time, not it.
 */
function time(label: string, fn: () => number): void {
  const runs: number[] = [];
  const cpu: number[] = [];
  let units = 0;
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    units = fn();
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const first = runs[0]!;
  console.log(
    `${label.padEnd(64)} median ${median(runs).toFixed(1).padStart(8)} ms   cpu ${median(cpu).toFixed(1).padStart(8)} ms   first ${first.toFixed(1).padStart(8)} ms   (${units} outputs, ${REPS} runs)`,
  );
}

const END: IsoDate = '2024-12-31';
// Two years of history: ≥ 180 returns of lookback before the earliest backfill date, and a year for 1y returns.
const history = tradingDaysBetween(addTradingDays(END, -(254 + 260)), END);
const rnd = prng(20240601);
const market = history.map(() => (rnd() - 0.5) * 0.02);
const factorHistories: Record<string, SymbolHistory> = {};
for (const p of FACTOR_PROXIES) factorHistories[p] = { closes: series(history, rnd, market, p === 'TLT' ? -0.3 : 0.9), actions: NO_CORPORATE_ACTIONS };

const universeCloses: PriceSeries[] = Array.from({ length: 1200 }, () => series(history, rnd, market, 0.5 + rnd()));
const universe: SymbolHistory[] = universeCloses.map((closes) => ({ closes, actions: NO_CORPORATE_ACTIONS }));
// The same symbols with a quarterly dividend and, for one in ten, a 2-for-1 split a year ago.
const withActions: SymbolHistory[] = universeCloses.map((closes, i) => {
  const actions: CorporateActions = {
    splits: i % 10 === 0 ? [{ date: history[history.length - 252]!, from: 1, to: 2 }] : [],
    dividends: history.filter((_, k) => k % 63 === 30).map((exDate) => ({ exDate, amount: 0.4, type: 'CD' as const })),
  };
  return { closes, actions };
});
const backfillDates = tradingDaysBetween(addTradingDays(END, -253), END); // 254 dates

console.log(`calc benchmark: Node ${process.version}, ${history.length} trading days of history per symbol`);

/** The nightly symbol work: every symbol's betas and metrics on one date. */
function oneDate(symbols: readonly SymbolHistory[]): number {
  let out = 0;
  for (let i = 0; i < symbols.length; i++) {
    const res = computeSymbolBetas({ symbol: `S${i}`, history: symbols[i]!, factorHistories, dates: [END] });
    out += res.rows.length + 1;
    computeSymbolMetrics(`S${i}`, symbols[i]!, END);
  }
  return out;
}

time('betas + metrics: 1,200 symbols × 1 date', () => oneDate(universe));

time('betas + metrics: 30 symbols × 254 dates (rolling windows)', () => {
  let out = 0;
  for (let i = 0; i < 30; i++) {
    const res = computeSymbolBetas({ symbol: `S${i}`, history: universe[i]!, factorHistories, dates: backfillDates });
    out += res.rows.length;
    for (const d of backfillDates) {
      computeSymbolMetrics(`S${i}`, universe[i]!, d);
      out++;
    }
  }
  return out;
});

time('betas only: 30 symbols × 254 dates, recomputed per date', () => {
  let out = 0;
  for (let i = 0; i < 30; i++) {
    out += computeSymbolBetas({ symbol: `S${i}`, history: universe[i]!, factorHistories, dates: backfillDates, rebuildEvery: 1 }).rows.length;
  }
  return out;
});

time('betas + metrics: 1,200 symbols × 1 date, with dividends and splits', () => oneDate(withActions));

time('factor panel alignment (8 proxies, uncached)', () => {
  const copy = { ...factorHistories };
  return prepareFactorPanel(copy).dates.length;
});

// Portfolios: positions on the universe's symbols, betas from a precomputed table.
const histories: Record<string, SymbolHistory> = Object.fromEntries(universe.map((s, i) => [`S${i}`, s]));
const betaValue = new Map<string, number>();
const betas = (symbol: string, factor: FactorName): number | undefined => {
  const k = `${symbol}|${factor}`;
  let v = betaValue.get(k);
  if (v === undefined) {
    v = (symbol.length * 7 + factor.length) % 13 / 10;
    betaValue.set(k, v);
  }
  return v;
};

function portfolio(n: number, seed: number, entryDate: IsoDate): PositionInput[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${seed}-${i}`,
    symbol: `S${Math.floor(r() * universe.length)}`,
    quantity: Math.round((r() - 0.3) * 500),
    entryPrice: 50,
    entryDate,
    exitDate: null,
    exitPrice: null,
    investmentClass: 'PUBLIC' as const,
  }));
}

const prior = { date: addTradingDays(END, -1), equity: 1_000_000, cumulativePnl: 0, cumulativeDividendPnl: 0, recentDailyReturns: Array.from({ length: 62 }, () => (rnd() - 0.5) * 0.02) };
const books = Array.from({ length: 1000 }, (_, i) => portfolio(20, i + 1, '2024-06-03'));
time('portfolio days: 1,000 portfolios × 20 positions × 1 day', () => {
  let out = 0;
  for (const positions of books) {
    out += computePortfolioDays({ portfolio: { equityBalance: 1_000_000 }, positions, dates: [END], prior, histories, betas }).length;
  }
  return out;
});

const small = portfolio(13, 424242, backfillDates[0]!);
time('portfolio days: 13 positions × 254 days', () =>
  computePortfolioDays({ portfolio: { equityBalance: 1_000_000 }, positions: small, dates: backfillDates, prior: null, histories, betas }).length,
);

// Risk figures (jobs/calc/risk): the day's shared model once, then every portfolio on it.
const riskHistory = tradingDaysBetween(addTradingDays(END, -(254 + 280)), END);
const riskSymbolReturns: ReturnSeries[] = universeCloses.map((s) => dailyTotalReturns(s.filter((b) => b.date >= riskHistory[0]!)));
const riskFactorReturns: PerFactor<ReturnSeries> = Object.fromEntries(
  RISK_FACTORS.map((f, j) => [f.key, dailyTotalReturns(factorHistories[FACTOR_PROXIES[j]!]!.closes.filter((b) => b.date >= riskHistory[0]!))]),
);
const riskBetas = (i: number): PerFactor<number> => Object.fromEntries(RISK_FACTORS.map((f) => [f.key, betas(`S${i}`, f.name as FactorName)]));
const riskSymbols: Record<string, SymbolRiskData> = Object.fromEntries(
  universe.map((_, i) => [`S${i}`, { returns: riskSymbolReturns[i]!, betas: riskBetas(i), sicCode: String(1000 + ((i * 37) % 8000)) }]),
);
const portfolioSeries = toReturnSeries(riskHistory.slice(1).map((date) => ({ date, value: (rnd() - 0.5) * 0.02 })));

function riskInput(positions: readonly PositionInput[], d: IsoDate): PortfolioRiskInput {
  return {
    nav: 1_000_000,
    positions: positions.map((p) => ({ id: p.id, symbol: p.symbol, marketValue: p.quantity * lastCloseOnOrBefore(histories[p.symbol]!.closes, d)!.close, investmentClass: p.investmentClass })),
    symbols: riskSymbols,
    portfolioReturns: portfolioSeries,
  };
}
const nightInputs = books.map((positions) => riskInput(positions, END));

time('risk: day model (covariance, 22 scenarios), 1 date', () => prepareRiskDay({ date: END, factorReturns: riskFactorReturns }).scenarios.length);

/** Rows one night of risk writes (summary, stress, sectors), with `compute` per portfolio on one day model. */
function riskNight(compute: (day: RiskDay, input: PortfolioRiskInput) => PortfolioRiskResult, clearCache = false): number {
  const day = prepareRiskDay({ date: END, factorReturns: riskFactorReturns });
  let rows = 0;
  for (const inp of nightInputs) {
    if (clearCache) day.holdingCache.clear();
    const r = compute(day, inp);
    rows += 1 + r.stress.length + r.sectors.length;
  }
  return rows;
}
time('risk: 1,000 portfolios × 20 positions × 1 day', () => riskNight(computePortfolioRisk));
time('risk: same, per-symbol cache cleared per portfolio', () => riskNight(computePortfolioRisk, true));
time('risk: same, with the matrices (latest date)', () => riskNight(computePortfolioRiskWithMatrices));

const riskBook = portfolio(20, 77, backfillDates[0]!);
const riskBackfill = backfillDates.map((d) => riskInput(riskBook, d));
time('risk: 1 portfolio × 20 positions × 254 days', () => {
  let rows = 0;
  backfillDates.forEach((d, i) => {
    const r = computePortfolioRisk(prepareRiskDay({ date: d, factorReturns: riskFactorReturns }), riskBackfill[i]!);
    rows += 1 + r.stress.length + r.sectors.length;
  });
  return rows;
});
