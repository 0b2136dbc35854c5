/**
 * The web console (web/): served by the API process on the same origin, so it needs no CORS and no
 * server of its own. `GET /` answers web/index.html, `GET /assets/app.js` and `/assets/app.css` the
 * bundle. The bundle is built with esbuild from web/src the first time a page is asked for and kept in
 * memory for the life of the process (about 100-300 ms once), so neither `npm install`, `npm run demo`
 * nor `npm test` needs a build step, and a changed web/src is picked up by the next start.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';

export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

export interface WebBundle {
  html: Buffer;
  js: Buffer;
  css: Buffer;
  buildMs: number;
}

/** Bundles web/src/main.ts (and the CSS it imports) into memory. */
export async function buildWebBundle(): Promise<WebBundle> {
  const started = performance.now();
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: `${WEB_ROOT}src/main.ts` },
    bundle: true,
    write: false,
    outdir: '/assets',
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    loader: { '.css': 'css' },
  });
  const file = (ext: string): Buffer => {
    const out = result.outputFiles.find((f) => f.path.endsWith(ext));
    return Buffer.from(out ? out.contents : new Uint8Array());
  };
  const html = await readFile(`${WEB_ROOT}index.html`);
  return { html, js: file('.js'), css: file('.css'), buildMs: Math.round(performance.now() - started) };
}

export interface WebConsole {
  /** Answers the request when it is one of the console's; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The bundle (built once). */
  bundle(): Promise<WebBundle>;
}

/** Scripts and styles from this origin only, no inline script, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function createWebConsole(logger: Logger): WebConsole {
  let building: Promise<WebBundle> | undefined;
  const bundle = (): Promise<WebBundle> => {
    building ??= buildWebBundle().then(
      (b) => {
        logger.info({ buildMs: b.buildMs, jsBytes: b.js.length }, 'web console built');
        return b;
      },
      (err: unknown) => {
        building = undefined;
        throw err;
      },
    );
    return building;
  };
  const send = (res: ServerResponse, type: string, body: Buffer, head: boolean): void => {
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(head ? undefined : body);
  };
  return {
    bundle,
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const pick: Record<string, [string, (b: WebBundle) => Buffer]> = {
        '/': ['text/html; charset=utf-8', (b) => b.html],
        '/index.html': ['text/html; charset=utf-8', (b) => b.html],
        '/assets/app.js': ['text/javascript; charset=utf-8', (b) => b.js],
        '/assets/app.css': ['text/css; charset=utf-8', (b) => b.css],
      };
      const route = pick[path];
      if (!route) return false;
      bundle().then(
        (b) => send(res, route[0], route[1](b), req.method === 'HEAD'),
        (err: unknown) => {
          logger.error({ err }, 'web console build failed');
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
            res.end('The web console could not be built; see the API log.');
          }
        },
      );
      return true;
    },
  };
}
