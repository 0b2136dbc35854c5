import type { RunObserver } from '../../core/observer.js';
import { withoutSql } from '../../core/user-text.js';
import type { Db } from '../../db/models/base.model.js';
import { RunModel, type RunRecord } from '../../db/models/run.model.js';
import type { Logger } from '../../core/logger.js';
import { LockLostError } from '../queue/job-queue.js';
import type { PhaseName, PhaseProgress, RunCounters, RunDocument, RunWarning } from '../../core/runs.js';

const MAX_ACTIVITY = 60;
const MAX_WARNINGS = 500;

/**
 * Timestamps and durations here are wall-clock time (when things happened), not the injected
 * business clock that decides the target date.
 *
 * The run's progress document (docs/runs.md) kept in memory and written to its batch_run_history row
 * with awaited statements: at every phase change, at least once per `flushEveryMs` while work
 * advances, and at the end. Every write also renews the heartbeat.
 *
 * Users read the warnings, the activity log and the error summary: all pass through `withoutSql` here, whichever
 * layer produced the text.
 */
export class RunRecorder {
  readonly doc: RunDocument;
  private lastFlush = 0;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly row: Pick<RunRecord, 'source' | 'phases' | 'counters' | 'progress' | 'warnings' | 'activity_log'>,
    private readonly logger: Logger,
    private readonly flushEveryMs = 1000,
    private readonly observer?: RunObserver,
  ) {
    this.doc = {
      phases: { ...row.phases },
      counters: { ...row.counters },
      progress: { ...row.progress },
      warnings: [...row.warnings],
      activityLog: [...row.activity_log],
    };
  }

  log(text: string, fields: Record<string, unknown> = {}): void {
    const message = withoutSql(text);
    this.doc.activityLog.push({ at: new Date().toISOString(), message });
    if (this.doc.activityLog.length > MAX_ACTIVITY) this.doc.activityLog.splice(0, this.doc.activityLog.length - MAX_ACTIVITY);
    this.logger.info({ runId: this.runId, ...fields }, message);
  }

  warn(warning: RunWarning): void {
    const w = { ...warning, message: withoutSql(warning.message) };
    const dup = this.doc.warnings.some((x) => x.code === w.code && x.symbol === w.symbol && x.portfolioId === w.portfolioId);
    if (!dup && this.doc.warnings.length < MAX_WARNINGS) this.doc.warnings.push(w);
  }

  count(key: keyof RunCounters, n: number): void {
    this.doc.counters[key] = (this.doc.counters[key] ?? 0) + n;
  }

  set(key: keyof RunCounters, n: number): void {
    this.doc.counters[key] = n;
  }

  async startPhase(name: PhaseName, total: number, unit: string): Promise<void> {
    this.doc.phases[name] = { status: 'running', current: 0, total, unit, startedAt: new Date().toISOString(), durationMs: null };
    this.log(`phase ${name} started (${total} ${unit})`, { phase: name, total });
    await this.flush(true);
  }

  async advance(name: PhaseName, current: number, total?: number): Promise<void> {
    const p = this.doc.phases[name];
    if (!p) return;
    p.current = current;
    if (total !== undefined) p.total = total;
    await this.flush(false);
  }

  async endPhase(name: PhaseName, status: PhaseProgress['status'], note?: string): Promise<void> {
    const p = this.doc.phases[name] ?? { status, current: 0, total: 0, unit: '', startedAt: new Date().toISOString(), durationMs: null };
    p.status = status;
    if (status === 'done') p.current = p.total;
    p.durationMs = p.startedAt ? new Date().getTime() - Date.parse(p.startedAt) : null;
    this.doc.phases[name] = p;
    this.log(note ?? `phase ${name} ${status}`, { phase: name, status, durationMs: p.durationMs });
    await this.flush(true);
  }

  /** Writes the document (and the heartbeat); throttled unless forced. Throws LockLostError if the run ended elsewhere. */
  async flush(force: boolean): Promise<void> {
    const now = new Date().getTime();
    if (!force && now - this.lastFlush < this.flushEveryMs) return;
    this.lastFlush = now;
    const ok = await RunModel.saveDocument(this.db, this.runId, this.doc);
    if (!ok) throw new LockLostError(`run ${this.runId} is no longer running (ended or taken over elsewhere)`);
  }

  async finish(status: 'completed' | 'partial' | 'failed', errorSummary: string | null): Promise<boolean> {
    const summary = errorSummary === null ? null : withoutSql(errorSummary);
    this.log(`run ${status}${summary ? `: ${summary}` : ''}`, { status });
    const ended = await RunModel.finish(this.db, this.runId, status, this.doc, summary);
    if (ended) this.observer?.runFinished({ source: this.row.source, status, phases: this.doc.phases });
    return ended;
  }
}
