import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { RunStatusView } from '../../client-sdk/index.js';

/** A writable that keeps what it was given; `isTTY` makes it look like a terminal. */
export function sink(isTTY = false) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

/** A run's status as the API returns it: running, in market data, 40 %. */
export const runView = (over: Partial<RunStatusView> = {}): RunStatusView => ({
  runId: 'r1',
  scope: 'portfolio',
  portfolioId: 'p1',
  source: 'admin',
  status: 'running',
  requestedFrom: null,
  targetDate: '2026-11-20',
  force: false,
  createdAt: new Date(0),
  startedAt: null,
  heartbeatAt: null,
  finishedAt: null,
  percent: 40,
  etaSeconds: 75,
  currentPhase: 'market_data',
  phases: {},
  counters: { vendorCalls: 3, vendorCallsPlanned: 10 },
  warnings: [],
  errorSummary: null,
  activityLog: [],
  freshness: null,
  ...over,
});

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI as a process: node with tsx's loader, no npm or npx in between. */
export const CLI_COMMAND = [process.execPath, '--import', 'tsx', 'client-sdk/cli.ts'];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process against `url` with `token`. */
export function runCliProcess(args: string[], opts: { url: string; token: string | undefined; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      CLI_COMMAND[0] as string,
      [...CLI_COMMAND.slice(1), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, PORTFOLIO_BATCH_URL: opts.url, PORTFOLIO_BATCH_TOKEN: opts.token ?? '' }, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
      },
    );
  });
}
