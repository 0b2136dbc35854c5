import type { Knex } from 'knex';

/**
 * One row per worker process: it beats every few seconds; a worker whose last beat is older than
 * three of its own intervals is not live. Readiness, run status views and the vendor limiter (the
 * plan's rate split among live workers when there is no Redis) read it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE worker_heartbeats (
      id text PRIMARY KEY,
      host text NOT NULL,
      pid integer NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      beat_at timestamptz NOT NULL DEFAULT now(),
      beat_every_ms integer NOT NULL CHECK (beat_every_ms > 0),
      running_jobs integer NOT NULL DEFAULT 0 CHECK (running_jobs >= 0),
      concurrency integer NOT NULL CHECK (concurrency > 0)
    )`);
  await knex.raw('CREATE INDEX worker_heartbeats_beat_at_idx ON worker_heartbeats (beat_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS worker_heartbeats');
}
