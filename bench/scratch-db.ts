import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded.js';
import { loadConfig } from '../server/config.js';
import { freePort } from '../test/helpers/net.js';

/** A throw-away database for a benchmark: on DATABASE_URL's server when set, else on an embedded PostgreSQL. */
export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const config = loadConfig();
  let adminUrl = config.database.url;
  let embedded: EmbeddedPostgresHandle | undefined;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(tmpdir(), 'pb-bench-pg-'));
    // The server runs as the postgres user when this runs as root: it must reach the folder.
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), database: 'postgres', persistent: false });
    adminUrl = embedded.adminUrl;
  }
  const name = `pb_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
