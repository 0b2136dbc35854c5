import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createKnex, type Knex } from '../../db/knex.js';

export interface TestDatabase {
  knex: Knex;
  url: string;
  name: string;
  destroy(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Row counts of the given tables (tests may name tables; the product goes through the models). */
export async function rowCounts<T extends string>(knex: Knex, tables: readonly T[]): Promise<Record<T, number>> {
  const out = {} as Record<T, number>;
  for (const t of tables) {
    const r = await knex.raw<{ rows: { n: number }[] }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = r.rows[0]!.n;
  }
  return out;
}

/**
 * A database of its own for one test file: a clone of the migrated template, or (migrated: false)
 * an empty one. `destroy()` drops it.
 */
export async function createTestDatabase(options: { migrated?: boolean; poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `pb_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('pgTemplate');
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const u = new URL(inject('pgAdminUrl'));
  u.pathname = `/${name}`;
  const url = u.toString();
  const knex = createKnex({ url, poolMax: options.poolMax ?? 5 });
  return {
    knex,
    url,
    name,
    async destroy() {
      await knex.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
