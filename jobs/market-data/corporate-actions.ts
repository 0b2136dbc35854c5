/**
 * Reads stored corporate actions in the shape the analytics take them (jobs/calc/corporate-actions.ts).
 * What the vendor is asked, and when, is the market-data port's business; this only reads.
 */
import type { IsoDate } from '../../core/dates.js';
import { CashDividendModel } from '../../db/models/cash-dividend.model.js';
import type { Db } from '../../db/models/base.model.js';
import { StockSplitModel } from '../../db/models/stock-split.model.js';
import { NO_CORPORATE_ACTIONS, type CorporateActions } from '../calc/corporate-actions.js';

/**
 * Every requested symbol's splits and cash dividends (NO_CORPORATE_ACTIONS for a symbol with none).
 * With `dividendsFrom`, only the dividends whose ex-date is on or after it: a computation over closes
 * from that date on credits no earlier dividend (splits are always read in full: every basis needs them).
 */
export async function loadCorporateActions(db: Db, symbols: readonly string[], dividendsFrom?: IsoDate): Promise<Map<string, CorporateActions>> {
  const unique = [...new Set(symbols)];
  const [splits, dividends] = await Promise.all([StockSplitModel.bySymbols(db, unique), CashDividendModel.bySymbols(db, unique, dividendsFrom)]);
  const out = new Map<string, CorporateActions>();
  for (const symbol of unique) {
    const s = splits.get(symbol) ?? [];
    const d = dividends.get(symbol) ?? [];
    out.set(
      symbol,
      s.length === 0 && d.length === 0
        ? NO_CORPORATE_ACTIONS
        : {
            splits: s.map((x) => ({ date: x.executionDate, from: x.from, to: x.to })),
            dividends: d.map((x) => ({ exDate: x.exDate, amount: x.amount, type: x.type })),
          },
    );
  }
  return out;
}
