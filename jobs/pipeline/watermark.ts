/**
 * A portfolio's watermark: its first required trading day (inception to target) without a complete
 * snapshot. The one place that decides it, for the planner, for the re-check under the portfolios'
 * locks and for the freshness the API reports.
 */
import type { IsoDate } from '../../core/dates.js';
import type { Db } from '../../db/models/base.model.js';
import { PortfolioSnapshotModel } from '../../db/models/portfolio-snapshot.model.js';
import { countTradingDays, nextTradingDay, tradingDayOnOrAfter, tradingDaysBetween } from '../calc/trading-calendar.js';

export interface Watermark {
  /** The first required day without a complete snapshot; null when nothing is missing. */
  firstMissing: IsoDate | null;
  /** The latest complete snapshot on or after inception. */
  lastComplete: IsoDate | null;
  /** Required days without a complete snapshot. */
  missing: number;
}

/**
 * Watermarks of several portfolios against `target`: one grouped query counts each portfolio's
 * complete snapshots; a history without gaps then needs no date list (its first missing day follows
 * its last complete one). Only portfolios with a gap read their complete dates, all in one query.
 */
export async function watermarks(db: Db, portfolios: readonly { id: string; inception: IsoDate }[], target: IsoDate): Promise<Map<string, Watermark>> {
  const out = new Map<string, Watermark>();
  const coverage = await PortfolioSnapshotModel.coverage(db, portfolios);
  const gapped: { id: string; inception: IsoDate; lastComplete: IsoDate | null; missing: number }[] = [];
  for (const p of portfolios) {
    const inception = tradingDayOnOrAfter(p.inception);
    const cov = coverage.get(p.id);
    const lastComplete = cov?.lastComplete ?? null;
    const complete = cov?.completeCount ?? 0;
    const required = inception <= target ? countTradingDays(inception, target) : 0;
    const missing = Math.max(0, required - complete);
    if (missing === 0) out.set(p.id, { firstMissing: null, lastComplete, missing });
    else if (lastComplete === null) out.set(p.id, { firstMissing: inception, lastComplete, missing });
    else if (complete === countTradingDays(inception, lastComplete)) out.set(p.id, { firstMissing: nextTradingDay(lastComplete), lastComplete, missing });
    else gapped.push({ id: p.id, inception, lastComplete, missing });
  }
  if (gapped.length > 0) {
    const earliest = gapped.reduce((m, g) => (g.inception < m ? g.inception : m), target);
    const dates = await PortfolioSnapshotModel.completeDates(
      db,
      gapped.map((g) => g.id),
      earliest,
      target,
    );
    for (const g of gapped) {
      const have = dates.get(g.id) ?? new Set<IsoDate>();
      const firstMissing = tradingDaysBetween(g.inception, target).find((d) => !have.has(d)) ?? null;
      out.set(g.id, { firstMissing, lastComplete: g.lastComplete, missing: g.missing });
    }
  }
  return out;
}
