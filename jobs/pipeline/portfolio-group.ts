/**
 * The portfolio analytics of a group of portfolios in one transaction: lock, re-check the
 * watermarks, compute every date from each portfolio's first missing one to the target, write.
 */
import type { IsoDate } from '../../core/dates.js';
import type { Logger } from '../../core/logger.js';
import type { PortfolioFailure, RunWarning } from '../../core/runs.js';
import { BarModel, type Closes } from '../../db/models/bar.model.js';
import type { Db } from '../../db/models/base.model.js';
import { FactorDefinitionModel } from '../../db/models/factor-definition.model.js';
import { PortfolioFactorExposureModel, type PortfolioExposureWrite } from '../../db/models/portfolio-factor-exposure.model.js';
import { PortfolioSnapshotModel, type PriorSnapshotState, type SnapshotWrite } from '../../db/models/portfolio-snapshot.model.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import { PositionFactorExposureModel, type PositionExposureWrite } from '../../db/models/position-factor-exposure.model.js';
import { SymbolFactorExposureModel } from '../../db/models/symbol-factor-exposure.model.js';
import { SymbolModel } from '../../db/models/symbol.model.js';
import type { BetaLookup } from '../calc/factor-betas.js';
import { NO_CORPORATE_ACTIONS, type SymbolHistory } from '../calc/corporate-actions.js';
import { computePortfolioDays } from '../calc/portfolio-day.js';
import { STALE_PRICE_TRADING_DAYS } from '../calc/returns.js';
import { addTradingDays, nextTradingDay, tradingDayOnOrAfter, tradingDaysBetween } from '../calc/trading-calendar.js';
import { isInterruption } from '../queue/job-queue.js';
import { firstDateOf, planPortfolios, type PortfolioPlan } from './plan-run.js';
import { watermarks } from './watermark.js';

/** Portfolios per transaction: a few set-based statements serve the whole group. */
export const GROUP_SIZE = 25;

export interface PortfolioOutcome {
  portfolioId: string;
  dates: number;
  snapshots: number;
  positionExposures: number;
  portfolioExposures: number;
  warnings: RunWarning[];
  /** Set when nothing was left to do once the portfolio's lock was held (another run did it). */
  skipped: boolean;
}

export interface GroupResult {
  outcomes: PortfolioOutcome[];
  failed: PortfolioFailure[];
}

/** What the analytics of a set of portfolios read: closes, betas, the unavailable symbols, factor ids. */
export interface AnalyticsInputs {
  closes: Closes;
  betas: BetaLookup;
  unavailable: Map<string, string>;
  factorIds: Map<string, number>;
}

/** Reads the inputs of a set of portfolios, reusing the run's closes when it has them. */
export async function loadAnalyticsInputs(db: Db, portfolios: readonly PortfolioPlan[], target: IsoDate, closes: Closes | undefined): Promise<AnalyticsInputs> {
  const symbols = [...new Set(portfolios.flatMap((p) => p.positions.map((x) => x.symbol)))].sort();
  const first = portfolios.reduce<IsoDate>((m, p) => (p.firstDate < m ? p.firstDate : m), target);
  const from = addTradingDays(first, -(STALE_PRICE_TRADING_DAYS + 1));
  const [betaMap, unavailable, ids, loaded] = await Promise.all([
    SymbolFactorExposureModel.betasOf(db, symbols, first, target),
    SymbolModel.unavailable(db, symbols),
    FactorDefinitionModel.idsByName(db),
    closes ?? BarModel.closes(db, symbols, from, target),
  ]);
  const betas: BetaLookup = (symbol, factor, date) => betaMap.get(symbol)?.get(`${factor}|${date}`);
  return { closes: loaded, betas, unavailable, factorIds: ids };
}

interface Computed {
  plan: PortfolioPlan;
  firstDate: IsoDate;
  dates: number;
  snapshots: SnapshotWrite[];
  positionRows: PositionExposureWrite[];
  portfolioRows: PortfolioExposureWrite[];
  warnings: RunWarning[];
}

const noWork = (portfolioId: string): PortfolioOutcome => ({
  portfolioId,
  dates: 0,
  snapshots: 0,
  positionExposures: 0,
  portfolioExposures: 0,
  warnings: [],
  skipped: true,
});

/**
 * Where the roll-forward starts: the equity of day d continues from the last snapshot before d, so
 * it never starts across a hole (then it starts right after the last snapshot) nor from a snapshot
 * older than the portfolio's inception (then it starts at inception, from the entered equity).
 */
function rollForwardStart(
  wanted: IsoDate,
  priorIn: PriorSnapshotState | null,
  inceptionIn: IsoDate,
): { firstDate: IsoDate; prior: PriorSnapshotState | null } {
  let firstDate = wanted;
  let prior = priorIn;
  const inception = tradingDayOnOrAfter(inceptionIn);
  if (prior !== null && prior.date < inception) prior = null;
  if (prior === null && firstDate > inception) firstDate = inception;
  if (prior !== null && nextTradingDay(prior.date) < firstDate) firstDate = nextTradingDay(prior.date);
  return { firstDate, prior };
}

/** The rows of one portfolio from its start to the target (pure; throws on bad input). */
function computeRows(
  plan: PortfolioPlan,
  wanted: IsoDate,
  priorIn: PriorSnapshotState | null,
  target: IsoDate,
  inputs: AnalyticsInputs,
  runId: string,
): Computed {
  const { firstDate, prior } = rollForwardStart(wanted, priorIn, plan.inception);
  const dates = tradingDaysBetween(firstDate, target);

  // Corporate actions are not loaded here yet: every series is passed with none.
  const histories: Record<string, SymbolHistory> = {};
  for (const p of plan.positions) histories[p.symbol] = { closes: inputs.closes.get(p.symbol) ?? [], actions: NO_CORPORATE_ACTIONS };
  const results = computePortfolioDays({
    portfolio: { equityBalance: plan.equityBalance },
    positions: plan.positions,
    dates,
    prior,
    histories,
    betas: inputs.betas,
    fees: plan.fees ?? [],
    cashFlows: plan.cashFlows ?? [],
  });

  const symbolOf = new Map(plan.positions.map((p) => [p.id, p.symbol]));
  const warnings = new Map<string, RunWarning>();
  const snapshots: SnapshotWrite[] = results.map((r) => {
    // A day is complete when nothing a later run could fetch is missing: positions whose symbol the
    // vendor has no prices for stay unpriced for good and are reported, not retried forever.
    const unpriced = r.warnings.filter((w) => w.code === 'unpriced_position');
    const retryable = unpriced.filter((w) => !inputs.unavailable.has(w.symbol ?? symbolOf.get(w.positionId ?? '') ?? ''));
    for (const w of r.warnings) {
      if (w.code === 'stale_price' || w.code === 'missing_beta') continue;
      const key = `${w.code}|${w.symbol ?? w.positionId ?? ''}`;
      if (!warnings.has(key)) warnings.set(key, { code: w.code, symbol: w.symbol, portfolioId: plan.id, message: w.message });
    }
    return {
      portfolioId: plan.id,
      date: r.date,
      ...r.snapshot,
      maxStaleDays: r.maxStaleDays,
      isComplete: r.snapshot.isComplete || (unpriced.length > 0 && retryable.length === 0),
      warnings: r.warnings.filter((w) => w.code !== 'missing_beta').slice(0, 20),
      runId,
    };
  });
  const positionRows = results.flatMap((r) =>
    r.positionExposures.map((e) => ({
      positionId: e.positionId,
      factorId: inputs.factorIds.get(e.factor)!,
      date: r.date,
      betaValue: e.betaValue,
      exposureDollar: e.exposureDollar,
    })),
  );
  const portfolioRows = results.flatMap((r) =>
    r.portfolioExposures.map((e) => ({
      portfolioId: plan.id,
      factorId: inputs.factorIds.get(e.factor)!,
      date: r.date,
      exposureValue: e.exposureValue,
      exposureDollar: e.exposureDollar,
      coverage: e.coverage,
    })),
  );
  return { plan, firstDate, dates: dates.length, snapshots, positionRows, portfolioRows, warnings: [...warnings.values()] };
}

/**
 * Under the group's locks: the first date each portfolio still needs (another run may have written
 * some meanwhile), or the earlier date its invalidation mark asks for.
 */
async function startDates(
  trx: Db,
  plans: readonly PortfolioPlan[],
  target: IsoDate,
  force: boolean,
  changes: Map<string, { recomputeFrom: IsoDate | null }>,
): Promise<Map<string, IsoDate>> {
  if (force) return new Map(plans.map((p) => [p.id, p.firstDate]));
  const marks = await watermarks(trx, plans, target);
  const start = new Map<string, IsoDate>();
  for (const p of plans) {
    const first = firstDateOf(p.inception, { portfolioId: null, target, from: null, force: false }, marks.get(p.id), changes.get(p.id)?.recomputeFrom ?? null);
    if (first) start.set(p.id, first);
  }
  return start;
}

/**
 * Under the group's locks (a change of a portfolio takes the same lock, so none lands meanwhile):
 * drops deleted portfolios, and re-plans those changed since the run read them, with their inputs,
 * so a change committed before this point is in this run's numbers.
 */
async function currentPlans(
  db: Db,
  trx: Db,
  plans: readonly PortfolioPlan[],
  target: IsoDate,
  force: boolean,
  inputs: AnalyticsInputs,
  changes: Map<string, { recomputeFrom: IsoDate | null; version: number; deleted: boolean }>,
): Promise<{ plans: PortfolioPlan[]; gone: string[]; inputsOf: (id: string) => AnalyticsInputs }> {
  const gone: string[] = [];
  const kept: PortfolioPlan[] = [];
  const stale: string[] = [];
  for (const p of plans) {
    const c = changes.get(p.id);
    if (!c || c.deleted) gone.push(p.id);
    else if (p.changeVersion !== undefined && c.version !== p.changeVersion) stale.push(p.id);
    else kept.push(p);
  }
  const own = new Map<string, AnalyticsInputs>();
  if (stale.length > 0) {
    const fresh = (await planPortfolios(trx, { portfolioId: null, target, from: null, force }, stale)).portfolios;
    const found = new Set(fresh.map((p) => p.id));
    for (const id of stale) if (!found.has(id)) gone.push(id);
    for (const p of fresh) {
      // Market data is not part of a change: it is read outside the transaction.
      own.set(p.id, await loadAnalyticsInputs(db, [p], target, undefined));
      kept.push(p);
    }
  }
  return { plans: kept, gone, inputsOf: (id) => own.get(id) ?? inputs };
}

/** Writes the computed rows; exposures of recomputed dates are replaced, so a factor that lost its beta keeps no stale row. */
async function writeRows(trx: Db, computed: readonly Computed[]): Promise<void> {
  // Exposures are written in the same transaction as snapshots, so only portfolios that already
  // have a snapshot on or after their first date can hold rows to replace.
  const rewritten = await PortfolioSnapshotModel.portfoliosWithSnapshotsFrom(
    trx,
    computed.map((c) => ({ portfolioId: c.plan.id, from: c.firstDate })),
  );
  const replaced = computed.filter((c) => rewritten.has(c.plan.id)).map((c) => ({ portfolioId: c.plan.id, from: c.firstDate }));
  await PortfolioFactorExposureModel.deleteFrom(trx, replaced);
  await PositionFactorExposureModel.deleteFrom(trx, replaced);
  await PortfolioSnapshotModel.upsertMany(trx, computed.flatMap((c) => c.snapshots));
  await PositionFactorExposureModel.upsertMany(trx, computed.flatMap((c) => c.positionRows));
  await PortfolioFactorExposureModel.upsertMany(trx, computed.flatMap((c) => c.portfolioRows));
}

/**
 * Valuations, P&L and snapshots, position and portfolio factor exposures and risk figures for a
 * group of portfolios in one transaction under their advisory locks, for every date from each
 * portfolio's first missing one to the target. A handful of set-based statements serve the whole
 * group; everything written is an upsert on the natural keys. A portfolio whose computation fails is
 * left out of the writes and reported; the others are written.
 */
async function analysePortfolioGroup(
  db: Db,
  plans: readonly PortfolioPlan[],
  target: IsoDate,
  force: boolean,
  inputs: AnalyticsInputs,
  runId: string,
): Promise<GroupResult> {
  if (plans.length === 0) return { outcomes: [], failed: [] };
  return db.transaction(async (trx) => {
    await PortfolioModel.lockForWrite(
      trx,
      plans.map((p) => p.id),
    );
    const changes = await PortfolioModel.marks(
      trx,
      plans.map((p) => p.id),
    );
    const current = await currentPlans(db, trx, plans, target, force, inputs, changes);
    const start = await startDates(trx, current.plans, target, force, changes);
    const outcomes: PortfolioOutcome[] = [...current.gone.map(noWork), ...current.plans.filter((p) => !start.has(p.id)).map((p) => noWork(p.id))];
    const failed: PortfolioFailure[] = [];
    const todo = current.plans.filter((p) => start.has(p.id));
    const priors = await PortfolioSnapshotModel.priorStates(
      trx,
      todo.map((p) => ({ portfolioId: p.id, date: start.get(p.id)! })),
    );
    const computed: Computed[] = [];
    for (const p of todo) {
      try {
        computed.push(computeRows(p, start.get(p.id)!, priors.get(p.id) ?? null, target, current.inputsOf(p.id), runId));
      } catch (err) {
        failed.push({ portfolioId: p.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    await writeRows(trx, computed);
    // The mark is honoured: cleared at the version read under the lock, which no change can pass meanwhile.
    for (const p of current.plans) {
      const c = changes.get(p.id);
      if (c?.recomputeFrom && !failed.some((f) => f.portfolioId === p.id)) await PortfolioModel.clearMark(trx, p.id, c.version);
    }
    for (const c of computed) {
      outcomes.push({
        portfolioId: c.plan.id,
        dates: c.dates,
        snapshots: c.snapshots.length,
        positionExposures: c.positionRows.length,
        portfolioExposures: c.portfolioRows.length,
        warnings: c.warnings,
        skipped: false,
      });
    }
    return { outcomes, failed };
  });
}

/**
 * A group in one transaction; if the transaction fails, each portfolio alone, so one bad portfolio
 * cannot take the others with it.
 */
export async function analyseGroupOrEach(
  db: Db,
  logger: Logger,
  group: readonly PortfolioPlan[],
  target: IsoDate,
  force: boolean,
  inputs: AnalyticsInputs,
  runId: string,
): Promise<GroupResult> {
  try {
    return await analysePortfolioGroup(db, group, target, force, inputs, runId);
  } catch (err) {
    if (isInterruption(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (group.length === 1) {
      logger.error({ err, runId, portfolioId: group[0]!.id }, 'portfolio analytics failed');
      return { outcomes: [], failed: [{ portfolioId: group[0]!.id, error: message }] };
    }
    logger.warn({ err, runId, portfolios: group.length }, 'group write failed; retrying portfolio by portfolio');
    const merged: GroupResult = { outcomes: [], failed: [] };
    for (const p of group) {
      const r = await analyseGroupOrEach(db, logger, [p], target, force, inputs, runId);
      merged.outcomes.push(...r.outcomes);
      merged.failed.push(...r.failed);
    }
    return merged;
  }
}
