import { viewerOf } from '../../services/access.js';
import { HistoryInput, RunInput, StatusInput, WatchInput } from '../batch.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';

export const batchRouter = router({
  /** Admins: any scope (source 'admin'). Users: one of their portfolios (source 'settings'). */
  run: triggerProcedure.input(RunInput).mutation(({ ctx, input }) =>
    ctx.services.runs.request({ viewer: viewerOf(ctx.principal), requestedBy: ctx.principal.userId }, input, { admit: ctx.admitTrigger }),
  ),

  /** By run id, by portfolio (its latest run), or the caller's latest run. One indexed read. */
  status: authedProcedure.input(StatusInput).query(({ ctx, input }) => ctx.services.runs.status(viewerOf(ctx.principal), input ?? {})),

  /**
   * Server-sent events: the run's status view now and after every change, ending after the view with
   * a terminal status (or when the API shuts down: then poll batch.status or watch again). Browsers
   * pass the token as connectionParams ({ token }), since EventSource cannot set headers.
   */
  watch: authedProcedure.input(WatchInput).subscription(async ({ ctx, input, signal }) => {
    // Checked before the stream starts, through the error map: an unknown or foreign run answers
    // NOT_FOUND like batch.status.
    await ctx.services.runs.status(viewerOf(ctx.principal), { runId: input.runId });
    const until = [signal, ctx.shutdown].filter((s): s is AbortSignal => s !== undefined);
    return ctx.services.runWatch.watch(input.runId, until.length > 0 ? AbortSignal.any(until) : undefined);
  }),

  history: authedProcedure.input(HistoryInput).query(({ ctx, input }) =>
    ctx.services.runs.history(viewerOf(ctx.principal), input ?? { limit: 20 }),
  ),
});
