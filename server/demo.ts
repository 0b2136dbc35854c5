/**
 * `npm run demo`: the whole job with nothing to set up. Starts what is not configured (embedded
 * PostgreSQL without DATABASE_URL, the Polygon simulator without POLYGON_API_KEY, an in-memory
 * admin token without ADMIN_TOKEN), the API and a worker in this process, then drives everything
 * through the SDK like any client would: onboard a sample portfolio, follow its run, print a summary.
 * It prints the web console's address with a sign-in link first; on a terminal it keeps serving the
 * console after the summary until Ctrl-C.
 * A second start reuses the data folder: the same idempotency key finds the portfolio, and the
 * `settings` run it requests finds nothing missing for the days already covered.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createProgressReporter, exitCodeOf, fmtSeconds } from '../client-sdk/cli.js';
import { createClient, describeError, waitForRun, type ExposureView, type PortfolioBatchClient, type RunStatusView } from '../client-sdk/index.js';
import { startPolygonSim, type PolygonSim } from '../jobs/market-data/polygon-sim.js';
import { countTradingDays, targetDate } from '../jobs/calc/trading-calendar.js';
import { samplePositions } from './sample-portfolio.js';
import { loadConfig, type Config } from './config.js';
import { createContainer, type Container } from './container.js';
import { createLogger } from './logger.js';
import { createApiServer, type ApiServer } from './main.js';
import type { WorkerHandle } from '../jobs/worker.js';

export const DEMO_EMAIL = 'demo@portfolio-batch.local';
export const DEMO_PORTFOLIO = 'Demo: sample portfolio';
export const DEMO_IDEMPOTENCY_KEY = 'demo-sample-portfolio-v1';

const money = (n: number): string => n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const signedMoney = (n: number): string => `${n >= 0 ? '+' : '−'}${money(Math.abs(n))}`;
const signedCents = (n: number): string =>
  `${n >= 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const beta = (n: number | undefined): string => (n === undefined ? '     ·' : n.toFixed(2).padStart(6));

/** The factors shown per position (all 12 are stored; these fit a terminal). */
const TABLE_FACTORS: [string, string][] = [
  ['Market Beta', 'Market'],
  ['IR Beta', 'Rates'],
  ['Value', 'Value'],
  ['Growth', 'Growth'],
  ['Momentum', 'Mom'],
  ['Quality', 'Qual'],
  ['Size', 'Size'],
  ['Low Volatility', 'LowVol'],
];

function exposureTable(ex: ExposureView): string[] {
  const head = `  ${'symbol'.padEnd(7)} ${'quantity'.padStart(9)} ${TABLE_FACTORS.map(([, s]) => s.padStart(6)).join(' ')}`;
  const rows = ex.positions.map((p) => {
    const by = new Map(p.factors.map((f) => [f.factorName, f.beta]));
    return `  ${p.symbol.padEnd(7)} ${String(p.quantity).padStart(9)} ${TABLE_FACTORS.map(([n]) => beta(by.get(n))).join(' ')}`;
  });
  const pf = new Map(ex.portfolio.map((f) => [f.factorName, f.exposureValue ?? undefined]));
  const total = `  ${'PORTF.'.padEnd(7)} ${''.padStart(9)} ${TABLE_FACTORS.map(([n]) => beta(pf.get(n))).join(' ')}`;
  return [head, ...rows, total];
}

export interface ActionLine {
  symbol: string;
  date: string;
  kind: 'split' | 'dividend';
  description: string;
  shares: number;
  cash: number | null;
}

/**
 * The splits and dividends the portfolio met, and the dividend P&L the snapshots booked: positions
 * are valued with the shares in force after each split and as-traded closes, and a dividend is P&L
 * on its ex-date (received on a long, paid on a short).
 */
export function corporateActionLines(actions: readonly ActionLine[], cumulativeDividendPnl: number | null): string[] {
  const splits = actions.filter((a) => a.kind === 'split');
  const dividends = actions.filter((a) => a.kind === 'dividend');
  const lines = ['', `Corporate actions met: ${splits.length} split${splits.length === 1 ? '' : 's'}, ${dividends.length} dividend${dividends.length === 1 ? '' : 's'}`];
  if (actions.length === 0) {
    lines.push('  none stored for these positions in their holding periods');
    return lines;
  }
  for (const a of splits) lines.push(`  ${a.date}  ${a.symbol.padEnd(7)} ${a.description}: ${a.shares} shares held afterwards`);
  for (const a of dividends) {
    const cash = a.cash ?? 0;
    lines.push(`  ${a.date}  ${a.symbol.padEnd(7)} ${a.description} on ${a.shares} shares: ${signedCents(cash)} (${cash >= 0 ? 'received' : 'paid on the short'})`);
  }
  if (cumulativeDividendPnl !== null) lines.push(`  dividend P&L since inception ${signedCents(cumulativeDividendPnl)} (inside the P&L above)`);
  return lines;
}

/** A token of the demo user: a new user the first time, a fresh token for the same user afterwards. */
async function demoUserToken(admin: PortfolioBatchClient): Promise<{ token: string; tokenId: string }> {
  try {
    return await admin.user.create.mutate({ email: DEMO_EMAIL });
  } catch (err) {
    if (describeError(err).code !== 'CONFLICT') throw err;
    return admin.user.createToken.mutate({ email: DEMO_EMAIL });
  }
}

/** Onboards the sample, or finds it from an earlier demo; returns the run to follow. */
async function onboardOrReuse(user: PortfolioBatchClient, target: string, out: (s: string) => void): Promise<{ portfolioId: string; runId: string; reused: boolean }> {
  const positions = samplePositions(target);
  let portfolioId: string;
  let runId: string;
  try {
    ({ portfolioId, runId } = await user.portfolio.onboard.mutate({
      name: DEMO_PORTFOLIO,
      equityBalance: 1_000_000,
      currency: 'USD',
      idempotencyKey: DEMO_IDEMPOTENCY_KEY,
      positions,
    }));
  } catch (err) {
    // Same key, different body: the sample's dates moved with the calendar since the first demo.
    if (describeError(err).code !== 'CONFLICT') throw err;
    const existing = (await user.portfolio.list.query()).find((p) => p.name === DEMO_PORTFOLIO);
    if (!existing) throw err;
    portfolioId = existing.id;
    runId = '';
  }
  const first = runId ? await user.batch.status.query({ runId }) : null;
  if (first && first.status !== 'completed' && first.status !== 'partial' && first.status !== 'failed') {
    out(`Onboarded portfolio ${portfolioId} (13 positions); following its onboarding run ${runId}`);
    return { portfolioId, runId, reused: false };
  }
  out(`Portfolio ${portfolioId} exists from an earlier demo; asking for a settings run (only missing days are computed)`);
  const again = await user.batch.run.mutate({ portfolioId });
  return { portfolioId, runId: again.runId, reused: true };
}

async function summary(user: PortfolioBatchClient, portfolioId: string, final: RunStatusView, elapsedMs: number): Promise<string[]> {
  const [detail, page, exposures] = await Promise.all([
    user.portfolio.get.query({ portfolioId }),
    user.portfolio.snapshots.query({ portfolioId }),
    user.portfolio.exposures.query({ portfolioId }),
  ]);
  const snaps = page.snapshots;
  const last = snaps[snaps.length - 1];
  const target = detail.freshness.targetDate;
  const c = final.counters;
  const lines: string[] = [
    '',
    `Run ${final.runId}: ${final.status.toUpperCase()} (source ${final.source})`,
    `  trading days covered  ${detail.portfolio.inceptionDate} → ${detail.freshness.lastCompleteSnapshot ?? '—'} (${countTradingDays(detail.portfolio.inceptionDate, target)} trading days to the target ${target}; ${detail.freshness.tradingDaysBehind} behind)`,
    `  snapshots             ${snaps.length}${page.nextFrom ? '+' : ''} stored, ${c.snapshotsWritten ?? 0} written by this run`,
  ];
  if (last) {
    lines.push(
      `  latest value          ${money(last.totalValue)} on ${last.date} (daily P&L ${signedMoney(last.dailyPnl)}, since inception ${signedMoney(last.cumulativePnl)})`,
      `  exposure              long ${money(last.longValue)}, short ${money(last.shortValue)}, gross ${money(last.grossExposure)}, portfolio market beta ${last.betaMarket?.toFixed(2) ?? '—'}`,
    );
  }
  lines.push(
    `  vendor calls          ${c.vendorCalls ?? 0} this run (retried ${c.vendorRetries ?? 0}, rate-limited ${c.vendorRateLimited ?? 0}); bars written ${c.barsWritten ?? 0}`,
    `  elapsed               ${fmtSeconds(elapsedMs / 1000)} (${elapsedMs} ms) for the whole demo`,
    '',
    `Factor betas per position on ${exposures.date ?? '—'} (PORTF. = exposure as a share of equity):`,
    ...exposureTable(exposures),
  );
  lines.push(...corporateActionLines(detail.corporateActions, last?.cumulativeDividendPnl ?? null));
  if (detail.analytics.message) lines.push('', `Status: ${detail.analytics.status} (${detail.analytics.message})`);
  const unpriced = detail.positions.filter((p) => p.priceStatus === 'unavailable');
  const noPrice = final.warnings.filter((w) => w.symbol && !unpriced.some((p) => p.symbol === w.symbol));
  if (unpriced.length || noPrice.length) {
    lines.push('', 'Symbols without prices:');
    for (const p of unpriced) lines.push(`  ${p.symbol.padEnd(7)} ${p.unavailableReason ?? 'the vendor has no bars'}`);
    const seen = new Set<string>();
    for (const w of noPrice) {
      if (!w.symbol || seen.has(`${w.symbol}:${w.code}`)) continue;
      seen.add(`${w.symbol}:${w.code}`);
      lines.push(`  ${w.symbol.padEnd(7)} ${w.message}`);
    }
  }
  if (final.errorSummary) lines.push('', `Error: ${final.errorSummary}`);
  return lines;
}

/** Fills in what the environment leaves unset, so the demo runs with nothing configured. */
function demoConfig(base: Config, sim: PolygonSim | undefined, adminToken: string): Config {
  return {
    ...base,
    polygon: sim
      ? // The simulator is local: pace it like a paid plan instead of making the demo wait on free-plan limits.
        { ...base.polygon, baseUrl: sim.url, apiKey: 'demo-simulator-key', plan: 'paid', callsPerMinute: undefined }
      : base.polygon,
    api: { ...base.api, adminToken },
    // A demo process is short-lived: the nightly schedule belongs to long-running workers.
    batch: { ...base.batch, scheduleNightly: false },
  };
}

export interface DemoOptions {
  /** After the summary, keep serving the web console (default: on a terminal). */
  keepOpen?: boolean;
  /** With keepOpen: stop when this settles (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

const signalled = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const keepOpen = opts.keepOpen ?? Boolean(process.stdout.isTTY && process.stdin.isTTY);
  const started = Date.now();
  const out = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const base = loadConfig();
  // The terminal belongs to the progress bar: logs go to stderr, and only warnings unless asked for more.
  const logger = createLogger(base.log.level === 'info' ? 'warn' : base.log.level, pino.destination(2));
  let sim: PolygonSim | undefined;
  let container: Container | undefined;
  let worker: WorkerHandle | undefined;
  let api: ApiServer | undefined;
  let revoke: (() => Promise<unknown>) | undefined;
  try {
    if (!base.polygon.apiKey) {
      sim = await startPolygonSim({ port: 0 });
      out(`Polygon simulator on ${sim.url} (POLYGON_API_KEY is not set)`);
    }
    const adminToken = base.api.adminToken ?? randomBytes(24).toString('base64url');
    const config = demoConfig(base, sim, adminToken);
    container = await createContainer({ config, role: 'all', logger });
    out(container.db.dataDir ? `Embedded PostgreSQL, data in ${container.db.dataDir} (kept between demos)` : 'PostgreSQL from DATABASE_URL');
    worker = await container.startWorker();
    api = await createApiServer(container, { port: 0, host: '127.0.0.1', drainMs: 5_000 });
    out(`API on ${api.url}/trpc; worker running in this process`);

    const admin = createClient({ url: api.url, token: adminToken });
    const issued = await demoUserToken(admin);
    revoke = () => admin.user.revokeToken.mutate({ tokenId: issued.tokenId });
    const user = createClient({ url: api.url, token: issued.token });
    out(`Web console: ${api.url}/#token=${issued.token}  (signed in as ${DEMO_EMAIL}; the link keeps working while the demo runs)`);
    // An admin token the demo made up is shown; one from ADMIN_TOKEN is the operator's and is not printed.
    out(base.api.adminToken ? `  as admin: ${api.url}/ and sign in with ADMIN_TOKEN` : `  as admin: ${api.url}/#token=${adminToken}`);
    const target = targetDate(container.clock(), config.batch.closeCutoff);
    out(`Target date (latest final close, New York): ${target}`);

    const { portfolioId, runId } = await onboardOrReuse(user, target, out);
    const progress = createProgressReporter(process.stdout);
    let final: RunStatusView;
    try {
      final = await waitForRun(user, runId, { intervalMs: 500, freshness: true, onProgress: (s) => progress.onProgress(s) });
    } finally {
      progress.stop();
    }
    for (const line of await summary(user, portfolioId, final, Date.now() - started)) out(line);
    if (keepOpen) {
      // On a terminal the console stays up to be looked at; pipes and CI get the summary and an exit.
      out('');
      out(`The web console stays up at ${api.url}/ (links above). Ctrl-C stops the demo.`);
      await (opts.until ?? signalled()).catch(() => undefined);
    }
    return exitCodeOf(final.status);
  } catch (err) {
    const e = describeError(err);
    process.stderr.write(`demo failed: ${e.code === 'CLIENT' ? e.message : `${e.code}: ${e.message}`}\n`);
    return 1;
  } finally {
    await revoke?.().catch((err: unknown) => logger.warn({ err }, 'could not revoke the demo token'));
    await api?.close();
    await worker?.stop();
    logger.debug('closing the container');
    await container?.close();
    logger.debug('closing the simulator');
    await sim?.close();
    logger.debug('demo stopped');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Exit explicitly once everything is closed: a job-store timer of a finished job can otherwise
  // keep the event loop alive for half a lock lifetime.
  // `--keep-open`: serve the console after the summary even without a terminal (until SIGINT/SIGTERM).
  runDemo(process.argv.includes('--keep-open') ? { keepOpen: true } : {}).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
