import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../db/embedded.js';
import { freePort } from '../../helpers/net.js';

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
      const c = new pg.Client({ connectionString: first.url });
      await c.connect();
      await c.query('CREATE TABLE yesterday (v int); INSERT INTO yesterday VALUES (42)');
      await c.end();
      await expect(startEmbeddedPostgres({ dir: dataDir, port: await freePort(), database: 'kept' })).rejects.toThrow(
        /already running on .*Stop that process first, or set DATABASE_URL/,
      );
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dir: dataDir, port, database: 'kept' });
    try {
      const c = new pg.Client({ connectionString: second.url });
      await c.connect();
      const r = await c.query<{ v: number }>('SELECT v FROM yesterday');
      await c.end();
      expect(r.rows).toEqual([{ v: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('loading the package leaves the process exit code alone (its exit hooks would force 0)', () => {
    const script = `import('./db/embedded.ts').then(async (m) => { await m.loadEmbeddedPostgres(); process.exitCode = 3; });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });
});

describe('embedded PostgreSQL as root', () => {
  it.runIf(process.getuid?.() === 0)('says which folder the postgres user cannot enter, and what to do', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pb-private-'));
    try {
      await chmod(dir, 0o700);
      await expect(startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), database: 'x' })).rejects.toThrow(
        /cannot enter .*pb-private-.*mode 700.*EMBEDDED_PG_DIR/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
