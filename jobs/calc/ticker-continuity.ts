/**
 * Continuity across ticker changes: a security that the vendor reports renamed keeps one history
 * under the name a position was typed in.
 *
 * A ticker change `{ previousSymbol, symbol, date }` says: from `date` on, `previousSymbol` trades as
 * `symbol` (the vendor's ticker events). The old ticker's bars end the trading day before; the new
 * ticker's start on `date` and continue the same prices. The continuous history of the old name is
 * - its closes: the old ticker's own before `date`, the new ticker's (as traded) from `date` on;
 * - its splits and dividends: the old ticker's own before `date`, the new ticker's from `date` on.
 * The new ticker's rows before `date` and the old ticker's from `date` on are never used (a ticker
 * can be reused by another security later).
 *
 * Chains (A → B on d1, then B → C on d2 > d1) are followed: A's history is A before d1, B from d1
 * to before d2, C from d2. A name changed more than once is followed by its earliest change; a
 * chain that comes back to a name it already went through stops there.
 */
import { NO_CORPORATE_ACTIONS, type CorporateActions, type SymbolHistory } from './corporate-actions.js';
import type { Bar, IsoDate } from './types.js';

/** From `date` on, `previousSymbol` trades as `symbol`. */
export interface TickerChange {
  readonly previousSymbol: string;
  readonly symbol: string;
  readonly date: IsoDate;
}

/** One stretch of a continuous history: `symbol`'s own rows on dates in [from, until). */
export interface TickerSegment {
  readonly symbol: string;
  /** First date (inclusive); null from the beginning. */
  readonly from: IsoDate | null;
  /** First date no longer under this ticker (exclusive); null to the end. */
  readonly until: IsoDate | null;
}

/** Longest chain followed (a guard against bad vendor data). */
const MAX_CHAIN = 10;

/**
 * The stretches of `symbol`'s continuous history, oldest first: one segment (itself, unbounded) when
 * it has no change.
 */
export function tickerSegments(symbol: string, changes: readonly TickerChange[]): TickerSegment[] {
  const out: TickerSegment[] = [];
  const seen = new Set<string>([symbol]);
  let current = symbol;
  let from: IsoDate | null = null;
  for (let k = 0; k < MAX_CHAIN; k++) {
    let next: TickerChange | undefined;
    for (const c of changes) {
      if (c.previousSymbol !== current || c.symbol === current || (from !== null && c.date <= from)) continue;
      if (next === undefined || c.date < next.date) next = c;
    }
    if (next === undefined || seen.has(next.symbol)) break;
    out.push({ symbol: current, from, until: next.date });
    seen.add(next.symbol);
    current = next.symbol;
    from = next.date;
  }
  out.push({ symbol: current, from, until: null });
  return out;
}

const inSegment = (s: TickerSegment, d: IsoDate): boolean => (s.from === null || d >= s.from) && (s.until === null || d < s.until);

/** The ticker `symbol`'s security traded under on `date` (itself when it has no change by then). */
export function tradedAs(symbol: string, date: IsoDate, changes: readonly TickerChange[]): string {
  if (changes.length === 0) return symbol;
  for (const s of tickerSegments(symbol, changes)) if (inSegment(s, date)) return s.symbol;
  return symbol;
}

/** Every ticker `symbol`'s history continues under (excluding itself), in order. */
export function successorsOf(symbol: string, changes: readonly TickerChange[]): string[] {
  return tickerSegments(symbol, changes)
    .slice(1)
    .map((s) => s.symbol);
}

/** The tickers the symbols' histories continue under that are not among `known` (default: the symbols themselves), sorted. */
export function successorsBeyond(symbols: readonly string[], changes: readonly TickerChange[], known: ReadonlySet<string> = new Set(symbols)): string[] {
  if (changes.length === 0) return [];
  return [...new Set(symbols.flatMap((s) => successorsOf(s, changes)))].filter((s) => !known.has(s)).sort();
}

/** The continuous closes over the segments, ascending by date. */
export function stitchCloses(segments: readonly TickerSegment[], closesOf: (symbol: string) => readonly Bar[] | undefined): Bar[] {
  const out: Bar[] = [];
  for (const s of segments) for (const b of closesOf(s.symbol) ?? []) if (inSegment(s, b.date)) out.push(b);
  return out;
}

/** The continuous splits and dividends over the segments. */
export function stitchActions(segments: readonly TickerSegment[], actionsOf: (symbol: string) => CorporateActions | undefined): CorporateActions {
  const splits: CorporateActions['splits'][number][] = [];
  const dividends: CorporateActions['dividends'][number][] = [];
  for (const s of segments) {
    const a = actionsOf(s.symbol) ?? NO_CORPORATE_ACTIONS;
    for (const x of a.splits) if (inSegment(s, x.date)) splits.push(x);
    for (const x of a.dividends) if (inSegment(s, x.exDate)) dividends.push(x);
  }
  return splits.length === 0 && dividends.length === 0 ? NO_CORPORATE_ACTIONS : { splits, dividends };
}

/**
 * The continuous history under the old name of one change: `old`'s closes, splits and dividends
 * before `date`, `next`'s from `date` on.
 */
export function stitchHistory(old: SymbolHistory, next: SymbolHistory, date: IsoDate): SymbolHistory {
  const segments: TickerSegment[] = [
    { symbol: 'old', from: null, until: date },
    { symbol: 'next', from: date, until: null },
  ];
  const of = (s: string): SymbolHistory => (s === 'old' ? old : next);
  return { closes: stitchCloses(segments, (s) => of(s).closes), actions: stitchActions(segments, (s) => of(s).actions) };
}

/** The symbols of `keys` that have a change (the ones whose series `continuous*` replace). */
function renamed(keys: Iterable<string>, changes: readonly TickerChange[]): string[] {
  if (changes.length === 0) return [];
  const old = new Set(changes.map((c) => c.previousSymbol));
  return [...keys].filter((k) => old.has(k));
}

/**
 * The closes with every renamed symbol's series replaced by its continuous history (the other series
 * are kept as they are; the same map back when nothing is renamed). Idempotent: a continuous series
 * stitched again gives itself, provided the successors' series are in the map.
 */
export function continuousCloses<M extends ReadonlyMap<string, readonly Bar[]>>(closes: M, changes: readonly TickerChange[]): M {
  const keys = renamed(closes.keys(), changes);
  if (keys.length === 0) return closes;
  const out = new Map(closes);
  for (const k of keys) out.set(k, stitchCloses(tickerSegments(k, changes), (s) => closes.get(s)));
  return out as unknown as M;
}

/** The corporate actions with every renamed symbol's replaced by its continuous ones (the same map back when nothing is renamed). */
export function continuousActions(actions: ReadonlyMap<string, CorporateActions>, changes: readonly TickerChange[]): Map<string, CorporateActions> {
  const keys = renamed(actions.keys(), changes);
  if (keys.length === 0) return actions as Map<string, CorporateActions>;
  const out = new Map(actions);
  for (const k of keys) out.set(k, stitchActions(tickerSegments(k, changes), (s) => actions.get(s)));
  return out;
}
