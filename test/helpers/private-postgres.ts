import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.js';

const run = promisify(execFile);

/** The newest installed PostgreSQL's bin folder (15 preferred), e.g. /usr/lib/postgresql/15/bin. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(path.join(root, '15', 'bin', 'pg_ctl'))) return path.join(root, '15', 'bin');
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return path.join(root, newest, 'bin');
}

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, its own port): a test may
 * restart or stop it without touching the shared server. As root it runs as the postgres user.
 */
export interface PrivatePostgres {
  port: number;
  /** URL of a database (created by createDatabase). */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<string>;
  /**
   * `pg_ctl restart -m fast` in two steps: stop (every connection is terminated with 57P01), run
   * `whileDown` while the server is down, start again on the same port.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const root = await mkdtemp(path.join(tmpdir(), 'pb-private-pg-'));
  await chmod(root, 0o755);
  const data = path.join(root, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(root, uid, gid);
  }
  const exec = async (tool: string, args: string[]): Promise<void> => {
    const file = path.join(bin, tool);
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: root });
    else await run(file, args, { cwd: root });
  };
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  await exec('pg_ctl', ['-D', data, '-l', path.join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    urlOf,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: urlOf('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return urlOf(name);
    },
    async restart(whileDown) {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      try {
        await whileDown?.();
      } finally {
        await exec('pg_ctl', ['-D', data, '-l', path.join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
      }
    },
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
