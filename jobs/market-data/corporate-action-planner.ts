/**
 * Decides which corporate-action and reference calls a run makes (pure: the stored coverage, the
 * profiles' ages and the calendar are inputs).
 *
 * Splits and dividends: a symbol never asked gets its whole history with one call per endpoint (its
 * first sight). A symbol asked before, through a day older than `asOf`, needs what was announced
 * since: either one call per such symbol and endpoint (`ticker=T&date.gte=D`), or one market-wide call
 * per endpoint since the oldest of those days (`date.gte=D`, every ticker, filtered to the symbols in
 * scope), paginated at 1,000 rows. The planner estimates the market-wide pages from the market's rate
 * of events per trading day and takes whichever costs fewer calls.
 *
 * Ticker details: once per symbol, then again when the stored profile is older than the refresh
 * age (a month by default). Ticker events (was it renamed?): for a symbol the details report
 * inactive, once; an active ticker's own history is served under its current name.
 */
import type { IsoDate } from '../../core/dates.js';

export type ListKind = 'splits' | 'dividends';

/** Market-wide events per trading day, for the page estimate of a market-wide call (vendor: a few splits, a few hundred ex-dates). */
export interface MarketEventRates {
  splits: number;
  dividends: number;
}

export const DEFAULT_MARKET_EVENT_RATES: MarketEventRates = { splits: 5, dividends: 300 };
export const REFERENCE_PAGE_SIZE = 1000;
export const DEFAULT_PROFILE_REFRESH_MS = 30 * 86_400_000;

export interface CorporateActionPlannerInput {
  /** Symbols in scope (deduplicated by the planner). */
  symbols: readonly string[];
  /** The day the check runs through. */
  asOf: IsoDate;
  /** Per kind, the day each symbol's list was read through; absent: never asked. */
  checkedThrough: ReadonlyMap<'splits' | 'dividends' | 'ticker_events', ReadonlyMap<string, IsoDate>>;
  /** Per symbol with a stored profile, its age in ms. */
  profileAgeMs: ReadonlyMap<string, number>;
  /** Symbols whose stored profile says inactive (delisted or renamed). */
  inactive?: ReadonlySet<string>;
  profileRefreshMs?: number;
  rates?: MarketEventRates;
  /** Trading days in (since, asOf]: how far back a market-wide call reaches. */
  tradingDaysSince: (since: IsoDate, asOf: IsoDate) => number;
}

export interface ListCall {
  kind: ListKind;
  /** One ticker's list; absent: market-wide. */
  symbol?: string;
  /** Rows on or after this day; absent: the whole history. */
  since?: IsoDate;
  /** Symbols whose coverage this call brings to `asOf`. */
  covers: string[];
  /** Pages expected (1 for a per-symbol call). */
  estimatedPages: number;
}

export interface CorporateActionPlan {
  listCalls: ListCall[];
  /** Symbols whose ticker details are fetched (no profile, or an old one). */
  details: string[];
  /** Symbols whose ticker events are fetched (inactive, never asked). */
  events: string[];
  /** Per kind: how the symbols asked before are brought up to date. */
  updateMode: Record<ListKind, 'none' | 'per-symbol' | 'market-wide'>;
  callsPlanned: number;
}

export function estimatedMarketPages(kind: ListKind, tradingDays: number, rates: MarketEventRates = DEFAULT_MARKET_EVENT_RATES): number {
  return Math.max(1, Math.ceil((Math.max(1, tradingDays) * rates[kind]) / REFERENCE_PAGE_SIZE));
}

export function planCorporateActions(input: CorporateActionPlannerInput): CorporateActionPlan {
  const symbols = [...new Set(input.symbols)].sort();
  const rates = input.rates ?? DEFAULT_MARKET_EVENT_RATES;
  const refreshMs = input.profileRefreshMs ?? DEFAULT_PROFILE_REFRESH_MS;
  const listCalls: ListCall[] = [];
  const updateMode: CorporateActionPlan['updateMode'] = { splits: 'none', dividends: 'none' };

  for (const kind of ['splits', 'dividends'] as const) {
    const seen = input.checkedThrough.get(kind) ?? new Map<string, IsoDate>();
    const stale: { symbol: string; since: IsoDate }[] = [];
    for (const symbol of symbols) {
      const through = seen.get(symbol);
      if (through === undefined) listCalls.push({ kind, symbol, covers: [symbol], estimatedPages: 1 });
      else if (through < input.asOf) stale.push({ symbol, since: through });
    }
    if (stale.length === 0) continue;
    const since = stale.reduce((m, s) => (s.since < m ? s.since : m), stale[0]!.since);
    const pages = estimatedMarketPages(kind, input.tradingDaysSince(since, input.asOf), rates);
    if (pages < stale.length) {
      updateMode[kind] = 'market-wide';
      listCalls.push({ kind, since, covers: stale.map((s) => s.symbol), estimatedPages: pages });
    } else {
      updateMode[kind] = 'per-symbol';
      for (const s of stale) listCalls.push({ kind, symbol: s.symbol, since: s.since, covers: [s.symbol], estimatedPages: 1 });
    }
  }

  const details = symbols.filter((s) => {
    const age = input.profileAgeMs.get(s);
    return age === undefined || age >= refreshMs;
  });
  const eventsSeen = input.checkedThrough.get('ticker_events') ?? new Map<string, IsoDate>();
  const inactive = input.inactive ?? new Set<string>();
  const events = symbols.filter((s) => inactive.has(s) && !eventsSeen.has(s));
  const callsPlanned = listCalls.reduce((n, c) => n + c.estimatedPages, 0) + details.length + events.length;
  return { listCalls, details, events, updateMode, callsPlanned };
}

/**
 * Ticker changes from an instrument's ticker events (ascending by date): from each event's date on,
 * the previous event's ticker trades as this one's.
 */
export function tickerChangesOf(events: readonly { date: IsoDate; ticker: string }[]): { previousSymbol: string; symbol: string; date: IsoDate }[] {
  const out: { previousSymbol: string; symbol: string; date: IsoDate }[] = [];
  for (let i = 1; i < events.length; i++) {
    const prev = events[i - 1]!;
    const cur = events[i]!;
    if (prev.ticker !== cur.ticker) out.push({ previousSymbol: prev.ticker, symbol: cur.ticker, date: cur.date });
  }
  return out;
}
