/**
 * The risk phase (docs/risk.md): after a portfolio's analytics, the risk figures of every day it has
 * a snapshot for but no risk summary (or one older than the snapshot). It works in the portfolio
 * phase's chunks: each chunk job computes its portfolios' analytics, then their risk, in groups of
 * RISK_GROUP_SIZE portfolios per transaction, and records the portfolio-days done on the chunk
 * (mirrored into this phase's progress). Everything is decided by per-portfolio watermarks, so a
 * resumed chunk recomputes nothing already written.
 */
import { performance } from 'node:perf_hooks';
import type { IsoDate } from '../../../core/dates.js';
import type { Db } from '../../../db/models/base.model.js';
import { PortfolioRiskSummaryModel } from '../../../db/models/portfolio-risk.model.js';
import { PortfolioModel } from '../../../db/models/portfolio.model.js';
import { checkpoint, type JobControl } from '../../queue/job-queue.js';
import { chunksOf, pool } from '../../pool.js';
import { GROUP_LANES } from '../portfolio-group.js';
import { PositionModel } from '../../../db/models/position.model.js';
import { RunChunkModel } from '../../../db/models/run-chunk.model.js';
import { computeRiskGroup, loadSharedRiskInputs, RISK_GROUP_SIZE, type RiskGroupResult, type SharedRiskInputs } from '../risk-group.js';
import { runMemory } from '../run-memory.js';
import type { Phase } from '../run-context.js';

/** Portfolios in scope (all live ones, or one) with risk days missing up to `target`, and how many days each. */
export async function riskBacklog(db: Db, portfolioId: string | null, target: IsoDate): Promise<Map<string, number>> {
  const scoped = await PortfolioModel.inScope(db, portfolioId);
  const backlog = await PortfolioRiskSummaryModel.backlog(db, scoped, target);
  return new Map([...backlog].map(([id, dates]) => [id, dates.length]));
}

/**
 * The risk work of a chunk: its portfolios in groups, each group one transaction. `onGroup` is
 * called after every group (progress); the job's abort signal is checked between groups.
 */
export async function workRiskChunk(
  db: Db,
  portfolioIds: readonly string[],
  target: IsoDate,
  runId: string,
  ctl: JobControl,
  onGroup: (r: RiskGroupResult, ms: number) => Promise<void>,
): Promise<void> {
  const run = runMemory(runId, target);
  const cache = run.risk;
  // The chunk's backlog decides which portfolios have work; the inputs all of them need are read
  // once (each group re-checks its watermarks under its locks and reads its own when not covered).
  const backlog = await PortfolioRiskSummaryModel.backlog(db, await PortfolioModel.inScope(db, null, portfolioIds), target);
  const todo = portfolioIds.filter((id) => backlog.has(id));
  if (todo.length === 0) return;
  const positions = await PositionModel.liveOf(db, todo);
  const symbols = [...new Set([...positions.values()].flat().map((p) => p.symbol))].sort();
  const first = todo.reduce<IsoDate>((m, id) => (backlog.get(id)![0]! < m ? backlog.get(id)![0]! : m), target);
  const known = run.riskInputs;
  const covered = known !== undefined && known.first <= first && symbols.every((s) => known.symbols.has(s));
  let shared: SharedRiskInputs;
  if (covered) shared = known;
  else {
    // Read once for every chunk of the run: the symbols of all its portfolios, not only this chunk's.
    const runIds = (await RunChunkModel.ofRun(db, runId)).flatMap((c) => c.portfolio_ids);
    const runSymbols = [...(await PositionModel.liveOf(db, runIds)).values()].flat().map((p) => p.symbol);
    const all = [...new Set([...symbols, ...runSymbols, ...(known?.symbols ?? [])])].sort();
    shared = await loadSharedRiskInputs(db, all, known && known.first < first ? known.first : first, target, run.prices);
  }
  run.riskInputs = shared;
  await pool(chunksOf(todo, RISK_GROUP_SIZE), GROUP_LANES, () => ctl.signal.aborted, async (ids) => {
    const t0 = performance.now();
    let result: RiskGroupResult;
    try {
      result = await computeRiskGroup(db, ids, target, runId, cache, shared);
    } catch (err) {
      checkpoint(ctl.signal);
      if (ids.length === 1) throw err;
      // One bad portfolio must not take the group with it: each alone.
      result = { days: 0, rows: 0, failed: [] };
      for (const id of ids) {
        try {
          const r = await computeRiskGroup(db, [id], target, runId, cache, shared);
          result.days += r.days;
          result.rows += r.rows;
          result.failed.push(...r.failed);
        } catch (e) {
          result.failed.push({ portfolioId: id, error: `risk: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    }
    await onGroup(result, performance.now() - t0);
  });
  checkpoint(ctl.signal);
}

/**
 * Starts the risk phase of a run: its total is the portfolio-days to compute (the analytics'
 * dates of the planned portfolios plus the risk backlog of the others). The work itself runs in the
 * portfolio chunks, after each chunk's analytics.
 */
export const riskPhase: Phase = {
  name: 'risk',
  async run(ctx) {
    const planned = ctx.plan.portfolios.reduce((n, p) => n + p.dates.length, 0);
    let backlog = 0;
    const inPlan = new Set(ctx.plan.portfolios.map((p) => p.id));
    for (const [id, n] of ctx.riskBacklog) if (!inPlan.has(id)) backlog += n;
    await ctx.rec.startPhase('risk', planned + backlog, 'portfolio-days');
  },
};
