import { actorOf, viewerOf } from '../../services/access.js';
import { LotsInput, PositionDeleteInput, PositionUpdateInput } from '../lifecycle.schema.js';
import { authedProcedure, router, triggerProcedure } from '../init.js';

/** Corrections of single positions (lots) and their reads (docs/lifecycle.md). */
export const positionRouter = router({
  /** Corrects quantity, prices or dates; recomputes from the earliest date that changed. */
  update: triggerProcedure.input(PositionUpdateInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.updatePosition(actorOf(ctx.principal), input);
  }),

  /** Soft-deletes a position; recomputes from its entry date. */
  delete: triggerProcedure.input(PositionDeleteInput).mutation(({ ctx, input }) => {
    ctx.admitTrigger();
    return ctx.services.lifecycle.deletePosition(actorOf(ctx.principal), input);
  }),

  /** Every lot of a symbol, open and closed, oldest first. */
  lots: authedProcedure.input(LotsInput).query(({ ctx, input }) => ctx.services.lifecycle.lots(viewerOf(ctx.principal), input)),
});
