/**
 * The CLI's newer commands as a child process against a real API (no worker: runs stay queued).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { CLI_COMMAND, REPO_ROOT, runCliProcess, type CliResult } from '../../helpers/cli.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const ROOT = REPO_ROOT;
const CLI = CLI_COMMAND;

let stack: TestStack;
let api: ApiServer;

const cli = (args: string[], token: string | undefined): Promise<CliResult> => runCliProcess(args, { url: api.url, token, timeoutMs: 60_000 });

beforeAll(async () => {
  stack = await startTestStack({ worker: false, env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 1_000 });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

describe('portfolio-batch CLI: tokens, portfolios, exit codes', () => {
  let userToken = '';
  let portfolioId = '';
  let runId = '';

  it('prints its version', async () => {
    const r = await cli(['--version'], undefined);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('issues a token for a user, lists and shows the portfolios with it, and revokes it: then exit 6 (unauthorized)', async () => {
    expect((await cli(['user', 'create', 'tokens@example.com', '--json'], ADMIN)).code).toBe(0);
    const issued = await cli(['token', 'create', 'tokens@example.com', '--json'], ADMIN);
    expect(issued.code).toBe(0);
    const { token, tokenId } = JSON.parse(issued.stdout) as { token: string; tokenId: string };
    userToken = token;

    const csv = path.join(ROOT, 'examples/core.csv');
    const onboarded = await cli(['onboard', csv, '--name', 'CLI tokens', '--equity', '250000', '--json'], userToken);
    expect(onboarded.stderr).toBe('');
    ({ portfolioId, runId } = JSON.parse(onboarded.stdout) as { portfolioId: string; runId: string });

    const list = await cli(['portfolio', 'list'], userToken);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${portfolioId}  CLI tokens  \\d+ positions  equity 250,000 USD`, 'm'));
    const get = await cli(['portfolio', 'get', portfolioId], userToken);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain(`portfolio ${portfolioId}: CLI tokens (USD`);
    expect(get.stdout).toMatch(/snapshots reach nothing yet \(target \d{4}-\d{2}-\d{2}/);
    expect(get.stdout).toMatch(/^ {2}AAPL /m);

    const revoked = await cli(['token', 'revoke', tokenId], ADMIN);
    expect(revoked).toMatchObject({ code: 0, stdout: `token ${tokenId} revoked\n` });
    expect((await cli(['token', 'revoke', tokenId], ADMIN)).code).toBe(5);

    const refused = await cli(['portfolio', 'list', '--json'], userToken);
    expect(refused.code).toBe(6);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'UNAUTHORIZED', httpStatus: 401, exitCode: 6 } });
    userToken = JSON.parse((await cli(['token', 'create', 'tokens@example.com', '--json'], ADMIN)).stdout).token as string;
  });

  it('exits 5 for a portfolio it cannot see, 7 for an admin-only command, 8 for a conflict', async () => {
    expect((await cli(['portfolio', 'get', '00000000-0000-4000-8000-000000000000'], userToken)).code).toBe(5);
    const forbidden = await cli(['user', 'create', 'eve@example.com'], userToken);
    expect(forbidden.code).toBe(7);
    expect(forbidden.stderr).toContain('error (FORBIDDEN)');
    const conflict = await cli(['user', 'create', 'tokens@example.com', '--json'], ADMIN);
    expect(conflict.code).toBe(8);
    expect(JSON.parse(conflict.stderr)).toMatchObject({ error: { code: 'CONFLICT', exitCode: 8 } });
  });

  it('shows a run that waits for a worker as queued, not as a phase in progress', async () => {
    const r = await cli(['status', runId], userToken);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${runId} queued (waiting for a worker) 0%`);
    expect(r.stdout).not.toMatch(/phase=|eta=/);
  });

  it('restores the cursor and exits 130 on Ctrl-C while following a run on a terminal', async () => {
    // script(1) gives the CLI a pseudo-terminal; a ^C byte written to it is a real Ctrl-C (SIGINT to the foreground group).
    const command = [...CLI, 'status', runId, '--watch', '--interval', '200'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, PORTFOLIO_BATCH_URL: api.url, PORTFOLIO_BATCH_TOKEN: userToken, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!output.includes('queued') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('\x1b[?25l'); // the bar hid the cursor
    expect(output).toMatch(/queued \(waiting for a worker\)\s*\|.*\| 0% \| ETA –/);
    child.stdin.write('\x03');
    const code = await exited;
    expect(code).toBe(130);
    expect(output.lastIndexOf('\x1b[?25h')).toBeGreaterThan(output.lastIndexOf('\x1b[?25l'));
    expect(output).toContain('interrupted');
  });
});
