/**
 * portfolio-batch admin CLI. Talks to the API through the SDK only. Exit codes: see EXIT and HELP.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createClient, describeError, type ApiErrorInfo, type PortfolioBatchClient, type RunStatusView } from './index.js';
import { isTerminal, waitForRun, WaitTimeoutError } from './wait-for-run.js';

export const EXIT = {
  ok: 0,
  usage: 1,
  partial: 2,
  failed: 3,
  timeout: 4,
  notFound: 5,
  unauthorized: 6,
  forbidden: 7,
  conflict: 8,
  rateLimited: 9,
  /** 128 + SIGINT, as shells report a Ctrl-C. */
  interrupted: 130,
} as const;

/** The exit code of an error the API answered (by its tRPC code); anything else is 1. */
export function exitCodeForError(code: string): number {
  switch (code) {
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'UNAUTHORIZED':
      return EXIT.unauthorized;
    case 'FORBIDDEN':
      return EXIT.forbidden;
    case 'CONFLICT':
      return EXIT.conflict;
    case 'TOO_MANY_REQUESTS':
      return EXIT.rateLimited;
    default:
      return EXIT.usage;
  }
}

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
  portfolio list
        Your portfolios (admins: everyone's), with how far their snapshots reach
  portfolio get <portfolioId>
        One portfolio: positions with their price status, and its freshness
  portfolio delete <portfolioId> [--idempotency-key <key>]
        Soft-delete a portfolio: it leaves every run at once, its history stays
  trade <portfolioId> <symbol> <quantity> <price> --date <YYYY-MM-DD> [--fees <amount>] [--allow-short]
        [--idempotency-key <key>] [--wait]
        Record a trade (quantity > 0 buys or covers, < 0 sells or shorts); lots close FIFO
  cash <portfolioId> contribution|withdrawal <amount> --date <YYYY-MM-DD> [--note <text>]
        [--idempotency-key <key>] [--wait]
        Record money coming in or going out at the close of a date
  positions <portfolioId> [--symbol <symbol>]
        The live positions (lots) of a portfolio, or every lot of one symbol with its realized P&L
  import-trades <file.csv> --portfolio <id> [--allow-short] [--idempotency-key <key>] [--wait]
        Import trades from a CSV with the header Date,Symbol,Quantity,Price[,Fees], all or nothing
  user create <email>
        Create a user (admin) and print its token, shown only this once
  token create <email | userId>
        Issue another token for a user (admin); shown only this once
  token revoke <tokenId>
        Revoke a token (admin)

Options:
  --wait, --watch       follow the run with a progress bar until it ends
  --interval <ms>       polling interval while following (default 2000)
  --timeout <seconds>   stop following after this long (exit code 4; the run continues)
  --json                print machine-readable JSON (errors too, on stderr)
  -h, --help            show this help
  --version             print the version

Environment:
  PORTFOLIO_BATCH_URL    API base URL (default http://127.0.0.1:3000)
  PORTFOLIO_BATCH_TOKEN  bearer token (ADMIN_TOKEN or a user token)

Exit codes:
  0 done (run completed)  2 run partial  3 run failed  4 timeout (the run continues)
  1 usage, invalid input or connection error
  5 not found  6 unauthorized (no or bad token)  7 forbidden (not allowed for this token)
  8 conflict   9 rate limited (retry later)       130 interrupted (Ctrl-C)

From a checkout: npx -- portfolio-batch <command> (the -- keeps npx from reading the options),
or npm run cli -- <command>.
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'onboard'; file: string; name: string; equity: string; currency?: string; idempotencyKey?: string; follow: Follow }
  | { kind: 'run'; portfolioId?: string; from?: string; force: boolean; follow: Follow }
  | { kind: 'status'; runId?: string; portfolioId?: string; follow: Follow }
  | { kind: 'history'; portfolioId?: string; limit: number; json: boolean }
  | { kind: 'portfolio-list'; json: boolean }
  | { kind: 'portfolio-get'; portfolioId: string; json: boolean }
  | { kind: 'user-create'; email: string; json: boolean }
  | { kind: 'token-create'; who: { email: string } | { userId: string }; json: boolean }
  | { kind: 'token-revoke'; tokenId: string; json: boolean }
  | { kind: 'portfolio-delete'; portfolioId: string; idempotencyKey?: string; json: boolean }
  | { kind: 'trade'; portfolioId: string; symbol: string; quantity: string; price: string; date: string; fees?: string; allowShort: boolean; idempotencyKey?: string; follow: Follow }
  | { kind: 'cash'; portfolioId: string; type: 'contribution' | 'withdrawal'; amount: string; date: string; note?: string; idempotencyKey?: string; follow: Follow }
  | { kind: 'positions'; portfolioId: string; symbol?: string; json: boolean }
  | { kind: 'import-trades'; file: string; portfolioId: string; allowShort: boolean; idempotencyKey?: string; follow: Follow };

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
  version: { type: 'boolean' },
  date: { type: 'string' },
  fees: { type: 'string' },
  'allow-short': { type: 'boolean' },
  note: { type: 'string' },
  symbol: { type: 'string' },
} as const;

const ALLOWED: Record<string, readonly string[]> = {
  onboard: ['name', 'equity', 'currency', 'idempotency-key', 'wait', 'watch', 'interval', 'timeout', 'json'],
  run: ['portfolio', 'from', 'force', 'wait', 'watch', 'interval', 'timeout', 'json'],
  status: ['portfolio', 'wait', 'watch', 'interval', 'timeout', 'json'],
  history: ['portfolio', 'limit', 'json'],
  portfolio: ['json', 'idempotency-key'],
  trade: ['date', 'fees', 'allow-short', 'idempotency-key', 'wait', 'watch', 'interval', 'timeout', 'json'],
  cash: ['date', 'note', 'idempotency-key', 'wait', 'watch', 'interval', 'timeout', 'json'],
  positions: ['symbol', 'json'],
  'import-trades': ['portfolio', 'allow-short', 'idempotency-key', 'wait', 'watch', 'interval', 'timeout', 'json'],
  user: ['json'],
  token: ['json'],
};

/** Stands for the minus sign of a negative number while options are parsed. */
const NEGATIVE_MARK = 'neg\u0000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function positiveInt(v: string | undefined, flag: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Parses argv (without node and the script) into a command, or throws a UsageError saying what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  // A negative number ("trade p1 AAPL -5 190") is an argument, not an option.
  const negative = /^-(\d|\.\d)/;
  const unmark = (a: string): string => (a.startsWith(NEGATIVE_MARK) ? `-${a.slice(NEGATIVE_MARK.length)}` : a);
  try {
    parsed = parseArgs({ args: argv.map((a) => (negative.test(a) ? `${NEGATIVE_MARK}${a.slice(1)}` : a)), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err));
  }
  const v = Object.fromEntries(Object.entries(parsed.values).map(([k, x]) => [k, typeof x === 'string' ? unmark(x) : x])) as typeof parsed.values;
  const [cmd, ...rest] = parsed.positionals.map(unmark);
  if (v.help || (cmd === undefined && !v.version) || cmd === 'help') return { kind: 'help' };
  if (v.version) {
    if (cmd !== undefined) throw new UsageError('--version takes no command');
    return { kind: 'version' };
  }
  const allowed = ALLOWED[cmd as string];
  if (!allowed) throw new UsageError(`Unknown command ${JSON.stringify(cmd)}; commands: onboard, run, status, history, portfolio list|get|delete, trade, cash, positions, import-trades, user create, token create|revoke`);
  for (const key of Object.keys(v)) {
    if (key !== 'help' && !allowed.includes(key)) throw new UsageError(`Option --${key} does not apply to "${cmd}"`);
  }
  const json = Boolean(v.json);
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
      return { kind: 'history', ...(v.portfolio ? { portfolioId: v.portfolio } : {}), limit: positiveInt(v.limit, 'limit', 200) ?? 20, json };
    case 'portfolio': {
      if (v['idempotency-key'] && rest[0] !== 'delete') throw new UsageError('Option --idempotency-key applies to "portfolio delete" only');
      if (rest[0] === 'list') {
        if (rest.length > 1) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[1])} for "portfolio list"`);
        return { kind: 'portfolio-list', json };
      }
      if (rest[0] === 'get') {
        const portfolioId = rest[1];
        if (!portfolioId) throw new UsageError('portfolio get needs an id: portfolio-batch portfolio get <portfolioId>');
        if (rest.length > 2) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[2])} for "portfolio get"`);
        return { kind: 'portfolio-get', portfolioId, json };
      }
      if (rest[0] === 'delete') {
        const portfolioId = rest[1];
        if (!portfolioId) throw new UsageError('portfolio delete needs an id: portfolio-batch portfolio delete <portfolioId>');
        if (rest.length > 2) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[2])} for "portfolio delete"`);
        return { kind: 'portfolio-delete', portfolioId, ...(v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {}), json };
      }
      throw new UsageError('usage: portfolio-batch portfolio list | portfolio get <portfolioId> | portfolio delete <portfolioId>');
    }
    case 'trade': {
      extra(4);
      const [portfolioId, symbol, quantity, price] = rest;
      if (!portfolioId || !symbol || !quantity || !price) throw new UsageError('usage: portfolio-batch trade <portfolioId> <symbol> <quantity> <price> --date <YYYY-MM-DD> [--fees <amount>] [--allow-short]');
      if (!v.date) throw new UsageError('trade needs --date <YYYY-MM-DD>');
      return {
        kind: 'trade',
        portfolioId,
        symbol,
        quantity,
        price,
        date: v.date,
        ...(v.fees ? { fees: v.fees } : {}),
        allowShort: Boolean(v['allow-short']),
        ...(v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {}),
        follow,
      };
    }
    case 'cash': {
      extra(3);
      const [portfolioId, type, amount] = rest;
      if (!portfolioId || !amount || (type !== 'contribution' && type !== 'withdrawal')) {
        throw new UsageError('usage: portfolio-batch cash <portfolioId> contribution|withdrawal <amount> --date <YYYY-MM-DD>');
      }
      if (!v.date) throw new UsageError('cash needs --date <YYYY-MM-DD>');
      return { kind: 'cash', portfolioId, type, amount, date: v.date, ...(v.note ? { note: v.note } : {}), ...(v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {}), follow };
    }
    case 'positions': {
      extra(1);
      if (!rest[0]) throw new UsageError('positions needs a portfolio id: portfolio-batch positions <portfolioId> [--symbol <symbol>]');
      return { kind: 'positions', portfolioId: rest[0], ...(v.symbol ? { symbol: v.symbol } : {}), json };
    }
    case 'import-trades': {
      extra(1);
      if (!rest[0]) throw new UsageError('import-trades needs a CSV file: portfolio-batch import-trades <file.csv> --portfolio <id>');
      if (!v.portfolio) throw new UsageError('import-trades needs --portfolio <id>');
      return { kind: 'import-trades', file: rest[0], portfolioId: v.portfolio, allowShort: Boolean(v['allow-short']), ...(v['idempotency-key'] ? { idempotencyKey: v['idempotency-key'] } : {}), follow };
    }
    case 'user': {
      if (rest[0] !== 'create') throw new UsageError('usage: portfolio-batch user create <email>');
      const email = rest[1];
      if (!email) throw new UsageError('user create needs an email: portfolio-batch user create <email>');
      if (rest.length > 2) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[2])} for "user create"`);
      return { kind: 'user-create', email, json };
    }
    case 'token': {
      const [sub, arg, more] = rest;
      if (more !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(more)} for "token ${sub ?? ''}"`);
      if (sub === 'create') {
        if (!arg) throw new UsageError('token create needs a user: portfolio-batch token create <email | userId>');
        return { kind: 'token-create', who: UUID.test(arg) ? { userId: arg } : { email: arg }, json };
      }
      if (sub === 'revoke') {
        if (!arg) throw new UsageError('token revoke needs a token id: portfolio-batch token revoke <tokenId>');
        return { kind: 'token-revoke', tokenId: arg, json };
      }
      throw new UsageError('usage: portfolio-batch token create <email | userId> | portfolio-batch token revoke <tokenId>');
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

/**
 * What a run is doing, as shown. A queued run is waiting for a worker, even when it keeps the phase
 * it was handed back in (a stopped worker returns its run to the queue): it shows as queued, without
 * an ETA, never as a phase in progress.
 */
export function phaseLabel(s: RunStatusView): string {
  if (s.status === 'queued') return `queued ${queuedNote(s)}`;
  if (isTerminal(s.status)) return 'done';
  return s.currentPhase ?? (s.percent > 0 ? 'between phases' : 'starting');
}

const queuedNote = (s: RunStatusView): string => (s.currentPhase ? `(stopped in ${s.currentPhase}, waiting for a worker)` : '(waiting for a worker)');

const etaOf = (s: RunStatusView): string => (isTerminal(s.status) ? 'done' : s.status === 'queued' ? '–' : fmtSeconds(s.etaSeconds));

/** One line per status, the same on a TTY and in logs. */
export function statusLine(s: RunStatusView): string {
  const c = s.counters;
  const calls = `${c.vendorCalls ?? 0}${c.vendorCallsPlanned ? `/${c.vendorCallsPlanned}` : ''}`;
  const eta = s.status === 'running' ? ` eta=${fmtSeconds(s.etaSeconds)}` : '';
  const phase = s.status === 'queued' ? ` ${queuedNote(s)}` : ` phase=${phaseLabel(s)}`;
  return `run ${s.runId} ${s.status}${phase} ${Math.round(s.percent)}%${eta} vendor_calls=${calls}`;
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
          phase: phaseLabel(s).padEnd(19),
          etaText: etaOf(s),
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

/** Prints an error as text, or under --json as one JSON object on stderr; returns the exit code. */
function reportError(e: ApiErrorInfo, io: Pick<CliIo, 'stderr' | 'url'>, json: boolean): number {
  const exitCode = e.code === 'NETWORK' || e.code === 'USAGE' || e.code === 'CLIENT' ? EXIT.usage : exitCodeForError(e.code);
  const message = e.code === 'NETWORK' ? `cannot reach the API at ${io.url} (${e.message}); check PORTFOLIO_BATCH_URL` : e.message;
  if (json) {
    const error = { code: e.code, message, httpStatus: e.httpStatus, issues: e.issues, errorId: e.errorId, retryAfterSeconds: e.retryAfterSeconds, exitCode };
    io.stderr.write(`${JSON.stringify({ error })}\n`);
    return exitCode;
  }
  io.stderr.write(e.code === 'NETWORK' || e.code === 'USAGE' ? `error: ${message}\n` : `error (${e.code}): ${message}\n`);
  if (e.retryAfterSeconds !== null) io.stderr.write(`retry in ${e.retryAfterSeconds} s\n`);
  return exitCode;
}

const usageError = (message: string): ApiErrorInfo => ({ code: 'USAGE', httpStatus: null, message, issues: [], errorId: null, retryAfterSeconds: null });

/** Ctrl-C: put the terminal back (the progress bar hides the cursor) and exit 130, as a shell expects. */
export function onInterrupt(io: Pick<CliIo, 'stdout' | 'stderr'>): number {
  if (io.stdout.isTTY) io.stdout.write('\x1b[?25h\n');
  io.stderr.write('interrupted; a run keeps going on the server (portfolio-batch status <runId> --watch follows it again)\n');
  return EXIT.interrupted;
}

const money = (n: number, currency: string): string => `${n.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${currency}`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: Command;
  const wantsJson = argv.includes('--json');
  try {
    cmd = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const code = reportError(usageError(err.message), io, wantsJson);
    if (!wantsJson) io.stderr.write('Run "portfolio-batch --help" for usage.\n');
    return code;
  }
  if (cmd.kind === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (cmd.kind === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const json = 'follow' in cmd ? cmd.follow.json : cmd.json;
  if (!io.token) {
    return reportError(usageError('PORTFOLIO_BATCH_TOKEN is not set (use ADMIN_TOKEN or a token from "portfolio-batch user create")'), io, json);
  }
  const client = io.client ?? createClient({ url: io.url, token: io.token });
  const out = (s: string): void => {
    io.stdout.write(`${s}\n`);
  };
  /** Prints a result as JSON under --json, else as text lines. */
  const show = <T>(value: T, lines: (v: T) => string[]): number => {
    out(json ? JSON.stringify(value) : lines(value).join('\n'));
    return EXIT.ok;
  };
  try {
    switch (cmd.kind) {
      case 'onboard': {
        let csv: string;
        try {
          csv = await readFile(cmd.file, 'utf8');
        } catch (err) {
          return reportError(usageError(`cannot read ${cmd.file}: ${err instanceof Error ? err.message : String(err)}`), io, json);
        }
        const res = await client.portfolio.onboard.mutate({
          name: cmd.name,
          equityBalance: cmd.equity,
          csv,
          ...(cmd.currency ? { currency: cmd.currency } : {}),
          ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        });
        out(json ? JSON.stringify(res) : `portfolio ${res.portfolioId} onboarded; run ${res.runId}`);
        return cmd.follow.enabled ? await followRun(client, res.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'run': {
        const res = await client.batch.run.mutate({
          ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}),
          ...(cmd.from ? { from: cmd.from } : {}),
          ...(cmd.force ? { force: true } : {}),
        });
        out(json ? JSON.stringify(res) : `run ${res.runId}${res.deduplicated ? ' (already queued or running for this scope)' : ' requested'}`);
        return cmd.follow.enabled ? await followRun(client, res.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'status': {
        const s = await client.batch.status.query({
          ...(cmd.runId ? { runId: cmd.runId } : {}),
          ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}),
          freshness: true,
        });
        if (!s) {
          out(json ? 'null' : 'no runs yet');
          return EXIT.ok;
        }
        if (cmd.follow.enabled && !isTerminal(s.status)) return await followRun(client, s.runId, cmd.follow, io);
        out(json ? JSON.stringify(s) : [statusLine(s), ...summaryLines(s).slice(1)].join('\n'));
        return exitCodeOf(s.status);
      }
      case 'history':
        return show(await client.batch.history.query({ limit: cmd.limit, ...(cmd.portfolioId ? { portfolioId: cmd.portfolioId } : {}) }), (page) =>
          page.runs.length === 0
            ? ['no runs']
            : page.runs.map(
                (r) =>
                  `${r.createdAt.toISOString()}  ${r.runId}  ${r.status.padEnd(9)} ${r.source.padEnd(10)} ${r.scope === 'all' ? 'all portfolios' : `portfolio ${r.portfolioId ?? '?'}`}  ${Math.round(r.percent)}%  vendor_calls=${r.counters.vendorCalls ?? 0}`,
              ),
        );
      case 'portfolio-list':
        return show(await client.portfolio.list.query(), (list) =>
          list.length === 0
            ? ['no portfolios']
            : list.map(
                (p) =>
                  `${p.id}  ${p.name}  ${p.positionCount} positions  equity ${money(p.equityBalance, p.currency)}  since ${p.inceptionDate}  snapshots to ${p.lastCompleteSnapshotDate ?? 'none yet'}${p.deletedAt ? '  (deleted)' : ''}`,
              ),
        );
      case 'portfolio-get':
        return show(await client.portfolio.get.query({ portfolioId: cmd.portfolioId }), ({ portfolio: p, positions, freshness: f }) => [
          `portfolio ${p.id}: ${p.name} (${p.currency}, equity ${money(p.equityBalance, p.currency)} at ${p.inceptionDate})`,
          `  snapshots reach ${f.lastCompleteSnapshot ?? 'nothing yet'} (target ${f.targetDate}, ${f.tradingDaysBehind} trading days behind)`,
          `  ${positions.length} positions:`,
          ...positions.map((x) => {
            const exit = x.exitDate ? `, exited ${x.exitDate} at ${x.exitPrice ?? '?'}` : '';
            const price = x.priceStatus === 'unavailable' ? `no prices (${x.unavailableReason ?? 'unavailable'})` : `prices ${x.priceStatus ?? 'pending'}`;
            return `  ${x.symbol.padEnd(8)} ${String(x.quantity).padStart(12)} @ ${x.entryPrice} from ${x.entryDate}${exit}  ${x.investmentClass}  ${price}`;
          }),
        ]);
      case 'portfolio-delete': {
        const r = await client.portfolio.delete.mutate({ portfolioId: cmd.portfolioId, ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}) });
        out(json ? JSON.stringify(r) : `portfolio ${cmd.portfolioId} deleted${r.replayed ? ' (already, by this key)' : ''}; it leaves every run, its history stays`);
        return EXIT.ok;
      }
      case 'trade': {
        const r = await client.portfolio.trade.mutate({
          portfolioId: cmd.portfolioId,
          symbol: cmd.symbol,
          quantity: cmd.quantity,
          price: cmd.price,
          date: cmd.date,
          ...(cmd.fees ? { fees: cmd.fees } : {}),
          ...(cmd.allowShort ? { allowShort: true } : {}),
          ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        });
        out(
          json
            ? JSON.stringify(r)
            : `trade ${r.tradeId} recorded${r.replayed ? ' (replayed)' : ''}: ${r.lotsClosed} lot(s) closed, realized ${r.realizedPnl}${r.lotOpened ? `, lot ${r.lotOpened} opened` : ''}; recomputing from ${r.affectedFrom ?? '-'} (run ${r.runId ?? 'none'})`,
        );
        return cmd.follow.enabled && r.runId ? await followRun(client, r.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'cash': {
        const r = await client.portfolio.cashFlow.mutate({
          portfolioId: cmd.portfolioId,
          type: cmd.type,
          amount: cmd.amount,
          date: cmd.date,
          ...(cmd.note ? { note: cmd.note } : {}),
          ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        });
        out(json ? JSON.stringify(r) : `${cmd.type} ${r.cashFlowId} recorded${r.replayed ? ' (replayed)' : ''}; recomputing from ${r.affectedFrom ?? '-'} (run ${r.runId ?? 'none'})`);
        return cmd.follow.enabled && r.runId ? await followRun(client, r.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'positions': {
        if (cmd.symbol) {
          return show(await client.position.lots.query({ portfolioId: cmd.portfolioId, symbol: cmd.symbol }), (lots) =>
            lots.length === 0
              ? ['no lots']
              : lots.map(
                  (l) =>
                    `${l.id}  ${l.symbol.padEnd(8)} ${String(l.quantity).padStart(12)} @ ${l.entryPrice} from ${l.entryDate}${l.exitDate ? `  closed ${l.exitDate} at ${l.exitPrice ?? '?'}, realized ${l.realizedPnl ?? '?'}` : '  open'}`,
                ),
          );
        }
        return show((await client.portfolio.get.query({ portfolioId: cmd.portfolioId })).positions, (positions) =>
          positions.length === 0
            ? ['no positions']
            : positions.map((x) => `${x.id}  ${x.symbol.padEnd(8)} ${String(x.quantity).padStart(12)} @ ${x.entryPrice} from ${x.entryDate}${x.exitDate ? `  exited ${x.exitDate} at ${x.exitPrice ?? '?'}` : ''}`),
        );
      }
      case 'import-trades': {
        let csv: string;
        try {
          csv = await readFile(cmd.file, 'utf8');
        } catch (err) {
          return reportError(usageError(`cannot read ${cmd.file}: ${err instanceof Error ? err.message : String(err)}`), io, json);
        }
        const r = await client.portfolio.importTrades.mutate({
          portfolioId: cmd.portfolioId,
          csv,
          ...(cmd.allowShort ? { allowShort: true } : {}),
          ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        });
        out(json ? JSON.stringify(r) : `${r.trades} trades imported${r.replayed ? ' (replayed)' : ''}, realized ${r.realizedPnl}; recomputing from ${r.affectedFrom ?? '-'} (run ${r.runId ?? 'none'})`);
        return cmd.follow.enabled && r.runId ? await followRun(client, r.runId, cmd.follow, io) : EXIT.ok;
      }
      case 'user-create':
        return show(await client.user.create.mutate({ email: cmd.email }), (u) => [
          `user ${u.userId} (${u.email})`,
          `token ${u.token}`,
          'The token is shown only now: store it (e.g. PORTFOLIO_BATCH_TOKEN).',
        ]);
      case 'token-create':
        return show(await client.user.createToken.mutate(cmd.who), (t) => [
          `token ${t.token}`,
          `token id ${t.tokenId} for user ${t.userId} (${t.email}); revoke it with: portfolio-batch token revoke ${t.tokenId}`,
          'The token is shown only now: store it.',
        ]);
      case 'token-revoke': {
        const r = await client.user.revokeToken.mutate({ tokenId: cmd.tokenId });
        if (json) out(JSON.stringify({ tokenId: cmd.tokenId, ...r }));
        if (r.revoked) {
          if (!json) out(`token ${cmd.tokenId} revoked`);
          return EXIT.ok;
        }
        if (!json) io.stderr.write(`error: token ${cmd.tokenId} is not active (unknown, or revoked before)\n`);
        return EXIT.notFound;
      }
    }
  } catch (err) {
    return reportError(describeError(err), io, json);
  }
}

/** The process entry point: reads the environment, runs the command, sets the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.once('SIGINT', () => process.exit(onInterrupt(process)));
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
