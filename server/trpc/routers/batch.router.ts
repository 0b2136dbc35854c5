import { viewerOf } from '../../services/access.js';
import { HistoryInput, RunInput, StatusInput } from '../batch.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';

export const batchRouter = router({
  /** Admins: any scope (source 'admin'). Users: one of their portfolios (source 'settings'). */
  run: triggerProcedure.input(RunInput).mutation(({ ctx, input }) =>
    ctx.services.runs.request({ viewer: viewerOf(ctx.principal), requestedBy: ctx.principal.userId }, input),
  ),

  /** By run id, by portfolio (its latest run), or the caller's latest run. One indexed read. */
  status: authedProcedure.input(StatusInput).query(({ ctx, input }) => ctx.services.runs.status(viewerOf(ctx.principal), input ?? {})),

  history: authedProcedure.input(HistoryInput).query(({ ctx, input }) =>
    ctx.services.runs.history(viewerOf(ctx.principal), input ?? { limit: 20 }),
  ),
});
