/**
 * Errors of the service layer. Services throw these; only server/trpc/error-map.ts translates them
 * into transport codes, so the services stay usable from workers, scripts and tests without tRPC.
 * Messages are meant for the caller: they say what is wrong and where, never how the server is built.
 */

export type ServiceErrorCode =
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAVAILABLE';

export interface ServiceErrorOptions {
  cause?: unknown;
}

export abstract class ServiceError extends Error {
  abstract readonly code: ServiceErrorCode;
  constructor(message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist, or the caller may not know that it exists. */
export class NotFoundError extends ServiceError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: ServiceErrorOptions,
  ) {
    super(`${entity} ${id} not found`, options);
  }
}

/** One problem with one field of the input; `row` is numbered as the user sees it. */
export interface FieldIssue {
  row?: number;
  field: string;
  message: string;
}

export function formatIssue(issue: FieldIssue): string {
  return issue.row === undefined ? `field ${issue.field}: ${issue.message}` : `row ${issue.row}, field ${issue.field}: ${issue.message}`;
}

/** How many issues the message lists inline; `issues` always carries all of them. */
export const MESSAGE_ISSUE_LIMIT = 50;

/** The input is wrong. Carries every problem found, not only the first. */
export class ValidationError extends ServiceError {
  readonly code = 'VALIDATION';
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], options: ServiceErrorOptions & { summary?: string } = {}) {
    const list = issues.slice(0, MESSAGE_ISSUE_LIMIT).map(formatIssue);
    const more = issues.length > MESSAGE_ISSUE_LIMIT ? [`… and ${issues.length - MESSAGE_ISSUE_LIMIT} more`] : [];
    const head = options.summary ?? `Invalid input (${issues.length} problem${issues.length === 1 ? '' : 's'})`;
    super([`${head}:`, ...list, ...more].join('\n'), options);
    this.issues = Object.freeze([...issues]);
  }
}

/** The request clashes with existing state (duplicate name, idempotency key reused for another body, …). */
export class ConflictError extends ServiceError {
  readonly code = 'CONFLICT';
}

/** The caller is known but may not do this. */
export class ForbiddenError extends ServiceError {
  readonly code = 'FORBIDDEN';
}

/** The caller is not known: no credentials, or credentials that are invalid or revoked. */
export class UnauthorizedError extends ServiceError {
  readonly code = 'UNAUTHORIZED';
}

/** Too many requests of one kind from one caller in a window. */
export class RateLimitedError extends ServiceError {
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ServiceErrorOptions,
  ) {
    super(message, options);
  }
}

/** The input is larger than the service accepts. */
export class PayloadTooLargeError extends ServiceError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** A dependency (database, job store) cannot be reached right now; retrying later may succeed. */
export class UnavailableError extends ServiceError {
  readonly code = 'UNAVAILABLE';
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}
