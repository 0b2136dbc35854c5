import { fn, type ModelObject, type RelationMappings } from 'objection';
import type { IsoDate } from '../../core/dates.js';
import {
  ACTIVE_STATUSES,
  type ActivityEntry,
  type PhaseName,
  type PhaseProgress,
  type RunCounters,
  type RunDocument,
  type RunProgressExtra,
  type RunScope,
  type RunSource,
  type RunStatus,
  type RunWarning,
  type TerminalStatus,
} from '../../core/runs.js';
import { BaseModel, type Db } from './base.model.js';
import { PortfolioModel } from './portfolio.model.js';
import { RunChunkModel } from './run-chunk.model.js';

export interface NewRun {
  scope: RunScope;
  portfolioId: string | null;
  source: RunSource;
  requestedBy: string | null;
  requestedFrom: IsoDate | null;
  requestedTo: IsoDate;
  force: boolean;
}

/** Which runs a status or history read selects. */
export type RunSelector = { runId: string } | { portfolioId: string } | { latest: true; userId?: string };

/** Columns a status read needs: one indexed row, no joins. */
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

/** A run row as read for status views (the columns of STATUS_COLUMNS). */
export type RunStatusRecord = Pick<RunModel, (typeof STATUS_COLUMNS)[number]>;

/** A whole run row, as plain data. */
export type RunRecord = ModelObject<RunModel>;

const appendActivitySql = `activity_log || jsonb_build_array(jsonb_build_object('at', now(), 'message', ?::text))`;

/**
 * `batch_run_history`: one row per run (its id is the run id everywhere), the source of truth for its
 * status and the progress document the pipeline keeps up to date (docs/runs.md).
 */
export class RunModel extends BaseModel {
  static override tableName = 'batch_run_history';
  static override jsonAttributes = ['phases', 'counters', 'progress', 'warnings', 'activity_log'];
  id!: string;
  scope!: RunScope;
  portfolio_id!: string | null;
  /** Generated: 'all' or 'portfolio:<id>', unique among queued-or-running runs. */
  scope_key!: string;
  source!: RunSource;
  status!: RunStatus;
  requested_by!: string | null;
  requested_from!: IsoDate | null;
  requested_to!: IsoDate | null;
  force!: boolean;
  job_id!: string | null;
  attempts!: number;
  created_at!: Date;
  started_at!: Date | null;
  heartbeat_at!: Date | null;
  finished_at!: Date | null;
  phases!: Partial<Record<PhaseName, PhaseProgress>>;
  counters!: Partial<RunCounters>;
  progress!: RunProgressExtra;
  warnings!: RunWarning[];
  error_summary!: string | null;
  activity_log!: ActivityEntry[];
  portfolio?: PortfolioModel;
  chunks?: RunChunkModel[];

  static override get relationMappings(): RelationMappings {
    return {
      portfolio: { relation: BaseModel.BelongsToOneRelation, modelClass: PortfolioModel, join: { from: 'batch_run_history.portfolio_id', to: 'portfolios.id' } },
      chunks: { relation: BaseModel.HasManyRelation, modelClass: RunChunkModel, join: { from: 'batch_run_history.id', to: 'batch_run_chunks.run_id' } },
    };
  }

  /** Inserts a queued run unless its scope already has an active one; then returns null. */
  static async insertIfNoneActive(db: Db, run: NewRun): Promise<string | null> {
    const r = await db.raw<{ rows: { id: string }[] }>(
      `INSERT INTO batch_run_history (scope, portfolio_id, source, status, requested_by, requested_from, requested_to, force, activity_log)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?::jsonb)
       ON CONFLICT (scope_key) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id`,
      [
        run.scope,
        run.portfolioId,
        run.source,
        run.requestedBy,
        run.requestedFrom,
        run.requestedTo,
        run.force,
        JSON.stringify([{ at: new Date().toISOString(), message: `queued by ${run.source}` }]),
      ],
    );
    return r.rows[0]?.id ?? null;
  }

  /** The queued or running run of a scope ('all' or 'portfolio:<id>'). */
  static async activeIdFor(db: Db, scopeKey: string): Promise<string | null> {
    const m = await RunModel.query(db).select('id').where({ scope_key: scopeKey }).whereIn('status', ACTIVE_STATUSES as RunStatus[]).first();
    return m?.id ?? null;
  }

  /** How many runs wait for a worker (queued) and how many are under way (running). */
  static async countActive(db: Db): Promise<{ queued: number; running: number }> {
    const rows = (await RunModel.query(db)
      .select('status')
      .count('* as n')
      .whereIn('status', ACTIVE_STATUSES as RunStatus[])
      .groupBy('status')) as unknown as { status: RunStatus; n: string | number }[];
    const out = { queued: 0, running: 0 };
    for (const r of rows) if (r.status === 'queued' || r.status === 'running') out[r.status] = Number(r.n);
    return out;
  }

  static async find(db: Db, runId: string): Promise<RunRecord | undefined> {
    return RunModel.query(db).findById(runId);
  }

  /** The first onboarding run of a portfolio: what a repeated onboarding request answers with. */
  static async firstOnboardingRunId(db: Db, portfolioId: string): Promise<string | undefined> {
    const m = await RunModel.query(db).select('id').where({ portfolio_id: portfolioId, source: 'onboarding' }).orderBy('created_at', 'asc').first();
    return m?.id;
  }

  /** One run for a status view: by id, the latest of a portfolio, or the latest overall (or of a user's portfolios). */
  static async forStatus(db: Db, q: RunSelector): Promise<RunStatusRecord | undefined> {
    const query = RunModel.query(db).select(...STATUS_COLUMNS);
    if ('runId' in q) return query.findById(q.runId);
    void query.orderBy('created_at', 'desc');
    if ('portfolioId' in q) void query.where({ portfolio_id: q.portfolioId });
    else if (q.userId) void query.whereIn('portfolio_id', PortfolioModel.query(db).select('id').where({ user_id: q.userId }));
    return query.first();
  }

  /** Runs newest first: of a portfolio, of a user's portfolios, or all; before an instant when paging. */
  static async history(db: Db, q: { portfolioId?: string; userId?: string; limit: number; before?: Date }): Promise<RunStatusRecord[]> {
    const query = RunModel.query(db).select(...STATUS_COLUMNS).orderBy('created_at', 'desc').limit(q.limit);
    if (q.portfolioId) void query.where({ portfolio_id: q.portfolioId });
    if (q.userId) void query.whereIn('portfolio_id', PortfolioModel.query(db).select('id').where({ user_id: q.userId }));
    if (q.before) void query.where('created_at', '<', q.before);
    return query;
  }

  static async setJobId(db: Db, runId: string, jobId: string): Promise<void> {
    await RunModel.query(db).patch({ job_id: jobId }).where({ id: runId });
  }

  /** Claims a queued or running run for execution (one more attempt); undefined when it already ended. */
  static async markRunning(db: Db, runId: string, message: string): Promise<RunRecord | undefined> {
    const r = await db.raw<{ rows: Record<string, unknown>[] }>(
      `UPDATE batch_run_history
          SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), attempts = attempts + 1,
              activity_log = ${appendActivitySql}
        WHERE id = ? AND status IN ('queued', 'running')
        RETURNING *`,
      [message, runId],
    );
    const row = r.rows[0];
    return row ? RunModel.fromDatabaseJson(row) : undefined;
  }

  /** Writes the progress document and the heartbeat. False when the run is no longer running. */
  static async saveDocument(db: Db, runId: string, doc: RunDocument): Promise<boolean> {
    const n = await RunModel.query(db)
      .patch({ ...documentColumns(doc), heartbeat_at: fn.now() })
      .where({ id: runId, status: 'running' });
    return n > 0;
  }

  /** Ends an active run with its final document. False when it had already ended. */
  static async finish(db: Db, runId: string, status: TerminalStatus, doc: RunDocument, errorSummary: string | null): Promise<boolean> {
    const n = await RunModel.query(db)
      .patch({ ...documentColumns(doc), status, finished_at: fn.now(), heartbeat_at: fn.now(), error_summary: errorSummary })
      .where({ id: runId })
      .whereIn('status', ACTIVE_STATUSES as RunStatus[]);
    return n > 0;
  }

  /** Puts a running run back to queued (its worker is shutting down and hands it over). */
  static async requeue(db: Db, runId: string, message: string): Promise<void> {
    await db.raw(
      `UPDATE batch_run_history SET status = 'queued', heartbeat_at = now(), activity_log = ${appendActivitySql}
        WHERE id = ? AND status = 'running'`,
      [message, runId],
    );
  }

  static async appendActivity(db: Db, runId: string, message: string): Promise<void> {
    await db.raw(`UPDATE batch_run_history SET activity_log = ${appendActivitySql} WHERE id = ?`, [message, runId]);
  }

  /** Queued runs whose job was never queued (no job id) and that were created before the cut-off, oldest first. */
  static async queuedWithoutJob(db: Db, olderThanMs: number): Promise<RunRecord[]> {
    return RunModel.query(db)
      .where({ status: 'queued' })
      .whereNull('job_id')
      .whereRaw(`created_at < now() - (? * interval '1 millisecond')`, [olderThanMs])
      .orderBy('created_at');
  }

  /** Active runs whose heartbeat (or creation, if never started) is older than the cut-off, oldest first. */
  static async findStale(db: Db, olderThanMs: number): Promise<RunRecord[]> {
    return RunModel.query(db)
      .whereIn('status', ACTIVE_STATUSES as RunStatus[])
      .whereRaw(`coalesce(heartbeat_at, created_at) < now() - (? * interval '1 millisecond')`, [olderThanMs])
      .orderBy('created_at');
  }
}

function documentColumns(doc: RunDocument): Pick<RunModel, 'phases' | 'counters' | 'progress' | 'warnings' | 'activity_log'> {
  return { phases: doc.phases, counters: doc.counters, progress: doc.progress, warnings: doc.warnings, activity_log: doc.activityLog };
}
