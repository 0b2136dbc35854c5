/**
 * Concentration of a portfolio's holdings by gross market value: g_i = |MV_i| / G with G = Σ|MV_i|.
 * PRIVATE holdings count; unpriced ones cannot (their value is unknown).
 */
import { figure, missing, type Figure } from './figure.js';

export interface ConcentrationFigures {
  /** Σ g_i² (Herfindahl-Hirschman index on gross weights), in (0, 1]. */
  hhi: Figure;
  /** 1 / HHI: the number of equally sized holdings with the same concentration. */
  effectiveHoldings: Figure;
  /** Share of G held by the 3 largest holdings (by |MV|). */
  top3Share: Figure;
  /** Share of G held by the 10 largest holdings. */
  top10Share: Figure;
  /** G = Σ|MV_i|. */
  grossValue: number;
}

/** Concentration of holdings with the given signed market values. */
export function concentration(marketValues: readonly number[]): ConcentrationFigures {
  const abs = marketValues.map(Math.abs).sort((a, b) => b - a);
  let gross = 0;
  for (const v of abs) gross += v;
  if (!(gross > 0)) {
    const none = missing('insufficient_holdings', 'no priced holding with a non-zero market value');
    return { hhi: none, effectiveHoldings: none, top3Share: none, top10Share: none, grossValue: 0 };
  }
  let hhi = 0;
  let top3 = 0;
  let top10 = 0;
  abs.forEach((v, i) => {
    const g = v / gross;
    hhi += g * g;
    if (i < 3) top3 += g;
    if (i < 10) top10 += g;
  });
  return {
    hhi: figure(hhi, 'HHI'),
    effectiveHoldings: figure(1 / hhi, 'effective number of holdings'),
    top3Share: figure(Math.min(1, top3), 'top-3 share'),
    top10Share: figure(Math.min(1, top10), 'top-10 share'),
    grossValue: gross,
  };
}
