import { RunChunkModel, type ChunkRecord } from '../../db/models/run-chunk.model.js';
import { RunModel, type RunRecord } from '../../db/models/run.model.js';
import type { RunCounters, RunWarning } from '../../core/runs.js';
import { PolygonAuthError } from '../market-data/errors.js';
import { targetDate } from '../calc/trading-calendar.js';
import type { Closes } from '../../db/models/bar.model.js';
import { enqueueChunkJob } from '../run-jobs.js';
import { checkpoint, isInterruption, type JobControl } from '../queue/job-queue.js';
import type { PipelineDeps } from './deps.js';
import { loadAnalyticsInputs, processPortfolioGroup, type AnalyticsInputs, type GroupResult } from './phases/portfolio-analytics.phase.js';
import { marketDataPhase } from './phases/market-data.phase.js';
import { symbolFactorsPhase } from './phases/symbol-factors.phase.js';
import { symbolMetricsPhase } from './phases/symbol-metrics.phase.js';
import { planPortfolios, planRun, type PortfolioPlan, type RunPlan } from './plan-run.js';
import { overallPercent } from '../../core/progress.js';
import { RunRecorder } from './run-recorder.js';

export type ExecuteOutcome = 'finished' | 'fanned-out' | 'not-runnable';

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function touch(ctl: JobControl, rec: RunRecorder): Promise<void> {
  checkpoint(ctl.signal);
  await ctl.touch(overallPercent(rec.doc.phases));
}

/**
 * Runs (or resumes) one run: plan, then the phases in SPEC §6 order, the same for every entry
 * point. Small runs do the portfolio work inline; a run over more portfolios than a chunk fans the
 * portfolio work out to chunk jobs after the symbol phases and finishes with its last chunk.
 */
export async function executeRun(deps: PipelineDeps, runId: string, ctl: JobControl): Promise<ExecuteOutcome> {
  const row = await RunModel.markRunning(deps.knex, runId, 'picked up by a worker');
  if (!row) return 'not-runnable';
  const rec = new RunRecorder(deps.knex, runId, row, deps.logger);
  try {
    return await runPhases(deps, row, rec, ctl);
  } catch (err) {
    if (isInterruption(err)) throw err;
    // Whatever a layer made of the abort (e.g. the vendor client's own aborted error), the cause wins.
    checkpoint(ctl.signal);
    const auth = err instanceof PolygonAuthError;
    const summary = auth ? err.message : `run failed: ${errorMessage(err)}`;
    deps.logger.error({ err, runId }, 'run failed');
    for (const name of ['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics'] as const) {
      const p = rec.doc.phases[name];
      if (p?.status === 'running') p.status = 'failed';
    }
    await rec.finish('failed', summary);
    return 'finished';
  }
}

async function runPhases(deps: PipelineDeps, row: RunRecord, rec: RunRecorder, ctl: JobControl): Promise<ExecuteOutcome> {
  const target = row.requested_to ?? targetDate(deps.clock(), deps.closeCutoff);
  const existingChunks = await RunChunkModel.ofRun(deps.knex, row.id);
  if (existingChunks.length > 0) {
    // A fanned-out run resumed: its symbol phases are done; restart the chunks that did not end.
    await enqueueOpenChunks(deps, rec, existingChunks);
    return 'fanned-out';
  }
  if (row.scope === 'portfolio' && row.portfolio_id === null) {
    await rec.finish('failed', 'the portfolio of this run was deleted');
    return 'finished';
  }
  const plan = await planRun(deps.knex, { portfolioId: row.portfolio_id, target, from: row.requested_from, force: row.force });
  rec.set('portfolios', plan.portfolios.length);
  rec.set('symbols', plan.symbols.length);
  rec.set('portfolioDates', plan.portfolios.reduce((n, p) => n + p.dates.length, 0));
  rec.log(
    `planned: ${plan.portfolios.length} portfolios with missing dates (${plan.upToDate} up to date), ${plan.symbols.length} symbols, target ${target}`,
  );
  if (plan.portfolios.length === 0) {
    for (const name of ['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics'] as const) {
      rec.doc.phases[name] = { status: 'skipped', current: 0, total: 0, unit: '', startedAt: null, durationMs: 0 };
    }
    rec.doc.progress.note = `nothing to do: every portfolio in scope is complete up to ${target}`;
    rec.log(rec.doc.progress.note);
    await rec.finish('completed', null);
    return 'finished';
  }
  await touch(ctl, rec);

  const md = await marketDataPhase(deps, rec, plan, ctl);
  await touch(ctl, rec);
  const closes = await deps.marketData.loadCloses(plan.symbols, plan.fetchFrom, plan.fetchTo);
  const sf = await symbolFactorsPhase(deps, rec, plan, closes, md.unavailable, ctl);
  await touch(ctl, rec);
  await symbolMetricsPhase(deps, rec, plan, closes);
  await touch(ctl, rec);

  const failures = [...new Set([...md.failedSymbols, ...sf.failedSymbols])];
  rec.doc.progress.failedSymbols = failures;

  if (plan.portfolios.length > deps.chunkSize) {
    await fanOut(deps, rec, plan);
    return 'fanned-out';
  }
  const outcome = await portfolioPhaseInline(deps, rec, plan, closes, ctl, row);
  const partial = failures.length > 0 || outcome.failed.length > 0;
  const summary = partial ? failureSummary(failures, outcome.failed) : null;
  await rec.finish(partial ? 'partial' : 'completed', summary);
  return 'finished';
}

function failureSummary(symbols: readonly string[], portfolios: readonly { portfolioId: string; error: string }[]): string {
  const parts: string[] = [];
  if (symbols.length > 0) parts.push(`symbols failed: ${symbols.join(', ')}`);
  if (portfolios.length > 0) parts.push(`portfolios failed: ${portfolios.map((p) => `${p.portfolioId} (${p.error})`).join('; ')}`);
  return parts.join('; ');
}

async function portfolioPhaseInline(
  deps: PipelineDeps,
  rec: RunRecorder,
  plan: RunPlan,
  closes: Closes,
  ctl: JobControl,
  row: RunRecord,
): Promise<{ failed: { portfolioId: string; error: string }[] }> {
  await rec.startPhase('portfolio_analytics', plan.portfolios.length, 'portfolios');
  const inputs = await loadAnalyticsInputs(deps.knex, plan.portfolios, plan.target, closes, (s, f, t) => deps.marketData.loadCloses(s, f, t));
  const failed: { portfolioId: string; error: string }[] = [];
  let done = 0;
  for (let i = 0; i < plan.portfolios.length; i += GROUP_SIZE) {
    await touch(ctl, rec);
    const group = plan.portfolios.slice(i, i + GROUP_SIZE);
    const r = await runGroup(deps, group, plan.target, row.force, inputs, row.id);
    for (const f of r.failed) {
      failed.push(f);
      rec.warn({ code: 'portfolio_failure', portfolioId: f.portfolioId, message: `portfolio ${f.portfolioId}: ${f.error}` });
    }
    for (const o of r.outcomes) addOutcome(rec, o);
    done += group.length;
    await rec.advance('portfolio_analytics', done);
  }
  await rec.endPhase('portfolio_analytics', 'done', `portfolio analytics: ${done - failed.length} of ${done} portfolios up to ${plan.target}`);
  return { failed };
}

/** Portfolios per transaction: a few set-based statements serve the whole group. */
const GROUP_SIZE = 25;

function addOutcome(rec: RunRecorder, o: GroupResult['outcomes'][number]): void {
  rec.count('snapshotsWritten', o.snapshots);
  rec.count('positionExposureRows', o.positionExposures);
  rec.count('portfolioExposureRows', o.portfolioExposures);
  for (const w of o.warnings) rec.warn(w);
}

/**
 * One group in one transaction; if the transaction fails, each portfolio alone, so one bad
 * portfolio cannot take the others with it.
 */
async function runGroup(
  deps: PipelineDeps,
  group: readonly PortfolioPlan[],
  target: string,
  force: boolean,
  inputs: AnalyticsInputs,
  runId: string,
): Promise<GroupResult> {
  try {
    return await processPortfolioGroup(deps, group, target, force, inputs, runId);
  } catch (err) {
    if (isInterruption(err)) throw err;
    if (group.length === 1) {
      deps.logger.error({ err, runId, portfolioId: group[0]!.id }, 'portfolio analytics failed');
      return { outcomes: [], failed: [{ portfolioId: group[0]!.id, error: errorMessage(err) }] };
    }
    deps.logger.warn({ err, runId, portfolios: group.length }, 'group write failed; retrying portfolio by portfolio');
    const merged: GroupResult = { outcomes: [], failed: [] };
    for (const p of group) {
      const r = await runGroup(deps, [p], target, force, inputs, runId);
      merged.outcomes.push(...r.outcomes);
      merged.failed.push(...r.failed);
    }
    return merged;
  }
}

async function fanOut(deps: PipelineDeps, rec: RunRecorder, plan: RunPlan): Promise<void> {
  const ids = plan.portfolios.map((p) => p.id);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += deps.chunkSize) chunks.push(ids.slice(i, i + deps.chunkSize));
  await RunChunkModel.insertMany(deps.knex, rec.runId, chunks);
  rec.doc.progress.chunks = chunks.length;
  await rec.startPhase('portfolio_analytics', ids.length, 'portfolios');
  rec.log(`portfolio analytics fanned out to ${chunks.length} chunk jobs of up to ${deps.chunkSize} portfolios`);
  await enqueueOpenChunks(deps, rec, await RunChunkModel.ofRun(deps.knex, rec.runId));
}

async function enqueueOpenChunks(deps: PipelineDeps, rec: RunRecorder, chunks: readonly ChunkRecord[]): Promise<void> {
  for (const c of chunks) {
    if (c.status !== 'queued' && c.status !== 'running') continue;
    await enqueueChunkJob(deps.knex, deps.queue, rec.runId, c.chunk_no);
  }
  await rec.flush(true);
}

/**
 * One chunk of a fanned-out run: the portfolio work of its portfolios. The last chunk to end
 * finishes the run.
 */
export async function executeChunk(deps: PipelineDeps, runId: string, chunkNo: number, ctl: JobControl): Promise<ExecuteOutcome> {
  const run = await RunModel.find(deps.knex, runId);
  if (!run || (run.status !== 'running' && run.status !== 'queued')) return 'not-runnable';
  const chunk = await RunChunkModel.markRunning(deps.knex, runId, chunkNo);
  if (!chunk) {
    await finalizeFannedOutRun(deps, runId);
    return 'not-runnable';
  }
  const target = run.requested_to ?? targetDate(deps.clock(), deps.closeCutoff);
  const failures = [...chunk.failures];
  const warnings: RunWarning[] = [...chunk.warnings];
  let done = chunk.portfolios_done;
  let datesDone = chunk.dates_done;
  const counters: Partial<RunCounters> = { ...chunk.counters };
  const add = (key: keyof RunCounters, n: number): void => {
    counters[key] = (counters[key] ?? 0) + n;
  };
  try {
    const remaining = chunk.portfolio_ids.slice(done);
    // Planned like the run itself; portfolios another run completed meanwhile drop out here.
    const { portfolios: plans } =
      remaining.length === 0
        ? { portfolios: [] }
        : await planPortfolios(deps.knex, { portfolioId: null, target, from: run.requested_from, force: run.force }, remaining);
    const inputs = await loadAnalyticsInputs(deps.knex, plans, target, undefined, (s, f, t) => deps.marketData.loadCloses(s, f, t));
    const byId = new Map(plans.map((p) => [p.id, p]));
    for (let i = 0; i < remaining.length; i += GROUP_SIZE) {
      checkpoint(ctl.signal);
      await ctl.touch(Math.round((100 * done) / chunk.portfolio_ids.length));
      const ids = remaining.slice(i, i + GROUP_SIZE);
      const group = ids.map((id) => byId.get(id)).filter((p): p is PortfolioPlan => p !== undefined);
      const r = await runGroup(deps, group, target, run.force, inputs, runId);
      failures.push(...r.failed);
      for (const o of r.outcomes) {
        datesDone += o.dates;
        add('snapshotsWritten', o.snapshots);
        add('positionExposureRows', o.positionExposures);
        add('portfolioExposureRows', o.portfolioExposures);
        for (const w of o.warnings) if (warnings.length < 200) warnings.push(w);
      }
      done += ids.length;
      await RunChunkModel.recordProgress(deps.knex, runId, chunkNo, { portfoliosDone: done, datesDone, failures, warnings, counters }, 200);
    }
    await RunChunkModel.finish(deps.knex, runId, chunkNo, failures.length > 0 ? 'partial' : 'completed');
  } catch (err) {
    if (isInterruption(err)) throw err;
    checkpoint(ctl.signal);
    deps.logger.error({ err, runId, chunkNo }, 'chunk failed');
    failures.push({ portfolioId: chunk.portfolio_ids[done] ?? 'unknown', error: errorMessage(err) });
    await RunChunkModel.recordProgress(deps.knex, runId, chunkNo, { portfoliosDone: done, datesDone, failures, warnings, counters }, 200);
    await RunChunkModel.finish(deps.knex, runId, chunkNo, 'failed');
  }
  await finalizeFannedOutRun(deps, runId);
  return 'finished';
}

/** Ends a fanned-out run once no chunk is open; safe to call from every chunk (the row update is conditional). */
export async function finalizeFannedOutRun(deps: PipelineDeps, runId: string): Promise<void> {
  const chunks = await RunChunkModel.ofRun(deps.knex, runId);
  if (chunks.length === 0 || chunks.some((c) => c.status === 'queued' || c.status === 'running')) return;
  const row = await RunModel.find(deps.knex, runId);
  if (!row || row.status !== 'running') return;
  const rec = new RunRecorder(deps.knex, runId, row, deps.logger);
  const failed = chunks.flatMap((c) => c.failures);
  for (const c of chunks) {
    for (const w of c.warnings) rec.warn(w);
    for (const [key, n] of Object.entries(c.counters) as [keyof RunCounters, number][]) rec.count(key, n);
  }
  for (const f of failed) rec.warn({ code: 'portfolio_failure', portfolioId: f.portfolioId, message: `portfolio ${f.portfolioId}: ${f.error}` });
  const pa = rec.doc.phases.portfolio_analytics;
  if (pa) {
    pa.status = 'done';
    pa.current = chunks.reduce((n, c) => n + c.portfolios_done, 0);
    pa.durationMs = pa.startedAt ? Date.now() - Date.parse(pa.startedAt) : null;
  }
  const failedSymbols = row.progress.failedSymbols ?? [];
  const partial = failed.length > 0 || failedSymbols.length > 0;
  await rec.finish(partial ? 'partial' : 'completed', partial ? failureSummary(failedSymbols, failed) : null);
}
