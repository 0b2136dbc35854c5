/**
 * Lots and FIFO matching of a trade (docs/lifecycle.md).
 *
 * A position row is a lot: a signed quantity bought (or shorted) at one price on one date, in the
 * share basis of that date, open until an exit date and price. A trade of a symbol on date t with a
 * signed quantity q (buy > 0, sell < 0, in the share basis of t):
 *
 * 1. first closes lots of the opposite sign (a sell closes longs, a buy covers shorts), oldest entry
 *    first (FIFO; equal entry dates by the order they were opened). Only lots open on t qualify:
 *    entered before t and not closed by another trade. A lot closed in full gets the exit (t, price);
 *    a lot closed in part is split: the closed part becomes a lot of its own with the exit, the rest
 *    stays open with the same entry. Before t the two parts together hold exactly what the lot held,
 *    so no earlier day changes.
 * 2. whatever is left of q opens a new lot at (t, price). When q went past the lots it could close
 *    (a sell of more than is held long), the rest opens a short only with the short flag; otherwise
 *    the trade is refused.
 *
 * Realized P&L of a closed part = closed shares × (exit price − entry price), both in the share basis
 * of t (the entry price carried across splits): positive for a long sold higher or a short covered
 * lower. Fees are not part of it; they are booked apart on the trade date.
 */
import { MONEY_DECIMALS, roundTo } from './portfolio-day.js';
import type { IsoDate } from './types.js';

/** An open lot of the traded symbol. */
export interface OpenLot {
  id: string;
  /** Signed, in the share basis of the entry date. */
  quantity: number;
  entryPrice: number;
  entryDate: IsoDate;
  /** Shares in force on the trade date per share at entry (the product of the splits in between; 1 without). */
  splitFactor: number;
}

export interface TradeToMatch {
  /** Signed shares in the basis of the trade date. */
  quantity: number;
  price: number;
  date: IsoDate;
  allowShort: boolean;
}

/** What a trade does to the lots. Quantities of existing lots stay in their entry basis. */
export interface LotPlan {
  /** Lots closed in full: their exit is the trade. */
  closed: { id: string; quantity: number; realizedPnl: number }[];
  /** A lot closed in part: `keep` stays open, `closedQuantity` becomes a closed lot of its own. */
  split: { id: string; keep: number; closedQuantity: number; realizedPnl: number } | null;
  /** A lot opened by the rest of the trade (signed, trade basis), or null. */
  opened: { quantity: number } | null;
  /** Realized P&L of the trade, rounded to the cent. */
  realizedPnl: number;
  /** Shares of the symbol held on the trade date before the trade (trade basis, signed). */
  heldBefore: number;
}

export type LotMatch = { ok: true; plan: LotPlan } | { ok: false; held: number; message: string };

const EPS = 1e-9;
const cents = (x: number): number => roundTo(x, MONEY_DECIMALS);

/** Lots a trade on `date` may close: open, entered before it, oldest first. */
export function fifoOrder(lots: readonly OpenLot[], date: IsoDate): OpenLot[] {
  return lots.filter((l) => l.entryDate < date).map((l, i) => ({ l, i })).sort((a, b) => (a.l.entryDate < b.l.entryDate ? -1 : a.l.entryDate > b.l.entryDate ? 1 : a.i - b.i)).map((x) => x.l);
}

/**
 * Matches a trade against the open lots of its symbol (pure). `lots` are the lots open after every
 * recorded trade, in the order they were opened.
 */
export function matchTrade(lots: readonly OpenLot[], trade: TradeToMatch): LotMatch {
  if (!(trade.quantity !== 0 && Number.isFinite(trade.quantity))) throw new RangeError('matchTrade: quantity must be a non-zero finite number');
  const eligible = fifoOrder(lots, trade.date);
  const heldBefore = eligible.reduce((s, l) => s + l.quantity * l.splitFactor, 0);
  const sign = Math.sign(trade.quantity);
  const closable = eligible.filter((l) => Math.sign(l.quantity) === -sign);
  let left = Math.abs(trade.quantity);
  const closed: LotPlan['closed'] = [];
  let split: LotPlan['split'] = null;
  let realized = 0;
  for (const l of closable) {
    if (left <= EPS) break;
    const shares = Math.abs(l.quantity * l.splitFactor);
    // Entry price in the trade date's basis; a long gains when the exit is higher, a short when lower.
    const entryNow = l.entryPrice / l.splitFactor;
    const perShare = (trade.price - entryNow) * Math.sign(l.quantity);
    if (shares <= left + EPS) {
      const pnl = cents(shares * perShare);
      closed.push({ id: l.id, quantity: l.quantity, realizedPnl: pnl });
      realized += pnl;
      left -= shares;
    } else {
      const closedEntryBasis = (left / l.splitFactor) * Math.sign(l.quantity);
      const pnl = cents(left * perShare);
      split = { id: l.id, keep: l.quantity - closedEntryBasis, closedQuantity: closedEntryBasis, realizedPnl: pnl };
      realized += pnl;
      left = 0;
    }
  }
  let opened: LotPlan['opened'] = null;
  if (left > EPS) {
    const closedSome = closable.length > 0;
    // A sell past the longs held opens a short: only when asked for.
    if (sign < 0 && !trade.allowShort) {
      const heldLong = closable.reduce((s, l) => s + l.quantity * l.splitFactor, 0);
      return {
        ok: false,
        held: heldLong,
        message: closedSome
          ? `sells ${Math.abs(trade.quantity)} shares but only ${heldLong} are held on ${trade.date}; set allowShort to sell short the rest`
          : `sells ${Math.abs(trade.quantity)} shares but none are held on ${trade.date}; set allowShort to sell short`,
      };
    }
    opened = { quantity: left * sign };
  }
  return { ok: true, plan: { closed, split, opened, realizedPnl: cents(realized), heldBefore } };
}
