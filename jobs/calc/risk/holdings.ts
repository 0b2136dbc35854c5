/**
 * Positions of a portfolio on day d merged into holdings: one per symbol, signed market values added.
 */

export type InvestmentClass = 'PUBLIC' | 'PRIVATE';

/** A position held at the close of d. */
export interface RiskPosition {
  /** Identifies the position in error messages (optional). */
  id?: string;
  symbol: string;
  /** Signed market value at the close of d (negative: short); null when the position is unpriced on d. */
  marketValue: number | null;
  investmentClass: InvestmentClass;
}

/** One symbol's positions merged. */
export interface Holding {
  symbol: string;
  /** Σ of the positions' signed market values. */
  marketValue: number;
  investmentClass: InvestmentClass;
  /** Positions merged into this holding. */
  positions: number;
}

export interface MergedHoldings {
  /** Priced holdings (PUBLIC and PRIVATE), in order of first appearance. */
  priced: Holding[];
  /** Symbols with at least one unpriced position: their value is unknown, so they count nowhere. */
  unpriced: string[];
}

/**
 * Merges positions by symbol. A symbol with an unpriced position is unpriced as a whole (its market
 * value is unknown). Throws a RangeError naming the position when a market value is not finite or a
 * symbol is held both as PUBLIC and as PRIVATE.
 */
export function mergeHoldings(positions: readonly RiskPosition[]): MergedHoldings {
  const bySymbol = new Map<string, { holding: Holding; unpriced: boolean }>();
  positions.forEach((p, i) => {
    const where = `positions[${i}]${p.id !== undefined ? ` (${p.id})` : ''}`;
    if (typeof p.symbol !== 'string' || p.symbol.length === 0) throw new RangeError(`${where}: symbol is missing`);
    if (p.investmentClass !== 'PUBLIC' && p.investmentClass !== 'PRIVATE') {
      throw new RangeError(`${where}: investmentClass must be PUBLIC or PRIVATE, got ${String(p.investmentClass)}`);
    }
    if (p.marketValue !== null && !Number.isFinite(p.marketValue)) {
      throw new RangeError(`${where}: marketValue ${String(p.marketValue)} is not a finite number`);
    }
    const seen = bySymbol.get(p.symbol);
    if (seen === undefined) {
      bySymbol.set(p.symbol, {
        holding: { symbol: p.symbol, marketValue: p.marketValue ?? 0, investmentClass: p.investmentClass, positions: 1 },
        unpriced: p.marketValue === null,
      });
      return;
    }
    if (seen.holding.investmentClass !== p.investmentClass) {
      throw new RangeError(`${where}: ${p.symbol} is held both as ${seen.holding.investmentClass} and as ${p.investmentClass}`);
    }
    seen.holding.marketValue += p.marketValue ?? 0;
    seen.holding.positions++;
    seen.unpriced ||= p.marketValue === null;
  });
  const priced: Holding[] = [];
  const unpriced: string[] = [];
  for (const { holding, unpriced: u } of bySymbol.values()) {
    if (u) unpriced.push(holding.symbol);
    else priced.push(holding);
  }
  return { priced, unpriced };
}
