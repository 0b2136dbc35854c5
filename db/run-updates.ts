/**
 * Run updates as they happen: one PostgreSQL connection per process LISTENs on the channel that the
 * run table's trigger notifies (migration 006) and fans each run id out to the callbacks subscribed
 * to it. The connection opens with the first subscriber and reopens after any error, with backoff;
 * after a reconnect every subscriber is told to re-read, since notifications sent while the
 * connection was down are lost.
 */
import pg from 'pg';
import type { Logger } from '../core/logger.js';

export const RUN_UPDATES_CHANNEL = 'batch_run_updates';

/** Why a subscriber is called: a notification for its run, or a reconnect after which it must re-read. */
export type RunUpdateReason = 'notified' | 'resync';

export interface RunUpdateSource {
  /** Calls `onUpdate` for each committed change of the run; returns the unsubscribe function. */
  subscribe(runId: string, onUpdate: (reason: RunUpdateReason) => void): () => void;
  /** Calls `onUpdate` for every run's change (metrics, benchmarks). */
  subscribeAll(onUpdate: (runId: string) => void): () => void;
  /** Resolves once the LISTEN is in place (opening the connection if needed). */
  ready(): Promise<void>;
  /** Whether the LISTEN connection is currently up. */
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface RunUpdateListenerOptions {
  url: string;
  logger: Logger;
  /** First reconnect delay; doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  applicationName?: string;
}

export function createRunUpdateListener(opts: RunUpdateListenerOptions): RunUpdateSource {
  const log = opts.logger.child({ component: 'run-updates' });
  const baseDelay = opts.reconnectMs ?? 250;
  const maxDelay = opts.maxReconnectMs ?? 10_000;
  const byRun = new Map<string, Set<(reason: RunUpdateReason) => void>>();
  const everyRun = new Set<(runId: string) => void>();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let listening = false;
  let closed = false;
  let delay = baseDelay;
  let retryTimer: NodeJS.Timeout | undefined;
  let hadConnection = false;

  const deliver = (runId: string, reason: RunUpdateReason): void => {
    for (const fn of byRun.get(runId) ?? []) fn(reason);
  };

  const resyncAll = (): void => {
    for (const runId of byRun.keys()) deliver(runId, 'resync');
  };

  function scheduleReconnect(): void {
    if (closed || retryTimer) return;
    const wait = delay;
    delay = Math.min(delay * 2, maxDelay);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch((err: unknown) => {
        log.warn({ err, retryInMs: delay }, 'reconnecting the run-update listener failed');
        scheduleReconnect();
      });
    }, wait);
    retryTimer.unref();
  }

  function dropClient(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    listening = false;
    c.removeAllListeners('notification');
    c.end().catch((err: unknown) => log.debug({ err }, 'closing the broken listener connection failed'));
    scheduleReconnect();
  }

  function connect(): Promise<void> {
    if (closed) return Promise.resolve();
    if (listening) return Promise.resolve();
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: opts.url, application_name: opts.applicationName ?? 'portfolio-batch:run-updates', connectionTimeoutMillis: 5_000 });
      c.on('error', (err) => {
        log.warn({ err }, 'run-update listener connection failed; reconnecting');
        dropClient(c);
      });
      c.on('end', () => {
        if (!closed && client === c) {
          log.warn('run-update listener connection ended; reconnecting');
          dropClient(c);
        }
      });
      c.on('notification', (msg) => {
        if (msg.channel !== RUN_UPDATES_CHANNEL || !msg.payload) return;
        const runId = msg.payload;
        deliver(runId, 'notified');
        for (const fn of everyRun) fn(runId);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${RUN_UPDATES_CHANNEL}`);
      } catch (err) {
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
        throw err;
      }
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      listening = true;
      delay = baseDelay;
      if (hadConnection) {
        log.info('run-update listener reconnected');
        resyncAll();
      }
      hadConnection = true;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  function ensure(): void {
    if (listening || connecting || retryTimer || closed) return;
    connect().catch((err: unknown) => {
      log.warn({ err }, 'run-update listener could not connect; retrying');
      scheduleReconnect();
    });
  }

  return {
    get listening() {
      return listening;
    },
    subscribe(runId, onUpdate) {
      let set = byRun.get(runId);
      if (!set) byRun.set(runId, (set = new Set()));
      set.add(onUpdate);
      ensure();
      return () => {
        const s = byRun.get(runId);
        s?.delete(onUpdate);
        if (s && s.size === 0) byRun.delete(runId);
      };
    },
    subscribeAll(onUpdate) {
      everyRun.add(onUpdate);
      ensure();
      return () => everyRun.delete(onUpdate);
    },
    async ready() {
      if (listening) return;
      await connect();
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      listening = false;
      byRun.clear();
      everyRun.clear();
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch((err: unknown) => log.debug({ err }, 'closing the listener connection failed'));
      }
    },
  };
}
