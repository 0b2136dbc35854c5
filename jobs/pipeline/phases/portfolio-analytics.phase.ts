import type { Knex } from 'knex';
import {
  completeSnapshotDatesMany,
  deleteExposuresFromMany,
  factorIds,
  loadPriorStates,
  loadSymbolBetas,
  lockPortfolios,
  portfoliosWithSnapshotsFrom,
  unavailableSymbols,
  upsertPortfolioExposures,
  upsertPositionExposures,
  upsertSnapshots,
  type PortfolioExposureWrite,
  type PositionExposureWrite,
  type PriorSnapshotState,
  type SnapshotWrite,
} from '../../../db/queries/analytics.queries.js';
import { NO_CORPORATE_ACTIONS, type SymbolHistory } from '../../calc/corporate-actions.js';
import type { BetaLookup } from '../../calc/factor-betas.js';
import type { FactorName } from '../../calc/factors.js';
import { computePortfolioDays } from '../../calc/portfolio-day.js';
import { addTradingDays, nextTradingDay, tradingDayOnOrAfter, tradingDaysBetween } from '../../calc/trading-calendar.js';
import type { IsoDate } from '../../calc/types.js';
import type { RunWarning } from '../../../server/services/batch.types.js';
import type { Closes, PipelineDeps } from '../deps.js';
import type { PortfolioPlan } from '../plan-run.js';
import { STALE_PRICE_TRADING_DAYS } from '../../calc/returns.js';

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

/** What the analytics of a group of portfolios read: closes, betas and the unavailable symbols. */
export interface AnalyticsInputs {
  closes: Closes;
  betas: BetaLookup;
  unavailable: Map<string, string>;
  factorIds: Map<FactorName, number>;
}

/** Loads the inputs of a group of portfolios from the database (chunk jobs), reusing closes when given. */
export async function loadAnalyticsInputs(
  db: Knex,
  portfolios: readonly PortfolioPlan[],
  target: IsoDate,
  closes: Closes | undefined,
  loadCloses: (symbols: string[], from: IsoDate, to: IsoDate) => Promise<Closes>,
): Promise<AnalyticsInputs> {
  const symbols = [...new Set(portfolios.flatMap((p) => p.positions.map((x) => x.symbol)))].sort();
  const first = portfolios.reduce<IsoDate>((m, p) => (p.firstDate < m ? p.firstDate : m), target);
  const from = addTradingDays(first, -(STALE_PRICE_TRADING_DAYS + 1));
  const [betaMap, unavailable, ids, loaded] = await Promise.all([
    loadSymbolBetas(db, symbols, first, target),
    unavailableSymbols(db, symbols),
    factorIds(db),
    closes ? Promise.resolve(closes) : loadCloses(symbols, from, target),
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

/** Pure part: the rows of one portfolio from its first date to the target (throws on bad input). */
function computeRows(
  plan: PortfolioPlan,
  firstDateIn: IsoDate,
  priorIn: PriorSnapshotState | null,
  target: IsoDate,
  inputs: AnalyticsInputs,
  runId: string,
): Computed {
  let firstDate = firstDateIn;
  let prior = priorIn;
  const inception = tradingDayOnOrAfter(plan.inception);
  if (prior !== null && prior.date < inception) prior = null;
  if (prior === null && firstDate > inception) firstDate = inception;
  // The roll-forward continues from the day after the last stored snapshot, never across a hole.
  if (prior !== null && nextTradingDay(prior.date) < firstDate) firstDate = nextTradingDay(prior.date);
  const dates = tradingDaysBetween(firstDate, target);

  // Corporate actions are not loaded here yet: every series is passed with none, so no dividend P&L
  // exists and the stored snapshots' cumulative dividend P&L is 0.
  const histories: Record<string, SymbolHistory> = {};
  for (const p of plan.positions) histories[p.symbol] = { closes: inputs.closes.get(p.symbol) ?? [], actions: NO_CORPORATE_ACTIONS };
  const results = computePortfolioDays({
    portfolio: { equityBalance: plan.equityBalance },
    positions: plan.positions,
    dates,
    prior: prior === null ? null : { ...prior, cumulativeDividendPnl: 0 },
    histories,
    betas: inputs.betas,
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
    })),
  );
  return { plan, firstDate, dates: dates.length, snapshots, positionRows, portfolioRows, warnings: [...warnings.values()] };
}

export interface GroupResult {
  outcomes: PortfolioOutcome[];
  failed: { portfolioId: string; error: string }[];
}

/**
 * Phases 2-6 for a group of portfolios in one transaction under their advisory locks: valuations,
 * P&L and snapshots for every date from each portfolio's first missing one to the target, position
 * and portfolio factor exposures, risk metrics. A handful of set-based statements serve the whole
 * group; everything written is an upsert on the natural keys. A portfolio whose computation fails is
 * left out of the writes and reported; the others are written.
 */
export async function processPortfolioGroup(
  deps: Pick<PipelineDeps, 'knex'>,
  plans: readonly PortfolioPlan[],
  target: IsoDate,
  force: boolean,
  inputs: AnalyticsInputs,
  runId: string,
): Promise<GroupResult> {
  if (plans.length === 0) return { outcomes: [], failed: [] };
  return deps.knex.transaction(async (trx) => {
    await lockPortfolios(
      trx,
      plans.map((p) => p.id),
    );
    const outcomes: PortfolioOutcome[] = [];
    const failed: GroupResult['failed'] = [];
    // Another run may have written these dates while this one waited for the locks.
    const start = new Map<string, IsoDate>();
    if (force) {
      for (const p of plans) start.set(p.id, p.firstDate);
    } else {
      const earliest = plans.reduce<IsoDate>((m, p) => (p.firstDate < m ? p.firstDate : m), target);
      const done = await completeSnapshotDatesMany(
        trx,
        plans.map((p) => p.id),
        earliest,
        target,
      );
      for (const p of plans) {
        const have = done.get(p.id);
        const pending = tradingDaysBetween(p.firstDate, target).find((d) => !have?.has(d));
        if (pending === undefined) outcomes.push(noWork(p.id));
        else start.set(p.id, pending);
      }
    }
    const todo = plans.filter((p) => start.has(p.id));
    const priors = await loadPriorStates(
      trx,
      todo.map((p) => ({ portfolioId: p.id, date: start.get(p.id)! })),
    );
    const computed: Computed[] = [];
    for (const p of todo) {
      try {
        computed.push(computeRows(p, start.get(p.id)!, priors.get(p.id) ?? null, target, inputs, runId));
      } catch (err) {
        failed.push({ portfolioId: p.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    // Exposures are written in the same transaction as snapshots, so only portfolios that already
    // have a snapshot on or after their first date can hold rows to replace.
    const rewritten = await portfoliosWithSnapshotsFrom(
      trx,
      computed.map((c) => ({ portfolioId: c.plan.id, from: c.firstDate })),
    );
    await deleteExposuresFromMany(
      trx,
      computed.filter((c) => rewritten.has(c.plan.id)).map((c) => ({ portfolioId: c.plan.id, from: c.firstDate })),
    );
    await upsertSnapshots(
      trx,
      computed.flatMap((c) => c.snapshots),
    );
    await upsertPositionExposures(
      trx,
      computed.flatMap((c) => c.positionRows),
    );
    await upsertPortfolioExposures(
      trx,
      computed.flatMap((c) => c.portfolioRows),
    );
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
