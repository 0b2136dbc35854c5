/**
 * Golden tests of computePortfolioDays on real-market events, each worked by hand next to it.
 */
import { describe, expect, it } from 'vitest';
import { NO_CORPORATE_ACTIONS, type CorporateActions, type SymbolHistory } from '../../../../jobs/calc/corporate-actions.js';
import { FACTORS, type FactorName } from '../../../../jobs/calc/factors.js';
import { computePortfolioDays, type PortfolioDayResult, type PositionInput, type PriorState } from '../../../../jobs/calc/portfolio-day.js';
import { toPriceSeries } from '../../../../jobs/calc/returns.js';
import { tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';

const pos = (p: Partial<PositionInput> & Pick<PositionInput, 'id' | 'symbol' | 'quantity' | 'entryPrice' | 'entryDate'>): PositionInput => ({
  exitDate: null,
  exitPrice: null,
  investmentClass: 'PUBLIC',
  ...p,
});
const history = (closes: [string, number][], actions: CorporateActions = NO_CORPORATE_ACTIONS): SymbolHistory => ({
  closes: toPriceSeries(closes.map(([date, close]) => ({ date, close }))),
  actions,
});
const noBetas = (): undefined => undefined;
const byDate = (run: PortfolioDayResult[]): Map<string, PortfolioDayResult> => new Map(run.map((r) => [r.date, r]));

/** The identities every snapshot keeps: value = Σ position values + cash, cumulative = Σ daily P&L. */
function expectIdentities(run: PortfolioDayResult[], equityBalance: number): void {
  let equity = equityBalance;
  let cumulative = 0;
  let dividends = 0;
  for (const r of run) {
    const s = r.snapshot;
    const values = r.positions.reduce((a, p) => a + (p.marketValue ?? 0), 0);
    expect(s.totalValue).toBeCloseTo(values + s.cashValue, 6);
    expect(s.totalValue).toBeCloseTo(equity + s.dailyPnl, 6);
    cumulative += s.dailyPnl;
    dividends += s.dailyDividendPnl;
    expect(s.cumulativePnl).toBeCloseTo(cumulative, 6);
    expect(s.cumulativeDividendPnl).toBeCloseTo(dividends, 6);
    expect(s.dailyPnl).toBeCloseTo(r.positions.reduce((a, p) => a + p.dailyPnl, 0), 6);
    expect(s.dailyDividendPnl).toBeCloseTo(r.positions.reduce((a, p) => a + p.dividendPnl, 0), 6);
    equity = s.totalValue;
  }
}

describe('a 4-for-1 split with an entry before it, typed in pre-split terms', () => {
  // 100 shares bought at $400 on 2024-06-03 (pre-split terms, as typed). The split executes on Monday
  // 2024-06-10: the 06-10 close (101.25) is the first in the new basis. Bars are as traded.
  const position = pos({ id: 'P', symbol: 'SPLT', quantity: 100, entryPrice: 400, entryDate: '2024-06-03' });
  const bars: [string, number][] = [
    ['2024-05-31', 399],
    ['2024-06-03', 402],
    ['2024-06-04', 404],
    ['2024-06-05', 406],
    ['2024-06-06', 403],
    ['2024-06-07', 404],
  ];
  // History fetched on the evening of 06-07 (no split known yet) and after the split: the bars of the
  // first are unchanged in the second, which only adds bars and the split row.
  const before = history(bars);
  const after = history([...bars, ['2024-06-10', 101.25], ['2024-06-11', 102]], { splits: [{ date: '2024-06-10', from: 1, to: 4 }], dividends: [] });
  const dates = tradingDaysBetween('2024-06-03', '2024-06-11');
  const run = computePortfolioDays({ portfolio: { equityBalance: 100_000 }, positions: [position], dates, prior: null, histories: { SPLT: after }, betas: noBetas });
  const day = byDate(run);

  it('values shares in force × the close as traded, with no P&L of its own on the split day', () => {
    // 06-03: 100 × 402 − 100 × 400 = +200; 06-04 +200; 06-05 +200; 06-06 (403 − 406) × 100 = −300;
    // 06-07 +100. 06-10: 400 shares × 101.25 = 40,500 against 100 × 404 = 40,400: +100 (not −30,300).
    // 06-11: 400 × (102 − 101.25) = +300. Cash stays 60,000 (100,000 − the 40,000 paid).
    const expected: [string, number, number, number][] = [
      // date, daily P&L, market value, shares
      ['2024-06-03', 200, 40_200, 100],
      ['2024-06-04', 200, 40_400, 100],
      ['2024-06-05', 200, 40_600, 100],
      ['2024-06-06', -300, 40_300, 100],
      ['2024-06-07', 100, 40_400, 100],
      ['2024-06-10', 100, 40_500, 400],
      ['2024-06-11', 300, 40_800, 400],
    ];
    let equity = 100_000;
    for (const [d, pnl, mv, shares] of expected) {
      equity += pnl;
      const r = day.get(d)!;
      expect(r.snapshot).toMatchObject({ dailyPnl: pnl, longValue: mv, totalValue: equity, cashValue: 60_000, isComplete: true });
      expect(r.positions[0]).toMatchObject({ quantity: 100, shares, marketValue: mv });
    }
    expect(day.get('2024-06-10')!.positions[0]).toMatchObject({ price: 101.25, previousPrice: 404, previousValue: 40_400 });
    expect(run.at(-1)!.snapshot.cumulativePnl).toBe(800);
    expectIdentities(run, 100_000);
  });

  it('gives identical rows whether the history was fetched before or after the split', () => {
    const early = computePortfolioDays({ portfolio: { equityBalance: 100_000 }, positions: [position], dates: dates.slice(0, 5), prior: null, histories: { SPLT: before }, betas: noBetas });
    expect(early).toEqual(run.slice(0, 5));
    // A nightly run after the split resumes from the stored state with the new history.
    const resumed = computePortfolioDays({ portfolio: { equityBalance: 100_000 }, positions: [position], dates: dates.slice(5), prior: early.at(-1)!.next, histories: { SPLT: after }, betas: noBetas });
    expect(resumed).toEqual(run.slice(5));
  });

  it('takes an entry typed after the split in post-split terms as it is', () => {
    // 400 shares at $101 on 06-10: 400 × 101.25 − 400 × 101 = +100.
    const late = computePortfolioDays({
      portfolio: { equityBalance: 100_000 },
      positions: [pos({ id: 'Q', symbol: 'SPLT', quantity: 400, entryPrice: 101, entryDate: '2024-06-10' })],
      dates: ['2024-06-10', '2024-06-11'],
      prior: null,
      histories: { SPLT: after },
      betas: noBetas,
    });
    expect(late.map((r) => r.snapshot.dailyPnl)).toEqual([100, 300]);
  });
});

describe('a 1-for-10 reverse split', () => {
  // Executes 2024-03-05: 10 old shares become 1. A long of 1,000 at $2.00 exits on 03-07 at $21.50
  // (typed in post-split terms, the basis of the exit date); a short of 500 at $2.05.
  const rvrs = history(
    [
      ['2024-03-01', 2.1],
      ['2024-03-04', 2.0],
      ['2024-03-05', 20.5],
      ['2024-03-06', 21.0],
      ['2024-03-07', 21.4],
    ],
    { splits: [{ date: '2024-03-05', from: 10, to: 1 }], dividends: [] },
  );
  const positions = [
    pos({ id: 'L', symbol: 'RVRS', quantity: 1_000, entryPrice: 2.0, entryDate: '2024-03-01', exitDate: '2024-03-07', exitPrice: 21.5 }),
    pos({ id: 'S', symbol: 'RVRS', quantity: -500, entryPrice: 2.05, entryDate: '2024-03-01' }),
  ];
  const run = computePortfolioDays({ portfolio: { equityBalance: 10_000 }, positions, dates: tradingDaysBetween('2024-03-01', '2024-03-07'), prior: null, histories: { RVRS: rvrs }, betas: noBetas });

  it('divides the share count and keeps value continuous', () => {
    // Long: 03-01 1,000 × 2.10 − 2,000 = +100; 03-04 −100; 03-05 100 × 20.50 − 1,000 × 2.00 = +50;
    //       03-06 +50; 03-07 exit 100 × 21.50 − 2,100 = +50 (realised).
    // Short: 03-01 −500 × 2.10 + 500 × 2.05 = −25; 03-04 +50; 03-05 −50 × 20.50 + 1,000 = −25;
    //        03-06 −25; 03-07 −50 × 21.40 + 1,050 = −20.
    const pnl = (d: string, id: string): number => run.find((r) => r.date === d)!.positions.find((p) => p.positionId === id)!.dailyPnl;
    expect(['2024-03-01', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'].map((d) => pnl(d, 'L'))).toEqual([100, -100, 50, 50, 50]);
    ['2024-03-01', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'].forEach((d, i) => expect(pnl(d, 'S')).toBeCloseTo([-25, 50, -25, -25, -20][i]!, 9));
    expect(run.map((r) => r.snapshot.dailyPnl)).toEqual([75, -50, 25, 25, 30]);
    const last = run.at(-1)!;
    expect(last.positions.find((p) => p.positionId === 'L')).toMatchObject({ shares: 100, realised: true, marketValue: 0, price: 21.5 });
    expect(last.positions.find((p) => p.positionId === 'S')).toMatchObject({ quantity: -500, shares: -50, marketValue: -1_070 });
    expect(last.snapshot).toMatchObject({ totalValue: 10_105, cumulativePnl: 105, shortValue: -1_070, numPositions: 1, numShort: 1 });
    expectIdentities(run, 10_000);
  });
});

describe('cash dividends', () => {
  // DIVY goes ex a $0.80 regular dividend on 2024-05-15 (closes as traded: the price drops by about it).
  const divy = history(
    [
      ['2024-05-13', 50.0],
      ['2024-05-14', 50.5],
      ['2024-05-15', 49.8],
      ['2024-05-16', 50.0],
    ],
    { splits: [], dividends: [{ exDate: '2024-05-15', amount: 0.8, type: 'CD' }] },
  );
  const positions = [
    pos({ id: 'LONG', symbol: 'DIVY', quantity: 200, entryPrice: 50, entryDate: '2024-05-13' }),
    pos({ id: 'SHORT', symbol: 'DIVY', quantity: -100, entryPrice: 50, entryDate: '2024-05-13' }),
    // Bought on the ex-date: not entitled.
    pos({ id: 'LATE', symbol: 'DIVY', quantity: 100, entryPrice: 49.9, entryDate: '2024-05-15' }),
    // Sold on the ex-date: held at the close before it, so entitled.
    pos({ id: 'SOLD', symbol: 'DIVY', quantity: 50, entryPrice: 50, entryDate: '2024-05-13', exitDate: '2024-05-15', exitPrice: 49.9 }),
  ];
  const run = computePortfolioDays({ portfolio: { equityBalance: 50_000 }, positions, dates: tradingDaysBetween('2024-05-13', '2024-05-16'), prior: null, histories: { DIVY: divy }, betas: noBetas });
  const ex = run.find((r) => r.date === '2024-05-15')!;
  const of = (id: string): { dailyPnl: number; dividendPnl: number } => ex.positions.find((p) => p.positionId === id)!;

  it('pays a long and charges a short shares × amount on the ex-date, inside the daily P&L', () => {
    // LONG: price (49.80 − 50.50) × 200 = −140, dividend 200 × 0.80 = +160: +20.
    // SHORT: price (49.80 − 50.50) × −100 = +70, dividend −100 × 0.80 = −80: −10.
    // LATE: 100 × 49.80 − 100 × 49.90 = −10, no dividend.
    // SOLD: 50 × 49.90 − 50 × 50.50 = −30, dividend 50 × 0.80 = +40: +10.
    expect(of('LONG').dividendPnl).toBeCloseTo(160, 9);
    expect(of('LONG').dailyPnl).toBeCloseTo(20, 9);
    expect(of('SHORT').dividendPnl).toBeCloseTo(-80, 9);
    expect(of('SHORT').dailyPnl).toBeCloseTo(-10, 9);
    expect(of('LATE')).toMatchObject({ dividendPnl: 0 });
    expect(of('LATE').dailyPnl).toBeCloseTo(-10, 9);
    expect(of('SOLD').dividendPnl).toBeCloseTo(40, 9);
    expect(of('SOLD').dailyPnl).toBeCloseTo(10, 9);
    // Snapshot: dividends 160 − 80 + 40 = 120 inside the day's P&L 20 − 10 − 10 + 10 = 10.
    expect(ex.snapshot).toMatchObject({ dailyPnl: 10, dailyDividendPnl: 120, cumulativePnl: 85, cumulativeDividendPnl: 120 });
    // 05-13: 0; 05-14: 100 − 50 + 25 = 75; 05-16: 40 − 20 + 20 = 40.
    expect(run.map((r) => r.snapshot.dailyPnl)).toEqual([0, 75, 10, 40]);
    expect(run.map((r) => r.snapshot.cumulativeDividendPnl)).toEqual([0, 0, 120, 120]);
    expectIdentities(run, 50_000);
  });

  it('carries the cumulative dividend P&L through chained batches', () => {
    const dates = tradingDaysBetween('2024-05-13', '2024-05-16');
    const first = computePortfolioDays({ portfolio: { equityBalance: 50_000 }, positions, dates: dates.slice(0, 3), prior: null, histories: { DIVY: divy }, betas: noBetas });
    expect(first.at(-1)!.next.cumulativeDividendPnl).toBe(120);
    const rest = computePortfolioDays({ portfolio: { equityBalance: 50_000 }, positions, dates: dates.slice(3), prior: first.at(-1)!.next, histories: { DIVY: divy }, betas: noBetas });
    expect([...first, ...rest]).toEqual(run);
  });

  it('counts special cash and capital-gain distributions, on the shares in force on the ex-date', () => {
    // FUND splits 2-for-1 on 2024-05-14; 100 shares typed on 05-13 are 200 from then on.
    // SC $1.00 ex 05-14 (post-split basis): 200 × 1.00; LT $0.30 ex 05-15: 200 × 0.30; ST $0.10 ex
    // Saturday 05-18, booked on Monday 05-20: 200 × 0.10. Flat prices: the P&L is the dividends.
    const fund = history(
      [
        ['2024-05-13', 40],
        ['2024-05-14', 20],
        ['2024-05-15', 20],
        ['2024-05-16', 20],
        ['2024-05-17', 20],
        ['2024-05-20', 20],
      ],
      {
        splits: [{ date: '2024-05-14', from: 1, to: 2 }],
        dividends: [
          { exDate: '2024-05-14', amount: 1, type: 'SC' },
          { exDate: '2024-05-15', amount: 0.3, type: 'LT' },
          { exDate: '2024-05-18', amount: 0.1, type: 'ST' },
        ],
      },
    );
    const res = computePortfolioDays({
      portfolio: { equityBalance: 10_000 },
      positions: [pos({ id: 'F', symbol: 'FUND', quantity: 100, entryPrice: 40, entryDate: '2024-05-13' })],
      dates: tradingDaysBetween('2024-05-13', '2024-05-20'),
      prior: null,
      histories: { FUND: fund },
      betas: noBetas,
    });
    expect(res.map((r) => r.snapshot.dailyDividendPnl)).toEqual([0, 200, 60, 0, 0, 20]);
    expect(res.map((r) => r.snapshot.dailyPnl)).toEqual([0, 200, 60, 0, 0, 20]);
    expectIdentities(res, 10_000);
  });
});

describe('price gaps', () => {
  // HALT trades at $100 on 04-01 and 04-02, is halted for 7 trading days (04-03 … 04-11) and reopens
  // at $60 on 04-12.
  const halt = history([
    ['2024-04-01', 100],
    ['2024-04-02', 100],
    ['2024-04-12', 60],
    ['2024-04-15', 61],
  ]);
  const position = pos({ id: 'H', symbol: 'HALT', quantity: 100, entryPrice: 100, entryDate: '2024-04-01' });
  const dates = tradingDaysBetween('2024-04-01', '2024-04-15');
  const run = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: [position], dates, prior: null, histories: { HALT: halt }, betas: noBetas });
  const day = byDate(run);

  it('values a 7-day halt at the last close and books −$4,000 on the reopening day, with no phantom cash', () => {
    const haltDays = tradingDaysBetween('2024-04-03', '2024-04-11');
    expect(haltDays).toHaveLength(7);
    haltDays.forEach((d, i) => {
      const r = day.get(d)!;
      // Stale, complete, no P&L; 100 × 100 = 10,000 held, cash 10,000.
      expect(r.snapshot).toMatchObject({ dailyPnl: 0, totalValue: 20_000, longValue: 10_000, cashValue: 10_000, isComplete: true });
      expect(r.positions[0]).toMatchObject({ stale: true, staleDays: i + 1, priceDate: '2024-04-02', price: 100 });
      expect(r.warnings.filter((w) => w.code !== 'missing_beta')).toEqual([expect.objectContaining({ code: 'stale_price', positionId: 'H', staleDays: i + 1 })]);
      expect(r.maxStaleDays).toBe(i + 1);
      expect(r.longStale).toBe(false);
    });
    // Reopening: 100 × 60 − 100 × 100 = −4,000; value 6,000; cash still 10,000.
    expect(day.get('2024-04-12')!.snapshot).toMatchObject({ dailyPnl: -4_000, totalValue: 16_000, longValue: 6_000, cashValue: 10_000, isComplete: true });
    expect(day.get('2024-04-12')!.positions[0]).toMatchObject({ stale: false, staleDays: 0, previousPrice: 100 });
    expect(day.get('2024-04-15')!.snapshot).toMatchObject({ dailyPnl: 100, cumulativePnl: -3_900 });
    expectIdentities(run, 20_000);
  });

  it('gives the same rows when a batch starts inside the halt, given the last close before it', () => {
    const cut = dates.indexOf('2024-04-08');
    const first = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: [position], dates: dates.slice(0, cut), prior: null, histories: { HALT: halt }, betas: noBetas });
    // The second batch's closes start at the last close before it (04-02), however old.
    const tail = { closes: halt.closes.filter((b) => b.date >= '2024-04-02'), actions: NO_CORPORATE_ACTIONS };
    const rest = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: [position], dates: dates.slice(cut), prior: first.at(-1)!.next, histories: { HALT: tail }, betas: noBetas });
    expect([...first, ...rest]).toEqual(run);
  });

  it('says when a position has been stale for 10 trading days or more', () => {
    const long = history([
      ['2024-04-01', 100],
      ['2024-04-19', 90],
    ]);
    const res = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: [position], dates: tradingDaysBetween('2024-04-01', '2024-04-19'), prior: null, histories: { HALT: long }, betas: noBetas });
    const tenth = res.find((r) => r.date === '2024-04-15')!; // 10 trading days after 04-01
    expect(tenth.maxStaleDays).toBe(10);
    expect(tenth.longStale).toBe(true);
    expect(tenth.warnings.map((w) => w.code).filter((c) => c !== 'missing_beta')).toEqual(['long_stale_price']);
    expect(res.find((r) => r.date === '2024-04-12')!.longStale).toBe(false);
    expect(res.at(-1)!.snapshot).toMatchObject({ dailyPnl: -1_000, isComplete: true });
  });

  it('leaves a position unpriced only before its first close, and books the move from the entry price then', () => {
    // NEW has its first bar on 07-03; 50 shares typed at $10 on 07-01.
    const res = computePortfolioDays({
      portfolio: { equityBalance: 1_000 },
      positions: [pos({ id: 'N', symbol: 'NEW', quantity: 50, entryPrice: 10, entryDate: '2024-07-01' })],
      dates: tradingDaysBetween('2024-07-01', '2024-07-05'),
      prior: null,
      histories: { NEW: history([['2024-07-03', 12], ['2024-07-05', 12.5]]) },
      betas: noBetas,
    });
    expect(res.map((r) => r.date)).toEqual(['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05']);
    expect(res.map((r) => r.snapshot.isComplete)).toEqual([false, false, true, true]);
    expect(res[0]!.warnings.map((w) => w.code)).toEqual(['unpriced_position']);
    // 07-03: 50 × 12 − 50 × 10 = +100; 07-05: +25 (07-04 is a holiday).
    expect(res.map((r) => r.snapshot.dailyPnl)).toEqual([0, 0, 100, 25]);
  });
});

describe('factor exposure coverage', () => {
  // 2024-07-01, entry prices at the closes (no P&L). A: +100 × 60 = 6,000 with every beta; B: −100 ×
  // 20 = −2,000 with a market beta only; C: +50 × 40 = 2,000 without betas; a PRIVATE position of
  // 1,000 is not part of the coverage (it has no market data).
  const closes: Record<string, SymbolHistory> = {
    A: history([['2024-07-01', 60]]),
    B: history([['2024-07-01', 20]]),
    C: history([['2024-07-01', 40]]),
  };
  const positions = [
    pos({ id: 'A', symbol: 'A', quantity: 100, entryPrice: 60, entryDate: '2024-07-01' }),
    pos({ id: 'B', symbol: 'B', quantity: -100, entryPrice: 20, entryDate: '2024-07-01' }),
    pos({ id: 'C', symbol: 'C', quantity: 50, entryPrice: 40, entryDate: '2024-07-01' }),
    pos({ id: 'P', symbol: 'PRIV', quantity: 10, entryPrice: 100, entryDate: '2024-07-01', investmentClass: 'PRIVATE' }),
  ];
  const betas = (symbol: string, factor: FactorName): number | undefined => {
    if (symbol === 'A') return factor === 'Market Beta' ? 1.2 : 0.1;
    if (symbol === 'B' && factor === 'Market Beta') return 0.8;
    return undefined;
  };
  const [r] = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions, dates: ['2024-07-01'], prior: null, histories: closes, betas });

  it('records the share of gross exposure that had a beta, without rescaling the exposure', () => {
    // Gross of the public positions: 6,000 + 2,000 + 2,000 = 10,000.
    // Market: 1.2 × 6,000 + 0.8 × (−2,000) = 5,600 dollars, 5,600 / 20,000 = 0.28 (not 0.28 / 0.8);
    // coverage (6,000 + 2,000) / 10,000 = 0.8. Value: 0.1 × 6,000 = 600, coverage 0.6.
    const market = r!.portfolioExposures.find((e) => e.factor === 'Market Beta')!;
    expect(market.exposureDollar).toBeCloseTo(5_600, 9);
    expect(market.exposureValue).toBeCloseTo(0.28, 12);
    expect(market.coverage).toBeCloseTo(0.8, 12);
    const value = r!.portfolioExposures.find((e) => e.factor === 'Value')!;
    expect(value.coverage).toBeCloseTo(0.6, 12);
    expect(r!.snapshot.betaMarket).toBeCloseTo(0.28, 12);
    expect(r!.snapshot.betaMarketCoverage).toBeCloseTo(0.8, 12);
    // The positions without a beta stay listed, with the factors they lack; the PRIVATE one is not.
    const missing = r!.warnings.filter((w) => w.code === 'missing_beta');
    expect(missing.map((w) => [w.positionId, w.factors?.length])).toEqual([
      ['B', FACTORS.length - 1],
      ['C', FACTORS.length],
    ]);
  });

  it('reads an unknown market beta with zero coverage, and 0 with full coverage when nothing public is held', () => {
    const none = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: positions.slice(2), dates: ['2024-07-01'], prior: null, histories: closes, betas });
    expect(none[0]!.snapshot).toMatchObject({ betaMarket: null, betaMarketCoverage: 0 });
    const priv = computePortfolioDays({ portfolio: { equityBalance: 20_000 }, positions: positions.slice(3), dates: ['2024-07-01'], prior: null, histories: {}, betas });
    expect(priv[0]!.snapshot).toMatchObject({ betaMarket: 0, betaMarketCoverage: 1 });
  });
});

describe('input checks', () => {
  it('requires the history of every public position and rejects malformed positions', () => {
    const base = { portfolio: { equityBalance: 1 }, dates: ['2024-07-01'], prior: null, betas: noBetas };
    const p = pos({ id: 'Z', symbol: 'ZZZ', quantity: 1, entryPrice: 1, entryDate: '2024-07-01' });
    expect(() => computePortfolioDays({ ...base, positions: [p], histories: {} })).toThrow(/positions\[0\] \(Z\) holds ZZZ, which has no entry in histories/);
    expect(() => computePortfolioDays({ ...base, positions: [{ ...p, quantity: Number.NaN }], histories: { ZZZ: history([]) } })).toThrow(RangeError);
    expect(() =>
      computePortfolioDays({ ...base, positions: [p], histories: { ZZZ: history([], { splits: [{ date: '2024-07-01', from: -1, to: 2 }], dividends: [] }) } }),
    ).toThrow(/ZZZ: corporate actions: splits\[0\]\.from/);
    // A prior state without its cumulative dividend P&L would poison the ledger.
    const prior = { date: '2024-06-28', equity: 1, cumulativePnl: 0, recentDailyReturns: [] } as unknown as PriorState;
    expect(() => computePortfolioDays({ ...base, positions: [], histories: {}, prior })).toThrow(/prior\.cumulativeDividendPnl must be a finite number/);
  });
});
