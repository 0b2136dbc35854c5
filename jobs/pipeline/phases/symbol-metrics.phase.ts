import { SymbolDailyMetricModel } from '../../../db/models/symbol-daily-metric.model.js';
import { NO_CORPORATE_ACTIONS } from '../../calc/corporate-actions.js';
import { computeSymbolMetrics, type SymbolMetrics } from '../../calc/symbol-metrics.js';
import type { Phase } from '../run-context.js';

/** Price and period returns of every symbol in scope at the target date. */
export const symbolMetricsPhase: Phase = {
  name: 'symbol_metrics',
  async run({ deps, rec, plan, closes, actions }) {
    await rec.startPhase('symbol_metrics', plan.symbols.length, 'symbols');
    const rows: SymbolMetrics[] = [];
    for (const symbol of plan.symbols) {
      const own = closes.get(symbol) ?? [];
      if (own.length === 0) continue;
      // Price and total returns on the split-adjusted series derived from the stored corporate actions.
      const m = computeSymbolMetrics(symbol, { closes: own, actions: actions.get(symbol) ?? NO_CORPORATE_ACTIONS }, plan.target);
      if (m.price !== null) rows.push(m);
    }
    const written = await SymbolDailyMetricModel.upsertMany(deps.knex, rows);
    await rec.endPhase('symbol_metrics', 'done', `symbol metrics: ${written} symbols at ${plan.target}`);
  },
};
