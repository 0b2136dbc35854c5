import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerHeartbeatModel } from '../../db/models/worker-heartbeat.model.js';
import { startPolygonSim, type PolygonSim } from '../../jobs/market-data/polygon-sim.js';
import { loadConfig } from '../../server/config.js';
import { createContainer, type Container } from '../../server/container.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { samplePositions, seedPortfolio, waitForRunEnd } from '../helpers/portfolios.js';
import { SIM_KEY, TEST_NOW, TEST_TARGET } from '../helpers/stack.js';

/** The vendor plan: 5 calls in any second, enforced by the simulator (429 beyond). */
const PLAN = { calls: 5, windowMs: 1000 };

describe('two worker processes without Redis, idle when three runs are queued', () => {
  let sim: PolygonSim;
  let db: TestDatabase;
  let api: Container;
  const workers: ChildProcess[] = [];
  const runIds: string[] = [];

  beforeAll(async () => {
    sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET, rateLimit: PLAN });
    db = await createTestDatabase();
    api = await createContainer({
      config: loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }),
      role: 'api',
      clock: () => TEST_NOW,
      logger: createLogger('silent'),
      name: 'test-requester',
    });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      POLYGON_BASE_URL: sim.url,
      POLYGON_API_KEY: SIM_KEY,
      // Each process alone would allow the whole plan: together they must share it.
      POLYGON_PLAN: 'paid',
      POLYGON_CALLS_PER_SECOND: String(PLAN.calls),
      POLYGON_MAX_CONCURRENT: '4',
      WORKER_CONCURRENCY: '2',
      HEARTBEAT_EVERY_MS: '500',
      LOCK_LIFETIME_MS: '60000',
      PROCESS_EVERY_MS: '5000',
      SCHEDULE_NIGHTLY: 'false',
      LOG_LEVEL: 'warn',
      // Two workers on one host: each takes a free metrics port (the default one would stop the second).
      WORKER_METRICS_PORT: '0',
    };
    // Three runs wait in the queue before any worker runs.
    const positions = samplePositions(TEST_TARGET);
    for (let i = 0; i < 3; i++) {
      const { portfolioId } = await seedPortfolio(api.knex, positions.slice(4 * i, 4 * i + 4), { name: `idle-${i}` });
      runIds.push((await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' })).runId);
    }
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      workers.push(child);
    }
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await api?.close();
    await db?.destroy();
    await sim?.close();
  });

  it('three queued runs start within 1.5 s of the second worker starting, on both workers: none waits behind a claim', { timeout: 120_000 }, async () => {
    const deadline = Date.now() + 60_000;
    let beats: { id: string; started_at: Date }[] = [];
    for (;;) {
      beats = await api.knex('worker_heartbeats').select('id', 'started_at');
      const started = await api.knex('batch_run_history').whereIn('id', runIds).whereNotNull('started_at').count<{ n: string }[]>('* as n');
      if (beats.length === 2 && Number(started[0]!.n) === 3) break;
      if (Date.now() > deadline) throw new Error('the workers did not start every run');
      await new Promise((r) => setTimeout(r, 100));
    }
    // From the database's own timestamps: the later worker's first beat to each run's pick-up.
    const waits = await api.knex.raw<{ rows: { wait_ms: number; finished: boolean; worker: string }[] }>(
      `SELECT extract(epoch FROM r.started_at - (SELECT max(started_at) FROM worker_heartbeats)) * 1000 AS wait_ms,
              r.finished_at IS NOT NULL AS finished, j.last_modified_by AS worker
         FROM batch_run_history r JOIN agenda_jobs j ON j.id::text = r.job_id WHERE r.id = ANY(?)`,
      [runIds],
    );
    for (const w of waits.rows) expect(w.wait_ms).toBeLessThan(1500);
    // None had finished when the last one started: all three were taken by free slots, not freed ones.
    expect(waits.rows.filter((w) => w.finished)).toEqual([]);
    expect(new Set(waits.rows.map((w) => w.worker)).size).toBe(2);
  });

  it('together they stay within the plan: the simulator refused no call, and every run completes', { timeout: 240_000 }, async () => {
    for (const id of runIds) expect((await waitForRunEnd(api.knex, id, 180_000)).status).toBe('completed');
    const data = sim.requests().filter((r) => r.kind !== 'other' && r.kind !== 'sim');
    expect(data.length).toBeGreaterThan(20);
    expect(data.filter((r) => r.fault === 'rate-window')).toEqual([]);
    // The busiest second of accepted calls, counted from the simulator's arrival times.
    const at = data.map((r) => r.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= PLAN.windowMs) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(PLAN.calls);
  });

  it('a run queued by a process that only enqueues (the API) wakes an idle worker at once, not at its next poll', async () => {
    const { portfolioId } = await seedPortfolio(api.knex, samplePositions(TEST_TARGET).slice(0, 2), { name: 'notified' });
    const { runId } = await api.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' });
    expect((await waitForRunEnd(api.knex, runId, 60_000)).status).toBe('completed');
    const wait = await api.knex.raw<{ rows: { wait_ms: number }[] }>(
      `SELECT extract(epoch FROM started_at - created_at) * 1000 AS wait_ms FROM batch_run_history WHERE id = ?`,
      [runId],
    );
    // PROCESS_EVERY_MS is 5000: only the NOTIFY can bring it this soon.
    expect(wait.rows[0]!.wait_ms).toBeLessThan(1500);
    for (const w of workers) {
      w.kill('SIGTERM');
      const [code] = (await once(w, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
    expect(await WorkerHeartbeatModel.liveCount(api.knex)).toBe(0);
  });
});
