/**
 * Entry-price sanity: does a typed entry price look like a price of that symbol on that date?
 *
 * Typed prices are in the share basis of their own date. The usual mistake is a price copied from a
 * split-adjusted chart (post-split terms for an entry before a split) or an old statement (pre-split
 * terms for an entry after one): the price is then off by a split ratio. The check never rejects a
 * row; it answers a warning naming the likely cause, or null.
 *
 * Rules, on r = entry price / the symbol's close on the entry date (the last close on or before it,
 * carried into the entry date's share basis):
 * - split basis: r is within ±SPLIT_RATIO_TOLERANCE (10 %) of a split ratio of the symbol's history
 *   that is at least MIN_SPLIT_RATIO apart from 1 (a 3-for-2 split, 1.5, is; closer ratios cannot be
 *   told apart from a day's price range): for splits executed after the entry date, 1 / (product of
 *   their ratios from the entry date up to that split) — the price was typed in post-split terms;
 *   for splits executed on or before the entry date, the product of their ratios from that split up to
 *   the entry date — the price was typed in pre-split terms. The closest match wins.
 * - far from close: otherwise, r outside [1 − FAR_FROM_CLOSE, 1 + FAR_FROM_CLOSE] = [0.5, 1.5].
 */
import { prepareCorporateActions, priceInBasisOf, type CorporateActions, type Split } from './corporate-actions.js';
import { assertIsoDate } from './trading-calendar.js';
import type { Bar, IsoDate } from './types.js';

/** An entry price beyond ±50 % of the close is far from it. */
export const FAR_FROM_CLOSE = 0.5;
/** An entry price within ±10 % of close × a split ratio matches that ratio. */
export const SPLIT_RATIO_TOLERANCE = 0.1;
/** Split ratios closer to 1 than this (either way) are not checked. */
export const MIN_SPLIT_RATIO = 1.25;

export type EntryPriceWarningCode = 'entry_price_split_basis' | 'entry_price_far_from_close';

export interface EntryPriceWarning {
  code: EntryPriceWarningCode;
  message: string;
  /** Entry price / close (in the entry date's share basis). */
  ratio: number;
  /** The close compared with: its date and its value in the entry date's share basis. */
  closeDate: IsoDate;
  close: number;
  /** For 'entry_price_split_basis': the split whose ratio the price matches (the last one of a run). */
  split?: Split;
  /** For 'entry_price_split_basis': 'post' (typed after a later split) or 'pre' (before an earlier one). */
  basis?: 'pre' | 'post';
  /** For 'entry_price_split_basis': the entry price converted into the entry date's share basis. */
  suggestedPrice?: number;
}

export interface EntryPriceInput {
  symbol: string;
  entryPrice: number;
  entryDate: IsoDate;
  /** The symbol's last as-traded close on or before the entry date. */
  close: Bar;
  /** The symbol's corporate actions (only the splits are used). */
  actions: CorporateActions;
}

const splitName = (s: Split): string => `${s.to}-for-${s.from} split of ${s.date}`;
const fmt = (x: number): string => (Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/**
 * The warning for a typed entry price that is far from the symbol's close on the entry date or off by
 * a split ratio, or null when it looks right. Throws a RangeError when the price or close is not a
 * finite positive number, a date is malformed, or the close is dated after the entry date.
 */
export function checkEntryPrice(input: EntryPriceInput): EntryPriceWarning | null {
  const { symbol, entryPrice, entryDate, close } = input;
  assertIsoDate(entryDate);
  assertIsoDate(close.date);
  if (!(Number.isFinite(entryPrice) && entryPrice > 0)) throw new RangeError(`checkEntryPrice: entryPrice of ${symbol} must be a finite number > 0, got ${entryPrice}`);
  if (!(Number.isFinite(close.close) && close.close > 0)) throw new RangeError(`checkEntryPrice: close of ${symbol} must be a finite number > 0, got ${close.close}`);
  if (close.date > entryDate) throw new RangeError(`checkEntryPrice: the close of ${symbol} (${close.date}) is after the entry date ${entryDate}`);
  const { splits } = prepareCorporateActions(input.actions, symbol);
  const ref = priceInBasisOf(close.close, close.date, entryDate, input.actions);
  const ratio = entryPrice / ref;
  const base = { ratio, closeDate: close.date, close: ref };

  // Candidate ratios: r ≈ 1 / F for later splits (post-split terms), r ≈ G for earlier ones (pre-split terms).
  let best: { factor: number; split: Split; basis: 'pre' | 'post'; distance: number } | undefined;
  const consider = (factor: number, split: Split, basis: 'pre' | 'post'): void => {
    if (Math.max(factor, 1 / factor) < MIN_SPLIT_RATIO) return;
    const distance = Math.abs(ratio / factor - 1);
    if (distance <= SPLIT_RATIO_TOLERANCE && (best === undefined || distance < best.distance)) best = { factor, split, basis, distance };
  };
  let after = 1;
  for (const s of splits) {
    if (s.date <= entryDate) continue;
    after *= s.to / s.from;
    consider(1 / after, s, 'post');
  }
  let before = 1;
  for (let i = splits.length - 1; i >= 0; i--) {
    const s = splits[i]!;
    if (s.date > entryDate) continue;
    before *= s.to / s.from;
    consider(before, s, 'pre');
  }
  if (best !== undefined) {
    const suggested = entryPrice / best.factor;
    const when =
      best.basis === 'post'
        ? `typed in terms after the ${splitName(best.split)}, which came after the entry date`
        : `typed in terms before the ${splitName(best.split)}, which took effect on or before the entry date`;
    return {
      code: 'entry_price_split_basis',
      ...base,
      split: best.split,
      basis: best.basis,
      suggestedPrice: suggested,
      message: `${symbol}: entry price ${fmt(entryPrice)} is ${fmt(ratio)}× the ${close.date} close of ${fmt(ref)}; it looks ${when}. Entry prices are in the share basis of the entry date ${entryDate}: about ${fmt(suggested)}.`,
    };
  }
  if (ratio > 1 + FAR_FROM_CLOSE || ratio < 1 - FAR_FROM_CLOSE) {
    const pct = Math.round((ratio - 1) * 100);
    return {
      code: 'entry_price_far_from_close',
      ...base,
      message: `${symbol}: entry price ${fmt(entryPrice)} is ${pct > 0 ? '+' : ''}${pct} % from the ${close.date} close of ${fmt(ref)} (beyond ±${FAR_FROM_CLOSE * 100} %); check the price and the entry date.`,
    };
  }
  return null;
}
