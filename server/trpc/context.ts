import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';
import type { Authenticator, Principal } from '../services/auth.js';
import type { LifecycleService } from '../services/lifecycle.service.js';
import type { PortfolioService } from '../services/portfolio.service.js';
import type { CallerRunsService } from '../services/caller-runs.service.js';
import type { RiskService } from '../services/risk.service.js';
import type { UserService } from '../services/user.service.js';
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
}

export interface Context {
  services: ApiServices;
  /** The raw header; resolved by the auth middleware so lookup failures pass through the error map. */
  authorization: string | string[] | undefined;
  requestId: string;
  principal?: Principal;
}

export function createContextFactory(services: ApiServices): (opts: { req: IncomingMessage }) => Context {
  return ({ req }) => ({
    services,
    authorization: req.headers.authorization,
    requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 100) : randomUUID(),
  });
}

/** A context for in-process callers (tests, scripts) that have a token instead of an HTTP request. */
export function createCallerContext(services: ApiServices, token: string | undefined): Context {
  return { services, authorization: token === undefined ? undefined : `Bearer ${token}`, requestId: randomUUID() };
}
