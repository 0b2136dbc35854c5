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
