import { fn, raw, type ModelObject, type RelationMappings } from 'objection';
import { ACTIVE_STATUSES, type PortfolioFailure, type RunCounters, type RunStatus, type RunWarning, type TerminalStatus } from '../../core/runs.js';
import { BaseModel, type Db } from './base.model.js';
import { RunModel } from './run.model.js';

/** What a chunk has done so far: recorded after every group of portfolios. */
export interface ChunkProgress {
  portfoliosDone: number;
  datesDone: number;
  failures: PortfolioFailure[];
  warnings: RunWarning[];
  /** Rows written by this chunk, summed into the run's counters when the run finishes. */
  counters: Partial<RunCounters>;
}

export type ChunkRecord = ModelObject<RunChunkModel>;

/**
 * `batch_run_chunks`: the portfolio work of a run, in chunks of portfolios. Each chunk is its own job
 * (or, for a run with a single chunk, done by the run's own job); the last chunk to end ends the run.
 */
export class RunChunkModel extends BaseModel {
  static override tableName = 'batch_run_chunks';
  static override idColumn = ['run_id', 'chunk_no'];
  static override jsonAttributes = ['failures', 'warnings', 'counters'];
  run_id!: string;
  chunk_no!: number;
  portfolio_ids!: string[];
  job_id!: string | null;
  status!: RunStatus;
  dates_total!: number;
  dates_done!: number;
  portfolios_done!: number;
  failures!: PortfolioFailure[];
  warnings!: RunWarning[];
  counters!: Partial<RunCounters>;
  started_at!: Date | null;
  heartbeat_at!: Date | null;
  finished_at!: Date | null;
  run?: RunModel;

  static override get relationMappings(): RelationMappings {
    return {
      run: { relation: BaseModel.BelongsToOneRelation, modelClass: RunModel, join: { from: 'batch_run_chunks.run_id', to: 'batch_run_history.id' } },
    };
  }

  /** Records the chunks of a run (numbered from 0); chunks that exist already are kept. */
  static async insertMany(db: Db, runId: string, chunks: readonly (readonly string[])[]): Promise<void> {
    if (chunks.length === 0) return;
    await RunChunkModel.query(db)
      .insert(chunks.map((ids, chunkNo) => ({ run_id: runId, chunk_no: chunkNo, portfolio_ids: [...ids] })))
      .onConflict(['run_id', 'chunk_no'])
      .ignore();
  }

  static async ofRun(db: Db, runId: string): Promise<ChunkRecord[]> {
    return RunChunkModel.query(db).where({ run_id: runId }).orderBy('chunk_no');
  }

  static async setJobId(db: Db, runId: string, chunkNo: number, jobId: string): Promise<void> {
    await RunChunkModel.query(db).patch({ job_id: jobId }).where({ run_id: runId, chunk_no: chunkNo });
  }

  /** Claims a queued or running chunk; undefined when it already ended. */
  static async markRunning(db: Db, runId: string, chunkNo: number): Promise<ChunkRecord | undefined> {
    const [m] = await RunChunkModel.query(db)
      .patch({ status: 'running', started_at: raw('coalesce(started_at, now())'), heartbeat_at: fn.now() })
      .where({ run_id: runId, chunk_no: chunkNo })
      .whereIn('status', ACTIVE_STATUSES as RunStatus[])
      .returning('*');
    return m;
  }

  /**
   * Records a chunk's progress and mirrors the run's total of portfolios done into its portfolio
   * phase (one statement each), which also renews the run's heartbeat.
   */
  static async recordProgress(db: Db, runId: string, chunkNo: number, progress: ChunkProgress, maxWarnings: number): Promise<void> {
    await RunChunkModel.query(db)
      .patch({
        portfolios_done: progress.portfoliosDone,
        dates_done: progress.datesDone,
        counters: progress.counters,
        failures: progress.failures,
        warnings: progress.warnings.slice(0, maxWarnings),
        heartbeat_at: fn.now(),
      })
      .where({ run_id: runId, chunk_no: chunkNo });
    await db.raw(
      `UPDATE batch_run_history r
          SET heartbeat_at = now(),
              phases = jsonb_set(r.phases, '{portfolio_analytics,current}', to_jsonb(s.done))
         FROM (SELECT coalesce(sum(portfolios_done), 0)::int AS done FROM batch_run_chunks WHERE run_id = ?) s
        WHERE r.id = ? AND r.status = 'running' AND r.phases -> 'portfolio_analytics' IS NOT NULL`,
      [runId, runId],
    );
    await db.raw(
      `UPDATE batch_run_history r
          SET phases = jsonb_set(r.phases, '{risk,current}', to_jsonb(s.done))
         FROM (SELECT coalesce(sum((counters ->> 'riskDays')::int), 0)::int AS done FROM batch_run_chunks WHERE run_id = ?) s
        WHERE r.id = ? AND r.status = 'running' AND r.phases -> 'risk' IS NOT NULL`,
      [runId, runId],
    );
  }

  static async finish(db: Db, runId: string, chunkNo: number, status: TerminalStatus): Promise<void> {
    await RunChunkModel.query(db).patch({ status, finished_at: fn.now(), heartbeat_at: fn.now() }).where({ run_id: runId, chunk_no: chunkNo });
  }
}
