import type { Knex } from 'knex';
import * as m001 from './001_core_schema.js';
import * as m002 from './002_agenda_jobs.js';
import * as m003 from './003_real_market.js';
import * as m004 from './004_market_data_basis.js';
import * as m005 from './005_worker_heartbeats.js';
import * as m006 from './006_run_update_notify.js';
import * as m007 from './007_portfolio_lifecycle.js';
import * as m008 from './008_risk.js';
import * as m009 from './009_position_exposure_keys.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Listed statically: bundlers and test runners cannot scan a directory of .ts files, and a fixed
// list makes the order explicit.
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001_core_schema', m001],
  ['002_agenda_jobs', m002],
  ['003_real_market', m003],
  ['004_market_data_basis', m004],
  ['005_worker_heartbeats', m005],
  ['006_run_update_notify', m006],
  ['007_portfolio_lifecycle', m007],
  ['008_risk', m008],
  ['009_position_exposure_keys', m009],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: ([name]) => name,
  getMigration: ([, migration]) => Promise.resolve(migration),
};
