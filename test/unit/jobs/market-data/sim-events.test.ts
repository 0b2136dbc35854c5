import { describe, expect, it } from 'vitest';
import { addTradingDays, nextTradingDay, tradingDaysBetween } from '../../../../jobs/calc/trading-calendar.js';
import { PriceModel, SIM_START_DATE, SPLIT_ROTATION, simulatedUniverse } from '../../../../jobs/market-data/polygon-sim.js';
import { FactorPaths } from '../../../../jobs/market-data/sim-market.js';
import { samplePositions } from '../../../../server/sample-portfolio.js';
import { totalReturns } from '../../../helpers/sim-returns.js';

const TODAY = '2026-11-20';

describe('prices and corporate actions', () => {
  it('a factor ETF earns exactly its factor: price moves plus dividends (and capital gains) add up to it', () => {
    const model = new PriceModel(42, { today: TODAY });
    const days = tradingDaysBetween(SIM_START_DATE, TODAY);
    const paths = new FactorPaths(42);
    paths.ensure(days.length);
    const factor = (ticker: string, i: number): number =>
      ticker === 'SPY' ? paths.market[i]! : ticker === 'TLT' ? paths.rates[i]! : paths.market[i]! + paths.styles[2]![i]!;
    for (const ticker of ['SPY', 'TLT', 'MTUM']) {
      const tr = totalReturns(model, ticker, '2016-01-04', TODAY);
      expect(model.dividends({ ticker }).length).toBeGreaterThan(40);
      let worst = 0;
      days.forEach((d, i) => {
        if (tr.has(d)) worst = Math.max(worst, Math.abs(tr.get(d)! - factor(ticker, i)));
      });
      // Closes and amounts are rounded to 4 decimals: a few 1e-6 of error, nothing more.
      expect(worst, ticker).toBeLessThan(1e-5);
    }
    // MTUM pays December capital-gain distributions some years.
    expect(model.dividends({ ticker: 'MTUM' }).some((d) => d.dividend_type === 'LT')).toBe(true);
  });

  it('a split or a dividend changes prices, never total returns; adjusted bars are as traded times the later splits', () => {
    const plain = new PriceModel(42, { today: TODAY, events: { seeded: false } });
    const planted = new PriceModel(42, {
      today: TODAY,
      events: {
        seeded: false,
        splits: [{ ticker: 'QWER', execution_date: '2025-03-03', split_from: 1, split_to: 4 }],
        dividends: [{ ticker: 'QWER', ex_dividend_date: '2025-06-02', cash_amount: 1.25, dividend_type: 'SC' }],
      },
    });
    const a = totalReturns(plain, 'QWER', '2024-01-02', TODAY);
    const b = totalReturns(planted, 'QWER', '2024-01-02', TODAY);
    expect([...b.keys()]).toEqual([...a.keys()]);
    // Prices are rounded to 4 decimals: after a 4-for-1 split that is up to about 1e-4 of a return.
    for (const [d, r] of a) expect(Math.abs(b.get(d)! - r), d).toBeLessThan(1e-4);

    const tradedPlain = plain.bars('QWER', '2025-02-26', '2025-03-05', { adjusted: false });
    const tradedPlanted = planted.bars('QWER', '2025-02-26', '2025-03-05', { adjusted: false });
    // Before the split the same prices; from the split on a quarter of them.
    expect(tradedPlanted[0]!.c).toBe(tradedPlain[0]!.c);
    const onSplit = tradedPlanted.findIndex((x) => x.date === '2025-03-03');
    expect(tradedPlanted[onSplit]!.c).toBeCloseTo(tradedPlain[onSplit]!.c / 4, 3);
    expect(tradedPlanted[onSplit]!.o).toBeLessThan(tradedPlanted[onSplit - 1]!.c / 3);
    // Adjusted bars before the split are a quarter of as traded, volumes four times.
    const adj = planted.bars('QWER', '2025-02-26', '2025-02-28');
    const raw = planted.bars('QWER', '2025-02-26', '2025-02-28', { adjusted: false });
    adj.forEach((x, i) => {
      expect(x.c).toBeCloseTo(raw[i]!.c / 4, 3);
      expect(x.v).toBeCloseTo(raw[i]!.v * 4, -1);
    });
    // The ex-date drops the price by the dividend.
    const ex = planted.bars('QWER', '2025-05-30', '2025-06-02', { adjusted: false });
    const exPlain = plain.bars('QWER', '2025-05-30', '2025-06-02', { adjusted: false });
    expect(ex[1]!.c).toBeLessThan(exPlain[1]!.c / 4 - 1);
    expect(planted.dividends({ ticker: 'QWER' })).toEqual([
      expect.objectContaining({ ticker: 'QWER', ex_dividend_date: '2025-06-02', cash_amount: 1.25, dividend_type: 'SC', frequency: 0, currency: 'USD', record_date: '2025-06-02' }),
    ]);
  });

  it('announcing a split later never changes a bar already served as traded; adjusted bars follow once it executes', () => {
    const model = new PriceModel(42, { today: '2025-06-13' });
    const traded = model.bars('AAPL', '2025-01-02', '2025-06-13', { adjusted: false });
    const adjusted = model.bars('AAPL', '2025-01-02', '2025-06-13');
    const grouped = model.grouped('2025-06-13', ['AAPL', 'MSFT'], { adjusted: false });
    expect(() => model.addSplit({ ticker: 'AAPL', execution_date: '2025-06-13', split_from: 1, split_to: 4 })).toThrow(/execution_date: 2025-06-13 is not after the simulated today/);
    const row = model.addSplit({ ticker: 'AAPL', execution_date: '2025-06-23', split_from: 1, split_to: 4 });
    expect(row).toMatchObject({ ticker: 'AAPL', execution_date: '2025-06-23', split_from: 1, split_to: 4 });
    expect(model.splits({ ticker: 'AAPL' }).at(-1)).toEqual(row);
    // An announcement far ahead is listed at once too.
    const far = model.addSplit({ ticker: 'MSFT', execution_date: '2026-06-15', split_from: 1, split_to: 5 });
    expect(model.splits({ ticker: 'MSFT' })).toContainEqual(far);
    expect(model.bars('AAPL', '2025-01-02', '2025-06-13', { adjusted: false })).toEqual(traded);
    expect(model.bars('AAPL', '2025-01-02', '2025-06-13')).toEqual(adjusted);

    model.setToday('2025-06-27');
    expect(model.bars('AAPL', '2025-01-02', '2025-06-13', { adjusted: false })).toEqual(traded);
    expect(model.grouped('2025-06-13', ['AAPL', 'MSFT'], { adjusted: false })).toEqual(grouped);
    const after = model.bars('AAPL', '2025-01-02', '2025-06-13');
    after.forEach((b, i) => expect(b.c).toBeCloseTo(adjusted[i]!.c / 4, 3));
    expect(model.grouped('2025-06-13', ['AAPL'])[0]!.c).toBeCloseTo(grouped[0]!.c / 4, 3);
    // The new shares trade at about a quarter of the old price.
    const [before, on] = model.bars('AAPL', '2025-06-20', '2025-06-23', { adjusted: false });
    expect(on!.c / before!.c).toBeGreaterThan(0.2);
    expect(on!.c / before!.c).toBeLessThan(0.3);

    expect(() => model.addDividend({ ticker: 'AAPL', ex_dividend_date: '2025-06-27', cash_amount: 1 })).toThrow(/ex_dividend_date/);
    model.addDividend({ ticker: 'AAPL', ex_dividend_date: '2025-07-07', cash_amount: 0.5, dividend_type: 'SC' });
    expect(model.dividends({ ticker: 'AAPL' }).find((d) => d.ex_dividend_date === '2025-07-07')).toMatchObject({ cash_amount: 0.5, declaration_date: '2025-06-27' });
  });

  it('a halt leaves days without bars (range and grouped) and the price jumps when trading resumes', () => {
    const model = new PriceModel(42, { today: TODAY, events: { halts: [{ ticker: 'QWER', from: '2025-03-10', to: '2025-03-18', reopenReturn: -0.4 }] } });
    const bars = model.bars('QWER', '2025-03-05', '2025-03-21');
    expect(bars.map((b) => b.date)).toEqual(['2025-03-05', '2025-03-06', '2025-03-07', '2025-03-19', '2025-03-20', '2025-03-21']);
    expect(model.grouped('2025-03-12', ['QWER', 'AAPL']).map((r) => r.T)).toEqual(['AAPL']);
    expect(model.barOn('QWER', '2025-03-12')).toBeUndefined();
    const move = bars[3]!.c / bars[2]!.c - 1;
    expect(move).toBeLessThan(-0.25);
    expect(move).toBeGreaterThan(-0.6);
  });

  it('a delisting ends the bars; ticker details then say inactive with delisted_utc', () => {
    const model = new PriceModel(42, { today: '2025-04-30', events: { delistings: [{ ticker: 'QWER', date: '2025-05-12' }] } });
    expect(model.tickerDetails('QWER')).toMatchObject({ ticker: 'QWER', active: true, type: 'CS' });
    expect(model.tickerDetails('QWER')!.delisted_utc).toBeUndefined();
    model.setToday('2025-06-30');
    expect(model.bars('QWER', '2025-05-01', '2025-06-30').at(-1)!.date).toBe('2025-05-09');
    expect(model.grouped('2025-05-12', ['QWER', 'AAPL']).map((r) => r.T)).toEqual(['AAPL']);
    expect(model.tickerDetails('QWER')).toMatchObject({ active: false, delisted_utc: '2025-05-12T00:00:00Z' });
  });

  it('a ticker change moves the bars to the new ticker without a price jump; events and details report it', () => {
    const model = new PriceModel(42, { today: TODAY, events: { tickerChanges: [{ ticker: 'QWER', newTicker: 'QWRT', date: '2025-04-07' }] } });
    const old = model.bars('QWER', '2025-03-01', '2025-05-01');
    const renamed = model.bars('QWRT', '2025-03-01', '2025-05-01');
    expect(old.at(-1)!.date).toBe('2025-04-04');
    expect(renamed[0]!.date).toBe('2025-04-07');
    expect(Math.abs(renamed[0]!.c / old.at(-1)!.c - 1)).toBeLessThan(0.15);
    expect(model.grouped('2025-04-07', ['QWER']).map((r) => r.T)).toEqual(['QWRT']);
    expect(model.grouped('2025-04-04', ['QWER']).map((r) => r.T)).toEqual(['QWER']);
    for (const t of ['QWER', 'QWRT']) {
      expect(model.tickerEvents(t)!.events).toEqual([
        { type: 'ticker_change', date: '2025-04-07', ticker_change: { ticker: 'QWRT' } },
        { type: 'ticker_change', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown, ticker_change: { ticker: 'QWER' } },
      ]);
    }
    expect(model.tickerDetails('QWRT')).toMatchObject({ ticker: 'QWRT', active: true, list_date: '2025-04-07' });
    expect(model.tickerDetails('QWER')).toMatchObject({ active: false, delisted_utc: '2025-04-07T00:00:00Z' });
    // Before the change the new ticker is unknown.
    model.setToday('2025-03-31');
    expect(model.tickerDetails('QWRT')).toBeUndefined();
    expect(model.tickerEvents('QWER')!.events).toHaveLength(1);
  });

  it('a factor proxy can have a hole: days without its bars, the others unaffected', () => {
    const model = new PriceModel(42, { today: TODAY });
    expect(model.bars('MTUM', '2019-08-09', '2019-08-15').map((b) => b.date)).toEqual(['2019-08-09', '2019-08-15']);
    expect(model.grouped('2019-08-13', ['MTUM', 'SPY']).map((r) => r.T)).toEqual(['SPY']);
    const planted = new PriceModel(42, { today: TODAY, events: { missingBars: [{ ticker: 'IWM', from: '2025-02-03', to: '2025-02-04' }] } });
    expect(planted.bars('IWM', '2025-01-31', '2025-02-05').map((b) => b.date)).toEqual(['2025-01-31', '2025-02-05']);
    expect(planted.barOn('IWM', '2025-02-05')).toEqual(model.barOn('IWM', '2025-02-05'));
    expect(new PriceModel(42, { today: TODAY, events: { seeded: false } }).bars('MTUM', '2019-08-09', '2019-08-15')).toHaveLength(5);
  });

  it('rejects bad explicit events naming the field', () => {
    expect(() => new PriceModel(42, { events: { splits: [{ ticker: 'AAPL', execution_date: '2025-03-01', split_from: 1, split_to: 2 }] } })).toThrow(/events\.splits\[0\]\.execution_date: 2025-03-01 is not an NYSE trading day/);
    expect(() => new PriceModel(42, { events: { splits: [{ ticker: 'AAPL', execution_date: '2025-03-03', split_from: 0, split_to: 2 }] } })).toThrow(/events\.splits\[0\]\.split_from/);
    expect(() => new PriceModel(42, { events: { dividends: [{ ticker: 'AAPL', ex_dividend_date: '2025-03-03', cash_amount: -1 }] } })).toThrow(/events\.dividends\[0\]\.cash_amount/);
    expect(() => new PriceModel(42, { events: { tickerChanges: [{ ticker: 'AAPL', newTicker: 'aapl2', date: '2025-03-03' }] } })).toThrow(/events\.tickerChanges\[0\]\.newTicker/);
    expect(() => new PriceModel(42, { events: { halts: [{ ticker: 'AAPL', from: '2025-03-10', to: '2025-03-03' }] } })).toThrow(/events\.halts\[0\]\.to/);
  });
});

describe('the seeded schedule', () => {
  const model = new PriceModel(42, { today: '2031-06-30' });

  it('gives every 195-trading-day window a split of AAPL, MSFT or NVDA, so the demo portfolio always meets one, and several dividends', () => {
    const splits = SPLIT_ROTATION.tickers.flatMap((t) => model.splits({ ticker: t }));
    const dividends = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'GOVT', 'IAU', 'IEFA', 'MUB', 'VO'].flatMap((t) => model.dividends({ ticker: t }));
    for (let target = '2016-06-01'; target <= '2031-06-27'; target = addTradingDays(target, 3)) {
      let metSplits = 0;
      let metDividends = 0;
      for (const p of samplePositions(target)) {
        const end = p.exitDate ?? target;
        metSplits += splits.filter((s) => s.ticker === p.symbol && s.execution_date > p.entryDate && s.execution_date <= end).length;
        metDividends += dividends.filter((d) => d.ticker === p.symbol && d.ex_dividend_date > p.entryDate && d.ex_dividend_date <= end).length;
      }
      expect(metSplits, target).toBeGreaterThanOrEqual(1);
      expect(metDividends, target).toBeGreaterThanOrEqual(10);
    }
  });

  it('has forward and reverse splits, and regular, special and capital-gain distributions across the market', () => {
    const universe = ['SPY', 'MTUM', 'IWM', 'VO', 'AAPL', 'IAU', ...Array.from({ length: 300 }, (_, i) => `Q${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`)];
    const splits = model.splits({ tickers: universe }).filter((s) => s.execution_date <= '2026-12-31');
    expect(splits.some((s) => s.split_from > s.split_to)).toBe(true);
    expect(splits.some((s) => s.split_from < s.split_to)).toBe(true);
    expect(model.splits({ ticker: 'IAU' })).toEqual([expect.objectContaining({ execution_date: '2021-05-24', split_from: 2, split_to: 1 })]);
    const dividends = model.dividends({ tickers: universe });
    expect(new Set(dividends.map((d) => d.dividend_type))).toEqual(new Set(['CD', 'SC', 'LT', 'ST']));
    expect(new Set(dividends.map((d) => d.frequency))).toEqual(new Set([0, 1, 2, 4, 12]));
    for (const d of model.dividends({ ticker: 'AAPL' })) {
      // T+2 settlement before 2024-05-28 (record date the business day after the ex-date), T+1 since.
      expect(d.record_date).toBe(d.ex_dividend_date < '2024-05-28' ? nextTradingDay(d.ex_dividend_date) : d.ex_dividend_date);
      expect(d.declaration_date < d.ex_dividend_date && d.pay_date > d.record_date).toBe(true);
    }
    const seededOff = new PriceModel(42, { today: TODAY, events: { seeded: false } });
    expect(seededOff.splits({ ticker: 'AAPL' })).toEqual([]);
    expect(seededOff.dividends({ ticker: 'AAPL' })).toEqual([]);
  });

  it('lists only what is announced by today', () => {
    const early = new PriceModel(42, { today: '2024-11-01' });
    const rows = early.dividends({ ticker: 'MSFT' });
    expect(rows.every((d) => d.declaration_date <= '2024-11-01')).toBe(true);
    expect(rows.filter((d) => d.ex_dividend_date > '2024-11-01')).toHaveLength(1);
    expect(early.splits({ ticker: 'AAPL' }).some((s) => s.execution_date === '2024-12-31')).toBe(false);
    early.setToday('2024-12-16');
    expect(early.splits({ ticker: 'AAPL' }).some((s) => s.execution_date === '2024-12-31')).toBe(true);
    expect(early.bars('AAPL', '2024-11-25', '2024-12-31').at(-1)!.date).toBe('2024-12-16');
  });

  it('answers ticker details for every generated ticker, with a listing date inside the trading calendar', () => {
    const universe = simulatedUniverse(1_200);
    for (const ticker of universe) {
      const details = model.tickerDetails(ticker);
      expect(details, ticker).toBeDefined();
      expect(details!.list_date >= '1990-01-02' && details!.list_date <= TODAY, `${ticker} ${details!.list_date}`).toBe(true);
    }
  });

  it('knows the large caps and funds: SIC codes for companies, none for ETFs, a listing date and share counts', () => {
    const sic = Object.fromEntries(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'JPM', 'XOM', 'JNJ', 'NEE'].map((t) => [t, model.tickerDetails(t)!.sic_code]));
    expect(sic).toEqual({ AAPL: '3571', MSFT: '7372', NVDA: '3674', AMZN: '5961', GOOGL: '7370', JPM: '6021', XOM: '2911', JNJ: '2834', NEE: '4911' });
    const spy = model.tickerDetails('SPY')!;
    expect(spy).toMatchObject({ type: 'ETF', active: true, market: 'stocks', primary_exchange: 'ARCX', list_date: '1993-01-29' });
    expect(spy.sic_code).toBeUndefined();
    expect(spy.market_cap).toBeUndefined();
    const aapl = model.tickerDetails('AAPL')!;
    expect(aapl.market_cap).toBeGreaterThan(1e11);
    expect(aapl.share_class_shares_outstanding).toBeGreaterThan(5.8e9);
    expect(model.tickerDetails('GGIPX')).toBeUndefined();
    expect(model.tickerDetails('aapl')).toBeUndefined();
    const ipo = new PriceModel(42, { today: '2025-01-31', ipoDates: { QWER: '2025-03-03' } });
    expect(ipo.tickerDetails('QWER')).toBeUndefined();
    ipo.setToday('2025-03-31');
    expect(ipo.tickerDetails('QWER')).toMatchObject({ list_date: '2025-03-03' });
  });
});
