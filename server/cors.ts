/**
 * Cross-origin access for browser apps on other origins, by an allowlist (CORS_ORIGINS).
 *
 * Credentials policy: callers authenticate with a bearer token in the Authorization header, never
 * with cookies, so `Access-Control-Allow-Credentials` is not sent (a browser app sets the header
 * itself; `fetch` needs no `credentials: 'include'`). Allowed origins are echoed one at a time, never `*`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORS_ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** What the tRPC client sends: the token, JSON bodies, a request id, and the streaming links' accept header. */
export const CORS_ALLOWED_HEADERS = 'authorization, content-type, x-request-id, trpc-accept';
/** How long a browser may reuse a preflight answer (browsers cap it: Chromium at 2 h, Firefox at 24 h). */
export const CORS_MAX_AGE_SECONDS = 600;

export interface Cors {
  /**
   * Sets the CORS headers of the response to `req`. Answers OPTIONS itself (a preflight, or a plain
   * OPTIONS) and returns true then; otherwise returns false and the request goes on to its route.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const allowed = new Set(allowedOrigins);
  const isAllowed = (origin: string | undefined): boolean => origin !== undefined && allowed.has(origin);

  return {
    handle(req, res) {
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      // The answer depends on Origin whenever CORS is involved: caches must key on it.
      res.setHeader('vary', 'Origin');
      if (isAllowed(origin)) {
        res.setHeader('access-control-allow-origin', origin as string);
        // Lets the app read the request id that every response echoes (for support tickets).
        if (req.method !== 'OPTIONS') res.setHeader('access-control-expose-headers', 'x-request-id');
      }
      if (req.method !== 'OPTIONS') return false;

      const preflight = origin !== undefined && req.headers['access-control-request-method'] !== undefined;
      if (!preflight) {
        res.writeHead(204, { allow: CORS_ALLOWED_METHODS });
        res.end();
        return true;
      }
      if (!isAllowed(origin)) {
        // No Access-Control-Allow-* at all: the browser refuses the call; the body says why to whoever looks.
        const body = JSON.stringify({ error: `Origin ${origin} is not allowed to call this API (CORS_ORIGINS)` });
        res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(body);
        return true;
      }
      res.writeHead(204, {
        'access-control-allow-methods': CORS_ALLOWED_METHODS,
        'access-control-allow-headers': CORS_ALLOWED_HEADERS,
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
      res.end();
      return true;
    },
  };
}
