import type { Agenda } from 'agenda';
import type { Knex } from 'knex';
import { snapshotCoverage, listPortfoliosInScope } from '../../db/queries/analytics.queries.js';
import {
  appendActivity,
  findActiveRunId,
  insertRunIfNoneActive,
  setRunJobId,
  type RunRow,
} from '../../db/queries/runs.queries.js';
import { JOB_RUN } from '../../jobs/definitions.js';
import { countTradingDays, isValidIsoDate, targetDate, tradingDayOnOrAfter } from '../../jobs/calc/trading-calendar.js';
import { currentPhase, estimateEtaSeconds, overallPercent } from '../../core/progress.js';
import type { Logger } from '../logger.js';
import type { PortfolioFreshness, RequestRunInput, RequestRunResult, RunStatusView } from '../../core/runs.js';
import { NotFoundError, ValidationError } from './errors.js';

export interface BatchService {
  requestRun(input: RequestRunInput): Promise<RequestRunResult>;
  /** One indexed read; with `freshness`, two more small reads for the portfolio's snapshot coverage. */
  getRunStatus(
    q: { runId: string } | { portfolioId: string } | { latest: true; userId?: string },
    opts?: { freshness?: boolean },
  ): Promise<RunStatusView | null>;
  listRuns(q: { portfolioId?: string; userId?: string; limit: number; before?: Date }): Promise<RunStatusView[]>;
  portfolioFreshness(portfolioId: string): Promise<PortfolioFreshness>;
  /** Enqueues the job of a queued run (used by the sweeper for runs whose job was never created). */
  enqueue(runId: string): Promise<void>;
}

export interface BatchServiceDeps {
  knex: Knex;
  agenda: Agenda;
  logger: Logger;
  clock: () => Date;
  closeCutoff: string;
}

/** Columns batch.status reads: one indexed row, no joins. */
const STATUS_COLUMNS = [
  'id',
  'scope',
  'portfolio_id',
  'source',
  'status',
  'requested_from',
  'requested_to',
  'force',
  'created_at',
  'started_at',
  'heartbeat_at',
  'finished_at',
  'phases',
  'counters',
  'progress',
  'warnings',
  'error_summary',
  'activity_log',
] as const;

export function toStatusView(row: RunRow, now: number, freshness: PortfolioFreshness | null): RunStatusView {
  const terminal = row.status === 'completed' || row.status === 'partial' || row.status === 'failed';
  return {
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

export function createBatchService(deps: BatchServiceDeps): BatchService {
  const { knex, agenda, logger, clock } = deps;

  async function enqueue(runId: string): Promise<void> {
    const job = await agenda.now(JOB_RUN, { runId });
    await setRunJobId(knex, runId, String(job.attrs._id));
  }

  async function portfolioFreshness(portfolioId: string): Promise<PortfolioFreshness> {
    const target = targetDate(clock(), deps.closeCutoff);
    const [scoped] = await listPortfoliosInScope(knex, portfolioId);
    const last = (await knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).max('snapshot_date as d').first()) as
      | { d: string | null }
      | undefined;
    if (!scoped) {
      return { portfolioId, lastCompleteSnapshot: null, lastSnapshot: last?.d ?? null, targetDate: target, tradingDaysBehind: 0 };
    }
    const cov = (await snapshotCoverage(knex, [scoped])).get(portfolioId);
    const inception = tradingDayOnOrAfter(scoped.inception);
    const required = inception <= target ? countTradingDays(inception, target) : 0;
    return {
      portfolioId,
      lastCompleteSnapshot: cov?.lastComplete ?? null,
      lastSnapshot: last?.d ?? null,
      targetDate: target,
      tradingDaysBehind: Math.max(0, required - (cov?.completeCount ?? 0)),
    };
  }

  return {
    enqueue,
    portfolioFreshness,

    async requestRun(input) {
      const issues = [];
      if (input.scope === 'portfolio' && !input.portfolioId) issues.push({ field: 'portfolioId', message: 'is required for a portfolio run' });
      if (input.scope === 'all' && input.portfolioId) issues.push({ field: 'portfolioId', message: 'must be empty for a run over all portfolios' });
      if (input.from !== undefined && !isValidIsoDate(input.from)) issues.push({ field: 'from', message: `"${input.from}" is not a YYYY-MM-DD date` });
      const target = targetDate(clock(), deps.closeCutoff);
      if (input.from !== undefined && isValidIsoDate(input.from) && input.from > target) {
        issues.push({ field: 'from', message: `${input.from} is after the latest final close (${target})` });
      }
      if (issues.length > 0) throw new ValidationError(issues);
      if (input.portfolioId) {
        const exists = await knex('portfolios').where({ id: input.portfolioId }).whereNull('deleted_at').first('id');
        if (!exists) throw new NotFoundError('portfolio', input.portfolioId);
      }
      const scopeKey = input.scope === 'all' ? 'all' : `portfolio:${input.portfolioId}`;
      // The partial unique index decides: the first insert wins, later ones get the active run's id.
      for (let attempt = 0; attempt < 5; attempt++) {
        const runId = await insertRunIfNoneActive(knex, {
          scope: input.scope,
          portfolioId: input.portfolioId ?? null,
          source: input.source,
          requestedBy: input.requestedBy ?? null,
          requestedFrom: input.from ?? null,
          requestedTo: target,
          force: input.force ?? false,
        });
        if (runId) {
          try {
            await enqueue(runId);
          } catch (err) {
            // The row stays queued; the sweeper enqueues queued runs that have no job.
            logger.error({ err, runId }, 'enqueueing the run failed');
            await appendActivity(knex, runId, 'enqueueing failed; the sweeper will retry');
          }
          logger.info({ runId, scope: input.scope, portfolioId: input.portfolioId, source: input.source }, 'run requested');
          return { runId, deduplicated: false };
        }
        const existing = await findActiveRunId(knex, scopeKey);
        if (existing) return { runId: existing, deduplicated: true };
        // The active run ended between the insert and the read: try again.
      }
      throw new Error(`could not create or find an active run for ${scopeKey}`);
    },

    async getRunStatus(q, opts = {}) {
      let row: RunRow | undefined;
      if ('runId' in q) {
        row = (await knex('batch_run_history').where({ id: q.runId }).first(STATUS_COLUMNS)) as RunRow | undefined;
      } else if ('portfolioId' in q) {
        row = (await knex('batch_run_history')
          .where({ portfolio_id: q.portfolioId })
          .orderBy('created_at', 'desc')
          .first(STATUS_COLUMNS)) as RunRow | undefined;
      } else {
        const query = knex('batch_run_history').orderBy('created_at', 'desc');
        if (q.userId) query.whereIn('portfolio_id', knex('portfolios').where({ user_id: q.userId }).select('id'));
        row = (await query.first(STATUS_COLUMNS)) as RunRow | undefined;
      }
      if (!row) return null;
      const freshness = opts.freshness && row.portfolio_id ? await portfolioFreshness(row.portfolio_id) : null;
      return toStatusView(row, Date.now(), freshness);
    },

    async listRuns(q) {
      const query = knex('batch_run_history')
        .orderBy('created_at', 'desc')
        .limit(Math.min(Math.max(q.limit, 1), 200))
        .select(STATUS_COLUMNS);
      if (q.portfolioId) query.where({ portfolio_id: q.portfolioId });
      if (q.userId) query.whereIn('portfolio_id', knex('portfolios').where({ user_id: q.userId }).select('id'));
      if (q.before) query.where('created_at', '<', q.before);
      const rows = (await query) as RunRow[];
      const now = Date.now();
      return rows.map((r) => toStatusView(r, now, null));
    },
  };
}

