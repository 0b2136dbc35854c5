/**
 * The production commands exactly as documented (package.json `start` and `worker`, which the README
 * tells Docker and systemd to run directly): SIGTERM reaches the node process itself, which drains
 * and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RunStatusView } from '../../client-sdk/index.js';
import { startPolygonSim, type PolygonSim } from '../../jobs/market-data/polygon-sim.js';
import { RunModel } from '../../db/models/run.model.js';
import { loadConfig } from '../../server/config.js';
import { createContainer, type Container } from '../../server/container.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { samplePositions, seedPortfolio } from '../helpers/portfolios.js';
import { SIM_KEY, TEST_NOW, TEST_TARGET } from '../helpers/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
const ADMIN = 'test-admin-token-0123456789';

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves with the first log line matching. */
  waitForLine(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Spawns a documented `node …` command as is (node itself, not npm or a wrapper). */
function spawnDocumented(command: string, env: NodeJS.ProcessEnv): Started {
  const [bin, ...args] = command.split(' ');
  expect(bin).toBe('node');
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text, unparsed: true };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }
  return {
    child,
    lines,
    waitForLine: (match) =>
      new Promise((resolve) => {
        const found = lines.find(match);
        if (found) resolve(found);
        else waiters.push({ match, resolve });
      }),
  };
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

let db: TestDatabase;
let sim: PolygonSim;
let system: Container;
const children: ChildProcess[] = [];

function baseEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: SIM_KEY,
    SCHEDULE_NIGHTLY: 'false',
    PROCESS_EVERY_MS: '300',
    LOG_LEVEL: 'info',
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startPolygonSim({ apiKey: SIM_KEY, lastDate: TEST_TARGET });
  const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
  system = await createContainer({ config, role: 'api', clock: () => TEST_NOW, logger: createLogger('silent'), name: 'process-model-test' });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await system?.close();
  await sim?.close();
  await db?.destroy();
});

describe('the documented production commands', () => {
  it('run node directly, with no npm or wrapper process in between', () => {
    expect(scripts.start).toBe('node --import tsx server/main.ts');
    expect(scripts.worker).toBe('node --import tsx server/worker.ts');
  });

  it('API: SIGTERM ends open watches, finishes, releases the port and exits 0', async () => {
    const { portfolioId } = await seedPortfolio(system.knex, samplePositions(TEST_TARGET), { name: 'api-drain' });
    const { runId } = await system.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });

    const api = spawnDocumented(scripts.start!, { ...baseEnv(), PORT: '0', HOST: '127.0.0.1' });
    children.push(api.child);
    const listening = await api.waitForLine((l) => l.msg === 'API listening');
    const url = listening.url as string;

    const views: RunStatusView[] = [];
    const client = createClient({ url, token: ADMIN });
    const ended = new Promise<string>((resolve) => {
      client.batch.watch.subscribe({ runId }, { onData: (v) => views.push(v), onComplete: () => resolve('complete'), onError: (e) => resolve(`error: ${e.message}`) });
    });
    await new Promise<void>((resolve) => {
      const check = (): void => void (views.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(views[0]!.status).toBe('queued');

    expect(api.child.kill('SIGTERM')).toBe(true);
    expect(await ended).toBe('complete');
    expect(await exitOf(api.child)).toEqual({ code: 0, signal: null });
    const messages = api.lines.map((l) => l.msg);
    expect(messages).toContain('shutting down: no new requests, finishing the ones in flight');
    expect(messages).toContain('API stopped');
    expect(messages.indexOf('API stopped')).toBeGreaterThan(messages.indexOf('shutting down: no new requests, finishing the ones in flight'));
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('worker: serves its metrics; SIGTERM hands its run back to the queue and exits 0', async () => {
    const { portfolioId } = await seedPortfolio(system.knex, samplePositions(TEST_TARGET), { name: 'worker-drain' });
    const { runId } = await system.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    const worker = spawnDocumented(scripts.worker!, {
      ...baseEnv(),
      // About 0.5 s a call: the run is mid-way through its vendor calls when the signal comes.
      POLYGON_PLAN: 'free',
      POLYGON_CALLS_PER_MINUTE: '120',
      WORKER_METRICS_PORT: '0',
      SHUTDOWN_DRAIN_MS: '10000',
    });
    children.push(worker.child);
    const metricsLine = await worker.waitForLine((l) => l.msg === 'worker metrics listening');
    const metrics = await fetch(metricsLine.url as string);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('pb_runs_active{status="queued",role="worker"}');

    // The API test above leaves a run of its own queued on the same symbols: the worker takes both,
    // and whichever holds the symbols' fetch locks makes the vendor calls while the other waits.
    const others = (await system.knex('batch_run_history').whereIn('status', ['queued', 'running']).pluck('id')) as string[];
    for (;;) {
      const rows = await Promise.all(others.map((id) => RunModel.find(system.knex, id)));
      if (rows.some((row) => row?.status === 'running' && (row.phases.market_data?.current ?? 0) >= 2)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(worker.child.kill('SIGTERM')).toBe(true);
    expect(await exitOf(worker.child)).toEqual({ code: 0, signal: null });
    expect(worker.lines.map((l) => l.msg)).toContain('shutting down');
    const row = (await RunModel.find(system.knex, runId))!;
    expect(row.status).toBe('queued');
  });

  it('worker: SIGTERM while it is still starting stops it once started, hands back what it took and exits 0', async () => {
    const { portfolioId } = await seedPortfolio(system.knex, samplePositions(TEST_TARGET), { name: 'worker-early-stop' });
    // A queued run for the worker to claim as it starts.
    await system.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    const worker = spawnDocumented(scripts.worker!, {
      ...baseEnv(),
      POLYGON_PLAN: 'free',
      POLYGON_CALLS_PER_MINUTE: '120',
      WORKER_METRICS_PORT: '0',
      SHUTDOWN_DRAIN_MS: '30000',
    });
    children.push(worker.child);
    // Logged while the container is built, before the worker takes jobs.
    await worker.waitForLine((l) => l.msg === 'using PostgreSQL from DATABASE_URL');
    expect(worker.child.kill('SIGTERM')).toBe(true);
    expect(await exitOf(worker.child)).toEqual({ code: 0, signal: null });
    const msgs = worker.lines.map((l) => l.msg);
    expect(msgs).toContain('worker started');
    expect(msgs).toContain('shutting down');
    // Jobs it had claimed as the shutdown began were interrupted too, not waited for until the drain timeout.
    expect(worker.lines.find((l) => l.msg === 'worker drained')).toMatchObject({ timedOut: false, running: 0 });
  });
});
