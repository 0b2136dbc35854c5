/**
 * Decides which vendor calls a run makes (pure: the cache state and the calendar are inputs).
 *
 * A symbol needs a trading day when the cache has no bar for it and the vendor was not already asked
 * for it (price coverage). Two call shapes exist: a range call per symbol (any span, one call) and a
 * grouped-daily call per date (every exchange-listed symbol at once). The plan minimises calls: it
 * serves the symbols with the fewest missing days by grouped calls on the union of their dates, and
 * the rest by one range call each, choosing the split with the fewest calls (pure range and pure
 * grouped are the two extremes of that search).
 */
import type { IsoDate } from '../../core/dates.js';

/**
 * Open-end mutual funds (five letters ending in X, e.g. GGIPX) are not exchange traded: grouped daily
 * lacks them, so they always get range calls.
 */
export function looksLikeMutualFund(symbol: string): boolean {
  return /^[A-Z]{4}X$/.test(symbol);
}

export interface DateRange {
  from: IsoDate;
  to: IsoDate;
}

export interface CoverageWindow {
  from: IsoDate;
  to: IsoDate;
}

export interface PlannerInput {
  /** Symbols in scope (deduplicated by the planner). */
  symbols: readonly string[];
  /** Trading days of the window, ascending. */
  days: readonly IsoDate[];
  /** Per symbol, the trading days of the window without a cached bar. A symbol with no entry lacks nothing. */
  uncached: ReadonlyMap<string, readonly IsoDate[]>;
  /** Per symbol, the span already asked of the vendor. */
  coverage: ReadonlyMap<string, CoverageWindow>;
  /** Symbols grouped daily cannot serve (mutual funds, symbols known to be absent): always range calls. */
  groupedIneligible?: ReadonlySet<string>;
  /** Disable grouped daily (e.g. a plan without it). */
  allowGrouped?: boolean;
}

export interface SymbolNeed {
  symbol: string;
  missing: IsoDate[];
  /** Missing days coalesced into runs of consecutive trading days. */
  gaps: DateRange[];
}

export interface RangeCall {
  symbol: string;
  from: IsoDate;
  to: IsoDate;
}

export interface FetchPlan {
  /** Symbols with nothing to fetch. */
  alreadyCached: string[];
  needs: SymbolNeed[];
  /** Dates fetched with grouped daily, ascending. */
  groupedDates: IsoDate[];
  /** Symbols expected to be complete after the grouped calls (others in `needs` get range calls). */
  groupedSymbols: string[];
  rangeCalls: RangeCall[];
  /** groupedDates + rangeCalls; fallback range calls after grouped may add to it. */
  callsPlanned: number;
  /** One call per symbol per missing date: what a date-by-date fetcher would spend. */
  naiveCalls: number;
  strategy: 'none' | 'range' | 'grouped' | 'mixed';
}

/** Coalesces dates (ascending, all in `days`) into runs of consecutive trading days. */
export function coalesceGaps(missing: readonly IsoDate[], days: readonly IsoDate[]): DateRange[] {
  if (missing.length === 0) return [];
  const index = new Map(days.map((d, i) => [d, i]));
  const out: DateRange[] = [];
  let start = missing[0]!;
  let prev = start;
  for (let k = 1; k < missing.length; k++) {
    const d = missing[k]!;
    if (index.get(d) !== (index.get(prev) ?? -2) + 1) {
      out.push({ from: start, to: prev });
      start = d;
    }
    prev = d;
  }
  out.push({ from: start, to: prev });
  return out;
}

/** Per symbol, the days it needs: uncached and outside its coverage. */
export function missingDays(input: Pick<PlannerInput, 'symbols' | 'days' | 'uncached' | 'coverage'>): Map<string, IsoDate[]> {
  const inWindow = new Set(input.days);
  const out = new Map<string, IsoDate[]>();
  for (const symbol of new Set(input.symbols)) {
    const cov = input.coverage.get(symbol);
    const lacking = (input.uncached.get(symbol) ?? [])
      .filter((d) => inWindow.has(d) && !(cov !== undefined && d >= cov.from && d <= cov.to))
      .slice()
      .sort();
    out.set(symbol, [...new Set(lacking)]);
  }
  return out;
}

/** The range call serving a symbol: its first to last missing day (one call even across gaps). */
export function rangeCallFor(symbol: string, missing: readonly IsoDate[]): RangeCall {
  return { symbol, from: missing[0]!, to: missing[missing.length - 1]! };
}

export function planFetch(input: PlannerInput): FetchPlan {
  const missing = missingDays(input);
  const ineligible = input.groupedIneligible ?? new Set<string>();
  const allowGrouped = input.allowGrouped ?? true;
  const alreadyCached: string[] = [];
  const needs: SymbolNeed[] = [];
  for (const [symbol, m] of missing) {
    if (m.length === 0) alreadyCached.push(symbol);
    else needs.push({ symbol, missing: m, gaps: coalesceGaps(m, input.days) });
  }
  const naiveCalls = needs.reduce((n, s) => n + s.missing.length, 0);

  // Candidate plans: grouped calls on the union of the dates of the eligible symbols missing at most
  // k days, range calls for every other symbol, for each k. k = 0 is the pure range plan, the largest
  // k the pure grouped plan; nightly runs with a newly onboarded portfolio are the mixed case.
  const eligible = allowGrouped ? needs.filter((s) => !ineligible.has(s.symbol)) : [];
  const thresholds = [...new Set(eligible.map((s) => s.missing.length))].sort((x, y) => x - y);
  // Step at which each date joins the grouped set.
  const dateStep = new Map<IsoDate, number>();
  for (const s of eligible) {
    const step = thresholds.indexOf(s.missing.length);
    for (const d of s.missing) {
      const prev = dateStep.get(d);
      if (prev === undefined || step < prev) dateStep.set(d, step);
    }
  }
  // Step from which a symbol is entirely served by grouped calls (a symbol missing many days can be
  // served early when its dates are all wanted by others).
  const servedFrom = new Map<string, number>();
  for (const s of eligible) {
    let step = 0;
    for (const d of s.missing) step = Math.max(step, dateStep.get(d) ?? Number.POSITIVE_INFINITY);
    servedFrom.set(s.symbol, step);
  }
  const datesAtStep = thresholds.map(() => 0);
  for (const step of dateStep.values()) datesAtStep[step]!++;
  const servedAtStep = thresholds.map(() => 0);
  for (const step of servedFrom.values()) if (Number.isFinite(step)) servedAtStep[step]!++;

  let best = { cost: needs.length, step: -1 };
  let dateCount = 0;
  let servedCount = 0;
  for (let step = 0; step < thresholds.length; step++) {
    dateCount += datesAtStep[step]!;
    servedCount += servedAtStep[step]!;
    const cost = dateCount + (needs.length - servedCount);
    if (cost < best.cost) best = { cost, step };
  }
  const chosen = new Set<IsoDate>();
  for (const [d, step] of dateStep) if (step <= best.step) chosen.add(d);
  const bestDates = chosen;

  const groupedDates = [...bestDates].sort();
  const groupedSymbols: string[] = [];
  const rangeCalls: RangeCall[] = [];
  for (const s of needs) {
    const step = servedFrom.get(s.symbol);
    const served = step !== undefined && step <= best.step;
    if (served) groupedSymbols.push(s.symbol);
    else rangeCalls.push(rangeCallFor(s.symbol, s.missing));
  }
  const strategy: FetchPlan['strategy'] =
    needs.length === 0 ? 'none' : groupedDates.length === 0 ? 'range' : rangeCalls.length === 0 ? 'grouped' : 'mixed';
  return {
    alreadyCached: alreadyCached.sort(),
    needs,
    groupedDates,
    groupedSymbols: groupedSymbols.sort(),
    rangeCalls,
    callsPlanned: groupedDates.length + rangeCalls.length,
    naiveCalls,
    strategy,
  };
}

/**
 * Range calls for symbols that grouped daily did not serve on some of their dates (absent tickers:
 * mutual funds, halted or unlisted symbols).
 */
export function planFallbackRanges(lacking: ReadonlyMap<string, readonly IsoDate[]>): RangeCall[] {
  const out: RangeCall[] = [];
  for (const [symbol, dates] of lacking) {
    if (dates.length > 0) out.push(rangeCallFor(symbol, [...dates].sort()));
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}

/**
 * The coverage after the vendor was asked for `asked`: the union with the previous window when the
 * two overlap or touch (adjacent trading days), else the newer window when the old one has no
 * bar-less days to protect. A single window per symbol is what the table stores; a disjoint pair
 * keeps the one that was just asked, and an older empty window might be asked once more later.
 */
export function mergeCoverage(
  previous: CoverageWindow | undefined,
  asked: DateRange,
  adjacent: (a: IsoDate, b: IsoDate) => boolean,
): CoverageWindow {
  if (!previous) return { from: asked.from, to: asked.to };
  const overlaps = asked.from <= previous.to && asked.to >= previous.from;
  const touches = adjacent(previous.to, asked.from) || adjacent(asked.to, previous.from);
  if (overlaps || touches) {
    return { from: previous.from < asked.from ? previous.from : asked.from, to: previous.to > asked.to ? previous.to : asked.to };
  }
  return { from: asked.from, to: asked.to };
}

/**
 * Widens a range call so that it touches the symbol's coverage: the call count is the same, and
 * coverage then stays one contiguous window.
 */
export function widenToCoverage(call: RangeCall, previous: CoverageWindow | undefined, nextDay: (d: IsoDate) => IsoDate, prevDay: (d: IsoDate) => IsoDate): RangeCall {
  if (!previous) return call;
  if (previous.to < call.from) {
    const from = nextDay(previous.to);
    return { ...call, from: from < call.from ? from : call.from };
  }
  if (previous.from > call.to) {
    const to = prevDay(previous.from);
    return { ...call, to: to > call.to ? to : call.to };
  }
  return call;
}

/**
 * The rows of a grouped-daily answer that a run keeps: symbols in scope that lack that date. Grouped
 * daily returns the whole market; storing the rest would fill the cache with symbols nobody holds.
 */
export function barsForScope<T>(bars: ReadonlyMap<string, T>, wanted: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const symbol of wanted) {
    const bar = bars.get(symbol);
    if (bar !== undefined) out.set(symbol, bar);
  }
  return out;
}
