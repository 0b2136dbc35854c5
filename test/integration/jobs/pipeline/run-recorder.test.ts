/** What users read of a run (warnings, activity, error summary) never carries SQL, whatever text the recorder is given. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunModel } from '../../../../db/models/run.model.js';
import { RunRecorder } from '../../../../jobs/pipeline/run-recorder.js';
import { createLogger } from '../../../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

/** The message of a real database error as knex reports it (the statement, then PostgreSQL's message). */
async function realDatabaseError(): Promise<string> {
  try {
    await db.knex.raw(`INSERT INTO batch_run_history (scope, source, status) SELECT 'all', 'admin', 'queued' FROM unnest(?::numeric(20,8)[]) ON CONFLICT DO NOTHING`, [[1e30]]);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the statement was expected to fail');
}

describe('RunRecorder', () => {
  it('strips SQL from warnings, the activity log and the error summary, keeping PostgreSQL’s short reason', async () => {
    const sqlError = await realDatabaseError();
    expect(sqlError).toMatch(/INSERT INTO batch_run_history[\s\S]* - numeric field overflow/);
    const newRun = { scope: 'all' as const, portfolioId: null, source: 'admin' as const, requestedBy: null, requestedFrom: null, requestedTo: '2026-11-20', force: false };
    const runId = (await RunModel.insertIfNoneActive(db.knex, newRun))!;
    const row = (await RunModel.markRunning(db.knex, runId, 'picked up'))!;
    const rec = new RunRecorder(db.knex, runId, row, createLogger('silent'));
    rec.warn({ code: 'portfolio_failure', portfolioId: 'p1', message: `portfolio p1: ${sqlError}` });
    rec.warn({ code: 'price_unavailable', symbol: 'ZZZ', message: 'ZZZ: no prices from the vendor (not found)' });
    rec.log(`group write failed: ${sqlError}`);
    expect(await rec.finish('failed', `run failed: ${sqlError}`)).toBe(true);

    const stored = (await RunModel.find(db.knex, runId))!;
    const userText = JSON.stringify([stored.error_summary, stored.warnings, stored.activity_log]);
    expect(userText).not.toMatch(/insert|unnest|conflict|batch_run_history|numeric\(20/i);
    expect(stored.error_summary).toBe('run failed: database write failed: numeric field overflow');
    expect(stored.warnings.map((w) => w.message)).toEqual(['portfolio p1: database write failed: numeric field overflow', 'ZZZ: no prices from the vendor (not found)']);
  });
});
