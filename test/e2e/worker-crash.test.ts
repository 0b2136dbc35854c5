import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolygonSim, type PolygonSim } from '../../jobs/market-data/polygon-sim.js';
import { loadConfig } from '../../server/config.js';
import { createContainer, type Container } from '../../server/container.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { dumpAnalytics, samplePositions, seedPortfolio, waitForRunEnd } from '../helpers/portfolios.js';
import { SIM_KEY, TEST_NOW, TEST_TARGET, startTestStack } from '../helpers/stack.js';

const LOCK_LIFETIME_MS = 4000;
// A run over the sample portfolio makes four vendor calls per symbol it has not seen (bars,
// splits, dividends, ticker details), about 85 calls at the free plan's 0.5 s spacing.
const RUN_TEST_TIMEOUT_MS = 180_000;

function workerEnv(db: TestDatabase, sim: PolygonSim): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: SIM_KEY,
    // Slow enough (about 0.5 s a call) to stop the worker in the middle of the market-data phase.
    POLYGON_PLAN: 'free',
    POLYGON_CALLS_PER_MINUTE: '120',
    LOCK_LIFETIME_MS: String(LOCK_LIFETIME_MS),
    PROCESS_EVERY_MS: '300',
    SWEEP_EVERY_MS: '2000',
    SCHEDULE_NIGHTLY: 'false',
    SHUTDOWN_DRAIN_MS: '10000',
    LOG_LEVEL: 'warn',
    // Several workers on one host: each its own metrics port.
    WORKER_METRICS_PORT: '0',
  };
}

function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function marketCallsDone(knex: Container['knex'], runId: string): Promise<number> {
  const row = (await knex('batch_run_history').where({ id: runId }).first('phases')) as { phases: { market_data?: { current: number } } };
  return row.phases.market_data?.current ?? 0;
}

describe('worker processes that die or stop mid-run', () => {
  let sim: PolygonSim;
  let db: TestDatabase;
  let api: Container;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET });
    db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', LOCK_LIFETIME_MS: String(LOCK_LIFETIME_MS) });
    // The test plays the API: it only writes run rows and enqueues jobs.
    api = await createContainer({ config, role: 'api', clock: () => TEST_NOW, logger: createLogger('silent'), name: 'test-api' });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await api?.close();
    await db?.destroy();
    await sim?.close();
  });

  it('kill -9: another worker takes the run over after the lock lifetime, and the rows equal an uninterrupted run', async () => {
    const { portfolioId } = await seedPortfolio(api.knex, samplePositions(TEST_TARGET), { name: 'crash' });
    const { runId } = await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });

    const first = startWorkerProcess(workerEnv(db, sim));
    children.push(first);
    await waitFor(async () => (await marketCallsDone(api.knex, runId)) >= 3, 60_000, 'the first vendor calls');
    first.kill('SIGKILL');
    await once(first, 'exit');
    const row = (await api.knex('batch_run_history').where({ id: runId }).first('status')) as { status: string };
    expect(row.status).toBe('running');
    // When the dead worker's lock expires, by the store's own record of its last renewal.
    const lock = await api.knex.raw<{ rows: { expiry: Date }[] }>(
      `SELECT j.locked_at + (? * interval '1 millisecond') AS expiry FROM agenda_jobs j JOIN batch_run_history r ON j.id::text = r.job_id WHERE r.id = ?`,
      [LOCK_LIFETIME_MS, runId],
    );
    const expiry = lock.rows[0]!.expiry;

    const second = startWorkerProcess(workerEnv(db, sim));
    children.push(second);
    // Watch the run until it ends: no observation made while the dead worker's lock was still live
    // may show the run picked up again (a second attempt).
    let whileLocked = 0;
    let takenOverWhileLocked = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const o = await api.knex.raw<{ rows: { locked: boolean; attempts: number; status: string }[] }>(
        `SELECT now() < ?::timestamptz AS locked, attempts, status FROM batch_run_history WHERE id = ?`,
        [expiry, runId],
      );
      const { locked, attempts, status } = o.rows[0]!;
      if (locked) {
        whileLocked++;
        if (attempts > 1) takenOverWhileLocked++;
      }
      if (status !== 'queued' && status !== 'running') break;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${status} after 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(whileLocked).toBeGreaterThan(0);
    expect(takenOverWhileLocked).toBe(0);
    const end = await waitForRunEnd(api.knex, runId, 120_000);
    expect(end.status).toBe('completed');
    const run = (await api.knex('batch_run_history').where({ id: runId }).first('attempts', 'counters')) as { attempts: number };
    expect(run.attempts).toBe(2);
    expect(await api.knex('batch_run_history').whereIn('status', ['queued', 'running']).count('* as n').first()).toEqual({ n: 0 });
    // Every range was asked for once: the resumed run fetched only what the dead one had not stored.
    const ranges = sim.requests().filter((r) => r.kind === 'range');
    expect(new Set(ranges.map((r) => r.ticker)).size).toBe(ranges.length);

    second.kill('SIGTERM');
    await once(second, 'exit');

    const crashed = await dumpAnalytics(api.knex);
    // The same work uninterrupted, from the same cached prices.
    await api.knex.raw('TRUNCATE portfolio_snapshots, position_factor_exposures, factor_exposures, symbol_factor_exposures, symbol_daily_metrics');
    const stack = await startTestStack({ db, simInstance: sim, name: 'reference' });
    try {
      const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
      expect((await waitForRunEnd(api.knex, again.runId)).status).toBe('completed');
    } finally {
      await stack.stop();
    }
    expect(await dumpAnalytics(api.knex)).toEqual(crashed);
  }, RUN_TEST_TIMEOUT_MS);

  it('SIGTERM: the worker hands the run back and exits; the next worker resumes it at once', async () => {
    await api.knex.raw('TRUNCATE market_data_cache, price_coverage');
    const { portfolioId } = await seedPortfolio(api.knex, samplePositions(TEST_TARGET), { name: 'sigterm' });
    const { runId } = await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });
    const first = startWorkerProcess(workerEnv(db, sim));
    children.push(first);
    await waitFor(async () => (await marketCallsDone(api.knex, runId)) >= 2, 60_000, 'the first vendor calls');
    first.kill('SIGTERM');
    const [code] = (await once(first, 'exit')) as [number | null];
    expect(code).toBe(0);
    const row = (await api.knex('batch_run_history').where({ id: runId }).first('status', 'activity_log')) as {
      status: string;
      activity_log: { message: string }[];
    };
    expect(row.status).toBe('queued');
    expect(row.activity_log.map((a) => a.message).join('\n')).toMatch(/worker shut down; run requeued/);

    const second = startWorkerProcess(workerEnv(db, sim));
    children.push(second);
    expect((await waitForRunEnd(api.knex, runId, 120_000)).status).toBe('completed');
    second.kill('SIGTERM');
    await once(second, 'exit');
  }, RUN_TEST_TIMEOUT_MS);
});
