/**
 * Runs as callers see them: who may trigger which scope, and which runs a caller may read. The batch
 * service does the work; this layer only decides scope, source and visibility.
 */
import { isValidIsoDate } from '../../jobs/calc/trading-calendar.js';
import type { Logger } from '../logger.js';
import type { Access, Viewer } from './access.js';
import type { BatchService } from './batch.service.js';
import type { RequestRunInput, RequestRunResult, RunStatusView } from '../../core/runs.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';

/** What this layer needs from the batch service. */
export type RunPort = Pick<BatchService, 'requestRun' | 'getRunStatus' | 'listRuns'>;

export interface RunHistoryPage {
  runs: RunStatusView[];
  /** Pass as `before` for the next page; null on the last page. */
  nextBefore: Date | null;
}

export interface RunsService {
  request(caller: { viewer: Viewer; requestedBy: string | null }, q: { portfolioId?: string; from?: string; force?: boolean }): Promise<RequestRunResult>;
  status(viewer: Viewer, q: { runId?: string; portfolioId?: string; freshness?: boolean }): Promise<RunStatusView | null>;
  history(viewer: Viewer, q: { portfolioId?: string; limit: number; before?: Date }): Promise<RunHistoryPage>;
}

export function createRunsService(deps: { batch: RunPort; access: Access; logger: Logger }): RunsService {
  const { batch, access, logger } = deps;
  return {
    async request(caller, q) {
      if (q.from !== undefined && !isValidIsoDate(q.from)) {
        throw new ValidationError([{ field: 'from', message: `${q.from} is not a calendar date between 1990 and 2100` }]);
      }
      const isAdmin = caller.viewer.userId === null;
      if (!q.portfolioId && !isAdmin) {
        throw new ForbiddenError('Only admins may run every portfolio; pass portfolioId to recalculate one of yours');
      }
      if (q.portfolioId) await access.assertPortfolioVisible(caller.viewer, q.portfolioId);
      const input: RequestRunInput = {
        scope: q.portfolioId ? 'portfolio' : 'all',
        source: isAdmin ? 'admin' : 'settings',
        requestedBy: caller.requestedBy,
        ...(q.portfolioId ? { portfolioId: q.portfolioId } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.force !== undefined ? { force: q.force } : {}),
      };
      const result = await batch.requestRun(input);
      logger.info({ runId: result.runId, deduplicated: result.deduplicated, scope: input.scope, source: input.source }, 'run requested');
      return result;
    },

    async status(viewer, q) {
      const opts = { freshness: q.freshness ?? false };
      if (q.runId) {
        const run = await batch.getRunStatus({ runId: q.runId }, opts);
        if (!run || !(await access.runVisible(viewer, run))) throw new NotFoundError('run', q.runId);
        return run;
      }
      if (q.portfolioId) {
        await access.assertPortfolioVisible(viewer, q.portfolioId);
        return batch.getRunStatus({ portfolioId: q.portfolioId }, opts);
      }
      return batch.getRunStatus(viewer.userId === null ? { latest: true } : { latest: true, userId: viewer.userId }, opts);
    },

    async history(viewer, q) {
      if (q.portfolioId) await access.assertPortfolioVisible(viewer, q.portfolioId);
      const runs = await batch.listRuns({
        limit: q.limit,
        ...(q.portfolioId ? { portfolioId: q.portfolioId } : {}),
        ...(viewer.userId !== null ? { userId: viewer.userId } : {}),
        ...(q.before ? { before: q.before } : {}),
      });
      const last = runs[runs.length - 1];
      return { runs, nextBefore: runs.length === q.limit && last ? last.createdAt : null };
    },
  };
}
