import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { Logger } from '../core/logger.js';

export type { Logger };

/** Paths pino blanks out wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'adminToken',
  '*.adminToken',
  'password',
  '*.password',
];

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): PinoLogger {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A process that cannot start says why as one JSON line on stderr (what log collectors read), with
 * the configuration's issues when that is the cause; then the caller exits non-zero.
 */
export function logStartupFailure(err: unknown, what: string, destination: pino.DestinationStream = pino.destination(2)): void {
  const log = createLogger('info', destination);
  const fields = (typeof err === 'object' && err !== null ? err : {}) as { issues?: unknown; code?: unknown };
  const issues = Array.isArray(fields.issues) ? (fields.issues as unknown[]) : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  log.fatal({ err, ...(code ? { code } : {}), ...(issues ? { issues } : {}) }, `${what} could not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  if ('flushSync' in destination && typeof destination.flushSync === 'function') destination.flushSync();
}
