/**
 * Exposure per sector: long, short, net and gross market value, and net and gross as shares of NAV.
 */
import { figure, missing, type Figure } from './figure.js';
import { SECTORS, type Sector } from './sic-sectors.js';

export interface SectorExposure {
  sector: Sector;
  /** Holdings in the sector. */
  holdings: number;
  /** Σ MV_i over holdings with MV_i > 0. */
  long: number;
  /** Σ MV_i over holdings with MV_i < 0 (≤ 0). */
  short: number;
  /** long + short. */
  net: number;
  /** long − short. */
  gross: number;
  /** net / NAV. */
  netShareOfNav: Figure;
  /** gross / NAV. */
  grossShareOfNav: Figure;
}

/** One row per sector that has at least one holding, in the order of SECTORS. */
export function sectorExposures(holdings: readonly { marketValue: number; sector: Sector }[], nav: number): SectorExposure[] {
  const acc = new Map<Sector, { holdings: number; long: number; short: number }>();
  for (const h of holdings) {
    const a = acc.get(h.sector) ?? { holdings: 0, long: 0, short: 0 };
    a.holdings++;
    if (h.marketValue > 0) a.long += h.marketValue;
    else a.short += h.marketValue;
    acc.set(h.sector, a);
  }
  const share = (v: number, what: string): Figure =>
    nav > 0 ? figure(v / nav, what) : missing('non_positive_nav', `${what} needs a positive NAV (NAV is ${nav})`);
  const out: SectorExposure[] = [];
  for (const sector of SECTORS) {
    const a = acc.get(sector);
    if (a === undefined) continue;
    const net = a.long + a.short;
    const gross = a.long - a.short;
    out.push({
      sector,
      holdings: a.holdings,
      long: a.long,
      short: a.short === 0 ? 0 : a.short,
      net,
      gross,
      netShareOfNav: share(net, `${sector} net exposure`),
      grossShareOfNav: share(gross, `${sector} gross exposure`),
    });
  }
  return out;
}
