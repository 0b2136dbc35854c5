import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client-sdk/index.js';
import { addTradingDays } from '../../jobs/calc/trading-calendar.js';
import { startPolygonSim, type PolygonSim } from '../../jobs/market-data/polygon-sim.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { waitForRunEnd } from '../helpers/portfolios.js';
import { SIM_KEY, TEST_TARGET, startTestStack } from '../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the API killed between the onboarding commit and the enqueue', () => {
  let db: TestDatabase;
  let sim: PolygonSim;
  const procs: ChildProcess[] = [];
  let users = 0;

  /** The API as its own process, and a user's client. */
  async function startApi() {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, 60_000, 'the API');
    const admin = createClient({ url, token: ADMIN });
    const user = createClient({ url, token: (await admin.user.create.mutate({ email: `crash${++users}@example.com` })).token });
    return { proc, user };
  }

  /** Waits until a statement starting with `prefix` is running (stalled by a trigger). */
  async function stalled(prefix: string): Promise<void> {
    await waitFor(
      async () => (await db.knex.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_stat_activity WHERE query LIKE ? AND state = 'active'`, [`${prefix}%`])).rows.length > 0,
      30_000,
      `${prefix} to stall`,
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET });
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await db?.knex.raw('DROP TRIGGER IF EXISTS stall_enqueue ON agenda_jobs').catch(() => undefined);
    await db?.knex.raw('DROP TRIGGER IF EXISTS stall_run ON batch_run_history').catch(() => undefined);
    await sim?.close();
    await db?.destroy();
  });

  it('leaves the portfolio with its queued run, which the sweeper queues and a worker completes', { timeout: 180_000 }, async () => {
    const { user, proc } = await startApi();
    // Every job insert stalls: the onboarding request commits, then hangs queueing its job.
    await db.knex.raw(`CREATE OR REPLACE FUNCTION stall_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$`);
    await db.knex.raw(`CREATE TRIGGER stall_enqueue BEFORE INSERT ON agenda_jobs FOR EACH ROW EXECUTE FUNCTION stall_enqueue()`);
    const inception = addTradingDays(TEST_TARGET, -30);
    const request = user.portfolio.onboard
      .mutate({ name: 'Crashed', equityBalance: 100_000, positions: [{ symbol: 'AAPL', quantity: 10, entryPrice: 180, entryDate: inception }] })
      .catch((err: unknown) => err);
    await stalled('INSERT INTO "agenda_jobs"');
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    expect(await request).toBeInstanceOf(Error);
    // The stalled insert dies with its client; the trigger goes.
    await db.knex.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO "agenda_jobs"%' AND pid <> pg_backend_pid()`);
    await db.knex.raw('DROP TRIGGER stall_enqueue ON agenda_jobs');

    const portfolio = (await db.knex('portfolios').where({ name: 'Crashed' }).first('id')) as { id: string };
    expect(await db.knex('positions').where({ portfolio_id: portfolio.id }).count<{ n: number }[]>('* as n')).toEqual([{ n: 1 }]);
    const run = (await db.knex('batch_run_history').where({ portfolio_id: portfolio.id }).first('id', 'status', 'job_id', 'source')) as {
      id: string;
      status: string;
      job_id: string | null;
      source: string;
    };
    expect(run).toMatchObject({ status: 'queued', job_id: null, source: 'onboarding' });
    expect(await db.knex('agenda_jobs').count<{ n: number }[]>('* as n')).toEqual([{ n: 0 }]);

    // A worker starts: its start-up sweep (and the repeating one) queues the run once it is older than the grace.
    const stack = await startTestStack({ db, simInstance: sim, name: 'after-crash', env: { SWEEP_EVERY_MS: '1000' } });
    try {
      expect((await waitForRunEnd(db.knex, run.id, 120_000)).status).toBe('completed');
    } finally {
      await stack.stop();
    }
    const log = (await db.knex('batch_run_history').where({ id: run.id }).first('activity_log')) as { activity_log: { message: string }[] };
    expect(log.activity_log.map((a) => a.message).join('\n')).toMatch(/job queued by the sweeper/);
    expect(await db.knex('portfolio_snapshots').where({ portfolio_id: portfolio.id }).count<{ n: number }[]>('* as n')).not.toEqual([{ n: 0 }]);
  });

  it('killed before the run is written, leaves nothing: the portfolio, its positions and its run commit together', { timeout: 120_000 }, async () => {
    const { user, proc } = await startApi();
    await db.knex.raw(`CREATE OR REPLACE FUNCTION stall_run() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$`);
    await db.knex.raw(`CREATE TRIGGER stall_run BEFORE INSERT ON batch_run_history FOR EACH ROW EXECUTE FUNCTION stall_run()`);
    const request = user.portfolio.onboard
      .mutate({ name: 'Halfway', equityBalance: 100_000, positions: [{ symbol: 'MSFT', quantity: 5, entryPrice: 400, entryDate: addTradingDays(TEST_TARGET, -20) }] })
      .catch((err: unknown) => err);
    await stalled('INSERT INTO batch_run_history');
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    expect(await request).toBeInstanceOf(Error);
    await db.knex.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO batch_run_history%' AND pid <> pg_backend_pid()`);
    await db.knex.raw('DROP TRIGGER stall_run ON batch_run_history');
    await waitFor(async () => (await db.knex.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'INSERT INTO batch_run_history%'`)).rows.length === 0, 10_000, 'the stalled insert to end');
    expect(await db.knex('portfolios').where({ name: 'Halfway' }).count<{ n: number }[]>('* as n')).toEqual([{ n: 0 }]);
    expect(await db.knex('positions').where({ symbol: 'MSFT' }).count<{ n: number }[]>('* as n')).toEqual([{ n: 0 }]);
  });
});
