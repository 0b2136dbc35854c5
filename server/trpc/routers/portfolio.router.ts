import { viewerOf } from '../../services/access.js';
import { ExposuresInput, OnboardInput, PortfolioIdInput, PortfolioListInput, SnapshotsInput } from '../portfolio.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';

export const portfolioRouter = router({
  /** Validates every row, writes portfolio + positions + new symbols at once, queues the onboarding run. */
  onboard: triggerProcedure.input(OnboardInput).mutation(async ({ ctx, input }) => {
    const { portfolioId, runId } = await ctx.services.portfolios.onboard(ctx.principal.role === 'user' ? ctx.principal.userId : null, input, {
      admit: ctx.admitTrigger,
    });
    return { portfolioId, runId };
  }),

  list: authedProcedure.input(PortfolioListInput).query(({ ctx, input }) => ctx.services.portfolios.list(viewerOf(ctx.principal), input ?? {})),

  get: authedProcedure.input(PortfolioIdInput).query(({ ctx, input }) => ctx.services.portfolios.get(viewerOf(ctx.principal), input.portfolioId)),

  snapshots: authedProcedure.input(SnapshotsInput).query(({ ctx, input }) => ctx.services.portfolios.snapshots(viewerOf(ctx.principal), input)),

  exposures: authedProcedure.input(ExposuresInput).query(({ ctx, input }) => ctx.services.portfolios.exposures(viewerOf(ctx.principal), input)),
});
