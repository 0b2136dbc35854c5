import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.js';
import { createWebConsole, type WebConsole } from '../../../server/web-console.js';

let server: Server;
let web: WebConsole;
let base = '';

beforeAll(async () => {
  web = createWebConsole(createLogger('silent'));
  server = createServer((req, res) => {
    if (!web.handle(req, res)) {
      res.writeHead(404);
      res.end('not the console');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('web console assets', () => {
  it('serves the page, the script and the styles from one in-memory build, with a strict CSP', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');

    const js = await fetch(`${base}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const code = await js.text();
    expect(code).toContain('/trpc');
    expect(code.length).toBeGreaterThan(10_000);
    const css = await fetch(`${base}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('focus-visible');

    // Built once per process: every later request answers from the same bundle.
    const [a, b] = await Promise.all([web.bundle(), web.bundle()]);
    expect(a).toBe(b);
  });

  it('answers HEAD without a body and leaves other paths and methods to the API', async () => {
    const head = await fetch(`${base}/assets/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(10_000);
    expect(await head.text()).toBe('');
    for (const [method, path] of [
      ['GET', '/assets/other.js'],
      ['GET', '/trpc/user.me'],
      ['POST', '/'],
      ['GET', '/../server/main.ts'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
    }
  });
});
