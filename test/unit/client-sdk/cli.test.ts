import { describe, expect, it } from 'vitest';
import { exitCodeOf, parseCommand, runCli, statusLine, UsageError } from '../../../client-sdk/cli.js';
import { waitForRun, WaitTimeoutError, type PortfolioBatchClient, type RunStatusView } from '../../../client-sdk/index.js';
import { runView, sink } from '../../helpers/cli.js';

const view = runView;

describe('parseCommand', () => {
  it('parses every command', () => {
    expect(parseCommand(['onboard', 'p.csv', '--name', 'Core', '--equity', '1e6', '--idempotency-key', 'k', '--wait'])).toEqual({
      kind: 'onboard',
      file: 'p.csv',
      name: 'Core',
      equity: '1e6',
      idempotencyKey: 'k',
      follow: { enabled: true, intervalMs: 2000, json: false },
    });
    expect(parseCommand(['run', '--portfolio', 'p', '--from', '2024-01-02', '--force', '--timeout', '30'])).toEqual({
      kind: 'run',
      portfolioId: 'p',
      from: '2024-01-02',
      force: true,
      follow: { enabled: false, intervalMs: 2000, timeoutMs: 30_000, json: false },
    });
    expect(parseCommand(['status', 'r1', '--watch', '--interval', '500'])).toMatchObject({ kind: 'status', runId: 'r1', follow: { enabled: true, intervalMs: 500 } });
    expect(parseCommand(['status'])).toMatchObject({ kind: 'status', follow: { enabled: false } });
    expect(parseCommand(['history', '--limit', '5'])).toEqual({ kind: 'history', limit: 5, json: false });
    expect(parseCommand(['user', 'create', 'a@b.c'])).toEqual({ kind: 'user-create', email: 'a@b.c', json: false });
    expect(parseCommand(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommand([])).toEqual({ kind: 'help' });
  });

  it.each([
    [['frobnicate'], 'Unknown command "frobnicate"'],
    [['onboard'], 'onboard needs a CSV file'],
    [['onboard', 'a.csv', '--equity', '1'], 'onboard needs --name'],
    [['onboard', 'a.csv', '--name', 'x'], 'onboard needs --equity'],
    [['run', '--from', '1/2/2024'], '--from must be a date as YYYY-MM-DD'],
    [['run', '--limit', '3'], 'Option --limit does not apply to "run"'],
    [['history', '--limit', '0'], '--limit must be a whole number from 1 to 200'],
    [['history', '--limit', 'many'], '--limit must be a whole number'],
    [['status', 'r1', '--portfolio', 'p'], 'not both'],
    [['status', 'a', 'b'], 'Unexpected argument "b"'],
    [['user', 'delete'], 'usage: portfolio-batch user create <email>'],
    [['user', 'create'], 'user create needs an email'],
    [['run', '--bogus'], "Unknown option '--bogus'"],
    [['run', '--timeout', '-1'], "--timeout"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('runCli', () => {
  it('exits 1 with a message on usage errors and a missing token', async () => {
    const out = sink();
    const err = sink();
    expect(await runCli(['nope'], { stdout: out.stream, stderr: err.stream, url: 'http://x', token: 't' })).toBe(1);
    expect(err.text()).toContain('Unknown command');
    expect(await runCli(['status'], { stdout: out.stream, stderr: err.stream, url: 'http://x', token: undefined })).toBe(1);
    expect(err.text()).toContain('PORTFOLIO_BATCH_TOKEN is not set');
    expect(await runCli(['--help'], { stdout: out.stream, stderr: err.stream, url: 'http://x', token: undefined })).toBe(0);
    expect(out.text()).toContain('Usage: portfolio-batch');
  });

  it('exits 1 when the API is unreachable, naming the URL', async () => {
    const err = sink();
    const code = await runCli(['status'], { stdout: sink().stream, stderr: err.stream, url: 'http://127.0.0.1:1', token: 't' });
    expect(code).toBe(1);
    expect(err.text()).toContain('cannot reach the API at http://127.0.0.1:1');
  });
});

describe('exit codes and lines', () => {
  it('maps terminal statuses to exit codes', () => {
    expect(exitCodeOf('completed')).toBe(0);
    expect(exitCodeOf('partial')).toBe(2);
    expect(exitCodeOf('failed')).toBe(3);
  });
  it('prints phase, percent, ETA and vendor calls', () => {
    expect(statusLine(view({}))).toBe('run r1 running phase=market_data 40% eta=1m15s vendor_calls=3/10');
    expect(statusLine(view({ status: 'completed', percent: 100, currentPhase: null }))).toBe('run r1 completed phase=done 100% vendor_calls=3/10');
  });
});

describe('waitForRun', () => {
  function fakeClient(statuses: RunStatusView[]): PortfolioBatchClient {
    let i = 0;
    return {
      batch: {
        status: {
          query: () => Promise.resolve(statuses[Math.min(i++, statuses.length - 1)]),
        },
      },
    } as unknown as PortfolioBatchClient;
  }

  it('polls until a terminal status and reports each one', async () => {
    const seen: string[] = [];
    const final = await waitForRun(fakeClient([view({ status: 'queued' }), view({}), view({ status: 'partial', percent: 100 })]), 'r1', {
      intervalMs: 1,
      onProgress: (s) => seen.push(s.status),
    });
    expect(final.status).toBe('partial');
    expect(seen).toEqual(['queued', 'running', 'partial']);
  });

  it('times out with the last status, and stops on abort', async () => {
    await expect(waitForRun(fakeClient([view({})]), 'r1', { intervalMs: 50, timeoutMs: 120 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const ac = new AbortController();
    const p = waitForRun(fakeClient([view({})]), 'r1', { intervalMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(p).rejects.toThrow('stop');
  });
});
