import {
  getCreateIndexesSQL,
  getCreateLogsIndexesSQL,
  getCreateLogsTableSQL,
  getCreateTableSQL,
  getDropTableSQL,
  getUpdateTimestampTriggerSQL,
} from '@agendajs/postgres-backend';
import type { Knex } from 'knex';

/**
 * Agenda's job store when no MongoDB is configured. The schema comes from the pinned backend
 * package itself; the application creates it here, once, so workers never run DDL at start-up
 * (they connect with `ensureSchema: false`).
 */
export const AGENDA_TABLE = 'agenda_jobs';
export const AGENDA_LOG_TABLE = 'agenda_logs';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(getCreateTableSQL(AGENDA_TABLE));
  for (const sql of getCreateIndexesSQL(AGENDA_TABLE)) await knex.raw(sql);
  await knex.raw(getUpdateTimestampTriggerSQL(AGENDA_TABLE));
  await knex.raw(getCreateLogsTableSQL(AGENDA_LOG_TABLE));
  for (const sql of getCreateLogsIndexesSQL(AGENDA_LOG_TABLE)) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS "${AGENDA_LOG_TABLE}" CASCADE`);
  await knex.raw(getDropTableSQL(AGENDA_TABLE));
  await knex.raw(`DROP FUNCTION IF EXISTS update_${AGENDA_TABLE}_updated_at()`);
}
