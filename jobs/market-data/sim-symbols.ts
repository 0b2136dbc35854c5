/**
 * The simulator's known symbols: the eight factor ETFs, the demo's funds and large caps and a few
 * more large caps, each with its asset class, factor loadings, price level, dividend policy and
 * reference data (name, type, exchange, SIC code, listing date). Any other ticker is generated from
 * a hash of its name (see sim-market.ts and sim-events.ts).
 *
 * Loadings are in the simulator's factor basis (sim-market.ts): `market` multiplies the SPY return,
 * `styles[X]` the style factor of proxy X (X's return minus SPY's), `rates` the TLT return, and
 * `gold`, `international` and the sector loading multiply factors no proxy carries.
 */
import type { IsoDate } from '../calc/types.js';

export const STYLE_PROXIES = ['VTV', 'VUG', 'MTUM', 'QUAL', 'IWM', 'USMV'] as const;
export type StyleProxy = (typeof STYLE_PROXIES)[number];

export const SECTORS = ['technology', 'consumer', 'financials', 'energy', 'healthcare', 'utilities', 'industrials'] as const;
export type Sector = (typeof SECTORS)[number];

export type AssetClass =
  | 'market'
  | 'style'
  | 'rates'
  | 'treasury-bonds'
  | 'municipal-bonds'
  | 'gold'
  | 'international-equity'
  | 'us-equity-fund'
  | 'large-cap'
  | 'equity';

export interface LoadingSpec {
  market: number;
  styles?: Partial<Record<StyleProxy, number>>;
  rates?: number;
  gold?: number;
  international?: number;
  sector?: readonly [Sector, number];
  /** Daily volatility of the ticker's own noise (before volatility clustering). */
  idioVol: number;
}

export interface DividendPolicy {
  /** Regular payments per year. */
  frequency: 1 | 2 | 4 | 12;
  /** Annual cash yield: each payment is yield / frequency of the price at the start of its year. */
  yield: number;
  /** Month (1-12) of the year's first ex-date; the others follow every 12 / frequency months. */
  firstMonth: number;
  /** Ex-date: the first trading day on or after this day of the month, the month's third Friday, or its first trading day. */
  day: number | 'third-friday' | 'first-trading-day';
  /** Trading days from declaration to ex-date and from record date to payment. */
  declarationLag: number;
  payLag: number;
  /** Decimals of the cash amounts (cents for companies, four decimals for funds). */
  decimals: 2 | 4;
  /** First ex-date of the policy (a dividend initiated mid-history). */
  since?: IsoDate;
  /** Probability per year of a December capital-gain distribution (funds). */
  capitalGains?: number;
}

export interface PriceSpec {
  /**
   * As-traded price level the path is pulled towards on `PRICE_LEVEL_REF`, moving with `growth` per
   * year (plus the growth that offsets the symbol's scheduled splits). Factor ETFs carry no level:
   * they are the factors themselves and start from `start`.
   */
  level?: number;
  growth?: number;
  start?: number;
}

export interface KnownSymbol {
  ticker: string;
  name: string;
  type: 'CS' | 'ETF';
  assetClass: AssetClass;
  primaryExchange: string;
  listDate: IsoDate;
  sic?: readonly [string, string];
  loadings: LoadingSpec;
  price: PriceSpec;
  /** Shares outstanding on the first simulated day (split-adjusted forward from there). */
  shares: number;
  dividends?: DividendPolicy;
  /** Historical splits of the symbol, besides the split rotation below. */
  splits?: readonly { execution_date: IsoDate; split_from: number; split_to: number }[];
}

/** Date on which the known symbols' price levels apply. */
export const PRICE_LEVEL_REF: IsoDate = '2025-06-30';

const etfQuarterly = (yieldPct: number, firstMonth: number, day: DividendPolicy['day'], capitalGains?: number): DividendPolicy => ({
  frequency: 4,
  yield: yieldPct / 100,
  firstMonth,
  day,
  declarationLag: 1,
  payLag: 4,
  decimals: 4,
  ...(capitalGains === undefined ? {} : { capitalGains }),
});
const etfMonthly = (yieldPct: number): DividendPolicy => ({
  frequency: 12,
  yield: yieldPct / 100,
  firstMonth: 1,
  day: 'first-trading-day',
  declarationLag: 1,
  payLag: 4,
  decimals: 4,
});
const companyQuarterly = (yieldPct: number, firstMonth: number, day: number, since?: IsoDate): DividendPolicy => ({
  frequency: 4,
  yield: yieldPct / 100,
  firstMonth,
  day,
  declarationLag: 20,
  payLag: 8,
  decimals: 2,
  ...(since === undefined ? {} : { since }),
});

/**
 * The documented table. Classes and what they imply for a year of simulated returns:
 * treasury and municipal bond funds load on rates with ~0 market beta (GOVT ~5 %, MUB ~4 % a year);
 * gold loads on its own factor with a market beta of ~0.1 (~15 %); international equity on the market
 * with a lower beta (~0.8) plus its own factor; large caps on the market, growth/value/quality tilts
 * and a sector factor shared with their peers.
 */
export const KNOWN_SYMBOLS: readonly KnownSymbol[] = [
  // The factor ETFs. A style proxy is the market plus its style factor; TLT is the rates factor.
  { ticker: 'SPY', name: 'SPDR S&P 500 ETF Trust', type: 'ETF', assetClass: 'market', primaryExchange: 'ARCX', listDate: '1993-01-29', loadings: { market: 1, idioVol: 0 }, price: { start: 205 }, shares: 1.0e9, dividends: etfQuarterly(1.3, 3, 'third-friday') },
  { ticker: 'VTV', name: 'Vanguard Value ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'ARCX', listDate: '2004-01-26', loadings: { market: 1, styles: { VTV: 1 }, idioVol: 0 }, price: { start: 82 }, shares: 1.2e9, dividends: etfQuarterly(2.4, 3, 24) },
  { ticker: 'VUG', name: 'Vanguard Growth ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'ARCX', listDate: '2004-01-26', loadings: { market: 1, styles: { VUG: 1 }, idioVol: 0 }, price: { start: 101 }, shares: 4.0e8, dividends: etfQuarterly(0.6, 3, 24) },
  { ticker: 'MTUM', name: 'iShares MSCI USA Momentum Factor ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'BATS', listDate: '2013-04-16', loadings: { market: 1, styles: { MTUM: 1 }, idioVol: 0 }, price: { start: 68 }, shares: 1.0e8, dividends: etfQuarterly(1.0, 3, 11, 0.3) },
  { ticker: 'QUAL', name: 'iShares MSCI USA Quality Factor ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'BATS', listDate: '2013-07-16', loadings: { market: 1, styles: { QUAL: 1 }, idioVol: 0 }, price: { start: 59 }, shares: 2.8e8, dividends: etfQuarterly(1.2, 3, 11) },
  { ticker: 'IWM', name: 'iShares Russell 2000 ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'ARCX', listDate: '2000-05-22', loadings: { market: 1, styles: { IWM: 1 }, idioVol: 0 }, price: { start: 119 }, shares: 3.0e8, dividends: etfQuarterly(1.2, 3, 11, 0.15) },
  { ticker: 'USMV', name: 'iShares MSCI USA Min Vol Factor ETF', type: 'ETF', assetClass: 'style', primaryExchange: 'BATS', listDate: '2011-10-18', loadings: { market: 1, styles: { USMV: 1 }, idioVol: 0 }, price: { start: 40 }, shares: 2.6e8, dividends: etfQuarterly(1.6, 3, 11) },
  { ticker: 'TLT', name: 'iShares 20+ Year Treasury Bond ETF', type: 'ETF', assetClass: 'rates', primaryExchange: 'XNAS', listDate: '2002-07-22', loadings: { market: 0, rates: 1, idioVol: 0 }, price: { start: 126 }, shares: 5.5e8, dividends: etfMonthly(3.5) },
  // The demo's funds.
  { ticker: 'GOVT', name: 'iShares U.S. Treasury Bond ETF', type: 'ETF', assetClass: 'treasury-bonds', primaryExchange: 'BATS', listDate: '2012-02-14', loadings: { market: 0.04, rates: 0.32, idioVol: 0.0006 }, price: { level: 23, growth: 0 }, shares: 1.2e9, dividends: etfMonthly(2.8) },
  { ticker: 'MUB', name: 'iShares National Muni Bond ETF', type: 'ETF', assetClass: 'municipal-bonds', primaryExchange: 'ARCX', listDate: '2007-09-07', loadings: { market: 0.03, rates: 0.22, idioVol: 0.0012 }, price: { level: 106, growth: 0 }, shares: 3.9e8, dividends: etfMonthly(2.6) },
  {
    ticker: 'IAU', name: 'iShares Gold Trust', type: 'ETF', assetClass: 'gold', primaryExchange: 'ARCX', listDate: '2005-01-21',
    loadings: { market: 0.12, rates: 0.15, gold: 1, idioVol: 0.001 }, price: { level: 45, growth: 0.05 }, shares: 5.0e8,
    splits: [{ execution_date: '2021-05-24', split_from: 2, split_to: 1 }],
  },
  { ticker: 'IEFA', name: 'iShares Core MSCI EAFE ETF', type: 'ETF', assetClass: 'international-equity', primaryExchange: 'BATS', listDate: '2012-10-18', loadings: { market: 0.8, styles: { VTV: 0.15 }, rates: 0.05, international: 1, idioVol: 0.001 }, price: { level: 75, growth: 0.04 }, shares: 1.5e9, dividends: { ...etfQuarterly(3.0, 6, 7), frequency: 2 } },
  { ticker: 'VO', name: 'Vanguard Mid-Cap ETF', type: 'ETF', assetClass: 'us-equity-fund', primaryExchange: 'ARCX', listDate: '2004-01-26', loadings: { market: 1.02, styles: { IWM: 0.35 }, idioVol: 0.0015 }, price: { level: 250, growth: 0.07 }, shares: 2.6e8, dividends: etfQuarterly(1.5, 3, 24, 0.1) },
  // Large caps: market, style tilts and a sector factor shared with their peers.
  { ticker: 'AAPL', name: 'Apple Inc.', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNAS', listDate: '1980-12-12', sic: ['3571', 'ELECTRONIC COMPUTERS'], loadings: { market: 1.15, styles: { VUG: 0.3, QUAL: 0.2 }, sector: ['technology', 1.0], idioVol: 0.009 }, price: { level: 200, growth: 0.02 }, shares: 5.8e9, dividends: companyQuarterly(0.5, 2, 9) },
  { ticker: 'MSFT', name: 'Microsoft Corp', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNAS', listDate: '1986-03-13', sic: ['7372', 'SERVICES-PREPACKAGED SOFTWARE'], loadings: { market: 1.1, styles: { VUG: 0.3, QUAL: 0.3 }, sector: ['technology', 0.9], idioVol: 0.008 }, price: { level: 420, growth: 0.02 }, shares: 8.2e9, dividends: companyQuarterly(0.8, 2, 15) },
  { ticker: 'NVDA', name: 'Nvidia Corp', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNAS', listDate: '1999-01-22', sic: ['3674', 'SEMICONDUCTORS & RELATED DEVICES'], loadings: { market: 1.7, styles: { VUG: 0.5, MTUM: 0.5 }, sector: ['technology', 1.5], idioVol: 0.018 }, price: { level: 130, growth: 0.02 }, shares: 5.4e8, dividends: companyQuarterly(0.08, 3, 5) },
  { ticker: 'AMZN', name: 'Amazon.com, Inc.', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNAS', listDate: '1997-05-15', sic: ['5961', 'RETAIL-CATALOG & MAIL-ORDER HOUSES'], loadings: { market: 1.25, styles: { VUG: 0.5 }, sector: ['consumer', 1.0], idioVol: 0.012 }, price: { level: 180, growth: 0.06 }, shares: 1.05e10 },
  { ticker: 'GOOGL', name: 'Alphabet Inc. Class A', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNAS', listDate: '2004-08-19', sic: ['7370', 'SERVICES-COMPUTER PROGRAMMING, DATA PROCESSING, ETC.'], loadings: { market: 1.1, styles: { VUG: 0.3 }, sector: ['technology', 0.8], idioVol: 0.01 }, price: { level: 165, growth: 0.06 }, shares: 5.8e9, dividends: companyQuarterly(0.45, 3, 10, '2024-06-10') },
  { ticker: 'JPM', name: 'JPMorgan Chase & Co.', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNYS', listDate: '1969-03-05', sic: ['6021', 'NATIONAL COMMERCIAL BANKS'], loadings: { market: 1.1, styles: { VTV: 0.6 }, rates: -0.1, sector: ['financials', 1.0], idioVol: 0.01 }, price: { level: 260, growth: 0.05 }, shares: 2.8e9, dividends: companyQuarterly(2.2, 1, 5) },
  { ticker: 'XOM', name: 'Exxon Mobil Corp.', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNYS', listDate: '1920-01-01', sic: ['2911', 'PETROLEUM REFINING'], loadings: { market: 0.8, styles: { VTV: 0.7 }, sector: ['energy', 1.0], idioVol: 0.011 }, price: { level: 110, growth: 0.03 }, shares: 4.2e9, dividends: companyQuarterly(3.5, 2, 12) },
  { ticker: 'JNJ', name: 'Johnson & Johnson', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNYS', listDate: '1944-09-25', sic: ['2834', 'PHARMACEUTICAL PREPARATIONS'], loadings: { market: 0.55, styles: { USMV: 0.4, VTV: 0.3 }, sector: ['healthcare', 0.8], idioVol: 0.008 }, price: { level: 155, growth: 0.04 }, shares: 2.8e9, dividends: companyQuarterly(2.9, 2, 24) },
  { ticker: 'NEE', name: 'NextEra Energy, Inc.', type: 'CS', assetClass: 'large-cap', primaryExchange: 'XNYS', listDate: '1950-01-03', sic: ['4911', 'ELECTRIC SERVICES'], loadings: { market: 0.6, styles: { USMV: 0.5 }, rates: 0.35, sector: ['utilities', 1.0], idioVol: 0.01 }, price: { level: 72, growth: 0.04 }, shares: 1.8e9, dividends: companyQuarterly(2.8, 2, 28) },
];

const BY_TICKER = new Map(KNOWN_SYMBOLS.map((s) => [s.ticker, s]));

export function knownSymbol(ticker: string): KnownSymbol | undefined {
  return BY_TICKER.get(ticker);
}

/**
 * The split rotation: AAPL, MSFT and NVDA take turns splitting every `spacing` trading days from
 * `first` (each one every 3 × spacing ≈ 2.3 years), forever. Any position in one of them held for
 * `spacing` trading days or more therefore lives through a split, whatever the date: the demo's
 * sample portfolio holds all three for 200+ trading days before its target date. Their price levels
 * grow by the split ratio per cycle, so the as-traded price stays near its level.
 */
export const SPLIT_ROTATION = {
  tickers: ['AAPL', 'MSFT', 'NVDA'] as const,
  first: '2015-09-14' as IsoDate,
  spacing: 195,
  ratio: { AAPL: { split_from: 2, split_to: 3 }, MSFT: { split_from: 2, split_to: 3 }, NVDA: { split_from: 1, split_to: 2 } },
} as const;

/** SIC codes for generated companies, by sector. */
export const SECTOR_SIC: Readonly<Record<Sector, readonly (readonly [string, string])[]>> = {
  technology: [['7372', 'SERVICES-PREPACKAGED SOFTWARE'], ['3674', 'SEMICONDUCTORS & RELATED DEVICES'], ['3577', 'COMPUTER PERIPHERAL EQUIPMENT, NEC']],
  consumer: [['5961', 'RETAIL-CATALOG & MAIL-ORDER HOUSES'], ['5812', 'RETAIL-EATING PLACES'], ['2080', 'BEVERAGES']],
  financials: [['6022', 'STATE COMMERCIAL BANKS'], ['6311', 'LIFE INSURANCE'], ['6199', 'FINANCE SERVICES']],
  energy: [['1311', 'CRUDE PETROLEUM & NATURAL GAS'], ['2911', 'PETROLEUM REFINING'], ['4922', 'NATURAL GAS TRANSMISSION']],
  healthcare: [['2834', 'PHARMACEUTICAL PREPARATIONS'], ['3841', 'SURGICAL & MEDICAL INSTRUMENTS & APPARATUS'], ['8062', 'SERVICES-GENERAL MEDICAL & SURGICAL HOSPITALS, NEC']],
  utilities: [['4911', 'ELECTRIC SERVICES'], ['4931', 'ELECTRIC & OTHER SERVICES COMBINED'], ['4941', 'WATER SUPPLY']],
  industrials: [['3560', 'GENERAL INDUSTRIAL MACHINERY & EQUIPMENT'], ['3711', 'MOTOR VEHICLES & PASSENGER CAR BODIES'], ['3724', 'AIRCRAFT ENGINES & ENGINE PARTS']],
};

/**
 * `size` distinct tickers of `letters` letters spread over the alphabet (the k-th is
 * (k · step + offset) mod 26^letters written in base 26), skipping `reserved`.
 */
export function spreadTickers(letters: number, step: number, offset: number, size: number, reserved: ReadonlySet<string>): string[] {
  const space = 26 ** letters;
  const out: string[] = [];
  for (let i = 0; out.length < size && i < space; i++) {
    let k = (i * step + offset) % space;
    let name = '';
    for (let j = 0; j < letters; j++) {
      name = String.fromCharCode(65 + (k % 26)) + name;
      k = Math.floor(k / 26);
    }
    if (!reserved.has(name)) out.push(name);
  }
  return out;
}
