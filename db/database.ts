import type { Logger } from '../core/logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.js';
import { createKnex, describeDatabaseUrl, migrateLatest, type Knex } from './knex.js';

export interface Database {
  knex: Knex;
  url: string;
  kind: 'external' | 'embedded';
  /** The embedded server's data folder (it may have been staged elsewhere, see embedded.ts). */
  dataDir: string | undefined;
  close(): Promise<void>;
}

/** Where the database is: a server's URL, or where the embedded server keeps its data. */
export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, an embedded server is started. */
  url: string | undefined;
  embeddedDir: string;
  embeddedPort: number;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  poolMax?: number;
  applicationName?: string;
}

/**
 * Connects to the given URL, or starts the embedded PostgreSQL when there is none, then migrates.
 * Says which one is in use.
 */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = options.url;
  if (!url) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres({
      dir: options.embeddedDir,
      port: options.embeddedPort,
      database: 'portfolio_batch',
      logger,
    });
    url = embedded.url;
    logger.info(
      { database: describeDatabaseUrl(url), dataDir: embedded.dir, ms: Date.now() - started },
      'using embedded PostgreSQL (DATABASE_URL is not set)',
    );
  } else {
    logger.info({ database: describeDatabaseUrl(url) }, 'using PostgreSQL from DATABASE_URL');
  }
  const knex = createKnex({ url, poolMax: options.poolMax, applicationName: options.applicationName });
  try {
    if (options.migrate ?? true) {
      const applied = await migrateLatest(knex);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
  } catch (err) {
    await knex.destroy();
    await embedded?.stop();
    throw err;
  }
  return {
    knex,
    url,
    kind: embedded ? 'embedded' : 'external',
    dataDir: embedded?.dir,
    async close() {
      await knex.destroy();
      await embedded?.stop();
    },
  };
}
