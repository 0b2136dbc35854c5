/**
 * portfolio-batch admin CLI. Talks to the API through the SDK only.
 * Exit codes: 0 completed/ok, 2 partial, 3 failed, 1 usage or connection error, 4 timeout.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createClient, describeError, type PortfolioBatchClient, type RunStatusView } from './index.js';
import { isTerminal, waitForRun, WaitTimeoutError } from './wait-for-run.js';

export const EXIT = { ok: 0, usage: 1, partial: 2, failed: 3, timeout: 4 } as const;

export const HELP = `Usage: portfolio-batch <command> [options]

Commands:
  onboard <file.csv> --name <name> --equity <amount> [--currency USD] [--idempotency-key <key>] [--wait]
        Onboard a portfolio from a CSV with the header
        Symbol,Quantity,Entry Price Per Share,Entry Date[,Exit Date,Exit Price Per Share,Investment Class]
  run [--portfolio <id>] [--from <YYYY-MM-DD>] [--force] [--wait]
        Request a run (admins: any scope; users: one of their portfolios)
  status [<runId>] [--portfolio <id>] [--watch]
        Show a run (default: your latest), or follow it until it ends
  history [--portfolio <id>] [--limit <n>]
        List recent runs
  user create <email>
        Create a user (admin) and print its token, shown only this once

Options:
  --wait, --watch       follow the run with a progress bar until it ends
  --interval <ms>       polling interval while following (default 2000)
  --timeout <seconds>   stop following after this long (exit code 4; the run continues)
  --json                print machine-readable JSON instead of text
  -h, --help            show this help

Environment:
  PORTFOLIO_BATCH_URL    API base URL (default http://127.0.0.1:3000)
  PORTFOLIO_BATCH_TOKEN  bearer token (ADMIN_TOKEN or a user token)

Exit codes: 0 completed, 2 partial, 3 failed, 1 usage or connection error, 4 timeout.
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { kind: 'help' }
  | { kind: 'onboard'; file: string; name: string; equity: string; currency?: string; idempotencyKey?: string; follow: Follow }
  | { kind: 'run'; portfolioId?: string; from?: string; force: boolean; follow: Follow }
  | { kind: 'status'; runId?: string; portfolioId?: string; follow: Follow }
  | { kind: 'history'; portfolioId?: string; limit: number; json: boolean }
  | { kind: 'user-create'; email: string };

export interface Follow {
  enabled: boolean;
  intervalMs: number;
  timeoutMs?: number;
  json: boolean;
}

const OPTIONS = {
  name: { type: 'string' },
  equity: { type: 'string' },
  currency: { type: 'string' },
  'idempotency-key': { type: 'string' },
  wait: { type: 'boolean' },
  watch: { type: 'boolean' },
  portfolio: { type: 'string' },
  from: { type: 'string' },
  force: { type: 'boolean' },
  limit: { type: 'string' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Record<string, readonly string[]> = {
  onboard: ['name', 'equity', 'currency', 'idempotency-key', 'wait', 'watch', 'interval', 'timeout', 'json'],
  run: ['portfolio', 'from', 'force', 'wait', 'watch', 'interval', 'timeout', 'json'],
  status: ['portfolio', 'wait', 'watch', 'interval', 'timeout', 'json'],
  history: ['portfolio', 'limit', 'json'],
  user: ['json'],
};

function positiveInt(v: string | undefined, flag: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Parses argv (without node and the script) into a command, or throws a UsageError saying what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err));
  }
  const { values: v, positionals } = parsed;
  const [cmd, ...rest] = positionals;
  if (v.help || cmd === undefined || cmd === 'help') return { kind: 'help' };
  const allowed = ALLOWED[cmd];
  if (!allowed) throw new UsageError(`Unknown command ${JSON.stringify(cmd)}; commands: onboard, run, status, history, user create`);
  for (const key of Object.keys(v)) {
    if (key !== 'help' && !allowed.includes(key)) throw new UsageError(`Option --${key} does not apply to "${cmd}"`);
  }
  const follow: Follow = {
    enabled: Boolean(v.wait || v.watch),
    intervalMs: positiveInt(v.interval, 'interval', 3_600_000) ?? 2_000,
    json: Boolean(v.json),
  };
  const timeout = positiveInt(v.timeout, 'timeout', 7 * 24 * 3600);
  if (timeout !== undefined) follow.timeoutMs = timeout * 1000;
  const extra = (max: number): void => {
    if (rest.length > max) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[max])} for "${cmd}"`);
  };

  switch (cmd) {
    case 'onboard': {
      extra(1);
      const file = rest[0];
      if (!file) throw new UsageError('onboard needs a CSV file: portfolio-batch onboard <file.csv> --name <name> --equity <amount>');
      if (!v.name) throw new UsageError('onboard needs --name <portfolio name>');
      if (!v.equity) throw new UsageError('onboard needs --equity <equity balance at inception>');
      return {
        kind: 'onboard',
        file,
        name: v.name,
        equity: v.equity,
        ...(v.currency ? { currency: v.currency } : {}),
        ...(v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {}),
        follow,
      };
    }
    case 'run':
      extra(0);
      if (v.from !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v.from)) throw new UsageError(`--from must be a date as YYYY-MM-DD, got ${JSON.stringify(v.from)}`);
      return { kind: 'run', ...(v.portfolio ? { portfolioId: v.portfolio } : {}), ...(v.from ? { from: v.from } : {}), force: Boolean(v.force), follow };
    case 'status':
      extra(1);
      if (rest[0] && v.portfolio) throw new UsageError('status takes a run id or --portfolio, not both');
      return { kind: 'status', ...(rest[0] ? { runId: rest[0] } : {}), ...(v.portfolio ? { portfolioId: v.portfolio } : {}), follow };
    case 'history':
      extra(0);
      return { kind: 'history', ...(v.portfolio ? { portfolioId: v.portfolio } : {}), limit: positiveInt(v.limit, 'limit', 200) ?? 20, json: Boolean(v.json) };
    case 'user': {
      if (rest[0] !== 'create') throw new UsageError('usage: portfolio-batch user create <email>');
      const email = rest[1];
      if (!email) throw new UsageError('user create needs an email: portfolio-batch user create <email>');
      if (rest.length > 2) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[2])} for "user create"`);
      return { kind: 'user-create', email };
    }
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(cmd)}`);
  }
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  url: string;
  token: string | undefined;
  client?: PortfolioBatchClient;
}

export function exitCodeOf(status: RunStatusView['status']): number {
  if (status === 'completed') return EXIT.ok;
  if (status === 'partial') return EXIT.partial;
  if (status === 'failed') return EXIT.failed;
  return EXIT.ok;
}

export const fmtSeconds = (s: number | null): string => {
  if (s === null || !Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
};

/** One line per status, the same on a TTY and in logs. */
export function statusLine(s: RunStatusView): string {
  const c = s.counters;
  const phase = s.currentPhase ?? (isTerminal(s.status) ? 'done' : 'waiting');
  const calls = `${c.vendorCalls ?? 0}${c.vendorCallsPlanned ? `/${c.vendorCallsPlanned}` : ''}`;
  const eta = isTerminal(s.status) ? '' : ` eta=${fmtSeconds(s.etaSeconds)}`;
  return `run ${s.runId} ${s.status} phase=${phase} ${Math.round(s.percent)}%${eta} vendor_calls=${calls}`;
}

export function summaryLines(s: RunStatusView): string[] {
  const c = s.counters;
  const lines = [
    `run ${s.runId}: ${s.status} (${s.scope}${s.portfolioId ? ` ${s.portfolioId}` : ''}, source ${s.source}, target ${s.targetDate ?? '?'})`,
    `  vendor calls ${c.vendorCalls ?? 0} (retried ${c.vendorRetries ?? 0}, rate-limited ${c.vendorRateLimited ?? 0}); bars written ${c.barsWritten ?? 0}`,
    `  portfolios ${c.portfolios ?? 0}, portfolio-days ${c.portfolioDates ?? 0}, snapshots written ${c.snapshotsWritten ?? 0}`,
  ];
  if (s.startedAt && s.finishedAt) lines.push(`  took ${fmtSeconds((s.finishedAt.getTime() - s.startedAt.getTime()) / 1000)}`);
  if (s.freshness) {
    lines.push(`  snapshots reach ${s.freshness.lastCompleteSnapshot ?? 'nothing yet'} (target ${s.freshness.targetDate}, ${s.freshness.tradingDaysBehind} trading days behind)`);
  }
  if (s.errorSummary) lines.push(`  error: ${s.errorSummary}`);
  for (const w of s.warnings.slice(0, 20)) lines.push(`  warning: ${w.message}`);
  if (s.warnings.length > 20) lines.push(`  … and ${s.warnings.length - 20} more warnings`);
  return lines;
}

export interface ProgressReporter {
  onProgress(s: RunStatusView): void;
  stop(): void;
}

/** A live bar (phase, percent, ETA, vendor calls) on a terminal; one plain line per change otherwise. */
export function createProgressReporter(stdout: CliIo['stdout'], opts: { json?: boolean } = {}): ProgressReporter {
  const tty = Boolean(stdout.isTTY) && !opts.json;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = '';
  return {
    onProgress(s) {
      if (opts.json) return;
      if (tty) {
        const payload = {
          phase: (s.currentPhase ?? s.status).padEnd(19),
          etaText: isTerminal(s.status) ? 'done' : fmtSeconds(s.etaSeconds),
          calls: `${s.counters.vendorCalls ?? 0}${s.counters.vendorCallsPlanned ? `/${s.counters.vendorCallsPlanned}` : ''}`,
        };
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: '{phase} |{bar}| {percentage}% | ETA {etaText} | vendor calls {calls}', hideCursor: true, stream: stdout as NodeJS.WriteStream },
            cliProgress.Presets.shades_classic,
          );
          bar.start(100, Math.round(s.percent), payload);
        } else bar.update(Math.round(s.percent), payload);
        return;
      }
      const line = statusLine(s);
      if (line !== lastLine) stdout.write(`${new Date().toISOString()} ${line}\n`);
      lastLine = line;
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Follows a run to its end with a progress display, prints its summary, returns the exit code. */
export async function followRun(client: PortfolioBatchClient, runId: string, follow: Follow, io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<number> {
  const progress = createProgressReporter(io.stdout, { json: follow.json });
  try {
    const final = await waitForRun(client, runId, {
      onProgress: (s) => progress.onProgress(s),
      intervalMs: follow.intervalMs,
      freshness: true,
      ...(follow.timeoutMs !== undefined ? { timeoutMs: follow.timeoutMs } : {}),
    });
    progress.stop();
    io.stdout.write(follow.json ? `${JSON.stringify(final)}\n` : `${summaryLines(final).join('\n')}\n`);
    return exitCodeOf(final.status);
  } catch (err) {
    progress.stop();
    if (err instanceof WaitTimeoutError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.timeout;
    }
    throw err;
  }
}

function printError(err: unknown, io: Pick<CliIo, 'stderr' | 'url'>): void {
  const e = describeError(err);
  if (e.code === 'NETWORK') {
    io.stderr.write(`error: cannot reach the API at ${io.url} (${e.message}); check PORTFOLIO_BATCH_URL\n`);
    return;
  }
  io.stderr.write(`error (${e.code}): ${e.message}\n`);
  if (e.retryAfterSeconds !== null) io.stderr.write(`retry in ${e.retryAfterSeconds} s\n`);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`error: ${err.message}\nRun "portfolio-batch --help" for usage.\n`);
    return EXIT.usage;
  }
  if (cmd.kind === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!io.token) {
    io.stderr.write('error: PORTFOLIO_BATCH_TOKEN is not set (use ADMIN_TOKEN or a token from "portfolio-batch user create")\n');
    return EXIT.usage;
  }
  const client = io.client ?? createClient({ url: io.url, token: io.token });
  const out = (s: string): void => {
    io.stdout.write(`${s}\n`);
  };
  try {
    switch (cmd.kind) {
      case 'onboard': {
        let csv: string;
        try {
          csv = await readFile(cmd.file, 'utf8');
        } catch (err) {
          io.stderr.write(`error: cannot read ${cmd.file}: ${err instanceof Error ? err.message : String(err)}\n`);
          return EXIT.usage;
        }
        const res = await client.portfolio.onboard.mutate({
          name: cmd.name,
          equityBalance: cmd.equity,
          csv,
          ...(cmd.currency ? { currency: cmd.currency } : {}),
          ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        });
        out(cmd.follow.json ? JSON.stringify(res) : `portfolio ${res.portfolioId} onboarded; run ${res.runId}`);
        return cmd.follow.enabled ? await followRun(client, res.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'run': {
        const res = await client.batch.run.mutate({
          ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}),
          ...(cmd.from ? { from: cmd.from } : {}),
          ...(cmd.force ? { force: true } : {}),
        });
        out(cmd.follow.json ? JSON.stringify(res) : `run ${res.runId}${res.deduplicated ? ' (already queued or running for this scope)' : ' requested'}`);
        return cmd.follow.enabled ? await followRun(client, res.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'status': {
        const s = await client.batch.status.query({
          ...(cmd.runId ? { runId: cmd.runId } : {}),
          ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}),
          freshness: true,
        });
        if (!s) {
          out(cmd.follow.json ? 'null' : 'no runs yet');
          return EXIT.ok;
        }
        if (cmd.follow.enabled && !isTerminal(s.status)) return await followRun(client, s.runId, cmd.follow, io);
        out(cmd.follow.json ? JSON.stringify(s) : [statusLine(s), ...summaryLines(s).slice(1)].join('\n'));
        return exitCodeOf(s.status);
      }
      case 'history': {
        const page = await client.batch.history.query({ limit: cmd.limit, ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}) });
        if (cmd.json) {
          out(JSON.stringify(page));
          return EXIT.ok;
        }
        if (page.runs.length === 0) out('no runs');
        for (const r of page.runs) {
          out(
            `${r.createdAt.toISOString()}  ${r.runId}  ${r.status.padEnd(9)} ${r.source.padEnd(10)} ${r.scope === 'all' ? 'all portfolios' : `portfolio ${r.portfolioId ?? '?'}`}  ${Math.round(r.percent)}%  vendor_calls=${r.counters.vendorCalls ?? 0}`,
          );
        }
        return EXIT.ok;
      }
      case 'user-create': {
        const u = await client.user.create.mutate({ email: cmd.email });
        out(`user ${u.userId} (${u.email})`);
        out(`token ${u.token}`);
        out('The token is shown only now: store it (e.g. PORTFOLIO_BATCH_TOKEN).');
        return EXIT.ok;
      }
    }
  } catch (err) {
    printError(err, io);
    return EXIT.usage;
  }
}

/** The process entry point: reads the environment, runs the command, sets the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runCli(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      url: process.env.PORTFOLIO_BATCH_URL ?? 'http://127.0.0.1:3000',
      token: process.env.PORTFOLIO_BATCH_TOKEN,
    });
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.usage;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
