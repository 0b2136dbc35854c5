/**
 * The composition root: the one place that builds the process's dependencies from the configuration,
 * the API services and the worker wiring alike. `main.ts` (API), `worker.ts` (worker) and `demo.ts`
 * (both) only call it. close() releases everything in reverse order.
 */
import { hostname } from 'node:os';
import { openDatabase, type Database } from '../db/database.js';
import type { Knex } from '../db/knex.js';
import { createRunUpdateListener, type RunUpdateSource } from '../db/run-updates.js';
import { ApiTokenModel } from '../db/models/api-token.model.js';
import { createLimiter, type CallLimiter } from '../jobs/market-data/limiter.js';
import { createMarketData, type MarketData } from '../jobs/market-data/market-data.js';
import { createPolygonClient } from '../jobs/market-data/polygon-client.js';
import type { PipelineDeps } from '../jobs/pipeline/deps.js';
import { createAgendaJobStore } from '../jobs/queue/agenda-queue.js';
import type { JobStore } from '../jobs/queue/job-queue.js';
import { startWorker, type WorkerHandle } from '../jobs/worker.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createAccess } from './services/access.js';
import { createAuthenticator } from './services/auth.js';
import { createCallerRunsService } from './services/caller-runs.service.js';
import { createLifecycleService } from './services/lifecycle.service.js';
import { createPortfolioService } from './services/portfolio.service.js';
import { createRiskService } from './services/risk.service.js';
import { createRunControlService, type RunControlService } from './services/run-control.service.js';
import { createRunWatchHub } from './services/run-watch.js';
import { createUserService } from './services/user.service.js';
import type { ApiServices } from './trpc/context.js';
import { createSlidingWindowLimiter } from './trpc/rate-limit.js';

export const DEFAULT_POLYGON_BASE_URL = 'https://api.massive.com';

export type Role = 'api' | 'worker' | 'all';

export interface Container {
  config: Config;
  logger: Logger;
  clock: () => Date;
  db: Database;
  knex: Knex;
  jobStore: JobStore;
  /** Runs as the system starts and reads them (no caller, no permissions). */
  runControl: RunControlService;
  /** Run-row changes as they commit (one LISTEN connection, opened by the first subscriber). */
  updates: RunUpdateSource;
  /** What the routers call. */
  services: ApiServices;
  /** This process's Prometheus metrics (API: /metrics; worker: WORKER_METRICS_PORT). */
  metrics: Metrics;
  /** Starts this process's worker: sweeps, takes jobs, registers the nightly schedule (roles 'worker' and 'all'). */
  startWorker(): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export interface ContainerOptions {
  config: Config;
  logger?: Logger;
  role: Role;
  clock?: () => Date;
  /** Name of this process in the job store (default host:pid:role). */
  name?: string;
  /** A job store to use instead of Agenda (e.g. the in-memory one); closed with the container. */
  jobStore?: JobStore;
}

/** Vendor calls per second the configured plan allows (for ETAs). */
export function vendorCallsPerSecond(config: Config): number {
  const p = config.polygon;
  if (p.callsPerMinute) return p.callsPerMinute / 60;
  return p.plan === 'free' ? 5 / 60 : p.callsPerSecond;
}

/** The services the routers call. */
export function buildApiServices(deps: Pick<Container, 'config' | 'logger' | 'knex' | 'runControl' | 'clock' | 'updates'>): ApiServices {
  const { config, logger, knex, runControl, clock, updates } = deps;
  const auth = createAuthenticator({ findToken: (hash) => ApiTokenModel.findActive(knex, hash), adminToken: config.api.adminToken });
  const access = createAccess({ knex });
  return {
    logger,
    auth,
    users: createUserService({ knex, logger, authenticator: auth }),
    portfolios: createPortfolioService({ knex, runs: runControl, access, logger, clock }),
    lifecycle: createLifecycleService({ knex, runs: runControl, access, logger, clock }),
    runs: createCallerRunsService({ control: runControl, access, logger }),
    risk: createRiskService({ knex, access, logger }),
    triggerLimiter: createSlidingWindowLimiter({ limit: config.api.triggerLimitPerMinute, windowMs: 60_000, what: 'run triggers' }),
    runWatch: createRunWatchHub({ updates, read: (runId) => runControl.getRunStatus({ runId }), logger }),
  };
}

/** The vendor client, its limiter and the market-data port of the pipeline. */
function buildMarket(config: Config, knex: Knex, logger: Logger, closers: (() => Promise<void>)[], metrics: Metrics): { marketData: MarketData; limiter: CallLimiter } {
  const p = config.polygon;
  const limiter = createLimiter({
    plan: p.plan,
    callsPerMinute: p.callsPerMinute,
    callsPerSecond: p.callsPerSecond,
    maxConcurrent: p.maxConcurrent,
    retry: { maxAttempts: p.maxRetries + 1 },
    redisUrl: config.redisUrl,
    id: 'polygon',
    logger,
    onWait: (ms) => metrics.observeLimiterWait(ms),
  });
  metrics.trackVendorCalls(() => limiter.counters());
  closers.push(() => limiter.close());
  const client = createPolygonClient({
    baseUrl: p.baseUrl ?? DEFAULT_POLYGON_BASE_URL,
    apiKey: p.apiKey ?? '',
    limiter,
    logger,
    connections: p.maxConcurrent,
    connectTimeoutMs: p.timeoutMs,
    headersTimeoutMs: p.timeoutMs,
    bodyTimeoutMs: p.timeoutMs,
  });
  closers.push(() => client.close());
  const marketData = createMarketData({ db: knex, client, logger, limiter, concurrency: p.plan === 'free' ? 1 : p.maxConcurrent });
  return { marketData, limiter };
}

export async function createContainer(opts: ContainerOptions): Promise<Container> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.log.level);
  const clock = opts.clock ?? (() => new Date());
  const name = opts.name ?? `${hostname()}:${process.pid}:${opts.role}`;
  const db = await openDatabase({ ...config.database, applicationName: `portfolio-batch:${opts.role}` }, logger);
  const closers: (() => Promise<void>)[] = [() => db.close()];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const jobStore =
      opts.jobStore ??
      (await createAgendaJobStore({
        mongoUrl: config.mongoUrl,
        postgresUrl: db.url,
        name,
        lockLifetimeMs: config.batch.lockLifetimeMs,
        processEveryMs: config.batch.processEveryMs,
        concurrency: config.batch.concurrency,
        logger,
      }));
    closers.push(() => jobStore.close());
    const knex = db.knex;
    const metrics = createMetrics({ knex, role: opts.role, logger });
    const runControl = createRunControlService({ knex, queue: jobStore.queue, logger, clock, closeCutoff: config.batch.closeCutoff });
    const updates = createRunUpdateListener({ url: db.url, logger, applicationName: `portfolio-batch:${opts.role}:run-updates` });
    closers.push(() => updates.close());
    const services = buildApiServices({ config, logger, knex, runControl, clock, updates });
    closers.push(() => {
      services.runWatch.close();
      return Promise.resolve();
    });

    let pipeline: PipelineDeps | undefined;
    let limiter: CallLimiter | undefined;
    if (opts.role !== 'api') {
      const market = buildMarket(config, knex, logger, closers, metrics);
      limiter = market.limiter;
      pipeline = {
        knex,
        marketData: market.marketData,
        logger,
        clock,
        closeCutoff: config.batch.closeCutoff,
        chunkSize: config.batch.chunkSize,
        vendorCallsPerSecond: vendorCallsPerSecond(config),
        queue: jobStore.queue,
        observer: metrics.observer,
      };
    }

    return {
      config,
      logger,
      clock,
      db,
      knex,
      jobStore,
      runControl,
      updates,
      services,
      metrics,
      async startWorker() {
        if (!pipeline) throw new Error('a worker needs a container built with role "worker" or "all"');
        const b = config.batch;
        return startWorker({
          store: jobStore,
          pipeline,
          logger,
          lockLifetimeMs: b.lockLifetimeMs,
          processEveryMs: b.processEveryMs,
          sweepEveryMs: b.sweepEveryMs,
          shutdownDrainMs: b.shutdownDrainMs,
          nightly: b.scheduleNightly ? { cron: b.cron, timezone: b.timezone } : null,
          requestNightlyRun: () => runControl.requestRun({ scope: 'all', source: 'cron' }),
          heartbeat: {
            id: name,
            host: hostname(),
            everyMs: b.heartbeatEveryMs,
            concurrency: b.concurrency,
            // Without Redis the workers cannot share one quota: each takes its part of the plan.
            ...(config.redisUrl
              ? {}
              : {
                  onLiveWorkers: (n: number) => {
                    limiter?.setShare(n);
                    // Alone again (the others stopped, or a dead one's row expired): nobody to wait for.
                    if (n === 1) limiter?.holdFor(0);
                  },
                  // Joining live workers: no vendor call until they have seen this one (a beat) and
                  // their calls at the full share have left the plan's window. Seemingly alone: no
                  // call for one and a half beats either, since a worker starting at the same moment
                  // may not have been visible yet (its next beat tells).
                  onJoin: (n: number) => {
                    if (!limiter) return;
                    limiter.holdFor(n > 1 ? b.heartbeatEveryMs + limiter.settings.windowMs : Math.ceil(1.5 * b.heartbeatEveryMs));
                  },
                }),
          },
        });
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
