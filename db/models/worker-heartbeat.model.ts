import { BaseModel, type Db } from './base.model.js';

/** A worker is live while its last beat is younger than this many of its own beat intervals. */
export const LIVE_AFTER_BEATS = 3;

export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  beatEveryMs: number;
  runningJobs: number;
  concurrency: number;
}

/** A live worker as readiness and status views show it. */
export interface LiveWorker {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  lastBeatAt: Date;
  runningJobs: number;
  concurrency: number;
}

const liveSql = `beat_at > now() - (beat_every_ms * ${LIVE_AFTER_BEATS}) * interval '1 millisecond'`;

/** `worker_heartbeats`: one row per worker process, beaten every few seconds (the database's clock decides). */
export class WorkerHeartbeatModel extends BaseModel {
  static override tableName = 'worker_heartbeats';
  id!: string;
  host!: string;
  pid!: number;
  started_at!: Date;
  beat_at!: Date;
  beat_every_ms!: number;
  running_jobs!: number;
  concurrency!: number;

  /** Records a beat (the first one inserts the row). */
  static async beat(db: Db, b: WorkerBeat): Promise<void> {
    await db.raw(
      `INSERT INTO worker_heartbeats (id, host, pid, beat_every_ms, running_jobs, concurrency) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET beat_at = now(), beat_every_ms = EXCLUDED.beat_every_ms, running_jobs = EXCLUDED.running_jobs,
         concurrency = EXCLUDED.concurrency`,
      [b.id, b.host, b.pid, b.beatEveryMs, b.runningJobs, b.concurrency],
    );
  }

  /** Workers whose last beat is recent, oldest first. */
  static async live(db: Db): Promise<LiveWorker[]> {
    const rows = await WorkerHeartbeatModel.query(db).whereRaw(liveSql).orderBy('started_at');
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      startedAt: r.started_at,
      lastBeatAt: r.beat_at,
      runningJobs: r.running_jobs,
      concurrency: r.concurrency,
    }));
  }

  static async liveCount(db: Db): Promise<number> {
    const r = await db.raw<{ rows: { n: number }[] }>(`SELECT count(*)::int AS n FROM worker_heartbeats WHERE ${liveSql}`);
    return r.rows[0]?.n ?? 0;
  }

  /** A worker that stops cleanly removes its row; rows of workers dead for longer than `olderThanMs` are pruned. */
  static async remove(db: Db, id: string): Promise<void> {
    await WorkerHeartbeatModel.query(db).delete().where({ id });
  }

  static async prune(db: Db, olderThanMs: number): Promise<number> {
    return WorkerHeartbeatModel.query(db).delete().whereRaw(`beat_at < now() - ? * interval '1 millisecond'`, [olderThanMs]);
  }
}
