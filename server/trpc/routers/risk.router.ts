import { viewerOf } from '../../services/access.js';
import { authedProcedure, router } from '../init.js';
import { CreateScenarioInput } from '../risk.schema.js';

export const riskRouter = router({
  /** The 22 built-in stress scenarios, then the caller's own. */
  scenarios: authedProcedure.query(({ ctx }) => ctx.services.risk.scenarios(viewerOf(ctx.principal))),

  /** Stores a scenario of the caller's (known factors, each move within ±100 %); it runs for their portfolios from the next run on. */
  createScenario: authedProcedure.input(CreateScenarioInput).mutation(({ ctx, input }) => ctx.services.risk.createScenario(viewerOf(ctx.principal), input)),
});
