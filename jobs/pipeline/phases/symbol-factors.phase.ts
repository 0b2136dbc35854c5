import { FactorDefinitionModel } from '../../../db/models/factor-definition.model.js';
import { SymbolFactorExposureModel } from '../../../db/models/symbol-factor-exposure.model.js';
import { NO_CORPORATE_ACTIONS, type SymbolHistory } from '../../calc/corporate-actions.js';
import { loadCorporateActions } from '../../market-data/corporate-actions.js';
import { continuousActions } from '../../calc/ticker-continuity.js';
import { computeSymbolBetas, prepareFactorPanel, type BetaRow } from '../../calc/factor-betas.js';
import { FACTOR_PROXIES } from '../../calc/factors.js';
import { checkpoint } from '../../queue/job-queue.js';
import type { Phase } from '../run-context.js';

const WRITE_BATCH_ROWS = 20_000;

/**
 * Factor betas of every symbol in scope on every date the run covers, each from that symbol's own
 * stored prices and the proxies' stored prices (never from a partial in-memory set).
 */
export const symbolFactorsPhase: Phase = {
  name: 'symbol_factors',
  async run(ctx) {
    const { deps, rec, plan, closes, unavailable } = ctx;
    const symbols = plan.symbols.filter((s) => (plan.symbolDates.get(s)?.length ?? 0) > 0);
    await rec.startPhase('symbol_factors', symbols.length, 'symbols');
    const ids = await FactorDefinitionModel.idsByName(deps.knex);
    // Closes are as traded: every return is taken on the split-adjusted total-return series derived
    // from the stored splits and dividends (the later phases reuse them).
    // A renamed symbol's splits and dividends continue with its new ticker's from the change date on.
    ctx.actions = continuousActions(await loadCorporateActions(deps.knex, plan.symbols), plan.tickerChanges);
    const actionsOf = (s: string) => ctx.actions.get(s) ?? NO_CORPORATE_ACTIONS;
    const factorHistories: Record<string, SymbolHistory> = {};
    for (const p of FACTOR_PROXIES) factorHistories[p] = { closes: closes.get(p) ?? [], actions: actionsOf(p) };
    const panel = prepareFactorPanel(factorHistories);
    let buffer: BetaRow[] = [];
    let written = 0;
    const flush = async (): Promise<void> => {
      if (buffer.length === 0) return;
      written += await SymbolFactorExposureModel.upsertMany(deps.knex, ids, buffer);
      buffer = [];
    };
    let done = 0;
    for (const symbol of symbols) {
      checkpoint(ctx.ctl.signal);
      const dates = plan.symbolDates.get(symbol) ?? [];
      const own = closes.get(symbol) ?? [];
      if (own.length === 0) {
        // Unavailable symbols already carry their reason; anything else without prices is worth saying.
        if (!unavailable.has(symbol)) rec.warn({ code: 'no_prices', symbol, message: `${symbol}: no stored prices, no factor betas` });
      } else {
        try {
          const res = computeSymbolBetas({ symbol, history: { closes: own, actions: actionsOf(symbol) }, factorHistories, dates, factorPanel: panel });
          for (const row of res.rows) buffer.push(row);
          const short = res.missing.filter((m) => m.reason === 'insufficient_history');
          if (short.length > 0) {
            const days = new Set(short.map((m) => m.date)).size;
            rec.warn({
              code: 'insufficient_history',
              symbol,
              message: `${symbol}: not enough price history for some factor betas on ${days} of ${dates.length} dates`,
            });
          }
        } catch (err) {
          ctx.failedSymbols.add(symbol);
          rec.warn({ code: 'symbol_factor_failure', symbol, message: `${symbol}: factor betas failed: ${(err as Error).message}` });
          deps.logger.error({ err, symbol, runId: rec.runId }, 'symbol factor computation failed');
        }
      }
      done++;
      if (buffer.length >= WRITE_BATCH_ROWS) await flush();
      await rec.advance('symbol_factors', done);
    }
    await flush();
    rec.count('symbolFactorRows', written);
    await rec.endPhase('symbol_factors', 'done', `symbol factors: ${written} beta rows for ${symbols.length} symbols`);
  },
};
