/**
 * Runs (or resumes) one run, the same for every entry point: plan, then the phases in their fixed
 * order over one run context (docs/runs.md). The portfolio phase ends the run, in this job or, when
 * it fans out, with the last chunk job.
 */
import { PHASE_ORDER } from '../../core/runs.js';
import { RunModel, type RunRecord } from '../../db/models/run.model.js';
import { targetDate } from '../calc/trading-calendar.js';
import { PolygonAuthError } from '../market-data/errors.js';
import { requestFollowUpRun } from '../run-jobs.js';
import { checkpoint, isInterruption, type JobControl } from '../queue/job-queue.js';
import type { PipelineDeps } from './deps.js';
import { marketDataPhase } from './phases/market-data.phase.js';
import { dispatchPortfolioChunks, portfolioAnalyticsPhase, resumePortfolioPhase } from './phases/portfolio-analytics.phase.js';
import { riskBacklog, riskPhase } from './phases/risk.phase.js';
import { symbolFactorsPhase } from './phases/symbol-factors.phase.js';
import { symbolMetricsPhase } from './phases/symbol-metrics.phase.js';
import { planRun } from './plan-run.js';
import type { Phase, RunContext } from './run-context.js';
import { RunRecorder } from './run-recorder.js';
import { overallPercent } from '../../core/progress.js';

/** The phases in the order every run runs them. */
const PHASES: readonly Phase[] = [marketDataPhase, symbolFactorsPhase, symbolMetricsPhase, portfolioAnalyticsPhase, riskPhase];
/** Phases that fetch or compute per symbol: skipped by a run with only risk days to compute. */
const SYMBOL_PHASES: readonly Phase[] = [marketDataPhase, symbolFactorsPhase, symbolMetricsPhase];

/** Stops here when the job must stop; else renews the job's lock with the run's percent. */
async function touch(ctl: JobControl, rec: RunRecorder): Promise<void> {
  checkpoint(ctl.signal);
  await ctl.touch(overallPercent(rec.doc.phases));
}

/** Claims the run and runs it; a run that already ended is left alone. */
export async function executeRun(deps: PipelineDeps, runId: string, ctl: JobControl): Promise<void> {
  const row = await RunModel.markRunning(deps.knex, runId, 'picked up by a worker');
  if (!row) return;
  const rec = new RunRecorder(deps.knex, runId, row, deps.logger, undefined, deps.observer);
  try {
    await runPhases(deps, row, rec, ctl);
    await requestFollowUpRun(deps.knex, deps.queue, runId);
  } catch (err) {
    if (isInterruption(err)) throw err;
    // Whatever a layer made of the abort (e.g. the vendor client's own aborted error), the cause wins.
    checkpoint(ctl.signal);
    const summary = err instanceof PolygonAuthError ? err.message : `run failed: ${err instanceof Error ? err.message : String(err)}`;
    deps.logger.error({ err, runId }, 'run failed');
    for (const name of PHASE_ORDER) {
      const p = rec.doc.phases[name];
      if (p?.status === 'running') p.status = 'failed';
    }
    await rec.finish('failed', summary);
  }
}

async function runPhases(deps: PipelineDeps, run: RunRecord, rec: RunRecorder, ctl: JobControl): Promise<void> {
  if (await resumePortfolioPhase(deps, rec)) return;
  if (run.scope === 'portfolio' && run.portfolio_id === null) {
    await rec.finish('failed', 'the portfolio of this run was deleted');
    return;
  }
  const target = run.requested_to ?? targetDate(deps.clock(), deps.closeCutoff);
  const plan = await planRun(deps.knex, { portfolioId: run.portfolio_id, target, from: run.requested_from, force: run.force });
  rec.set('portfolios', plan.portfolios.length);
  rec.set('symbols', plan.symbols.length);
  rec.set('portfolioDates', plan.portfolios.reduce((n, p) => n + p.dates.length, 0));
  rec.log(
    `planned: ${plan.portfolios.length} portfolios with missing dates (${plan.upToDate} up to date), ${plan.symbols.length} symbols, target ${target}`,
  );
  const backlog = await riskBacklog(deps.knex, run.portfolio_id, target);
  if (plan.portfolios.length === 0 && backlog.size === 0) {
    for (const name of PHASE_ORDER) rec.doc.phases[name] = { status: 'skipped', current: 0, total: 0, unit: '', startedAt: null, durationMs: 0 };
    rec.doc.progress.note = `nothing to do: every portfolio in scope is complete up to ${target}`;
    rec.log(rec.doc.progress.note);
    await rec.finish('completed', null);
    return;
  }
  const ctx: RunContext = { deps, run, rec, ctl, plan, closes: new Map(), actions: new Map(), unavailable: new Map(), failedSymbols: new Set(), riskBacklog: backlog };
  const riskOnly = plan.portfolios.length === 0;
  if (riskOnly) rec.log(`only risk figures are missing: ${backlog.size} portfolios`);
  for (const phase of PHASES) {
    await touch(ctl, rec);
    if (riskOnly && SYMBOL_PHASES.includes(phase)) {
      rec.doc.phases[phase.name] = { status: 'skipped', current: 0, total: 0, unit: '', startedAt: null, durationMs: 0 };
      continue;
    }
    await phase.run(ctx);
  }
  await touch(ctl, rec);
  await dispatchPortfolioChunks(ctx);
}
