/**
 * Runs as a caller sees them: which scope a caller may trigger (and with which source), and which
 * runs a caller may read. RunControlService does the work; this layer only decides scope, source and
 * visibility.
 */
import type { RequestRunInput, RequestRunResult, RunStatusView } from '../../core/runs.js';
import type { Logger } from '../logger.js';
import type { Access, Viewer } from './access.js';
import { ForbiddenError, NotFoundError } from './errors.js';
import type { RunControlService } from './run-control.service.js';

/** What this layer needs from the run control. */
export type RunPort = Pick<RunControlService, 'requestRun' | 'getRunStatus' | 'listRuns'>;

export interface RunHistoryPage {
  runs: RunStatusView[];
  /** Pass as `before` for the next page; null on the last page. */
  nextBefore: Date | null;
}

export interface CallerRunsService {
  /** `admit` is called once the request is known valid and permitted, before the run is requested (the trigger limit). */
  request(
    caller: { viewer: Viewer; requestedBy: string | null },
    q: { portfolioId?: string; from?: string; force?: boolean },
    opts?: { admit?: () => void },
  ): Promise<RequestRunResult>;
  status(viewer: Viewer, q: { runId?: string; portfolioId?: string; freshness?: boolean }): Promise<RunStatusView | null>;
  history(viewer: Viewer, q: { portfolioId?: string; limit: number; before?: Date }): Promise<RunHistoryPage>;
}

export function createCallerRunsService(deps: { control: RunPort; access: Access; logger: Logger }): CallerRunsService {
  const { control, access, logger } = deps;
  return {
    async request(caller, q, opts = {}) {
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
      const result = await control.requestRun(input, { admit: opts.admit });
      logger.info({ runId: result.runId, deduplicated: result.deduplicated, scope: input.scope, source: input.source }, 'run requested');
      return result;
    },

    async status(viewer, q) {
      const opts = { freshness: q.freshness ?? false };
      if (q.runId) {
        const run = await control.getRunStatus({ runId: q.runId }, opts);
        if (!run || !(await access.runVisible(viewer, run))) throw new NotFoundError('run', q.runId);
        return run;
      }
      if (q.portfolioId) {
        await access.assertPortfolioVisible(viewer, q.portfolioId);
        return control.getRunStatus({ portfolioId: q.portfolioId }, opts);
      }
      return control.getRunStatus(viewer.userId === null ? { latest: true } : { latest: true, userId: viewer.userId }, opts);
    },

    async history(viewer, q) {
      if (q.portfolioId) await access.assertPortfolioVisible(viewer, q.portfolioId);
      const runs = await control.listRuns({
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
