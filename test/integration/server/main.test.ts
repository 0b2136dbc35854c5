/** The API server's request handling around tRPC: request ids, the access log, startup failures as JSON. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, logStartupFailure } from '../../../server/logger.js';
import { loadConfig } from '../../../server/config.js';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

/** A pino destination that keeps every JSON line. */
function captured(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const log = captured();
let stack: TestStack;
let api: ApiServer;

beforeAll(async () => {
  stack = await startTestStack({ worker: false, env: { ADMIN_TOKEN: ADMIN }, logger: createLogger('info', log.stream) });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 1_000 });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const accessLines = (): Record<string, unknown>[] => log.lines().filter((l) => l.component === 'access');

describe('request ids and the access log', () => {
  it('echoes the caller’s x-request-id and logs one access line with it, without the query string', async () => {
    const input = encodeURIComponent(JSON.stringify({ json: null }));
    const res = await fetch(`${api.url}/trpc/user.me?input=${input}&connectionParams=${encodeURIComponent('{"token":"secret-in-query"}')}`, {
      headers: { authorization: `Bearer ${ADMIN}`, 'x-request-id': 'req-abc-123' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    await res.text();
    await new Promise((r) => setImmediate(r));
    const line = accessLines().find((l) => l.requestId === 'req-abc-123');
    expect(line).toMatchObject({ method: 'GET', path: '/trpc/user.me', status: 200, procedures: ['user.me'], completed: true, msg: 'request' });
    expect(typeof line!.ms).toBe('number');
    expect(JSON.stringify(log.lines())).not.toContain('secret-in-query');
  });

  it('generates a UUID when the header is missing or unusable, for probes and 404s too', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const probe = await fetch(`${api.url}/healthz`);
    expect(probe.headers.get('x-request-id')).toMatch(uuid);
    const spaced = await fetch(`${api.url}/nowhere`, { headers: { 'x-request-id': 'has spaces in it' } });
    expect(spaced.status).toBe(404);
    const id = spaced.headers.get('x-request-id')!;
    expect(id).toMatch(uuid);
    await spaced.text();
    await new Promise((r) => setImmediate(r));
    expect(accessLines().find((l) => l.requestId === id)).toMatchObject({ path: '/nowhere', status: 404 });
  });

  it('echoes the request id on refused requests too', async () => {
    const res = await fetch(`${api.url}/trpc/batch.status?input=${encodeURIComponent(JSON.stringify({ json: { runId: 'not-a-uuid' } }))}`, {
      headers: { authorization: `Bearer ${ADMIN}`, 'x-request-id': 'req-bad-input' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('req-bad-input');
  });
});

describe('startup failures', () => {
  it('are one JSON line naming every bad variable', () => {
    const out = captured();
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', ADMIN_TOKEN: 'short' });
    } catch (e) {
      err = e;
    }
    logStartupFailure(err, 'the API', out.stream as never);
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, code: 'CONFIG_INVALID', msg: 'the API could not start: Invalid configuration:' });
    expect(lines[0]!.issues).toHaveLength(2);
    expect(lines[0]!.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^PORT="eighty": /), expect.stringMatching(/^ADMIN_TOKEN=\(hidden\): /)]));
  });
});
