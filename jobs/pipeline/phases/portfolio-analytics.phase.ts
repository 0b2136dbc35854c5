/**
 * The portfolio phase: the portfolio work of a run, in chunks of at most `chunkSize` portfolios
 * recorded in `batch_run_chunks`. A run with one chunk works it in its own job; a run with more fans
 * out, each chunk its own job that any worker takes. Either way one loop (`workChunk`) does the work
 * in groups of portfolios and reports through one sink (the chunk's row, mirrored on the run's), and
 * whichever job ends the last open chunk finishes the run.
 */
import { isTerminalStatus, type RunCounters } from '../../../core/runs.js';
import { RunChunkModel, type ChunkProgress, type ChunkRecord } from '../../../db/models/run-chunk.model.js';
import { RunModel, type RunRecord } from '../../../db/models/run.model.js';
import { targetDate } from '../../calc/trading-calendar.js';
import { checkpoint, isInterruption, type JobControl } from '../../queue/job-queue.js';
import { enqueueChunkJob } from '../../run-jobs.js';
import type { PipelineDeps } from '../deps.js';
import { planPortfolios, type PortfolioPlan } from '../plan-run.js';
import { chunksOf, pool } from '../../pool.js';
import { analyseGroupOrEach, GROUP_LANES, GROUP_SIZE, loadAnalyticsInputs, type GroupResult } from '../portfolio-group.js';
import { forgetRun, runMemory, type RunPrices } from '../run-memory.js';
import type { Phase, RunContext } from '../run-context.js';
import { RunRecorder } from '../run-recorder.js';
import { workRiskChunk } from './risk.phase.js';

/** Warnings a chunk keeps; the run keeps the first of all chunks' (deduplicated). */
const CHUNK_WARNINGS = 200;

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function failureSummary(symbols: readonly string[], portfolios: readonly { portfolioId: string; error: string }[]): string {
  const parts: string[] = [];
  if (symbols.length > 0) parts.push(`symbols failed: ${symbols.join(', ')}`);
  if (portfolios.length > 0) parts.push(`portfolios failed: ${portfolios.map((p) => `${p.portfolioId} (${p.error})`).join('; ')}`);
  return parts.join('; ');
}

const isOpen = (c: ChunkRecord): boolean => !isTerminalStatus(c.status);

/** Queues a job for every chunk that has not ended. */
async function enqueueOpenChunks(deps: PipelineDeps, runId: string, chunks: readonly ChunkRecord[]): Promise<void> {
  for (const c of chunks) if (isOpen(c)) await enqueueChunkJob(deps.knex, deps.queue, runId, c.chunk_no);
}

function addGroup(progress: ChunkProgress, r: GroupResult): void {
  const add = (key: keyof RunCounters, n: number): void => {
    progress.counters[key] = (progress.counters[key] ?? 0) + n;
  };
  progress.failures.push(...r.failed);
  for (const o of r.outcomes) {
    progress.datesDone += o.dates;
    add('snapshotsWritten', o.snapshots);
    add('positionExposureRows', o.positionExposures);
    add('portfolioExposureRows', o.portfolioExposures);
    for (const w of o.warnings) if (progress.warnings.length < CHUNK_WARNINGS) progress.warnings.push(w);
  }
}

/**
 * The one loop of the portfolio phase: a chunk's portfolios that are not done yet, in groups of
 * GROUP_SIZE per transaction. Portfolios another run completed meanwhile drop out when planned.
 * `known` carries the run's own plan when the run's job works its single chunk; the run's prices
 * come from this process's memory of the run when it planned it.
 */
async function workChunk(deps: PipelineDeps, run: RunRecord, chunk: ChunkRecord, ctl: JobControl, known?: { plans: PortfolioPlan[]; failedSymbols: ReadonlySet<string> }): Promise<void> {
  const target = run.requested_to ?? targetDate(deps.clock(), deps.closeCutoff);
  const progress: ChunkProgress = {
    portfoliosDone: chunk.portfolios_done,
    datesDone: chunk.dates_done,
    failures: [...chunk.failures],
    warnings: [...chunk.warnings],
    counters: { ...chunk.counters },
  };
  try {
    const remaining = chunk.portfolio_ids.slice(progress.portfoliosDone);
    const plans =
      known?.plans ??
      (remaining.length === 0 ? [] : (await planPortfolios(deps.knex, { portfolioId: null, target, from: run.requested_from, force: run.force }, remaining)).portfolios);
    const failedSymbols = known?.failedSymbols ?? new Set(run.progress.failedSymbols ?? []);
    const inputs = await loadAnalyticsInputs(deps.knex, plans, target, runMemory(run.id, target).prices, failedSymbols);
    const byId = new Map(plans.map((p) => [p.id, p]));
    // One progress write at a time, each of the state when it runs: the last one written is the latest.
    let writes = Promise.resolve();
    const record = (): Promise<void> => (writes = writes.then(() => RunChunkModel.recordProgress(deps.knex, run.id, chunk.chunk_no, progress, CHUNK_WARNINGS)));
    // GROUP_LANES groups at a time: one computes while another waits on its writes. Progress is a
    // prefix of the chunk (a resumed chunk starts after it), so a group counts once those before it have.
    const groups = chunksOf(remaining, GROUP_SIZE);
    const ended: (GroupResult | undefined)[] = [];
    let counted = 0;
    await pool(groups, GROUP_LANES, () => ctl.signal.aborted, async (ids, k) => {
      await ctl.touch(Math.round((100 * progress.portfoliosDone) / chunk.portfolio_ids.length));
      const group = ids.map((id) => byId.get(id)).filter((p): p is PortfolioPlan => p !== undefined);
      ended[k] = await analyseGroupOrEach(deps.knex, deps.logger, group, target, run.force, inputs, run.id);
      for (; counted < groups.length && ended[counted] !== undefined; counted++) {
        addGroup(progress, ended[counted]!);
        progress.portfoliosDone += groups[counted]!.length;
      }
      await record();
    });
    checkpoint(ctl.signal);
    // The risk phase over the same portfolios, from their risk watermarks (a resumed chunk continues there).
    await workRiskChunk(deps.knex, chunk.portfolio_ids, target, run.id, ctl, async (r, ms) => {
      progress.counters.riskDays = (progress.counters.riskDays ?? 0) + r.days;
      progress.counters.riskMs = (progress.counters.riskMs ?? 0) + Math.round(ms);
      progress.counters.riskRows = (progress.counters.riskRows ?? 0) + r.rows;
      progress.failures.push(...r.failed);
      await ctl.touch(100);
      await record();
    });
    await RunChunkModel.finish(deps.knex, run.id, chunk.chunk_no, progress.failures.length > 0 ? 'partial' : 'completed');
  } catch (err) {
    if (isInterruption(err)) throw err;
    checkpoint(ctl.signal);
    deps.logger.error({ err, runId: run.id, chunkNo: chunk.chunk_no }, 'chunk failed');
    progress.failures.push({ portfolioId: chunk.portfolio_ids[progress.portfoliosDone] ?? 'unknown', error: errorMessage(err) });
    await RunChunkModel.recordProgress(deps.knex, run.id, chunk.chunk_no, progress, CHUNK_WARNINGS);
    await RunChunkModel.finish(deps.knex, run.id, chunk.chunk_no, 'failed');
  }
}

/**
 * Ends the run once none of its chunks is open: sums the chunks' counters, warnings and failures into
 * it. Safe to call from every chunk (the run's final write is conditional on it being active).
 */
async function finishRunIfChunksDone(deps: PipelineDeps, runId: string): Promise<void> {
  const chunks = await RunChunkModel.ofRun(deps.knex, runId);
  if (chunks.length === 0 || chunks.some(isOpen)) return;
  const row = await RunModel.find(deps.knex, runId);
  if (!row || row.status !== 'running') return;
  const rec = new RunRecorder(deps.knex, runId, row, deps.logger, undefined, deps.observer);
  const failed = chunks.flatMap((c) => c.failures);
  for (const c of chunks) {
    for (const w of c.warnings) rec.warn(w);
    for (const [key, n] of Object.entries(c.counters) as [keyof RunCounters, number][]) rec.count(key, n);
  }
  for (const f of failed) rec.warn({ code: 'portfolio_failure', portfolioId: f.portfolioId, message: `portfolio ${f.portfolioId}: ${f.error}` });
  const pa = rec.doc.phases.portfolio_analytics;
  const done = chunks.reduce((n, c) => n + c.portfolios_done, 0);
  if (pa) {
    pa.status = 'done';
    pa.current = done;
    pa.durationMs = pa.startedAt ? Date.now() - Date.parse(pa.startedAt) : null;
  }
  rec.log(`portfolio analytics: ${done - failed.length} of ${done} portfolios up to ${row.requested_to ?? 'the target'}`);
  const risk = rec.doc.phases.risk;
  if (risk) {
    risk.status = 'done';
    risk.current = rec.doc.counters.riskDays ?? 0;
    risk.total = Math.max(risk.total, risk.current);
    risk.durationMs = risk.startedAt ? Date.now() - Date.parse(risk.startedAt) : null;
    rec.log(`risk: ${risk.current} portfolio-days, ${rec.doc.counters.riskRows ?? 0} rows`);
  }
  const failedSymbols = row.progress.failedSymbols ?? [];
  const partial = failed.length > 0 || failedSymbols.length > 0;
  await rec.finish(partial ? 'partial' : 'completed', partial ? failureSummary(failedSymbols, failed) : null);
  forgetRun(runId);
}

/** A chunk job: works its chunk, then finishes the run if no chunk is left open. */
export async function executeChunk(deps: PipelineDeps, runId: string, chunkNo: number, ctl: JobControl): Promise<void> {
  const run = await RunModel.find(deps.knex, runId);
  if (!run || isTerminalStatus(run.status)) return;
  const chunk = await RunChunkModel.markRunning(deps.knex, runId, chunkNo);
  if (chunk) await workChunk(deps, run, chunk, ctl);
  await finishRunIfChunksDone(deps, runId);
}

/**
 * A run whose job was replaced (crash, shutdown, sweeper) after its portfolio phase began: its symbol
 * phases are done, so it continues its open chunks, each as a job, or finishes when none is open.
 * False when the run had not reached its portfolio phase.
 */
export async function resumePortfolioPhase(deps: PipelineDeps, rec: RunRecorder): Promise<boolean> {
  const chunks = await RunChunkModel.ofRun(deps.knex, rec.runId);
  if (chunks.length === 0) return false;
  if (chunks.some(isOpen)) {
    rec.log(`resuming the portfolio phase: ${chunks.filter(isOpen).length} of ${chunks.length} chunks open`);
    await enqueueOpenChunks(deps, rec.runId, chunks);
    await rec.flush(true);
  } else {
    await finishRunIfChunksDone(deps, rec.runId);
  }
  return true;
}

/** The portfolios of a run's chunks: the planned ones, then those with only risk days missing. */
function chunkPortfolios(ctx: RunContext): string[] {
  const ids = ctx.plan.portfolios.map((p) => p.id);
  const planned = new Set(ids);
  for (const id of [...ctx.riskBacklog.keys()].sort()) if (!planned.has(id)) ids.push(id);
  return ids;
}

/** Records the run's chunks and starts the phase; the chunks are worked by dispatchPortfolioChunks once the risk phase has started too. */
export const portfolioAnalyticsPhase: Phase = {
  name: 'portfolio_analytics',
  async run(ctx) {
    const { deps, rec, plan, run } = ctx;
    const chunks = chunksOf(chunkPortfolios(ctx), deps.chunkSize);
    rec.doc.progress.failedSymbols = [...ctx.failedSymbols];
    await RunChunkModel.insertMany(deps.knex, run.id, chunks);
    if (chunks.length > 1) rec.doc.progress.chunks = chunks.length;
    await rec.startPhase('portfolio_analytics', plan.portfolios.length, 'portfolios');
  },
};

/**
 * Works the run's chunks (analytics, then risk, per chunk): a single chunk in this job, more as one
 * job each; whichever ends the last open chunk ends the run.
 */
export async function dispatchPortfolioChunks(ctx: RunContext): Promise<void> {
  const { deps, rec, plan, run } = ctx;
  const chunks = chunksOf(chunkPortfolios(ctx), deps.chunkSize);
  // The chunk jobs this process takes reuse the prices the symbol phases read (a run with only risk days read none).
  if (plan.symbols.length > 0) {
    const prices: RunPrices = { symbols: new Set(plan.symbols), from: plan.fetchFrom, closes: ctx.closes, actions: ctx.actions, tickerChanges: plan.tickerChanges };
    runMemory(run.id, plan.target).prices = prices;
  }
  if (chunks.length === 1) {
    const chunk = await RunChunkModel.markRunning(deps.knex, run.id, 0);
    if (chunk) await workChunk(deps, run, chunk, ctx.ctl, { plans: plan.portfolios, failedSymbols: ctx.failedSymbols });
    await finishRunIfChunksDone(deps, run.id);
    return;
  }
  rec.log(`portfolio analytics and risk fanned out to ${chunks.length} chunk jobs of up to ${deps.chunkSize} portfolios`);
  await enqueueOpenChunks(deps, run.id, await RunChunkModel.ofRun(deps.knex, run.id));
  await rec.flush(true);
}
