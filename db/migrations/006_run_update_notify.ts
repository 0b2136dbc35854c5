import type { Knex } from 'knex';

/**
 * Every insert into or update of a run row sends its id on the `batch_run_updates` channel, so the
 * API can push live progress (batch.watch) without polling. Whoever writes the row (the pipeline,
 * the sweeper, a requeue on shutdown) is covered. PostgreSQL folds identical notifications of one
 * transaction into one and delivers them at commit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_batch_run_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('batch_run_updates', NEW.id::text);
      RETURN NULL;
    END
    $$;
    CREATE TRIGGER batch_run_history_notify
      AFTER INSERT OR UPDATE ON batch_run_history
      FOR EACH ROW EXECUTE FUNCTION notify_batch_run_update();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS batch_run_history_notify ON batch_run_history;
    DROP FUNCTION IF EXISTS notify_batch_run_update();
  `);
}
