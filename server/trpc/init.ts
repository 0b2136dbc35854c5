import { initTRPC } from '@trpc/server';
import { parseBearer } from '../services/auth.js';
import { ForbiddenError, ValidationError } from '../services/errors.js';
import { findUnsafeText } from '../services/text-input.js';
import type { Context } from './context.js';
import { errorDetailsOf, schemaIssuesToFieldIssues, toTRPCError } from './error-map.js';
import { transformer } from './transformer.js';

const t = initTRPC.context<Context>().create({
  transformer,
  // Never include stacks, whatever NODE_ENV says.
  isDev: false,
  // batch.watch: a ping keeps proxies from closing a quiet stream; clients reconnect after silence.
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
  errorFormatter({ shape, error }) {
    const details = errorDetailsOf(error);
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    // Errors that never reached the error map (e.g. a request the adapter could not parse into a
    // call) keep tRPC's own safe message, except internal ones, whose message may be anything.
    const message = shape.data.code === 'INTERNAL_SERVER_ERROR' && !details ? 'Internal server error' : shape.message;
    return { ...shape, message, data: { ...data, ...(details ?? {}) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  // The request id goes with the error id into the log, so a user's error id leads to the access line.
  if (!result.ok) throw toTRPCError(result.error, ctx.services.logger.child({ requestId: ctx.requestId }), path);
  return result;
});

/**
 * Every string of every procedure's input, at any depth, is text PostgreSQL can store: no NUL, no
 * unpaired surrogate. Checked once here, before any procedure's own validation, naming each field.
 */
const rejectUnsafeText = t.middleware(async ({ getRawInput, next }) => {
  const problems = findUnsafeText(await getRawInput());
  if (problems.length > 0) throw new ValidationError(schemaIssuesToFieldIssues(problems));
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(rejectUnsafeText);

/** Any caller with a valid token: a user (their own data) or an admin (everything). */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const token = parseBearer(ctx.authorization);
  const principal = await ctx.services.auth.authenticate(token);
  return next({ ctx: { ...ctx, principal } });
});

export const adminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (ctx.principal.role !== 'admin') throw new ForbiddenError('This procedure needs an admin token');
  return next({ ctx });
});

/**
 * Procedures that start work: limited per caller per minute. Only valid triggers count: the
 * procedure calls `admitTrigger` once its input passed validation (onboard and batch.run also after
 * the caller's permission was checked), so an invalid or refused call does not spend the budget.
 */
export const triggerProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const p = ctx.principal;
  const admitTrigger = (): void => ctx.services.triggerLimiter.hit(p.userId ?? `admin:${p.tokenId ?? 'env'}`);
  return next({ ctx: { ...ctx, admitTrigger } });
});
