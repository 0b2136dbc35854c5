import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';
import type { Authenticator, Principal } from '../services/auth.js';
import type { LifecycleService } from '../services/lifecycle.service.js';
import type { PortfolioService } from '../services/portfolio.service.js';
import type { CallerRunsService } from '../services/caller-runs.service.js';
import type { RiskService } from '../services/risk.service.js';
import type { UserService } from '../services/user.service.js';
import type { RunWatchHub } from '../services/run-watch.js';
import type { RateLimiter } from './rate-limit.js';

/** Everything the routers call, built once per process by the composition root. */
export interface ApiServices {
  logger: Logger;
  auth: Authenticator;
  users: UserService;
  portfolios: PortfolioService;
  lifecycle: LifecycleService;
  runs: CallerRunsService;
  risk: RiskService;
  triggerLimiter: RateLimiter;
  /** Live run views for batch.watch. */
  runWatch: RunWatchHub;
}

export interface Context {
  services: ApiServices;
  /** The raw header; resolved by the auth middleware so lookup failures pass through the error map. */
  authorization: string | string[] | undefined;
  requestId: string;
  principal?: Principal;
  /** Aborted when the serving API process starts draining: long-lived streams (batch.watch) end then. */
  shutdown?: AbortSignal;
}

/** tRPC's connection parameters: what a browser's EventSource sends instead of headers (`?connectionParams={"token":"…"}`). */
type ConnectionParams = Record<string, string | undefined> | null | undefined;

/** The request id of a request: its x-request-id header when it has a usable one, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const h = req.headers['x-request-id'];
  return typeof h === 'string' && /^[\x21-\x7e]{1,100}$/.test(h) ? h : randomUUID();
}

export function createContextFactory(
  services: ApiServices,
  shutdown?: AbortSignal,
): (opts: { req: IncomingMessage; connectionParams?: ConnectionParams; requestId?: string }) => Context {
  return ({ req, connectionParams, requestId }) => {
    const token = connectionParams?.token;
    return {
      services,
      authorization: req.headers.authorization ?? (typeof token === 'string' && token !== '' ? `Bearer ${token}` : undefined),
      requestId: requestId ?? requestIdOf(req),
      ...(shutdown ? { shutdown } : {}),
    };
  };
}

/** A context for in-process callers (tests, scripts) that have a token instead of an HTTP request. */
export function createCallerContext(services: ApiServices, token: string | undefined): Context {
  return { services, authorization: token === undefined ? undefined : `Bearer ${token}`, requestId: randomUUID() };
}
