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

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

/** The URL without its password, for logs and banners. */
export function describeDatabaseUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
