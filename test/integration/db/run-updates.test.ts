/** The shared LISTEN connection: notifications per run from the table's trigger, and a reconnect after the connection is killed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunModel } from '../../../db/models/run.model.js';
import { createRunUpdateListener, type RunUpdateReason, type RunUpdateSource } from '../../../db/run-updates.js';
import { createLogger } from '../../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

let db: TestDatabase;
let updates: RunUpdateSource;
const APP = 'run-updates-test';

beforeAll(async () => {
  db = await createTestDatabase();
  updates = createRunUpdateListener({ url: db.url, logger: createLogger('silent'), applicationName: APP, reconnectMs: 20 });
});

afterAll(async () => {
  await updates?.close();
  await db?.destroy();
});

/** Resolves when `predicate` holds (checked every 10 ms; the test's timeout bounds it). */
function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => void (predicate() ? resolve() : setTimeout(check, 10));
    check();
  });
}

describe('run updates over LISTEN/NOTIFY', () => {
  it('delivers each committed change of a run to its subscribers only, and survives a killed connection', async () => {
    const newRun = { scope: 'all' as const, portfolioId: null, source: 'admin' as const, requestedBy: null, requestedFrom: null, requestedTo: '2026-11-20', force: false };
    const runId = (await RunModel.insertIfNoneActive(db.knex, newRun))!;
    const seen: RunUpdateReason[] = [];
    const all: string[] = [];
    const unsubscribe = updates.subscribe(runId, (r) => seen.push(r));
    updates.subscribeAll((id) => all.push(id));
    await updates.ready();
    expect(updates.listening).toBe(true);

    await RunModel.appendActivity(db.knex, runId, 'first');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['notified']);

    // A transaction with two updates notifies once, at commit.
    await db.knex.transaction(async (trx) => {
      await RunModel.appendActivity(trx, runId, 'second');
      await RunModel.appendActivity(trx, runId, 'third');
    });
    await until(() => seen.length === 2);

    const killed = await db.knex.raw<{ rows: { ok: boolean }[] }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ?', [APP]);
    expect(killed.rows.map((r) => r.ok)).toEqual([true]);
    // After the reconnect every subscriber re-reads (changes in between were not heard).
    await until(() => seen.includes('resync'));
    expect(updates.listening).toBe(true);

    await RunModel.appendActivity(db.knex, runId, 'after the reconnect');
    await until(() => seen.filter((r) => r === 'notified').length === 3);
    expect(all.every((id) => id === runId)).toBe(true);

    unsubscribe();
    const before = seen.length;
    await RunModel.appendActivity(db.knex, runId, 'nobody listens to this run now');
    await until(() => all.length === 4);
    expect(seen).toHaveLength(before);
  });
});
