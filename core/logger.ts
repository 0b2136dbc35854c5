/**
 * The logging interface every layer takes: structured object first, constant message second
 * (`log.info({ runId, symbols: n }, 'fetching bars')`). The processes pass a pino logger, which
 * satisfies it; nothing below server/ depends on pino itself.
 */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
