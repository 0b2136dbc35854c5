import type { PhaseName, PhaseProgress } from './runs.js';
import { PHASE_ORDER } from './runs.js';

/** Share of a run's work per phase, for one overall percent. Vendor calls dominate on the free plan. */
const WEIGHTS: Record<PhaseName, number> = { market_data: 40, symbol_factors: 20, symbol_metrics: 5, portfolio_analytics: 25, risk: 10 };

/** Overall percent (0..100) from the phases' states. */
export function overallPercent(phases: Partial<Record<PhaseName, PhaseProgress>>): number {
  let total = 0;
  let done = 0;
  for (const name of PHASE_ORDER) {
    const w = WEIGHTS[name];
    total += w;
    const p = phases[name];
    if (!p) continue;
    if (p.status === 'done' || p.status === 'skipped' || p.status === 'failed') done += w;
    else if (p.status === 'running' && p.total > 0) done += (w * Math.min(p.current, p.total)) / p.total;
  }
  return total === 0 ? 0 : Math.round((1000 * done) / total) / 10;
}

export function currentPhase(phases: Partial<Record<PhaseName, PhaseProgress>>): PhaseName | null {
  for (const name of PHASE_ORDER) if (phases[name]?.status === 'running') return name;
  return null;
}

/**
 * Seconds left: vendor calls left at the limiter's rate (the physical limit of a run), plus the
 * running compute phase extrapolated from its own measured speed.
 */
export function estimateEtaSeconds(
  phases: Partial<Record<PhaseName, PhaseProgress>>,
  callsPerSecond: number | undefined,
  now: number,
): number | null {
  const md = phases.market_data;
  let eta = 0;
  let known = false;
  if (md && md.status === 'running' && callsPerSecond && callsPerSecond > 0) {
    eta += Math.max(0, md.total - md.current) / callsPerSecond;
    known = true;
  }
  for (const name of ['symbol_factors', 'symbol_metrics', 'portfolio_analytics', 'risk'] as const) {
    const p = phases[name];
    if (p?.status === 'running' && p.startedAt && p.current > 0) {
      const elapsed = (now - Date.parse(p.startedAt)) / 1000;
      eta += (elapsed / p.current) * Math.max(0, p.total - p.current);
      known = true;
    }
  }
  return known ? Math.round(eta) : null;
}
