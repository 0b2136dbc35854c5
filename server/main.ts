/**
 * The API process: tRPC over plain node:http, plus /healthz and /readyz. Built on the container so
 * tests, the demo and the benchmark start the same server in-process on port 0.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { WorkerHeartbeatModel, type LiveWorker } from '../db/models/worker-heartbeat.model.js';
import { loadConfig } from './config.js';
import { createContainer, type Container } from './container.js';
import { logStartupFailure } from './logger.js';
import { sendMetrics } from './metrics.js';
import { createCors } from './cors.js';
import { ValidationError } from './services/errors.js';
import { createContextFactory, requestIdOf, type ApiServices } from './trpc/context.js';
import { toTRPCError } from './trpc/error-map.js';
import { appRouter } from './trpc/routers/_app.router.js';
import { createWebConsole } from './web-console.js';

export interface ApiServerOptions {
  /** Default: config.api.port (0 picks a free port). */
  port?: number;
  host?: string;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  services: ApiServices;
  close(): Promise<void>;
}

/** 5,000 positions as JSON with superjson's envelope stay well under this; anything bigger is refused unread. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Calls one HTTP request may batch. The SDK splits larger batches itself (httpBatchLink maxItems);
 * a bigger batch is refused whole with BAD_REQUEST, field "batch", before any call runs.
 */
export const MAX_BATCH_CALLS = 20;
const PROBE_TIMEOUT_MS = 2_000;
/** Procedure names as metric labels: anything else a client sends is counted as "unknown". */
const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/** The procedures a /trpc/ path names (a batch names several, comma-separated). */
function proceduresOf(path: string): string[] {
  if (!path.startsWith('/trpc/')) return [];
  let names: string[];
  try {
    names = decodeURIComponent(path.slice('/trpc/'.length)).split(',');
  } catch {
    return ['unknown'];
  }
  return names.map((n) => (PROCEDURES.has(n) ? n : 'unknown'));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function createApiServer(container: Container, opts: ApiServerOptions = {}): Promise<ApiServer> {
  const { config, logger } = container;
  const services = container.services;
  const log = logger.child({ component: 'api' });
  if (!config.api.adminToken) log.warn('ADMIN_TOKEN is not set: admin procedures (user.create, batch.run over all portfolios) refuse every token');

  const shutdown = new AbortController();
  const contextOf = createContextFactory(services, shutdown.signal);
  const metrics = container.metrics;
  metrics.trackWatchers(() => services.runWatch.watchers);
  const accessLog = logger.child({ component: 'access' });
  const requestIds = new WeakMap<IncomingMessage, string>();
  const cors = createCors(config.api.corsOrigins);
  const web = createWebConsole(log);
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext({ req, info }) {
      if (info.calls.length > MAX_BATCH_CALLS) {
        const tooMany = new ValidationError([
          { field: 'batch', message: `has ${info.calls.length} calls; one HTTP request may batch at most ${MAX_BATCH_CALLS} (split it, e.g. httpBatchLink maxItems: ${MAX_BATCH_CALLS})` },
        ]);
        throw toTRPCError(tooMany, log);
      }
      return contextOf({ req, connectionParams: info.connectionParams, ...(requestIds.has(req) ? { requestId: requestIds.get(req) } : {}) });
    },
    // tRPC sets its own Vary; CORS answers depend on Origin as well.
    responseMeta: () => ({ headers: new Headers({ vary: 'Origin' }) }),
    onError({ error, path }) {
      // Mapped errors were logged where they were mapped; only protocol-level failures end up here unlogged.
      if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.message.startsWith('Internal server error (error id'))) {
        log.error({ err: error.cause ?? error, path }, 'tRPC request failed before reaching a procedure');
      }
    },
  });

  let draining = false;
  const inFlight = new Set<ServerResponse>();

  async function readiness(res: ServerResponse): Promise<void> {
    const checks: Record<string, 'ok' | 'unreachable'> = { database: 'ok', jobStore: 'ok' };
    // Live workers are reported, not required: the API serves reads and queues runs without them.
    let workers: { live: number; list: LiveWorker[] } | undefined;
    await Promise.all([
      withTimeout(WorkerHeartbeatModel.live(container.knex), PROBE_TIMEOUT_MS, 'database').then(
        (list) => {
          workers = { live: list.length, list };
        },
        (err: unknown) => {
          checks.database = 'unreachable';
          log.warn({ err }, 'readiness: database unreachable');
        },
      ),
      withTimeout(container.jobStore.ping(), PROBE_TIMEOUT_MS, 'job store').catch((err: unknown) => {
        checks.jobStore = 'unreachable';
        log.warn({ err }, 'readiness: job store unreachable');
      }),
    ]);
    const ok = !draining && checks.database === 'ok' && checks.jobStore === 'ok';
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : draining ? 'shutting down' : 'not ready', ...checks, ...(workers ? { workers } : {}) });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    requestIds.set(req, requestId);
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const procedures = proceduresOf(path);
      const method = req.method ?? 'GET';
      const status = res.headersSent ? res.statusCode : 0;
      for (const procedure of procedures) metrics.observeHttp({ procedure, method, status }, seconds);
      // The path only, never the query: batch.watch may carry a token in it.
      accessLog.info(
        { requestId, method, path, status, ms: Math.round(seconds * 1000 * 10) / 10, ...(procedures.length > 0 ? { procedures } : {}), completed: res.writableFinished },
        'request',
      );
    });
    if (draining) res.setHeader('connection', 'close');
    if (cors.handle(req, res)) return;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'up' });
      return;
    }
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      readiness(res).catch((err: unknown) => {
        log.error({ err }, 'readiness probe failed');
        if (!res.headersSent) sendJson(res, 503, { status: 'not ready' });
      });
      return;
    }
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendMetrics(metrics, res, log, () => sendJson(res, 500, { error: 'metrics unavailable' }));
      return;
    }
    if (path.startsWith('/trpc/')) {
      trpc(req, res);
      return;
    }
    if (web.handle(req, res)) return;
    sendJson(res, 404, { error: `No route ${req.method ?? 'GET'} ${path}; the API is at /trpc/<procedure>, probes at /healthz and /readyz` });
  });
  // Pollers reuse connections; keep them a little longer than the 2 s polling interval.
  server.keepAliveTimeout = 10_000;
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;

  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const host = opts.host ?? config.api.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.api.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, trpc: `${url}/trpc`, adminToken: config.api.adminToken ? 'set' : 'unset' }, 'API listening');

  let closing: Promise<void> | undefined;
  const drainMs = opts.drainMs ?? config.batch.shutdownDrainMs;
  return {
    url,
    port,
    services,
    close() {
      closing ??= (async () => {
        draining = true;
        // This server's live watches end now (clients poll or watch again elsewhere), or they would hold the drain.
        shutdown.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const started = Date.now();
        while (inFlight.size > 0 && Date.now() - started < drainMs) {
          await new Promise((r) => setTimeout(r, 25));
        }
        if (inFlight.size > 0) log.warn({ requests: inFlight.size }, 'cutting requests still in flight after the drain timeout');
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        await closed;
        log.info('API stopped');
      })();
      return closing;
    },
  };
}

/** `npm start` / `npm run api`: the API process alone (run workers with `npm run worker`). */
async function main(): Promise<void> {
  const config = loadConfig();
  const container = await createContainer({ config, role: 'api' });
  const api = await createApiServer(container);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    container.logger.info({ signal }, 'shutting down: no new requests, finishing the ones in flight');
    api
      .close()
      .then(() => container.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        container.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    logStartupFailure(err, 'the API');
    process.exit(1);
  });
}
