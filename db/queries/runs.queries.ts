import type { Knex } from 'knex';
import type {
  ActivityEntry,
  PhaseName,
  PhaseProgress,
  RunCounters,
  RunScope,
  RunSource,
  RunStatus,
  RunWarning,
} from '../../core/runs.js';

/** One row of batch_run_history, as plain data. */
export interface RunRow {
  id: string;
  scope: RunScope;
  portfolio_id: string | null;
  scope_key: string;
  source: RunSource;
  status: RunStatus;
  requested_by: string | null;
  requested_from: string | null;
  requested_to: string | null;
  force: boolean;
  job_id: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
  phases: Partial<Record<PhaseName, PhaseProgress>>;
  counters: Partial<RunCounters>;
  progress: RunProgressExtra;
  warnings: RunWarning[];
  error_summary: string | null;
  activity_log: ActivityEntry[];
}

/** Extra progress facts used to derive percent and ETA when the row is read. */
export interface RunProgressExtra {
  /** Vendor calls per second the limiter allows. */
  callsPerSecond?: number;
  /** Portfolio-days computed per second, measured. */
  portfolioDaysPerSecond?: number;
  chunks?: number;
  note?: string;
  /** Symbols whose vendor fetch or factor computation failed (the run ends partial). */
  failedSymbols?: string[];
}

export interface NewRun {
  scope: RunScope;
  portfolioId: string | null;
  source: RunSource;
  requestedBy: string | null;
  requestedFrom: string | null;
  requestedTo: string;
  force: boolean;
}

const ACTIVE: RunStatus[] = ['queued', 'running'];

/** Inserts a queued run unless the scope already has an active one; then returns null. */
export async function insertRunIfNoneActive(db: Knex | Knex.Transaction, run: NewRun): Promise<string | null> {
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

export async function findActiveRunId(db: Knex, scopeKey: string): Promise<string | null> {
  const row = (await db('batch_run_history').where({ scope_key: scopeKey }).whereIn('status', ACTIVE).first('id')) as
    | { id: string }
    | undefined;
  return row?.id ?? null;
}

export async function getRun(db: Knex | Knex.Transaction, runId: string): Promise<RunRow | undefined> {
  return (await db('batch_run_history').where({ id: runId }).first()) as RunRow | undefined;
}

export async function setRunJobId(db: Knex, runId: string, jobId: string): Promise<void> {
  await db('batch_run_history').where({ id: runId }).update({ job_id: jobId });
}

/** Claims a queued or running run for execution; returns undefined when it already ended. */
export async function markRunRunning(db: Knex, runId: string, message: string): Promise<RunRow | undefined> {
  const r = await db.raw<{ rows: RunRow[] }>(
    `UPDATE batch_run_history
        SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), attempts = attempts + 1,
            activity_log = (activity_log || jsonb_build_array(jsonb_build_object('at', now(), 'message', ?::text)))
      WHERE id = ? AND status IN ('queued', 'running')
      RETURNING *`,
    [message, runId],
  );
  return r.rows[0];
}

export interface RunDocument {
  phases: Partial<Record<PhaseName, PhaseProgress>>;
  counters: Partial<RunCounters>;
  progress: RunProgressExtra;
  warnings: RunWarning[];
  activityLog: ActivityEntry[];
}

/** Writes the progress document and the heartbeat. False when the run is no longer running. */
export async function saveRunDocument(db: Knex, runId: string, doc: RunDocument): Promise<boolean> {
  const n = await db('batch_run_history')
    .where({ id: runId, status: 'running' })
    .update({
      phases: JSON.stringify(doc.phases),
      counters: JSON.stringify(doc.counters),
      progress: JSON.stringify(doc.progress),
      warnings: JSON.stringify(doc.warnings),
      activity_log: JSON.stringify(doc.activityLog),
      heartbeat_at: db.fn.now(),
    });
  return n > 0;
}

export async function finishRun(
  db: Knex,
  runId: string,
  status: Extract<RunStatus, 'completed' | 'partial' | 'failed'>,
  doc: RunDocument,
  errorSummary: string | null,
): Promise<boolean> {
  const n = await db('batch_run_history')
    .where({ id: runId })
    .whereIn('status', ACTIVE)
    .update({
      status,
      finished_at: db.fn.now(),
      heartbeat_at: db.fn.now(),
      error_summary: errorSummary,
      phases: JSON.stringify(doc.phases),
      counters: JSON.stringify(doc.counters),
      progress: JSON.stringify(doc.progress),
      warnings: JSON.stringify(doc.warnings),
      activity_log: JSON.stringify(doc.activityLog),
    });
  return n > 0;
}

/** Puts a running run back to queued (its worker is shutting down and re-enqueued it). */
export async function requeueRun(db: Knex, runId: string, message: string): Promise<void> {
  await db.raw(
    `UPDATE batch_run_history
        SET status = 'queued', heartbeat_at = now(),
            activity_log = (activity_log || jsonb_build_array(jsonb_build_object('at', now(), 'message', ?::text)))
      WHERE id = ? AND status = 'running'`,
    [message, runId],
  );
}

export async function appendActivity(db: Knex, runId: string, message: string): Promise<void> {
  await db.raw(
    `UPDATE batch_run_history
        SET activity_log = (activity_log || jsonb_build_array(jsonb_build_object('at', now(), 'message', ?::text)))
      WHERE id = ?`,
    [message, runId],
  );
}

/** Active runs whose heartbeat (or creation, if never started) is older than the cut-off. */
export async function findStaleRuns(db: Knex, olderThanMs: number): Promise<RunRow[]> {
  return (await db('batch_run_history')
    .whereIn('status', ACTIVE)
    .whereRaw(`coalesce(heartbeat_at, created_at) < now() - (? * interval '1 millisecond')`, [olderThanMs])
    .orderBy('created_at')) as RunRow[];
}

// ---- chunks of a fanned-out run -------------------------------------------------------------

export interface ChunkRow {
  run_id: string;
  chunk_no: number;
  portfolio_ids: string[];
  job_id: string | null;
  status: RunStatus;
  dates_total: number;
  dates_done: number;
  portfolios_done: number;
  failures: { portfolioId: string; error: string }[];
  warnings: RunWarning[];
  /** Rows written by this chunk, summed into the run's counters when it finishes. */
  counters: Partial<RunCounters>;
}

export async function insertChunks(db: Knex, runId: string, chunks: string[][]): Promise<void> {
  if (chunks.length === 0) return;
  await db('batch_run_chunks')
    .insert(chunks.map((ids, chunkNo) => ({ run_id: runId, chunk_no: chunkNo, portfolio_ids: ids })))
    .onConflict(['run_id', 'chunk_no'])
    .ignore();
}

export async function getChunks(db: Knex, runId: string): Promise<ChunkRow[]> {
  return (await db('batch_run_chunks').where({ run_id: runId }).orderBy('chunk_no')) as ChunkRow[];
}

export async function getChunk(db: Knex, runId: string, chunkNo: number): Promise<ChunkRow | undefined> {
  return (await db('batch_run_chunks').where({ run_id: runId, chunk_no: chunkNo }).first()) as ChunkRow | undefined;
}

export async function setChunkJobId(db: Knex, runId: string, chunkNo: number, jobId: string): Promise<void> {
  await db('batch_run_chunks').where({ run_id: runId, chunk_no: chunkNo }).update({ job_id: jobId });
}

export async function markChunkRunning(db: Knex, runId: string, chunkNo: number): Promise<ChunkRow | undefined> {
  const rows = (await db('batch_run_chunks')
    .where({ run_id: runId, chunk_no: chunkNo })
    .whereIn('status', ACTIVE)
    .update({ status: 'running', started_at: db.raw('coalesce(started_at, now())'), heartbeat_at: db.fn.now() })
    .returning('*')) as ChunkRow[];
  return rows[0];
}

/** Records one more portfolio done in a chunk and mirrors the total on the run row (one statement each). */
export async function recordChunkProgress(
  db: Knex,
  runId: string,
  chunkNo: number,
  update: { portfoliosDone: number; datesDone: number; failures: ChunkRow['failures']; warnings: RunWarning[]; counters: Partial<RunCounters> },
): Promise<void> {
  await db('batch_run_chunks')
    .where({ run_id: runId, chunk_no: chunkNo })
    .update({
      portfolios_done: update.portfoliosDone,
      dates_done: update.datesDone,
      counters: JSON.stringify(update.counters),
      failures: JSON.stringify(update.failures),
      warnings: JSON.stringify(update.warnings.slice(0, 200)),
      heartbeat_at: db.fn.now(),
    });
  await db.raw(
    `UPDATE batch_run_history r
        SET heartbeat_at = now(),
            phases = jsonb_set(r.phases, '{portfolio_analytics,current}', to_jsonb(s.done))
       FROM (SELECT coalesce(sum(portfolios_done), 0)::int AS done FROM batch_run_chunks WHERE run_id = ?) s
      WHERE r.id = ? AND r.status = 'running' AND r.phases -> 'portfolio_analytics' IS NOT NULL`,
    [runId, runId],
  );
}

export async function finishChunk(db: Knex, runId: string, chunkNo: number, status: 'completed' | 'partial' | 'failed'): Promise<void> {
  await db('batch_run_chunks')
    .where({ run_id: runId, chunk_no: chunkNo })
    .update({ status, finished_at: db.fn.now(), heartbeat_at: db.fn.now() });
}
