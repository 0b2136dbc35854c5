import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../db/embedded.js';
import { createKnex, migrateLatest } from '../../db/knex.js';
import { loadConfig } from '../../server/config.js';
import { freePort } from './net.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

let embedded: EmbeddedPostgresHandle | undefined;
let cleanup: { adminUrl: string; template: string } | undefined;

/**
 * One PostgreSQL for the whole test run: DATABASE_URL when set (CI), else an embedded server in a
 * temporary folder. A migrated template database is made once; each test file clones it.
 */
export async function setup(project: TestProject): Promise<void> {
  const config = loadConfig();
  let adminUrl = config.database.url;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'pb-test-pg-'));
    // The server runs as the postgres user when the suite runs as root: it must reach the folder.
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({
      dir: path.join(dir, 'data'),
      port: await freePort(),
      database: 'postgres',
      persistent: false,
    });
    adminUrl = embedded.adminUrl;
  }
  const template = `pb_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${template}`;
  const knex = createKnex({ url: u.toString(), poolMax: 2 });
  try {
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
  cleanup = { adminUrl, template };
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
}

export async function teardown(): Promise<void> {
  if (cleanup && !embedded) {
    const admin = new pg.Client({ connectionString: cleanup.adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${cleanup.template} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  await embedded?.stop();
}
