import { loadConfig, type Config } from '../../server/config.js';
import { createContainer, type Container } from '../../server/container.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { startWorker, type WorkerHandle } from '../../server/worker.js';
import type { AgendaJobStore } from '../../jobs/queue/agenda-queue.js';
import type { JobStore } from '../../jobs/queue/job-queue.js';
import { startPolygonSim, type PolygonSim, type PolygonSimOptions } from '../../jobs/market-data/polygon-sim.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** A fixed "now": Friday 2026-11-20, 17:30 New York, after the close. Tests and the simulator agree on it. */
export const TEST_NOW = new Date('2026-11-20T22:30:00Z');
export const TEST_TARGET = '2026-11-20';

export interface TestStack {
  db: TestDatabase;
  sim: PolygonSim;
  config: Config;
  container: Container;
  /** The container's Agenda, for tests that arrange the job store's state directly. */
  agenda: AgendaJobStore['agenda'];
  worker: WorkerHandle | undefined;
  /** Moves the stack's clock. */
  setNow(d: Date): void;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  env?: Record<string, string>;
  sim?: PolygonSimOptions;
  /** Start a worker in this process (default true). */
  worker?: boolean;
  db?: TestDatabase;
  /** Share an already running simulator. */
  simInstance?: PolygonSim;
  /** Name of this stack's Agenda instance (distinct per stack, so tests can tell workers apart). */
  name?: string;
  /** A job store instead of Agenda (e.g. the in-memory one). */
  jobStore?: JobStore;
  /** A logger instead of one at LOG_LEVEL (e.g. one writing to a stream the test reads). */
  logger?: Logger;
}

let stackCounter = 0;

export const SIM_KEY = 'test-polygon-key-0123456789';

/** The real container (PostgreSQL, Agenda on PostgreSQL, market data) against a private database and the Polygon simulator. */
export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const db = opts.db ?? (await createTestDatabase());
  const sim = opts.simInstance ?? (await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET, ...opts.sim }));
  const config = loadConfig({
    DATABASE_URL: db.url,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: SIM_KEY,
    POLYGON_PLAN: 'paid',
    POLYGON_CALLS_PER_SECOND: '500',
    POLYGON_MAX_CONCURRENT: '8',
    LOCK_LIFETIME_MS: '10000',
    PROCESS_EVERY_MS: '300',
    // Short beats: a starting worker holds its first vendor call for 1.5 beats when it shares the plan without Redis.
    HEARTBEAT_EVERY_MS: '200',
    SCHEDULE_NIGHTLY: 'false',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    ...opts.env,
  });
  let now = TEST_NOW;
  const container = await createContainer({
    config,
    role: 'all',
    clock: () => now,
    logger: opts.logger ?? createLogger(config.log.level),
    name: opts.name ?? `test-worker-${process.pid}-${++stackCounter}`,
    ...(opts.jobStore ? { jobStore: opts.jobStore } : {}),
  });
  const worker = opts.worker === false ? undefined : await startWorker(container);
  return {
    db,
    sim,
    config,
    container,
    agenda: (container.jobStore as AgendaJobStore).agenda,
    worker,
    setNow(d) {
      now = d;
    },
    async stop() {
      await worker?.stop();
      await container.close();
      if (!opts.simInstance) await sim.close();
      if (!opts.db) await db.destroy();
    },
  };
}
