import { actorOf, viewerOf } from '../../services/access.js';
import { CashFlowInput, CashFlowsInput, ImportTradesInput, PortfolioDeleteInput, RenameInput, TradeInput, TradesInput } from '../lifecycle.schema.js';
import { ExposuresInput, OnboardInput, PortfolioIdInput, PortfolioListInput, SnapshotsInput } from '../portfolio.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';
import { RiskHistoryInput, RiskInput } from '../risk.schema.js';

export const portfolioRouter = router({
  /**
   * Validates every row, writes portfolio + positions + new symbols at once, queues the onboarding run;
   * answers the rows accepted with an entry-price doubt in `warnings`.
   */
  onboard: triggerProcedure.input(OnboardInput).mutation(async ({ ctx, input }) => {
    const { portfolioId, runId, warnings } = await ctx.services.portfolios.onboard(ctx.principal.role === 'user' ? ctx.principal.userId : null, input, {
      admit: ctx.admitTrigger,
    });
    return { portfolioId, runId, warnings };
  }),

  list: authedProcedure.input(PortfolioListInput).query(({ ctx, input }) => ctx.services.portfolios.list(viewerOf(ctx.principal), input ?? {})),

  get: authedProcedure.input(PortfolioIdInput).query(({ ctx, input }) => ctx.services.portfolios.get(viewerOf(ctx.principal), input.portfolioId)),

  snapshots: authedProcedure.input(SnapshotsInput).query(({ ctx, input }) => ctx.services.portfolios.snapshots(viewerOf(ctx.principal), input)),

  exposures: authedProcedure.input(ExposuresInput).query(({ ctx, input }) => ctx.services.portfolios.exposures(viewerOf(ctx.principal), input)),

  /** Records a trade: opens, adds to, reduces or closes lots (FIFO); recomputes from its date. */
  trade: triggerProcedure.input(TradeInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.trade(actorOf(ctx.principal), input);
  }),

  /** A contribution or withdrawal at the close of its date; recomputes from it. */
  cashFlow: triggerProcedure.input(CashFlowInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.cashFlow(actorOf(ctx.principal), input);
  }),

  rename: triggerProcedure.input(RenameInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.rename(actorOf(ctx.principal), input);
  }),

  /** Soft delete: the portfolio leaves every run at once; its rows stay until purged. */
  delete: triggerProcedure.input(PortfolioDeleteInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.deletePortfolio(actorOf(ctx.principal), input);
  }),

  /** A trades CSV (Date,Symbol,Quantity,Price[,Fees]), validated row by row, applied all or nothing. */
  importTrades: triggerProcedure.input(ImportTradesInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.importTrades(actorOf(ctx.principal), input);
  }),

  trades: authedProcedure.input(TradesInput).query(({ ctx, input }) => ctx.services.lifecycle.trades(viewerOf(ctx.principal), input)),

  cashFlows: authedProcedure.input(CashFlowsInput).query(({ ctx, input }) => ctx.services.lifecycle.cashFlows(viewerOf(ctx.principal), input)),

  /** Every risk figure of a day (default: the latest), null with its reason where a minimum is not met; sector and stress rows. */
  risk: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.risk(viewerOf(ctx.principal), input)),

  /** The daily risk summaries over a date range, paged. */
  riskHistory: authedProcedure.input(RiskHistoryInput).query(({ ctx, input }) => ctx.services.risk.riskHistory(viewerOf(ctx.principal), input)),

  /** The holdings' correlation matrix: stored for the latest day, computed on request for another. */
  correlations: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.correlations(viewerOf(ctx.principal), input)),

  /** Stress results of a day with each factor's direct and correlated move. */
  stress: authedProcedure.input(RiskInput).query(({ ctx, input }) => ctx.services.risk.stress(viewerOf(ctx.principal), input)),
});
