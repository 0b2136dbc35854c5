import { viewerOf } from '../../services/access.js';
import { ExposuresInput, OnboardInput, PortfolioIdInput, PortfolioListInput, SnapshotsInput } from '../portfolio.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';
import { RiskHistoryInput, RiskInput } from '../risk.schema.js';

export const portfolioRouter = router({
  /** Validates every row, writes portfolio + positions + new symbols at once, queues the onboarding run. */
  onboard: triggerProcedure.input(OnboardInput).mutation(async ({ ctx, input }) => {
    const { portfolioId, runId } = await ctx.services.portfolios.onboard(ctx.principal.role === 'user' ? ctx.principal.userId : null, input);
    return { portfolioId, runId };
  }),

  list: authedProcedure.input(PortfolioListInput).query(({ ctx, input }) => ctx.services.portfolios.list(viewerOf(ctx.principal), input ?? {})),

  get: authedProcedure.input(PortfolioIdInput).query(({ ctx, input }) => ctx.services.portfolios.get(viewerOf(ctx.principal), input.portfolioId)),

  snapshots: authedProcedure.input(SnapshotsInput).query(({ ctx, input }) => ctx.services.portfolios.snapshots(viewerOf(ctx.principal), input)),

  exposures: authedProcedure.input(ExposuresInput).query(({ ctx, input }) => ctx.services.portfolios.exposures(viewerOf(ctx.principal), input)),

  /** Every risk figure of a day (default: the latest), null with its reason where a minimum is not met; sector and stress rows. */
  risk: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.risk(viewerOf(ctx.principal), input)),

  /** The daily risk summaries over a date range, paged. */
  riskHistory: authedProcedure.input(RiskHistoryInput).query(({ ctx, input }) => ctx.services.risk.riskHistory(viewerOf(ctx.principal), input)),

  /** The holdings' correlation matrix: stored for the latest day, computed on request for another. */
  correlations: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.correlations(viewerOf(ctx.principal), input)),

  /** Stress results of a day with each factor's direct and correlated move. */
  stress: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.stress(viewerOf(ctx.principal), input)),
});
