import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, migrateLatest, type Knex } from '../../db/knex.js';
import { startPolygonSim, type PolygonSim } from '../../jobs/market-data/polygon-sim.js';
import { loadConfig } from '../../server/config.js';
import { createContainer, type Container } from '../../server/container.js';
import { createLogger } from '../../server/logger.js';
import { freePort } from '../helpers/net.js';
import { dumpAnalytics, samplePositions, seedPortfolio, waitForRunEnd } from '../helpers/portfolios.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { SIM_KEY, TEST_NOW, TEST_TARGET, startTestStack } from '../helpers/stack.js';

interface Child {
  proc: ChildProcess;
  output: string[];
}

function spawnProcess(script: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  proc.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  return { proc, output };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a PostgreSQL restart mid-run (pg_ctl restart -m fast on a private server)', () => {
  let pgServer: PrivatePostgres;
  let sim: PolygonSim;
  let url: string;
  let knex: Knex;
  let api: Container;
  const children: Child[] = [];

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    url = await pgServer.createDatabase('pb_restart');
    const migrator = createKnex({ url, poolMax: 2 });
    try {
      await migrateLatest(migrator);
    } finally {
      await migrator.destroy();
    }
    sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET });
    // The test itself holds connections through the restart too (its pool, its job store).
    api = await createContainer({
      config: loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', SCHEDULE_NIGHTLY: 'false' }),
      role: 'api',
      clock: () => TEST_NOW,
      logger: createLogger('silent'),
      name: 'test-requester',
    });
    knex = api.knex;
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await api?.close();
    await sim?.close();
    await pgServer?.stop();
  });

  it('worker and API stay up, readiness reports the outage, and the run completes with rows equal to an uninterrupted run', { timeout: 240_000 }, async () => {
    const base = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, LOG_LEVEL: 'warn', SCHEDULE_NIGHTLY: 'false', WORKER_METRICS_PORT: '0' };
    const worker = spawnProcess('server/worker.ts', {
      ...base,
      POLYGON_BASE_URL: sim.url,
      POLYGON_API_KEY: SIM_KEY,
      // About 0.5 s a call: the restart lands in the middle of the market-data phase.
      POLYGON_PLAN: 'free',
      POLYGON_CALLS_PER_MINUTE: '120',
      LOCK_LIFETIME_MS: '20000',
      // Slow polling: a run picked up within a second after the restart was woken by NOTIFY, so both
      // ends of the LISTEN/NOTIFY channel reconnected.
      PROCESS_EVERY_MS: '5000',
      SWEEP_EVERY_MS: '2000',
    });
    const port = await freePort();
    const apiProc = spawnProcess('server/main.ts', { ...base, PORT: String(port), HOST: '127.0.0.1' });
    children.push(worker, apiProc);
    const apiUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await readyz(apiUrl).catch(() => ({ status: 0 }))).status === 200, 60_000, 'the API to be ready');

    const { portfolioId } = await seedPortfolio(knex, samplePositions(TEST_TARGET), { name: 'restart' });
    const { runId } = await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });
    const callsDone = async () => {
      const row = (await knex('batch_run_history').where({ id: runId }).first('phases')) as { phases: { market_data?: { current: number } } };
      return row.phases.market_data?.current ?? 0;
    };
    await waitFor(async () => (await callsDone()) >= 3, 60_000, 'the first vendor calls');

    // A worker query in flight when the server goes: block the price writes behind a table lock
    // until one waits, so the restart terminates it mid-query.
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => undefined);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE market_data_cache IN EXCLUSIVE MODE');
    await waitFor(
      async () =>
        (await knex.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'portfolio-batch:worker'`)).rows
          .length > 0,
      30_000,
      'a worker write to wait',
    );

    let whileDown: { status: number; body: Record<string, unknown> } | undefined;
    await pgServer.restart(async () => {
      whileDown = await readyz(apiUrl);
    });
    expect(whileDown?.status).toBe(503);
    expect(whileDown?.body).toMatchObject({ status: 'not ready', database: 'unreachable' });
    await waitFor(async () => (await readyz(apiUrl)).status === 200, 30_000, 'readiness after the restart');

    const end = await waitForRunEnd(knex, runId, 120_000);
    expect(end.status).toBe('completed');
    // Neither process died of the terminated connections.
    expect(worker.proc.exitCode).toBeNull();
    expect(apiProc.proc.exitCode).toBeNull();
    const logs = [...worker.output, ...apiProc.output].join('');
    expect(logs).not.toMatch(/Unhandled 'error' event|uncaughtException/);
    await blocker.end().catch(() => undefined);
    // The terminated write sent the run through the resume path: picked up again, in the same job.
    expect(logs).toMatch(/database connection lost; resuming the job once the database answers/);
    const resumed = (await knex('batch_run_history').where({ id: runId }).first('attempts', 'job_id')) as { attempts: number; job_id: string };
    expect(resumed.attempts).toBe(2);
    expect(await knex('agenda_jobs').where({ name: 'batch-run' }).count<{ n: number }[]>('* as n')).toEqual([{ n: 1 }]);

    const next = await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    expect((await waitForRunEnd(knex, next.runId, 30_000)).status).toBe('completed');
    const pickup = await knex.raw<{ rows: { ms: number }[] }>(`SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM batch_run_history WHERE id = ?`, [
      next.runId,
    ]);
    expect(pickup.rows[0]!.ms).toBeLessThan(1500);

    worker.proc.kill('SIGTERM');
    apiProc.proc.kill('SIGTERM');
    const [[workerCode], [apiCode]] = (await Promise.all([once(worker.proc, 'exit'), once(apiProc.proc, 'exit')])) as [[number | null], [number | null]];
    expect(workerCode).toBe(0);
    expect(apiCode).toBe(0);

    // The same work without a restart, from scratch (prices fetched again from the same simulator).
    const restarted = await dumpAnalytics(knex);
    expect(restarted.snapshots?.length).toBeGreaterThan(0);
    await knex.raw(
      'TRUNCATE market_data_cache, price_coverage, portfolio_snapshots, position_factor_exposures, factor_exposures, symbol_factor_exposures, symbol_daily_metrics',
    );
    const stack = await startTestStack({ db: { knex, url, name: 'pb_restart', destroy: async () => undefined }, simInstance: sim, name: 'reference' });
    try {
      const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
      expect((await waitForRunEnd(knex, again.runId, 120_000)).status).toBe('completed');
    } finally {
      await stack.stop();
    }
    expect(await dumpAnalytics(knex)).toEqual(restarted);
  });
});
