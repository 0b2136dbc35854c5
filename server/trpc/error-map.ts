/**
 * The one place that turns errors into tRPC errors. Service errors keep their message and details;
 * schema errors become the same `row N, field F: …` list as service validation; anything else
 * becomes a generic INTERNAL_SERVER_ERROR with an id that is logged with the real error, so no
 * stack trace, SQL or internal detail ever reaches a caller.
 */
import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { Logger } from '../logger.js';
import { formatIssue, isServiceError, MESSAGE_ISSUE_LIMIT, RateLimitedError, ValidationError, type FieldIssue, type ServiceErrorCode } from '../services/errors.js';

export type ApiErrorCode = TRPCError['code'];

const CODE_OF: Record<ServiceErrorCode, ApiErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  VALIDATION: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** Extra, caller-safe facts an error carries in its `data`. */
export interface ErrorDetails {
  issues?: FieldIssue[];
  errorId?: string;
  retryAfterSeconds?: number;
}

class MappedError extends TRPCError {
  constructor(
    code: ApiErrorCode,
    message: string,
    readonly details: ErrorDetails,
    cause?: unknown,
  ) {
    super({ code, message, cause: cause instanceof Error ? cause : undefined });
  }
}

export function errorDetailsOf(err: unknown): ErrorDetails | undefined {
  return err instanceof MappedError ? err.details : undefined;
}

interface SchemaIssue {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
}

function hasIssues(e: unknown): e is { issues: SchemaIssue[] } {
  return typeof e === 'object' && e !== null && Array.isArray((e as { issues?: unknown }).issues);
}

/** Schema paths as the user sees them: `positions.3.quantity` is row 4, field quantity. */
export function schemaIssuesToFieldIssues(issues: readonly SchemaIssue[]): FieldIssue[] {
  return issues.map((i) => {
    const path = (i.path ?? []).map((p) => (typeof p === 'object' && p !== null && 'key' in p ? p.key : p));
    if (path[0] === 'positions' && typeof path[1] === 'number') {
      const field = path.slice(2).map(String).join('.') || 'position';
      return { row: path[1] + 1, field, message: i.message };
    }
    return { field: path.map(String).join('.') || 'input', message: i.message };
  });
}

function validationMessage(head: string, issues: FieldIssue[]): string {
  const list = issues.slice(0, MESSAGE_ISSUE_LIMIT).map(formatIssue);
  const more = issues.length > MESSAGE_ISSUE_LIMIT ? [`… and ${issues.length - MESSAGE_ISSUE_LIMIT} more`] : [];
  return [`${head}:`, ...list, ...more].join('\n');
}

function internal(err: unknown, log: Logger, path: string | undefined): MappedError {
  const errorId = randomUUID();
  log.error({ err, errorId, path }, 'request failed with an unexpected error');
  return new MappedError('INTERNAL_SERVER_ERROR', `Internal server error (error id ${errorId})`, { errorId });
}

/** Translates anything a procedure threw into the error the caller receives. */
export function toTRPCError(err: unknown, log: Logger, path?: string): TRPCError {
  if (err instanceof MappedError) return err;
  if (isServiceError(err)) {
    const details: ErrorDetails = {};
    if (err instanceof ValidationError) details.issues = [...err.issues];
    if (err instanceof RateLimitedError) details.retryAfterSeconds = err.retryAfterSeconds;
    return new MappedError(CODE_OF[err.code], err.message, details, err);
  }
  if (err instanceof TRPCError) {
    const cause = err.cause;
    if (cause !== undefined && cause !== err && (isServiceError(cause) || cause instanceof MappedError)) return toTRPCError(cause, log, path);
    if (err.code === 'BAD_REQUEST' && hasIssues(cause)) {
      const issues = schemaIssuesToFieldIssues(cause.issues);
      return new MappedError('BAD_REQUEST', validationMessage('Invalid input', issues), { issues });
    }
    if (err.code === 'INTERNAL_SERVER_ERROR') return internal(cause ?? err, log, path);
    // tRPC's own protocol errors (unknown procedure, wrong method, body too large, bad JSON) are safe to show.
    return err;
  }
  if (hasIssues(err) && err instanceof Error && err.name === 'ZodError') {
    const issues = schemaIssuesToFieldIssues(err.issues);
    return new MappedError('BAD_REQUEST', validationMessage('Invalid input', issues), { issues });
  }
  return internal(err, log, path);
}
