/** Watchers of one run share its feed: one status read per change, however many watch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatusView } from '../../../../core/runs.js';
import { RunModel } from '../../../../db/models/run.model.js';
import { createRunUpdateListener, type RunUpdateSource } from '../../../../db/run-updates.js';
import { createLogger } from '../../../../server/logger.js';
import { createRunControlService } from '../../../../server/services/run-control.service.js';
import { createRunWatchHub, type RunWatchHub } from '../../../../server/services/run-watch.js';
import { createMemoryJobStore } from '../../../../jobs/queue/memory-queue.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

let db: TestDatabase;
let updates: RunUpdateSource;
let hub: RunWatchHub;
let reads = 0;
let runId = '';

beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger('silent');
  const store = createMemoryJobStore();
  const control = createRunControlService({ knex: db.knex, queue: store.queue, logger, clock: () => new Date('2026-11-20T22:30:00Z'), closeCutoff: '16:30' });
  updates = createRunUpdateListener({ url: db.url, logger });
  hub = createRunWatchHub({
    updates,
    logger,
    read: (id) => {
      reads++;
      return control.getRunStatus({ runId: id });
    },
  });
  ({ runId } = await control.requestRun({ scope: 'all', source: 'admin' }));
});

afterAll(async () => {
  hub?.close();
  await updates?.close();
  await db?.destroy();
});

describe('run watch hub', () => {
  it('50 watchers: one read at the start and one per change, every watcher gets every view, all end at the terminal one', async () => {
    const N = 50;
    const seen: RunStatusView[][] = Array.from({ length: N }, () => []);
    const ended: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const it = hub.watch(runId);
      const first = await it.next();
      seen[i]!.push(first.value as RunStatusView);
      ended.push(
        (async () => {
          for await (const v of it) seen[i]!.push(v);
        })(),
      );
    }
    expect(hub.watchers).toBe(N);
    expect(reads).toBe(1);

    const allHave = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => void (seen.every((s) => s.length >= n) ? resolve() : setTimeout(check, 5));
        check();
      });
    for (let k = 1; k <= 3; k++) {
      await RunModel.appendActivity(db.knex, runId, `change ${k}`);
      await allHave(k + 1);
      expect(reads).toBe(1 + k);
    }
    const row = (await RunModel.find(db.knex, runId))!;
    await RunModel.finish(db.knex, runId, 'completed', { phases: row.phases, counters: row.counters, progress: row.progress, warnings: row.warnings, activityLog: row.activity_log }, null);
    await Promise.all(ended);
    expect(reads).toBe(5);
    for (const s of seen) {
      expect(s.map((v) => v.activityLog.length)).toEqual([1, 2, 3, 4, 4]);
      expect(s.at(-1)!.status).toBe('completed');
    }
    expect(hub.watchers).toBe(0);
  });
});
