import { MongoBackend } from '@agendajs/mongo-backend';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import { MongoClient } from 'mongodb';
import { AGENDA_LOG_TABLE, AGENDA_TABLE } from '../db/migrations/002_agenda_jobs.js';
import type { Logger } from '../core/logger.js';

export const MONGO_COLLECTION = 'agendaJobs';

export interface JobStoreOptions {
  /** MongoDB URL: the production job store. When unset, Agenda runs on PostgreSQL. */
  mongoUrl: string | undefined;
  /** The application's PostgreSQL (used when no MongoDB is configured). */
  postgresUrl: string;
  /** Identifies this process in the job store (lastModifiedBy). */
  name: string;
  lockLifetimeMs: number;
  processEveryMs: number;
  concurrency: number;
  logger: Logger;
}

export interface JobStore {
  agenda: Agenda;
  kind: 'mongo' | 'postgres';
  /** Round trip to the store, for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Agenda on MongoDB when MONGODB_URL is set (production), else on the application's PostgreSQL.
 * The job code is the same on both.
 */
export async function createJobStore(opts: JobStoreOptions): Promise<JobStore> {
  let mongo: MongoClient | undefined;
  let backend: MongoBackend | PostgresBackend;
  if (opts.mongoUrl) {
    mongo = new MongoClient(opts.mongoUrl);
    await mongo.connect();
    const db = mongo.db();
    // The backend does not create it: without it two 'single' jobs (the nightly schedule) can be
    // inserted by two workers starting at once.
    await db
      .collection(MONGO_COLLECTION)
      .createIndex({ name: 1 }, { unique: true, partialFilterExpression: { type: 'single' }, name: 'single_job_name_unique' });
    backend = new MongoBackend({ mongo: db, collection: MONGO_COLLECTION, ensureIndex: true });
  } else {
    // The table comes from a migration; workers never run DDL.
    backend = new PostgresBackend({
      connectionString: opts.postgresUrl,
      tableName: AGENDA_TABLE,
      logTableName: AGENDA_LOG_TABLE,
      ensureSchema: false,
    });
  }
  const agenda = new Agenda({
    backend,
    name: opts.name,
    processEvery: opts.processEveryMs,
    defaultLockLifetime: opts.lockLifetimeMs,
    maxConcurrency: Math.max(opts.concurrency, 2) + 2,
    defaultConcurrency: opts.concurrency,
  });
  // An unhandled 'error' event would crash the process; a lost store connection is logged and retried by Agenda.
  agenda.on('error', (err: Error) => opts.logger.error({ err }, 'job store error'));
  await agenda.ready;
  const kind = mongo ? 'mongo' : 'postgres';
  opts.logger.info({ jobStore: kind }, kind === 'mongo' ? 'Agenda job store: MongoDB' : 'Agenda job store: PostgreSQL');
  return {
    agenda,
    kind,
    async ping() {
      await agenda.queryJobs({ limit: 1 });
    },
    async close() {
      // stop() is a no-op once drain() has stopped the processor, so disconnect the backend directly then.
      if (agenda.isActiveJobProcessor()) await agenda.stop(true);
      else await backend.disconnect();
      await mongo?.close();
    },
  };
}
