/**
 * Errors that mean "the database went away" (a restart, a failover, a pooler closing connections),
 * as opposed to a query that is wrong. Work that meets one stops and is resumed once the database
 * answers again; it is never recorded as a failure of the data.
 */

/** SQLSTATEs of lost or refused connections: admin shutdown, crash shutdown, cannot connect now, connection exceptions. */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08007']);
/** Socket-level codes of a server that is down or restarting. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ETIMEDOUT']);
/** Messages node-postgres and knex give such failures without a code. */
const MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'terminating connection',
  'the database system is starting up',
  'the database system is shutting down',
];

function isConnectionLossOne(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATES.has(code) || SOCKET_CODES.has(code))) return true;
  return MESSAGES.some((m) => err.message.includes(m));
}

/** True when `err` (or an error in its cause chain, or one of an AggregateError's) is a lost or refused database connection. */
export function isConnectionLoss(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === undefined || e === null || seen.has(e)) continue;
    seen.add(e);
    if (isConnectionLossOne(e)) return true;
    if (e instanceof AggregateError) stack.push(...(e.errors as unknown[]));
    if (e instanceof Error) stack.push(e.cause);
  }
  return false;
}
