/**
 * The system side of runs: starts them (at most one queued-or-running run per scope, its job on the
 * queue) and reads them back as status views. No caller and no permission checks here: the nightly
 * job, onboarding and the caller-facing CallerRunsService all start runs through it.
 */
import type { Knex } from 'knex';
import { currentPhase, estimateEtaSeconds, overallPercent } from '../../core/progress.js';
import { isTerminalStatus, runWorkers, type PortfolioFreshness, type RequestRunInput, type RequestRunResult, type RunStatusView } from '../../core/runs.js';
import { PortfolioSnapshotModel } from '../../db/models/portfolio-snapshot.model.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import { RunModel, type RunSelector, type RunStatusRecord } from '../../db/models/run.model.js';
import { WorkerHeartbeatModel } from '../../db/models/worker-heartbeat.model.js';
import { targetDate } from '../../jobs/calc/trading-calendar.js';
import { watermarks } from '../../jobs/pipeline/watermark.js';
import type { JobQueue } from '../../jobs/queue/job-queue.js';
import { enqueueRunJob } from '../../jobs/run-jobs.js';
import type { Logger } from '../logger.js';
import { dateIssue } from './date-input.js';
import { NotFoundError, ValidationError, type FieldIssue } from './errors.js';

/** A hook the caller runs once the request is valid and before anything is written. */
export interface RunAdmission {
  admit?: (() => void) | undefined;
}

export interface RunControlService {
  /** Creates the run of a scope and queues its job, or answers with the scope's active run (`deduplicated`). */
  /** `admit` runs once the input is valid and the portfolio exists, before anything is written (the caller's trigger limit). */
  requestRun(input: RequestRunInput, opts?: RunAdmission): Promise<RequestRunResult>;
  /**
   * Writes the queued run in the caller's transaction (or answers with the scope's active run),
   * without its job: call enqueueRun after the commit. A run whose job was never queued (the process
   * died in between) is queued by the sweeper.
   */
  insertRun(db: Knex, input: RequestRunInput, opts?: RunAdmission): Promise<RequestRunResult>;
  /** Queues the job of a run written by insertRun; a failure is logged and left to the sweeper. */
  enqueueRun(runId: string): Promise<void>;
  /** One indexed read; with `freshness`, two more small reads for the portfolio's snapshot coverage. */
  getRunStatus(q: RunSelector, opts?: { freshness?: boolean }): Promise<RunStatusView | null>;
  listRuns(q: { portfolioId?: string; userId?: string; limit: number; before?: Date }): Promise<RunStatusView[]>;
  /** How far a portfolio's snapshots reach against today's target date. */
  portfolioFreshness(portfolioId: string): Promise<PortfolioFreshness>;
}

export interface RunControlDeps {
  knex: Knex;
  queue: JobQueue;
  logger: Logger;
  clock: () => Date;
  closeCutoff: string;
}

const MAX_RUNS_PER_PAGE = 200;

function toStatusView(row: RunStatusRecord, now: number, freshness: PortfolioFreshness | null, liveWorkers?: number): RunStatusView {
  const terminal = isTerminalStatus(row.status);
  return {
    ...(!terminal && liveWorkers !== undefined ? { workers: runWorkers(row.status, liveWorkers) } : {}),
    runId: row.id,
    scope: row.scope,
    portfolioId: row.portfolio_id,
    source: row.source,
    status: row.status,
    requestedFrom: row.requested_from,
    targetDate: row.requested_to,
    force: row.force,
    createdAt: row.created_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    finishedAt: row.finished_at,
    percent: terminal ? 100 : overallPercent(row.phases),
    etaSeconds: terminal ? 0 : estimateEtaSeconds(row.phases, row.progress.callsPerSecond, now),
    currentPhase: terminal ? null : currentPhase(row.phases),
    phases: row.phases,
    counters: row.counters,
    warnings: row.warnings,
    errorSummary: row.error_summary,
    activityLog: row.activity_log,
    freshness,
  };
}

export function createRunControlService(deps: RunControlDeps): RunControlService {
  const { knex, queue, logger, clock } = deps;

  async function portfolioFreshness(portfolioId: string): Promise<PortfolioFreshness> {
    const target = targetDate(clock(), deps.closeCutoff);
    const [scoped] = await PortfolioModel.inScope(knex, portfolioId);
    const last = await PortfolioSnapshotModel.lastDate(knex, portfolioId);
    if (!scoped) {
      return { portfolioId, lastCompleteSnapshot: null, lastSnapshot: last, targetDate: target, tradingDaysBehind: 0 };
    }
    const mark = (await watermarks(knex, [scoped], target)).get(portfolioId);
    return { portfolioId, lastCompleteSnapshot: mark?.lastComplete ?? null, lastSnapshot: last, targetDate: target, tradingDaysBehind: mark?.missing ?? 0 };
  }

  async function insertRun(db: Knex, input: RequestRunInput, opts: RunAdmission = {}): Promise<RequestRunResult> {
    const target = targetDate(clock(), deps.closeCutoff);
    const issues: FieldIssue[] = [];
    if (input.scope === 'portfolio' && !input.portfolioId) issues.push({ field: 'portfolioId', message: 'is required for a portfolio run' });
    if (input.scope === 'all' && input.portfolioId) issues.push({ field: 'portfolioId', message: 'must be empty for a run over all portfolios' });
    const fromIssue = dateIssue('from', input.from);
    if (fromIssue) issues.push(fromIssue);
    else if (input.from !== undefined && input.from > target) issues.push({ field: 'from', message: `${input.from} is after the latest final close (${target})` });
    if (issues.length > 0) throw new ValidationError(issues);
    if (input.portfolioId && !(await PortfolioModel.isLive(db, input.portfolioId))) throw new NotFoundError('portfolio', input.portfolioId);
    opts.admit?.();
    const scopeKey = input.scope === 'all' ? 'all' : `portfolio:${input.portfolioId}`;
    // The partial unique index decides: the first insert wins, later ones get the active run's id.
    for (let attempt = 0; attempt < 5; attempt++) {
      const runId = await RunModel.insertIfNoneActive(db, {
        scope: input.scope,
        portfolioId: input.portfolioId ?? null,
        source: input.source,
        requestedBy: input.requestedBy ?? null,
        requestedFrom: input.from ?? null,
        requestedTo: target,
        force: input.force ?? false,
      });
      if (runId) {
        logger.info({ runId, scope: input.scope, portfolioId: input.portfolioId, source: input.source }, 'run requested');
        return { runId, deduplicated: false };
      }
      const existing = await RunModel.activeIdFor(db, scopeKey);
      if (existing) return { runId: existing, deduplicated: true };
      // The active run ended between the insert and the read: try again.
    }
    throw new Error(`could not create or find an active run for ${scopeKey}`);
  }

  async function enqueueRun(runId: string): Promise<void> {
    try {
      await enqueueRunJob(knex, queue, runId);
    } catch (err) {
      // The row stays queued; the sweeper enqueues queued runs that have no job.
      logger.error({ err, runId }, 'enqueueing the run failed');
      await RunModel.appendActivity(knex, runId, 'enqueueing failed; the sweeper will retry').catch((e: unknown) => logger.error({ err: e, runId }, 'could not record the enqueue failure'));
    }
  }

  return {
    portfolioFreshness,

    insertRun,

    enqueueRun,

    async requestRun(input, opts = {}) {
      const r = await insertRun(knex, input, opts);
      if (!r.deduplicated) await enqueueRun(r.runId);
      return r;
    },

    async getRunStatus(q, opts = {}) {
      const row = await RunModel.forStatus(knex, q);
      if (!row) return null;
      const freshness = opts.freshness && row.portfolio_id ? await portfolioFreshness(row.portfolio_id) : null;
      const live = isTerminalStatus(row.status) ? undefined : await WorkerHeartbeatModel.liveCount(knex);
      return toStatusView(row, Date.now(), freshness, live);
    },

    async listRuns(q) {
      const rows = await RunModel.history(knex, { ...q, limit: Math.min(Math.max(q.limit, 1), MAX_RUNS_PER_PAGE) });
      const now = Date.now();
      const live = rows.some((r) => !isTerminalStatus(r.status)) ? await WorkerHeartbeatModel.liveCount(knex) : undefined;
      return rows.map((r) => toStatusView(r, now, null, live));
    },
  };
}
