/**
 * Batch benchmark: whole runs through the real pipeline (Agenda on PostgreSQL, market data from the
 * Polygon simulator behind a paid-plan limiter, analytics written to PostgreSQL).
 *   1. onboarding of 13 positions over 254 trading days (the system replaced took 686-894 s);
 *   2. a nightly run of 1,000 portfolios × 20 positions for 1 new day;
 *   3. the same portfolios after 5 missed nights;
 *   4. one more night with two workers sharing the chunk jobs;
 *   and after onboarding, the recompute a change asks for: a contribution dated 200 trading days
 *   back, and one dated today (time from the request to the end of its settings run, rows rewritten).
 * Prints wall time, vendor calls and rows written. Asserts nothing.
 * `npm run bench:batch -- 100` runs the nightly part over 100 portfolios instead (a quick look).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { addTradingDays, tradingDayOnOrBefore } from '../jobs/calc/trading-calendar.js';
import { simulatedUniverse, startPolygonSim, type PolygonSim } from '../jobs/market-data/polygon-sim.js';
import { loadConfig } from '../server/config.js';
import { createContainer, type Container } from '../server/container.js';
import { createLogger } from '../server/logger.js';
import { startWorker, type WorkerHandle } from '../server/worker.js';
import { samplePositions, seedPortfolio, waitForRunEnd } from '../test/helpers/portfolios.js';
import { scratchDatabase } from './scratch-db.js';

const KEY = 'bench-key-0123456789';
const TARGET = '2026-11-20';
const nyEvening = (d: string) => new Date(`${d}T22:30:00Z`);

interface Figures {
  label: string;
  wallMs: number;
  vendorCalls: number;
  snapshots: number;
  positionExposures: number;
  symbolFactorRows: number;
  status: string;
  /** Seconds per phase: market data / symbol factors / symbol metrics / portfolio analytics (with risk). */
  phases: string;
  riskDays: number;
  riskRows: number;
  /** Risk work, summed over the chunks. */
  riskMs: number;
}

async function runOnce(container: Container, label: string, request: Parameters<Container['runControl']['requestRun']>[0]): Promise<Figures> {
  const t0 = performance.now();
  const { runId } = await container.runControl.requestRun(request);
  return figuresOf(container, label, runId, t0);
}

/** A change through the lifecycle service, then its settings run to the end. */
async function changeOnce(container: Container, label: string, change: () => Promise<{ runId: string | null }>): Promise<Figures> {
  const t0 = performance.now();
  const { runId } = await change();
  if (!runId) throw new Error(`${label}: no run was requested`);
  return figuresOf(container, label, runId, t0);
}

/** Waits for the run to end and reads its figures; wall time counts from `t0`, when it was asked for. */
async function figuresOf(container: Container, label: string, runId: string, t0: number): Promise<Figures> {
  const end = await waitForRunEnd(container.knex, runId, 3_600_000);
  const wallMs = performance.now() - t0;
  const s = await container.runControl.getRunStatus({ runId });
  return {
    label,
    wallMs,
    vendorCalls: s?.counters.vendorCalls ?? 0,
    snapshots: s?.counters.snapshotsWritten ?? 0,
    positionExposures: s?.counters.positionExposureRows ?? 0,
    symbolFactorRows: s?.counters.symbolFactorRows ?? 0,
    status: end.status,
    riskDays: s?.counters.riskDays ?? 0,
    riskRows: s?.counters.riskRows ?? 0,
    riskMs: s?.counters.riskMs ?? 0,
    phases: (['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics'] as const)
      .map((p) => ((s?.phases[p]?.durationMs ?? 0) / 1000).toFixed(1))
      .join(' / '),
  };
}

async function seedMany(knex: Knex, n: number, inception: string): Promise<void> {
  const universe = simulatedUniverse(1_200);
  const [{ id: userId }] = (await knex('users').insert({ email: 'bench@example.com' }).returning('id')) as [{ id: string }];
  const portfolios = Array.from({ length: n }, (_, i) => ({ user_id: userId, name: `bench-${i}`, equity_balance: 1_000_000, inception_date: inception }));
  await knex.batchInsert('portfolios', portfolios, 1000);
  const ids = (await knex('portfolios').where({ user_id: userId }).orderBy('name').select('id')) as { id: string }[];
  const positions = ids.flatMap(({ id }, i) =>
    Array.from({ length: 20 }, (_, j) => ({
      portfolio_id: id,
      symbol: universe[(i * 37 + j * 61) % universe.length]!,
      quantity: j % 5 === 4 ? -10 : 10 + j,
      entry_price: 50,
      entry_date: inception,
    })),
  );
  await knex.batchInsert('positions', positions, 2000);
  await knex('symbol_universe')
    .insert([...new Set(positions.map((p) => p.symbol))].map((symbol) => ({ symbol })))
    .onConflict('symbol')
    .ignore();
}

function print(rows: Figures[]): void {
  console.log('\n| workload | status | wall time | phases (s): market data / betas / metrics / portfolios | vendor calls | snapshots | position exposure rows | symbol beta rows |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.status} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.phases} | ${r.vendorCalls} | ${r.snapshots} | ${r.positionExposures} | ${r.symbolFactorRows} |`,
    );
  }
  console.log('\n| workload | risk portfolio-days | risk rows | rows per portfolio-day | risk time (s, summed over chunks) | risk share of the run |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const perDay = r.riskDays > 0 ? (r.riskRows / r.riskDays).toFixed(1) : '–';
    console.log(`| ${r.label} | ${r.riskDays} | ${r.riskRows} | ${perDay} | ${(r.riskMs / 1000).toFixed(1)} | ${r.wallMs > 0 ? ((100 * r.riskMs) / r.wallMs).toFixed(0) : '–'} % |`);
  }
}

async function main(): Promise<void> {
  const nPortfolios = Number(process.argv[2] ?? 1000);
  const db = await scratchDatabase();
  const sim: PolygonSim = await startPolygonSim({ apiKey: KEY, lastDate: addTradingDays(TARGET, 10) });
  let now = nyEvening(TARGET);
  const config = loadConfig({
    DATABASE_URL: db.url,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: KEY,
    POLYGON_PLAN: 'paid',
    POLYGON_CALLS_PER_SECOND: '100',
    POLYGON_MAX_CONCURRENT: '8',
    SCHEDULE_NIGHTLY: 'false',
    PROCESS_EVERY_MS: '200',
    // One job at a time per worker, so that "a second worker" below means twice the job slots.
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
  });
  const container = await createContainer({ config, role: 'all', clock: () => now, logger: createLogger('warn'), name: 'bench' });
  let worker: WorkerHandle | undefined;
  let second: Container | undefined;
  let secondWorker: WorkerHandle | undefined;
  const rows: Figures[] = [];
  try {
    worker = await startWorker(container);

    // 1. Onboarding: 13 positions, inception 254 trading days before the target.
    const positions = samplePositions(TARGET).map((p, i) => (i === 0 ? { ...p, entryDate: addTradingDays(TARGET, -253) } : p));
    const { portfolioId, userId } = await seedPortfolio(container.knex, positions, { name: 'onboarding' });
    rows.push(await runOnce(container, 'onboarding: 13 positions × 254 trading days', { scope: 'portfolio', portfolioId, source: 'onboarding' }));
    rows.push(await runOnce(container, 'same onboarding again (nothing missing)', { scope: 'portfolio', portfolioId, source: 'settings' }));

    // Changes: each recomputes from its own date only.
    const actor = { userId, requestedBy: userId };
    const lifecycle = container.services.lifecycle;
    rows.push(
      await changeOnce(container, 'change dated 200 trading days back: recompute', () =>
        lifecycle.cashFlow(actor, { portfolioId, type: 'contribution', amount: 10_000, date: addTradingDays(TARGET, -200) }),
      ),
    );
    rows.push(await changeOnce(container, 'change dated today: recompute', () => lifecycle.cashFlow(actor, { portfolioId, type: 'withdrawal', amount: 1_000, date: TARGET })));

    // 2-3. Nightly runs over many portfolios.
    const d0 = tradingDayOnOrBefore(TARGET);
    await seedMany(container.knex, nPortfolios, d0);
    rows.push(await runOnce(container, `setup: ${nPortfolios} portfolios × 20 positions, first day`, { scope: 'all', source: 'cron' }));
    now = nyEvening(addTradingDays(d0, 1));
    rows.push(await runOnce(container, `nightly: ${nPortfolios} portfolios × 20 positions, 1 new day`, { scope: 'all', source: 'cron' }));
    now = nyEvening(addTradingDays(d0, 6));
    rows.push(await runOnce(container, `nightly: ${nPortfolios} portfolios × 20 positions, 5 missed days`, { scope: 'all', source: 'cron' }));

    // 4. Scale-out: a second worker process's worth of Agenda on the same stores takes chunk jobs too.
    second = await createContainer({ config, role: 'all', clock: () => now, logger: createLogger('warn'), name: 'bench-b' });
    secondWorker = await startWorker(second);
    // Without Redis a worker that joins makes no vendor call for one beat plus the plan's window, until
    // the others have slowed down to their share: let it settle, so the night measures two workers, not a join.
    await sleep(2 * config.batch.heartbeatEveryMs + 1_500);
    now = nyEvening(addTradingDays(d0, 7));
    rows.push(await runOnce(container, `nightly: ${nPortfolios} portfolios × 20 positions, 1 new day, 2 workers`, { scope: 'all', source: 'cron' }));
    print(rows);
  } finally {
    await secondWorker?.stop();
    await second?.close();
    await worker?.stop();
    await container.close();
    await sim.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
