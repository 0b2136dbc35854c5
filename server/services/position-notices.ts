/**
 * What a position's reader should know about its symbol and its typed entry: an entry price that
 * looks wrong (far from the close of the entry date, or off by a split ratio), a delisting, a ticker
 * change. Read from the stored bars, splits, ticker profiles and ticker changes; never blocks anything.
 */
import type { IsoDate } from '../../core/dates.js';
import { BarModel } from '../../db/models/bar.model.js';
import type { Db } from '../../db/models/base.model.js';
import { SymbolProfileModel } from '../../db/models/symbol-profile.model.js';
import { TickerChangeModel } from '../../db/models/ticker-change.model.js';
import { NO_CORPORATE_ACTIONS, sharesInForce } from '../../jobs/calc/corporate-actions.js';
import { checkEntryPrice } from '../../jobs/calc/entry-price.js';
import { continuousActions, successorsBeyond, tickerSegments } from '../../jobs/calc/ticker-continuity.js';
import { loadCorporateActions } from '../../jobs/market-data/corporate-actions.js';

export type PositionNoticeCode = 'entry_price_split_basis' | 'entry_price_far_from_close' | 'delisted' | 'ticker_changed';

export interface PositionNotice {
  code: PositionNoticeCode;
  message: string;
}

export interface NoticeInput {
  symbol: string;
  entryPrice: number;
  entryDate: IsoDate;
  investmentClass: 'PUBLIC' | 'PRIVATE';
}

/** The entry-price warning of each position (index-aligned), from the closes already stored; null when none or no close yet. */
export async function entryPriceNotices(db: Db, positions: readonly NoticeInput[]): Promise<(PositionNotice | null)[]> {
  const pub = positions.filter((p) => p.investmentClass === 'PUBLIC');
  if (pub.length === 0) return positions.map(() => null);
  const [closes, actions] = await Promise.all([
    BarModel.closesOnOrBefore(
      db,
      pub.map((p) => ({ symbol: p.symbol, date: p.entryDate })),
    ),
    loadCorporateActions(
      db,
      pub.map((p) => p.symbol),
    ),
  ]);
  return positions.map((p) => {
    if (p.investmentClass !== 'PUBLIC') return null;
    const close = closes.get(`${p.symbol}|${p.entryDate}`);
    if (!close || !(close.close > 0) || !(p.entryPrice > 0)) return null;
    const w = checkEntryPrice({ symbol: p.symbol, entryPrice: p.entryPrice, entryDate: p.entryDate, close, actions: actions.get(p.symbol) ?? NO_CORPORATE_ACTIONS });
    return w === null ? null : { code: w.code, message: w.message };
  });
}

/** Every notice of each position (index-aligned): entry price, delisting, ticker change. */
export async function positionNotices(db: Db, positions: readonly NoticeInput[]): Promise<PositionNotice[][]> {
  const symbols = [...new Set(positions.filter((p) => p.investmentClass === 'PUBLIC').map((p) => p.symbol))];
  const [entry, profiles, changes] = await Promise.all([
    entryPriceNotices(db, positions),
    SymbolProfileModel.bySymbols(db, symbols),
    TickerChangeModel.involving(db, symbols),
  ]);
  // The whole chain of a renamed symbol (A → B → C), read only when one of the symbols was renamed.
  const renamedHeld = symbols.filter((s) => changes.some((c) => c.previousSymbol === s));
  const chains = renamedHeld.length > 0 ? await TickerChangeModel.continuationsOf(db, renamedHeld) : [];
  return positions.map((p, i) => {
    const out: PositionNotice[] = [];
    const e = entry[i];
    if (e) out.push(e);
    if (p.investmentClass !== 'PUBLIC') return out;
    const profile = profiles.get(p.symbol);
    // A renamed symbol is followed under its new ticker (jobs/calc/ticker-continuity.ts), link by link.
    const followed = tickerSegments(p.symbol, chains).slice(1);
    for (const s of followed) {
      out.push({
        code: 'ticker_changed',
        message: `${p.symbol} trades as ${s.symbol} since ${s.from}; the position is followed under ${s.symbol} since ${s.from} (its prices, splits and dividends), keeping the symbol ${p.symbol}`,
      });
    }
    for (const c of changes) {
      if (c.symbol === p.symbol) {
        out.push({ code: 'ticker_changed', message: `${p.symbol} traded as ${c.previousSymbol} before ${c.date}` });
      }
    }
    if (profile?.active === false) {
      const when = profile.delistedOn ? ` on ${profile.delistedOn}` : '';
      const renamed = followed.length > 0;
      if (!renamed) out.push({ code: 'delisted', message: `${p.symbol} was delisted${when}; the position is valued at its last close from then on` });
    }
    return out;
  });
}

/** A split or cash dividend a position went through while held. */
export interface CorporateActionMet {
  symbol: string;
  /** Execution date of a split, ex-date of a dividend. */
  date: IsoDate;
  kind: 'split' | 'dividend';
  /** E.g. "4-for-1 split" or "dividend 0.25 per share (CD)". */
  description: string;
  /** Shares held after the split, or on the ex-date of the dividend. */
  shares: number;
  /** For dividends: the cash booked as P&L (received on a long, paid on a short). */
  cash: number | null;
}

/** The splits and dividends the positions went through from entry to exit (or `until`), by date. */
export async function corporateActionsMet(
  db: Db,
  positions: readonly (NoticeInput & { quantity: number; exitDate: IsoDate | null })[],
  until: IsoDate,
): Promise<CorporateActionMet[]> {
  const pub = positions.filter((p) => p.investmentClass === 'PUBLIC');
  const symbols = [...new Set(pub.map((p) => p.symbol))];
  // A renamed symbol's splits and dividends continue with its new ticker's from the change date on.
  const chains = await TickerChangeModel.continuationsOf(db, symbols);
  const actions = continuousActions(await loadCorporateActions(db, [...symbols, ...successorsBeyond(symbols, chains)]), chains);
  const out: CorporateActionMet[] = [];
  for (const p of pub) {
    const a = actions.get(p.symbol) ?? NO_CORPORATE_ACTIONS;
    const end = p.exitDate !== null && p.exitDate < until ? p.exitDate : until;
    for (const s of a.splits) {
      if (s.date <= p.entryDate || s.date > end) continue;
      const ratio = s.to >= s.from ? `${s.to / s.from}-for-1 split` : `1-for-${s.from / s.to} reverse split`;
      out.push({ symbol: p.symbol, date: s.date, kind: 'split', description: ratio, shares: sharesInForce(p.quantity, p.entryDate, s.date, a), cash: null });
    }
    for (const d of a.dividends) {
      if (d.exDate <= p.entryDate || d.exDate > end) continue;
      const shares = sharesInForce(p.quantity, p.entryDate, d.exDate, a);
      out.push({ symbol: p.symbol, date: d.exDate, kind: 'dividend', description: `dividend ${d.amount} per share (${d.type})`, shares, cash: Math.round(shares * d.amount * 100) / 100 });
    }
  }
  return out.sort((x, y) => x.date.localeCompare(y.date) || x.symbol.localeCompare(y.symbol));
}
