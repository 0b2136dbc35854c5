import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTradingDays } from '../../../../jobs/calc/trading-calendar.js';
import { createMemoryJobStore, type MemoryJobStore } from '../../../../jobs/queue/memory-queue.js';
import type { Access } from '../../../../server/services/access.js';
import { createCallerRunsService } from '../../../../server/services/caller-runs.service.js';
import { ForbiddenError, NotFoundError } from '../../../../server/services/errors.js';
import { createRunControlService } from '../../../../server/services/run-control.service.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';
import { seedPortfolio } from '../../../helpers/portfolios.js';
import { TEST_NOW, TEST_TARGET } from '../../../helpers/stack.js';

// Real PostgreSQL, the in-memory job queue, visibility from a map: no Agenda, no worker, no simulator.
const logger = pino({ level: 'silent' });
const position = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: addTradingDays(TEST_TARGET, -5) };

describe('runs as a caller sees them', () => {
  let db: TestDatabase;
  let store: MemoryJobStore;
  let owner: { portfolioId: string; userId: string };
  beforeAll(async () => {
    db = await createTestDatabase();
    store = createMemoryJobStore();
    owner = await seedPortfolio(db.knex, [position]);
  });
  afterAll(async () => {
    await store.close();
    await db.destroy();
  });

  it('admins run any scope as admin, owners their own portfolio as settings, others see nothing', async () => {
    const control = createRunControlService({ knex: db.knex, queue: store.queue, logger, clock: () => TEST_NOW, closeCutoff: '16:30' });
    const ownerOf = new Map([[owner.portfolioId, owner.userId]]);
    const access: Access = {
      assertPortfolioVisible(viewer, portfolioId) {
        const o = ownerOf.get(portfolioId);
        return !o || (viewer.userId !== null && o !== viewer.userId) ? Promise.reject(new NotFoundError('portfolio', portfolioId)) : Promise.resolve();
      },
      runVisible: (viewer, run) => Promise.resolve(viewer.userId === null || (run.portfolioId !== null && ownerOf.get(run.portfolioId) === viewer.userId)),
    };
    const runs = createCallerRunsService({ control, access, logger });
    const admin = { viewer: { userId: null }, requestedBy: null };
    const user = { viewer: { userId: owner.userId }, requestedBy: owner.userId };
    const stranger = { viewer: { userId: '00000000-0000-4000-8000-0000000000ff' }, requestedBy: null };

    await expect(runs.request(user, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(runs.request(stranger, { portfolioId: owner.portfolioId })).rejects.toBeInstanceOf(NotFoundError);
    const mine = await runs.request(user, { portfolioId: owner.portfolioId });
    expect((await runs.status(user.viewer, { runId: mine.runId }))?.source).toBe('settings');
    await expect(runs.status(stranger.viewer, { runId: mine.runId })).rejects.toBeInstanceOf(NotFoundError);
    const all = await runs.request(admin, {});
    expect((await runs.status(admin.viewer, { runId: all.runId }))?.source).toBe('admin');
    expect((await runs.history(user.viewer, { limit: 10 })).runs.map((r) => r.runId)).toEqual([mine.runId]);
    expect(store.jobs().map((j) => j.data)).toEqual([{ runId: mine.runId }, { runId: all.runId }]);
  });
});
