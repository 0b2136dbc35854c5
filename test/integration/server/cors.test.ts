import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../../server/cors.js';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const APP = 'http://app.example:5173';
const OTHER = 'https://evil.example';

let stack: TestStack;
let api: ApiServer;

beforeAll(async () => {
  stack = await startTestStack({ worker: false, env: { ADMIN_TOKEN: ADMIN, CORS_ORIGINS: `${APP}, https://admin.example` } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 1_000 });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const corsHeaders = (r: Response): Record<string, string> =>
  Object.fromEntries([...r.headers.entries()].filter(([k]) => k.startsWith('access-control-')));

const preflight = (origin: string, method: string, headers: string): Promise<Response> =>
  fetch(`${api.url}/trpc/batch.status`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

describe('CORS over real HTTP', () => {
  it('answers a preflight from an allowed origin before tRPC, with every header the client sends', async () => {
    const r = await preflight(APP, 'POST', 'authorization,content-type,x-request-id,trpc-accept');
    expect(r.status).toBe(204);
    expect(corsHeaders(r)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': CORS_ALLOWED_HEADERS,
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    });
    for (const h of ['authorization', 'content-type', 'x-request-id', 'trpc-accept']) expect(CORS_ALLOWED_HEADERS.split(', ')).toContain(h);
    expect(r.headers.get('vary')).toMatch(/\bOrigin\b/);
    // Bearer tokens, no cookies: credentials are never allowed.
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await r.text()).toBe('');
  });

  it('refuses a preflight from an origin that is not allowed, with no CORS headers', async () => {
    const r = await preflight(OTHER, 'POST', 'authorization,content-type');
    expect(r.status).toBe(403);
    expect(corsHeaders(r)).toEqual({});
    expect(r.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect(await r.json()).toEqual({ error: `Origin ${OTHER} is not allowed to call this API (CORS_ORIGINS)` });
  });

  it('answers a plain OPTIONS (no preflight) with the methods instead of a tRPC 415', async () => {
    const r = await fetch(`${api.url}/trpc/batch.status`, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    expect(r.headers.get('allow')).toBe('GET, POST, OPTIONS');
  });

  it('carries the CORS headers on an actual call from an allowed origin, errors included, and none for another origin', async () => {
    const get = (origin: string, token: string | undefined): Promise<Response> =>
      fetch(`${api.url}/trpc/user.me`, { headers: { origin, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    const ok = await get(APP, ADMIN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(ok.headers.get('vary')?.split(/,\s*/)).toEqual(expect.arrayContaining(['Origin', 'trpc-accept', 'accept']));
    expect(((await ok.json()) as { result: { data: { json: { role: string } } } }).result.data.json.role).toBe('admin');

    const unauthorised = await get(APP, undefined);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('access-control-allow-origin')).toBe(APP);

    const other = await get(OTHER, ADMIN);
    expect(other.status).toBe(200); // the server still answers; the browser withholds it from the page
    expect(corsHeaders(other)).toEqual({});
    expect(other.headers.get('vary')).toMatch(/\bOrigin\b/);

    const probe = await fetch(`${api.url}/healthz`, { headers: { origin: 'https://admin.example' } });
    expect(probe.headers.get('access-control-allow-origin')).toBe('https://admin.example');
  });

  it('a POST batch from an allowed origin gets the headers too', async () => {
    const r = await fetch(`${api.url}/trpc/user.create?batch=1`, {
      method: 'POST',
      headers: { origin: APP, authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'x-request-id': 'cors-1' },
      body: JSON.stringify({ 0: { json: { email: 'cors@example.com' } } }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
  });
});
