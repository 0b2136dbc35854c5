import { upsertSymbolMetrics } from '../../../db/queries/analytics.queries.js';
import { NO_CORPORATE_ACTIONS } from '../../calc/corporate-actions.js';
import { computeSymbolMetrics, type SymbolMetrics } from '../../calc/symbol-metrics.js';
import type { Closes, PipelineDeps } from '../deps.js';
import type { RunPlan } from '../plan-run.js';
import type { RunRecorder } from '../run-recorder.js';

/** Phase 1.75: price and period returns of every symbol in scope at the target date. */
export async function symbolMetricsPhase(deps: PipelineDeps, rec: RunRecorder, plan: RunPlan, closes: Closes): Promise<void> {
  await rec.startPhase('symbol_metrics', plan.symbols.length, 'symbols');
  const rows: SymbolMetrics[] = [];
  for (const symbol of plan.symbols) {
    const own = closes.get(symbol) ?? [];
    if (own.length === 0) continue;
    // Corporate actions are not loaded here yet: the series is passed with none.
    const m = computeSymbolMetrics(symbol, { closes: own, actions: NO_CORPORATE_ACTIONS }, plan.target);
    if (m.price !== null) rows.push(m);
  }
  const written = await upsertSymbolMetrics(deps.knex, rows);
  await rec.endPhase('symbol_metrics', 'done', `symbol metrics: ${written} symbols at ${plan.target}`);
}
