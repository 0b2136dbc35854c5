import { adminProcedure, authedProcedure, router } from '../init.js';
import { CreateTokenInput, CreateUserInput, RevokeTokenInput } from '../user.schema.js';

export const userRouter = router({
  /** Creates a user and returns its first token, the only time the token is shown. */
  create: adminProcedure.input(CreateUserInput).mutation(({ ctx, input }) => ctx.services.users.createUser(input.email)),

  createToken: adminProcedure.input(CreateTokenInput).mutation(({ ctx, input }) => ctx.services.users.createToken(input)),

  revokeToken: adminProcedure.input(RevokeTokenInput).mutation(({ ctx, input }) => ctx.services.users.revokeToken(input.tokenId)),

  /** Who the token belongs to. */
  me: authedProcedure.query(async ({ ctx }) => {
    const p = ctx.principal;
    const user = p.userId ? await ctx.services.users.getUser(p.userId) : null;
    return { role: p.role, userId: p.userId, email: user?.email ?? null };
  }),
});
