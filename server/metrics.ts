/**
 * Prometheus metrics of one process (prom-client), on a registry of its own so that several
 * containers in one process (tests, the demo) do not share counters. The API serves them at
 * /metrics; a worker process serves them on WORKER_METRICS_PORT (startMetricsServer).
 *
 * Counted where things happen: HTTP requests in the API server, finished runs and their phase
 * durations where a run is ended (the pipeline's observer), limiter waits in the limiter. Read at
 * scrape time: vendor call totals from the limiter, queue depth from the run table, database pool use.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunObserver } from '../core/observer.js';
import { PHASE_ORDER } from '../core/runs.js';
import type { Knex } from '../db/knex.js';
import { RunModel } from '../db/models/run.model.js';
import type { CallStats } from '../jobs/market-data/limiter.js';
import type { Logger } from './logger.js';

export interface Metrics {
  registry: Registry;
  /** The pipeline's observer: counts finished runs and their phase durations. */
  observer: RunObserver;
  /** Seconds a vendor call waited for the limiter. */
  observeLimiterWait(ms: number): void;
  observeHttp(labels: { procedure: string; method: string; status: number }, seconds: number): void;
  /** Reads the vendor totals of this process's limiter at each scrape. */
  trackVendorCalls(counters: () => CallStats): void;
  /** Reads a gauge's value at each scrape (e.g. open batch.watch subscriptions). */
  trackWatchers(count: () => number): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

interface PoolLike {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

export function createMetrics(opts: { knex: Knex; role: string; logger: Logger; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: opts.role });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'pb_' });
  const log = opts.logger.child({ component: 'metrics' });

  const runs = new Counter({ name: 'pb_runs_finished_total', help: 'Runs this process ended, by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] });
  const phaseSeconds = new Histogram({
    name: 'pb_run_phase_duration_seconds',
    help: 'Duration of run phases that ran to the end (per run this process ended)',
    labelNames: ['phase'],
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const limiterWait = new Histogram({
    name: 'pb_vendor_limiter_wait_seconds',
    help: 'Time a vendor call attempt waited for its slot in the rate limiter',
    buckets: [0.001, 0.01, 0.05, 0.25, 1, 5, 15, 60, 300],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'pb_http_request_duration_seconds',
    help: 'API request duration by procedure (every procedure of a batched request is counted with the request)',
    labelNames: ['procedure', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });

  let vendor: (() => CallStats) | null = null;
  const seen: CallStats = { made: 0, retried: 0, rateLimited: 0 };
  const vendorCounter = (key: keyof CallStats, name: string, help: string): Counter =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        if (!vendor) return;
        const now = vendor()[key];
        if (now > seen[key]) this.inc(now - seen[key]);
        seen[key] = now;
      },
    });
  vendorCounter('made', 'pb_vendor_calls_total', 'Vendor HTTP attempts started by this process (first attempts and retries)');
  vendorCounter('retried', 'pb_vendor_retries_total', 'Vendor attempts that were retries');
  vendorCounter('rateLimited', 'pb_vendor_rate_limited_total', 'Vendor attempts answered with 429');

  new Gauge({
    name: 'pb_runs_active',
    help: 'Runs waiting for a worker (queued) and under way (running), over the whole system',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      try {
        const c = await RunModel.countActive(opts.knex);
        this.set({ status: 'queued' }, c.queued);
        this.set({ status: 'running' }, c.running);
      } catch (err) {
        log.warn({ err }, 'reading the queue depth for metrics failed');
      }
    },
  });

  new Gauge({
    name: 'pb_db_pool_connections',
    help: 'Database pool of this process: connections in use, idle, requests waiting, and the maximum',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = (opts.knex.client as { pool?: PoolLike }).pool;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending' }, pool.numPendingAcquires());
      this.set({ state: 'max' }, pool.max);
    },
  });

  let watchers: (() => number) | null = null;
  new Gauge({
    name: 'pb_batch_watch_subscribers',
    help: 'Open batch.watch subscriptions on this API process',
    registers: [registry],
    collect() {
      this.set(watchers ? watchers() : 0);
    },
  });

  return {
    registry,
    observer: {
      runFinished(e) {
        runs.inc({ source: e.source, outcome: e.status });
        for (const phase of PHASE_ORDER) {
          const p = e.phases[phase];
          if (p?.status === 'done' && p.durationMs !== null) phaseSeconds.observe({ phase }, p.durationMs / 1000);
        }
      },
    },
    observeLimiterWait(ms) {
      limiterWait.observe(ms / 1000);
    },
    observeHttp(labels, seconds) {
      http.observe({ procedure: labels.procedure, method: labels.method, status: String(labels.status) }, seconds);
    },
    trackVendorCalls(counters) {
      vendor = counters;
      Object.assign(seen, counters());
    },
    trackWatchers(count) {
      watchers = count;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Answers a scrape with the registry's text; when rendering fails, logs it and, if nothing was sent
 * yet, lets `fail` answer in the server's own error format.
 */
export function sendMetrics(metrics: Metrics, res: ServerResponse, logger: Logger, fail: () => void): void {
  metrics
    .render()
    .then(({ contentType, body }) => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    })
    .catch((err: unknown) => {
      logger.error({ err }, 'rendering metrics failed');
      if (!res.headersSent) fail();
    });
}

/** A worker's metrics endpoint: GET /metrics (and /healthz), nothing else. */
export async function startMetricsServer(metrics: Metrics, opts: { port: number; host: string; logger: Logger }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      sendMetrics(metrics, res, opts.logger, () => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics unavailable\n');
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"up"}');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.logger.info({ url: `${url}/metrics` }, 'worker metrics listening');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
