import type { Knex } from 'knex';
import { migrationSource } from './db/migrations/index.js';
import { loadConfig } from './server/config.js';

// The knex CLI (`npm run db:migrate`, `npm run db:rollback`) runs this under tsx. It needs a
// running server: DATABASE_URL, or the embedded one the API/worker/demo start by default.
const config = loadConfig();
const url =
  config.database.url ?? `postgres://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/portfolio_batch`;

const knexConfig: Knex.Config = {
  client: 'pg',
  connection: url,
  migrations: { migrationSource, tableName: 'knex_migrations' },
};

export default knexConfig;
