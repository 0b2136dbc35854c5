import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, EXIT, exitCodeForError, onInterrupt, parseCommand, phaseLabel, runCli, statusLine, VERSION } from '../../../client-sdk/cli.js';
import { TRPCClientError, type PortfolioBatchClient, type RunStatusView } from '../../../client-sdk/index.js';
import { runView, sink } from '../../helpers/cli.js';

const view = (over: Partial<RunStatusView>): RunStatusView => runView({ percent: 20, etaSeconds: 36, ...over });

const apiError = (code: string, httpStatus: number, message: string, extra: Record<string, unknown> = {}) =>
  TRPCClientError.from({ error: { message, code: -32000, data: { code, httpStatus, ...extra } } });

/** A client whose every call fails with `err`. */
function failingClient(err: unknown): PortfolioBatchClient {
  const fail = () => Promise.reject(err);
  const proc = { query: fail, mutate: fail };
  const ns = new Proxy({}, { get: () => proc });
  return new Proxy({}, { get: () => ns }) as PortfolioBatchClient;
}

describe('CLI arguments', () => {
  it('parses the version, portfolio and token commands', () => {
    expect(parseCommand(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommand(['portfolio', 'list', '--json'])).toEqual({ kind: 'portfolio-list', json: true });
    expect(parseCommand(['portfolio', 'get', 'p1'])).toEqual({ kind: 'portfolio-get', portfolioId: 'p1', json: false });
    expect(parseCommand(['token', 'create', 'ada@example.com'])).toEqual({ kind: 'token-create', who: { email: 'ada@example.com' }, json: false });
    expect(parseCommand(['token', 'create', '0b6f6a8e-3f0e-4c39-9a36-5b2a0a7e2f11'])).toEqual({
      kind: 'token-create',
      who: { userId: '0b6f6a8e-3f0e-4c39-9a36-5b2a0a7e2f11' },
      json: false,
    });
    expect(parseCommand(['token', 'revoke', 't1', '--json'])).toEqual({ kind: 'token-revoke', tokenId: 't1', json: true });
    expect(parseCommand(['user', 'create', 'a@b.c', '--json'])).toEqual({ kind: 'user-create', email: 'a@b.c', json: true });
  });

  it.each([
    [['portfolio'], 'usage: portfolio-batch portfolio list'],
    [['portfolio', 'get'], 'portfolio get needs an id'],
    [['portfolio', 'list', 'x'], 'Unexpected argument "x"'],
    [['token', 'create'], 'token create needs a user'],
    [['token', 'revoke'], 'token revoke needs a token id'],
    [['token', 'rotate', 'x'], 'usage: portfolio-batch token create'],
    [['token', 'revoke', 'a', 'b'], 'Unexpected argument "b"'],
    [['portfolio', 'list', '--wait'], 'Option --wait does not apply to "portfolio"'],
    [['status', '--version'], '--version takes no command'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('CLI exit codes', () => {
  it('gives not-found, unauthorized, forbidden, conflict and rate-limited codes of their own', () => {
    const codes = ['NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'CONFLICT', 'TOO_MANY_REQUESTS'].map(exitCodeForError);
    expect(codes).toEqual([EXIT.notFound, EXIT.unauthorized, EXIT.forbidden, EXIT.conflict, EXIT.rateLimited]);
    expect(new Set([...codes, EXIT.ok, EXIT.usage, EXIT.partial, EXIT.failed, EXIT.timeout, EXIT.interrupted]).size).toBe(11);
    expect(exitCodeForError('BAD_REQUEST')).toBe(EXIT.usage);
    expect(exitCodeForError('INTERNAL_SERVER_ERROR')).toBe(EXIT.usage);
  });

  it.each([
    ['NOT_FOUND', 404, 5],
    ['UNAUTHORIZED', 401, 6],
    ['FORBIDDEN', 403, 7],
    ['CONFLICT', 409, 8],
    ['TOO_MANY_REQUESTS', 429, 9],
    ['BAD_REQUEST', 400, 1],
  ])('an API %s exits %i, and prints JSON on stderr under --json', async (code, httpStatus, exitCode) => {
    const client = failingClient(apiError(code, httpStatus, `went wrong: ${code}`, code === 'TOO_MANY_REQUESTS' ? { retryAfterSeconds: 12 } : {}));
    const text = { out: sink(), err: sink() };
    expect(await runCli(['portfolio', 'get', 'p1'], { stdout: text.out.stream, stderr: text.err.stream, url: 'http://x', token: 't', client })).toBe(exitCode);
    expect(text.err.text()).toContain(`error (${code}): went wrong: ${code}`);

    const json = { out: sink(), err: sink() };
    expect(await runCli(['portfolio', 'get', 'p1', '--json'], { stdout: json.out.stream, stderr: json.err.stream, url: 'http://x', token: 't', client })).toBe(exitCode);
    expect(json.out.text()).toBe('');
    expect(JSON.parse(json.err.text())).toEqual({
      error: {
        code,
        message: `went wrong: ${code}`,
        httpStatus,
        issues: [],
        errorId: null,
        retryAfterSeconds: code === 'TOO_MANY_REQUESTS' ? 12 : null,
        exitCode,
      },
    });
  });

  it('reports usage errors, a missing token and an unreachable API as JSON under --json', async () => {
    const usage = sink();
    expect(await runCli(['token', 'revoke', '--json'], { stdout: sink().stream, stderr: usage.stream, url: 'http://x', token: 't' })).toBe(1);
    expect(JSON.parse(usage.text())).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('token revoke needs a token id'), exitCode: 1 } });
    const noToken = sink();
    expect(await runCli(['portfolio', 'list', '--json'], { stdout: sink().stream, stderr: noToken.stream, url: 'http://x', token: undefined })).toBe(1);
    expect(JSON.parse(noToken.text())).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('PORTFOLIO_BATCH_TOKEN is not set') } });
    const down = sink();
    expect(await runCli(['status', '--json'], { stdout: sink().stream, stderr: down.stream, url: 'http://127.0.0.1:1', token: 't' })).toBe(1);
    expect(JSON.parse(down.text())).toMatchObject({ error: { code: 'NETWORK', message: expect.stringContaining('cannot reach the API at http://127.0.0.1:1'), exitCode: 1 } });
  });

  it('prints the version of the package', async () => {
    const out = sink();
    expect(await runCli(['--version'], { stdout: out.stream, stderr: sink().stream, url: 'http://x', token: undefined })).toBe(0);
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(out.text()).toBe(`${version}\n`);
    expect(VERSION).toBe(version);
  });
});

describe('CLI display of a queued run', () => {
  const stopped = view({ status: 'queued', currentPhase: 'market_data', percent: 20, etaSeconds: 36 });

  it('says queued, not a phase in progress, and shows no ETA', () => {
    expect(phaseLabel(stopped)).toBe('queued (stopped in market_data, waiting for a worker)');
    expect(phaseLabel(view({ status: 'queued', currentPhase: null, percent: 0 }))).toBe('queued (waiting for a worker)');
    expect(statusLine(stopped)).toBe('run r1 queued (stopped in market_data, waiting for a worker) 20% vendor_calls=3/10');
    expect(statusLine(view({}))).toBe('run r1 running phase=market_data 20% eta=36s vendor_calls=3/10');
    expect(phaseLabel(view({ currentPhase: null, percent: 0 }))).toBe('starting');
    expect(phaseLabel(view({ currentPhase: null, percent: 40 }))).toBe('between phases');
  });

  it('draws the bar as queued on a terminal', () => {
    const out = sink(true);
    const bar = createProgressReporter(out.stream as unknown as NodeJS.WriteStream);
    bar.onProgress(view({}));
    bar.onProgress(stopped);
    bar.stop();
    const text = out.text();
    expect(text).toContain('market_data');
    expect(text).toContain('ETA 36s');
    const last = text.slice(text.lastIndexOf('queued'));
    expect(last).toMatch(/^queued \(stopped in market_data, waiting for a worker\) \|.*\| 20% \| ETA – \|/);
  });
});

describe('CLI interrupt', () => {
  it('shows the cursor again on a terminal and exits 130', () => {
    const tty = { out: sink(true), err: sink() };
    expect(onInterrupt({ stdout: tty.out.stream, stderr: tty.err.stream })).toBe(130);
    expect(tty.out.text()).toBe('\x1b[?25h\n');
    expect(tty.err.text()).toContain('interrupted');
    const pipe = sink(false);
    expect(onInterrupt({ stdout: pipe.stream, stderr: sink().stream })).toBe(130);
    expect(pipe.text()).toBe('');
  });
});
