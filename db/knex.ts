import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from './migrations/index.js';

// Trading days are calendar dates in New York: keep them as 'YYYY-MM-DD' strings instead of
// letting node-postgres turn them into local-midnight Date objects.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);
// NUMERIC arrives as text; the layers above work in doubles and round when writing.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export type { Knex };

export interface DbOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
}

export function createKnex({ url, poolMax = 10, applicationName = 'portfolio-batch' }: DbOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

/** Key of the session advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 4_231_977_001;

/**
 * Migrates to the latest version. Processes that start at once on a fresh database (several
 * workers, an API) take turns on a session advisory lock: knex's own lock table does not exist yet
 * at that point, and its lock fails instead of waiting. Needs a pool of at least two connections.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const conn: unknown = await db.client.acquireConnection();
  try {
    await db.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
    try {
      const [, applied] = (await db.migrate.latest()) as [number, string[]];
      return applied;
    } finally {
      await db.raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** The URL without its password, for logs and banners. */
export function describeDatabaseUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
