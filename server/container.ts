import { hostname } from 'node:os';
import { openDatabase, type Database } from '../db/database.js';
import type { Knex } from '../db/knex.js';
import { createJobStore, type JobStore } from '../jobs/agenda.js';
import { JOB_CHUNK } from '../jobs/definitions.js';
import { createLimiter, type CallLimiter } from '../jobs/market-data/limiter.js';
import { createMarketData, type MarketData } from '../jobs/market-data/market-data.js';
import { createPolygonClient, type PolygonClient } from '../jobs/market-data/polygon-client.js';
import type { PipelineDeps } from '../jobs/pipeline/deps.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createBatchService, type BatchService } from './services/batch.service.js';

export const DEFAULT_POLYGON_BASE_URL = 'https://api.massive.com';

export interface Container {
  config: Config;
  logger: Logger;
  db: Database;
  knex: Knex;
  jobStore: JobStore;
  batch: BatchService;
  clock: () => Date;
  /** Present for roles that execute runs ('worker', 'all'). */
  market?: { client: PolygonClient; limiter: CallLimiter; marketData: MarketData };
  pipeline?: PipelineDeps;
  close(): Promise<void>;
}

export interface ContainerOptions {
  config: Config;
  logger?: Logger;
  role: 'api' | 'worker' | 'all';
  clock?: () => Date;
  /** Name of this process in the job store (default host:pid:role). */
  name?: string;
}

/** Vendor calls per second the configured plan allows (for ETAs). */
export function vendorCallsPerSecond(config: Config): number {
  const p = config.polygon;
  if (p.callsPerMinute) return p.callsPerMinute / 60;
  return p.plan === 'free' ? 5 / 60 : p.callsPerSecond;
}

/** The composition root: builds every dependency from the configuration; close() releases them in reverse order. */
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
    const jobStore = await createJobStore({
      mongoUrl: config.mongoUrl,
      postgresUrl: db.url,
      name,
      lockLifetimeMs: config.batch.lockLifetimeMs,
      processEveryMs: config.batch.processEveryMs,
      concurrency: config.batch.concurrency,
      logger,
    });
    closers.push(() => jobStore.close());
    const batch = createBatchService({ knex: db.knex, agenda: jobStore.agenda, logger, clock, closeCutoff: config.batch.closeCutoff });

    let market: Container['market'];
    let pipeline: PipelineDeps | undefined;
    if (opts.role !== 'api') {
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
      });
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
      const marketData = createMarketData({ db: db.knex, client, logger, limiter, concurrency: p.plan === 'free' ? 1 : p.maxConcurrent });
      market = { client, limiter, marketData };
      const agenda = jobStore.agenda;
      pipeline = {
        knex: db.knex,
        marketData,
        logger,
        clock,
        closeCutoff: config.batch.closeCutoff,
        chunkSize: config.batch.chunkSize,
        vendorCallsPerSecond: vendorCallsPerSecond(config),
        async enqueueChunk(runId, chunkNo) {
          const job = await agenda.now(JOB_CHUNK, { runId, chunkNo });
          return String(job.attrs._id);
        },
      };
    }

    return {
      config,
      logger,
      db,
      knex: db.knex,
      jobStore,
      batch,
      clock,
      market,
      pipeline,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
