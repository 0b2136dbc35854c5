/**
 * API benchmark: `batch.status` latency while a run is in progress. One process holds the API, a
 * worker, PostgreSQL (DATABASE_URL's server or an embedded one) and the Polygon simulator; 200
 * pollers use the SDK over loopback HTTP, exactly as UIs do.
 *   1. paced: every poller reads the run's status every ~2 s for 20 s (what open UIs cost);
 *   2. saturated: every poller reads back-to-back for 10 s (how much headroom there is).
 * The vendor limiter is slowed down so the onboarding run stays in its market-data phase and keeps
 * writing progress while it is polled. The pollers run in child processes so their own CPU does not
 * count as server latency; they stream their latencies back in lines of 1,000 values (one line with
 * every value passed 256 KB on a fast machine and broke the pipe's JSON). Prints percentiles and
 * rates; asserts nothing.
 *   3. watch: 1,000 batch.watch subscribers (server-sent events, in a child process) follow the run
 *      for 15 s; each event's latency is from the database update (the view's heartbeat, set by
 *      now() in the statement that changed the row) to its arrival at the subscriber.
 * `npm run bench:api -- 50` uses 50 pollers; BENCH_WATCHERS sets the subscribers (default 1,000).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient, describeError, type PortfolioBatchClient } from '../client-sdk/index.js';
import { addTradingDays, targetDate } from '../jobs/calc/trading-calendar.js';
import { simulatedUniverse, startPolygonSim } from '../jobs/market-data/polygon-sim.js';
import { loadConfig } from '../server/config.js';
import { createContainer } from '../server/container.js';
import { createLogger } from '../server/logger.js';
import { createApiServer } from '../server/main.js';
import { startWorker } from '../server/worker.js';
import { scratchDatabase } from './scratch-db.js';

const POLLERS = process.argv[2] === '--load' ? 0 : Number(process.argv[2] ?? 200);
const LOAD_PROCESSES = Number(process.env.BENCH_LOAD_PROCESSES ?? 1);
const PACED_MS = 20_000;
const SATURATED_MS = 10_000;
const INTERVAL_MS = 2_000;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1_000);
const WATCH_MS = 15_000;
const ADMIN = 'bench-admin-token-0123456789';
const SIM_KEY = 'bench-key-0123456789';

interface Figures {
  label: string;
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  latencies: number[];
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function load(label: string, clients: PortfolioBatchClient[], runId: string, durationMs: number, intervalMs: number): Promise<Figures> {
  const f: Figures = { label, requests: 0, errors: 0, firstError: null, seconds: durationMs / 1000, latencies: [] };
  const end = performance.now() + durationMs;
  await Promise.all(
    clients.map(async (client, i) => {
      // Spread the paced pollers over one interval, as independent browsers would be.
      if (intervalMs > 0) await new Promise((r) => setTimeout(r, (i * intervalMs) / clients.length));
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await client.batch.status.query({ runId });
          f.latencies.push(performance.now() - t0);
        } catch (err) {
          f.errors++;
          f.firstError ??= `${describeError(err).code}: ${describeError(err).message}`;
        }
        f.requests++;
        const wait = intervalMs - (performance.now() - t0);
        if (intervalMs > 0 && wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, end - performance.now()))));
      }
    }),
  );
  f.latencies.sort((a, b) => a - b);
  return f;
}

interface LoadRequest {
  url: string;
  token: string;
  runId: string;
  pollers: number;
  durationMs: number;
  intervalMs: number;
  label: string;
  /** poll: batch.status requests (default); watch: batch.watch subscriptions, one per "poller". */
  mode?: 'poll' | 'watch';
}

/**
 * `n` batch.watch subscriptions for `durationMs`: latency of every event after the first of each
 * subscription, from the row's update in the database (its heartbeat) to the event's arrival.
 * `requests` counts events; `errors` subscriptions that failed or never delivered.
 */
async function watchLoad(label: string, client: PortfolioBatchClient, runId: string, n: number, durationMs: number): Promise<Figures> {
  const f: Figures = { label, requests: 0, errors: 0, firstError: null, seconds: durationMs / 1000, latencies: [] };
  const subs: { unsubscribe(): void }[] = [];
  const got = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    subs.push(
      client.batch.watch.subscribe(
        { runId },
        {
          onData(view) {
            const at = Date.now();
            if (got[i]! > 0 && view.heartbeatAt) f.latencies.push(at - view.heartbeatAt.getTime());
            got[i]!++;
            f.requests++;
          },
          onError(err) {
            f.errors++;
            f.firstError ??= `${describeError(err).code}: ${describeError(err).message}`;
          },
        },
      ),
    );
  }
  await new Promise((r) => setTimeout(r, durationMs));
  for (const s of subs) s.unsubscribe();
  f.errors += got.filter((g) => g === 0).length;
  f.latencies.sort((a, b) => a - b);
  return f;
}

/** Latencies per line on the pipe between a load process and the benchmark: lines stay small however fast the machine. */
const LATENCIES_PER_LINE = 1_000;

type LoadLine = { kind: 'latencies'; values: number[] } | { kind: 'done'; requests: number; errors: number; firstError: string | null };

/** Runs one share of the pollers in a child process; its figures arrive as a stream of small JSON lines. */
function loadInChild(req: LoadRequest): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--load', JSON.stringify(req)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const f: Figures = { label: req.label, requests: 0, errors: 0, firstError: null, seconds: req.durationMs / 1000, latencies: [] };
    let done = false;
    let bad: Error | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as LoadLine;
        if (msg.kind === 'latencies') for (const v of msg.values) f.latencies.push(v);
        else {
          ({ requests: f.requests, errors: f.errors, firstError: f.firstError } = msg);
          done = true;
        }
      } catch (err) {
        bad ??= new Error(`load process wrote a line that is not JSON (${line.length} characters): ${String(err)}`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`load process exited with ${String(code)}`));
      else if (bad) reject(bad);
      else if (!done) reject(new Error('load process ended without its summary line'));
      else resolve(f);
    });
  });
}

async function distributedLoad(base: Omit<LoadRequest, 'pollers'>, total = POLLERS): Promise<Figures> {
  const shares = Array.from({ length: LOAD_PROCESSES }, (_, i) => Math.floor(total / LOAD_PROCESSES) + (i < total % LOAD_PROCESSES ? 1 : 0));
  const parts = await Promise.all(shares.filter((n) => n > 0).map((pollers) => loadInChild({ ...base, pollers })));
  const all: Figures = { label: base.label, requests: 0, errors: 0, firstError: null, seconds: base.durationMs / 1000, latencies: [] };
  for (const p of parts) {
    all.requests += p.requests;
    all.errors += p.errors;
    all.firstError ??= p.firstError;
    all.latencies.push(...p.latencies);
  }
  all.latencies.sort((a, b) => a - b);
  return all;
}

function report(f: Figures): void {
  const l = f.latencies;
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  console.log(
    `${f.label.padEnd(34)} ${String(f.requests).padStart(7)} requests  ${(f.requests / f.seconds).toFixed(0).padStart(6)} req/s  ` +
      `p50 ${ms(pct(l, 50))}  p95 ${ms(pct(l, 95))}  p99 ${ms(pct(l, 99))}  max ${ms(l[l.length - 1] ?? Number.NaN)}  errors ${f.errors}` +
      (f.firstError ? ` (first: ${f.firstError})` : ''),
  );
}

async function main(): Promise<void> {
  const db = await scratchDatabase();
  const sim = await startPolygonSim({ apiKey: SIM_KEY });
  const config = loadConfig({
    DATABASE_URL: db.url,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: SIM_KEY,
    POLYGON_PLAN: 'paid',
    // Slow on purpose: the run must still be fetching while the pollers measure.
    POLYGON_CALLS_PER_SECOND: '1.5',
    POLYGON_MAX_CONCURRENT: '1',
    ADMIN_TOKEN: ADMIN,
    SCHEDULE_NIGHTLY: 'false',
    PROCESS_EVERY_MS: '500',
    LOG_LEVEL: 'warn',
  });
  const container = await createContainer({ config, role: 'all', logger: createLogger('warn') });
  const worker = await startWorker(container);
  const api = await createApiServer(container, { port: 0, host: '127.0.0.1', drainMs: 5_000 });
  try {
    const admin = createClient({ url: api.url, token: ADMIN });
    const { token } = await admin.user.create.mutate({ email: 'bench@example.com' });
    const user = createClient({ url: api.url, token });
    const target = targetDate(container.clock(), config.batch.closeCutoff);
    const symbols = simulatedUniverse(60);
    const { runId } = await user.portfolio.onboard.mutate({
      name: 'bench',
      equityBalance: 10_000_000,
      positions: symbols.map((symbol, i) => ({ symbol, quantity: 100 + i, entryPrice: 50, entryDate: addTradingDays(target, -(120 + i)) })),
    });
    console.log(
      `API ${api.url}; run ${runId} over ${symbols.length} symbols with the vendor limited to 1.5 calls/s; ${POLLERS} pollers in ${LOAD_PROCESSES} processes`,
    );
    // Baseline: one client, one request at a time, client and server sharing this process.
    const single = await load('one client, sequential (5 s)', [user], runId, 5_000, 0);
    const common = { url: api.url, token, runId };
    const paced = await distributedLoad({ ...common, durationMs: PACED_MS, intervalMs: INTERVAL_MS, label: `paced (every ${INTERVAL_MS / 1000} s, ${PACED_MS / 1000} s)` });
    const mid = await user.batch.status.query({ runId });
    const saturated = await distributedLoad({ ...common, durationMs: SATURATED_MS, intervalMs: 0, label: `saturated (back-to-back, ${SATURATED_MS / 1000} s)` });
    const watched = await distributedLoad({ ...common, durationMs: WATCH_MS, intervalMs: 0, mode: 'watch', label: `${WATCHERS} watchers (${WATCH_MS / 1000} s), DB→client` }, WATCHERS);
    const after = await user.batch.status.query({ runId });

    console.log('');
    report(single);
    report(paced);
    report(saturated);
    report(watched);
    console.log(`  (watch: "requests" are events received, "req/s" events per second over all watchers; ${WATCHERS} subscriptions shared one status read per change)`);
    console.log('');
    console.log(`run during the load: ${mid?.status ?? '?'} ${mid?.currentPhase ?? ''} ${Math.round(mid?.percent ?? 0)}% → ${after?.status ?? '?'} ${after?.currentPhase ?? ''} ${Math.round(after?.percent ?? 0)}%, vendor calls ${after?.counters.vendorCalls ?? 0}`);
    console.log(`database pool: ${String(container.knex.client.pool?.max ?? '?')} connections; one indexed read per status request, token and ownership lookups cached`);
  } finally {
    await api.close();
    await worker.stop();
    await container.close();
    await sim.close();
    await db.drop();
  }
}

function writeLine(msg: LoadLine): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`${JSON.stringify(msg)}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

async function loadMain(req: LoadRequest): Promise<void> {
  const f =
    req.mode === 'watch'
      ? await watchLoad(req.label, createClient({ url: req.url, token: req.token }), req.runId, req.pollers, req.durationMs)
      : await load(req.label, Array.from({ length: req.pollers }, () => createClient({ url: req.url, token: req.token })), req.runId, req.durationMs, req.intervalMs);
  for (let i = 0; i < f.latencies.length; i += LATENCIES_PER_LINE) {
    await writeLine({ kind: 'latencies', values: f.latencies.slice(i, i + LATENCIES_PER_LINE).map((v) => Math.round(v * 1000) / 1000) });
  }
  await writeLine({ kind: 'done', requests: f.requests, errors: f.errors, firstError: f.firstError });
}

const loadArg = process.argv[2] === '--load' ? process.argv[3] : undefined;
(loadArg ? loadMain(JSON.parse(loadArg) as LoadRequest) : main()).then(
  // A finished job's store timer can outlive the run; the benchmark is done, so leave.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
