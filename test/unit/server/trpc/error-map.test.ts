import { TRPCError } from '@trpc/server';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../../../server/logger.js';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError, UnavailableError, ValidationError } from '../../../../server/services/errors.js';
import { errorDetailsOf, schemaIssuesToFieldIssues, toTRPCError } from '../../../../server/trpc/error-map.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('toTRPCError', () => {
  it.each([
    [new NotFoundError('portfolio', 'p1'), 'NOT_FOUND', 'portfolio p1 not found'],
    [new ValidationError([{ row: 2, field: 'Quantity', message: 'must not be 0' }]), 'BAD_REQUEST', 'row 2, field Quantity: must not be 0'],
    [new ConflictError('dup'), 'CONFLICT', 'dup'],
    [new ForbiddenError('admins only'), 'FORBIDDEN', 'admins only'],
    [new UnauthorizedError('no token'), 'UNAUTHORIZED', 'no token'],
    [new RateLimitedError('slow down', 12), 'TOO_MANY_REQUESTS', 'slow down'],
    [new UnavailableError('db down'), 'SERVICE_UNAVAILABLE', 'db down'],
  ] as const)('maps %s', (err, code, message) => {
    const { logger } = capture();
    const t = toTRPCError(err, logger);
    expect(t.code).toBe(code);
    expect(t.message).toContain(message);
  });

  it('keeps issues and retry hints as details, also when wrapped by tRPC', () => {
    const { logger } = capture();
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new ValidationError([{ field: 'name', message: 'is required' }]) });
    const t = toTRPCError(wrapped, logger);
    expect(t.code).toBe('BAD_REQUEST');
    expect(errorDetailsOf(t)).toEqual({ issues: [{ field: 'name', message: 'is required' }] });
    expect(errorDetailsOf(toTRPCError(new RateLimitedError('x', 7), logger))).toEqual({ retryAfterSeconds: 7 });
  });

  it('hides unknown errors behind an id that is logged with the real error', () => {
    const { logger, lines } = capture();
    const secret = new Error('duplicate key value violates unique constraint "users_pkey" in SELECT * FROM users');
    const t = toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: secret }), logger, 'user.create');
    expect(t.code).toBe('INTERNAL_SERVER_ERROR');
    const id = errorDetailsOf(t)?.errorId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.message).toBe(`Internal server error (error id ${id})`);
    expect(t.message).not.toContain('SELECT');
    expect(lines.join('')).toContain(id);
    expect(lines.join('')).toContain('users_pkey');
    expect(toTRPCError(new TypeError('x is undefined'), logger).message).toMatch(/^Internal server error \(error id /);
  });

  it('turns schema errors into row/field issues', () => {
    const { logger } = capture();
    const schema = z.object({ positions: z.array(z.object({ quantity: z.number() })), name: z.string() });
    const parsed = schema.safeParse({ positions: [{ quantity: 1 }, { quantity: 'x' }], name: 3 });
    expect(parsed.success).toBe(false);
    const t = toTRPCError(new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }), logger);
    expect(t.code).toBe('BAD_REQUEST');
    const issues = errorDetailsOf(t)?.issues ?? [];
    expect(issues.map((i) => [i.row, i.field])).toEqual([
      [2, 'quantity'],
      [undefined, 'name'],
    ]);
    expect(t.message).toMatch(/^Invalid input:\nrow 2, field quantity: /);
    expect(schemaIssuesToFieldIssues([{ path: [], message: 'bad' }])).toEqual([{ field: 'input', message: 'bad' }]);
  });

  it("passes tRPC's own protocol errors through", () => {
    const { logger } = capture();
    const t = new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'use POST' });
    expect(toTRPCError(t, logger)).toBe(t);
  });
});
