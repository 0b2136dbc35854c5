import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays } from '../../jobs/calc/trading-calendar.js';
import { createApiServer, type ApiServer } from '../../server/main.js';
import { runCliProcess, type CliResult } from '../helpers/cli.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

let stack: TestStack;
let api: ApiServer;
let dir: string;

const cli = (args: string[], token: string | undefined): Promise<CliResult> => runCliProcess(args, { url: api.url, token });

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  dir = await mkdtemp(path.join(tmpdir(), 'pb-cli-'));
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('portfolio-batch CLI against a running API', () => {
  let userToken = '';
  let portfolioId = '';

  it('creates a user and prints its token once', async () => {
    const r = await cli(['user', 'create', 'cli@example.com'], ADMIN);
    expect(r.code).toBe(0);
    const token = /^token (\S+)$/m.exec(r.stdout)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    userToken = token ?? '';
  });

  it('onboards a CSV and waits for the run: exit code 0', async () => {
    const file = path.join(dir, 'good.csv');
    await writeFile(
      file,
      [
        'Symbol,Quantity,Entry Price Per Share,Entry Date',
        `AAPL,10,180,${addTradingDays(TEST_TARGET, -25)}`,
        `MSFT,5,400,${addTradingDays(TEST_TARGET, -20)}`,
      ].join('\n'),
    );
    const r = await cli(['onboard', file, '--name', 'CLI book', '--equity', '250000', '--wait', '--interval', '200', '--timeout', '100'], userToken);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    portfolioId = /portfolio (\S+) onboarded/.exec(r.stdout)?.[1] ?? '';
    expect(portfolioId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.stdout).toMatch(/: completed \(portfolio/);
    expect(r.stdout).toContain(`snapshots reach ${TEST_TARGET}`);
  });

  it('follows a run with plain lines when stdout is not a terminal', async () => {
    const started = await cli(['run', '--portfolio', portfolioId, '--from', addTradingDays(TEST_TARGET, -10), '--force'], ADMIN);
    expect(started.code).toBe(0);
    const runId = /^run (\S+)/.exec(started.stdout)?.[1] ?? '';
    const r = await cli(['status', runId, '--watch', '--interval', '200'], ADMIN);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${runId}`);
    expect(r.stdout).toMatch(/completed/);
    // No cursor movement or colour codes in logs.
    expect(r.stdout).not.toContain(String.fromCharCode(27));
    const history = await cli(['history', '--portfolio', portfolioId, '--limit', '5'], userToken);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain(runId);
  });

  it('rejects a bad CSV with exit code 1 and the row/field message', async () => {
    const file = path.join(dir, 'bad.csv');
    await writeFile(file, ['Symbol,Quantity,Entry Price Per Share,Entry Date', 'AAPL,10,180,2024-01-02', 'MSFT,0,400,2024-13-01'].join('\n'));
    const r = await cli(['onboard', file, '--name', 'Bad book', '--equity', '1000'], userToken);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error (BAD_REQUEST)');
    expect(r.stderr).toContain('row 3, field Quantity: must not be 0');
    expect(r.stderr).toContain('row 3, field Entry Date: 2024-13-01 is not a calendar date');
  });

  it('exits 1 on usage errors and 7 when the token may not do it', async () => {
    expect((await cli(['run', '--from', 'yesterday'], ADMIN)).code).toBe(1);
    const r = await cli(['user', 'create', 'x@example.com'], userToken);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('error (FORBIDDEN)');
  });
});
