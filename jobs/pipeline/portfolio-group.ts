/**
 * The portfolio analytics of a group of portfolios in one transaction: lock, re-check the
 * watermarks, compute every date from each portfolio's first missing one to the target, write.
 */
import type { IsoDate } from '../../core/dates.js';
import type { Logger } from '../../core/logger.js';
import type { PortfolioFailure, RunWarning } from '../../core/runs.js';
import { BarModel, type Closes } from '../../db/models/bar.model.js';
import { PriceCoverageModel } from '../../db/models/price-coverage.model.js';
import type { Db } from '../../db/models/base.model.js';
import { FactorDefinitionModel } from '../../db/models/factor-definition.model.js';
import { PortfolioFactorExposureModel, type PortfolioExposureWrite } from '../../db/models/portfolio-factor-exposure.model.js';
import { PortfolioSnapshotModel, type PriorSnapshotState, type SnapshotWrite } from '../../db/models/portfolio-snapshot.model.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import { PositionFactorExposureModel, type PositionExposureWrite } from '../../db/models/position-factor-exposure.model.js';
import { SymbolFactorExposureModel } from '../../db/models/symbol-factor-exposure.model.js';
import { SymbolModel } from '../../db/models/symbol.model.js';
import type { BetaLookup } from '../calc/factor-betas.js';
import { NO_CORPORATE_ACTIONS, type CorporateActions, type SymbolHistory } from '../calc/corporate-actions.js';
import { FACTOR_PROXIES } from '../calc/factors.js';
import { loadCorporateActions } from '../market-data/corporate-actions.js';
import { computePortfolioDays, LONG_STALE_TRADING_DAYS } from '../calc/portfolio-day.js';
import { STALE_PRICE_TRADING_DAYS } from '../calc/returns.js';
import { TickerChangeModel } from '../../db/models/ticker-change.model.js';
import { continuousActions, continuousCloses, successorsBeyond, tradedAs, type TickerChange } from '../calc/ticker-continuity.js';
import { addTradingDays, nextTradingDay, tradingDayOnOrAfter, tradingDaysBetween } from '../calc/trading-calendar.js';
import { isInterruption } from '../queue/job-queue.js';
import { firstDateOf, planPortfolios, type PortfolioPlan } from './plan-run.js';
import { closesFrom, type RunPrices } from './run-memory.js';
import { watermarks } from './watermark.js';

/** Portfolios per transaction: a few set-based statements serve the whole group. */
export const GROUP_SIZE = 25;
/**
 * Groups a chunk job works at once (analytics, then risk): while one group's transaction waits on
 * PostgreSQL, the next computes, so one job keeps both the process and the database busy. Each group
 * holds one pooled connection while it writes.
 */
export const GROUP_LANES = 2;
/** Warnings a snapshot keeps (pending data first, then the day's own). */
const SNAPSHOT_WARNINGS = 50;

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

/** What the analytics of a set of portfolios read: closes, corporate actions, betas, what data is settled, factor ids. */
export interface AnalyticsInputs {
  /** As-traded closes; each series also holds the symbol's last close before the window (a gap's valuation). */
  closes: Closes;
  actions: Map<string, CorporateActions>;
  betas: BetaLookup;
  unavailable: Map<string, string>;
  /** Per symbol (positions' and factor proxies'), the span of days the vendor was asked for. */
  coverage: Map<string, { from: IsoDate; to: IsoDate }>;
  /** Symbols whose fetch or factor computation failed in this run: their days are not settled. */
  failedSymbols: ReadonlySet<string>;
  factorIds: Map<string, number>;
  /** Ticker changes the held symbols continue through: `closes` and `actions` are continuous under the old names. */
  tickerChanges: readonly TickerChange[];
}

/**
 * Adds to each series the symbol's last close before `from` when the series holds none before it: a
 * position halted (or without vendor bars) since before the window is valued at that close, and the
 * move is booked against it when trading resumes.
 */
async function withPriorCloses(db: Db, closes: Closes, symbols: readonly string[], from: IsoDate): Promise<Closes> {
  // A close on `from` itself values every day after it: only series starting later lack one.
  const lacking = symbols.filter((s) => {
    const first = closes.get(s)?.[0];
    return first === undefined || first.date > from;
  });
  if (lacking.length === 0) return closes;
  const prior = await BarModel.lastClosesBefore(db, lacking, from);
  if (prior.size === 0) return closes;
  const out: Closes = new Map(closes);
  for (const [symbol, bar] of prior) out.set(symbol, [bar, ...(closes.get(symbol) ?? []).filter((b) => b.date > bar.date)]);
  return out;
}

/** Reads the inputs of a set of portfolios, taking closes and corporate actions from the run's prices when it holds them. */
export async function loadAnalyticsInputs(
  db: Db,
  portfolios: readonly PortfolioPlan[],
  target: IsoDate,
  prices: RunPrices | undefined,
  failedSymbols: ReadonlySet<string>,
): Promise<AnalyticsInputs> {
  const symbols = [...new Set(portfolios.flatMap((p) => p.positions.map((x) => x.symbol)))].sort();
  const first = portfolios.reduce<IsoDate>((m, p) => (p.firstDate < m ? p.firstDate : m), target);
  const from = addTradingDays(first, -(STALE_PRICE_TRADING_DAYS + 1));
  const held = prices !== undefined && symbols.every((s) => prices.symbols.has(s));
  // The run's prices carry its ticker changes (their new tickers are among its symbols); read alone,
  // one query checks for changes, and only a renamed symbol costs more reads (its new tickers').
  const knownChanges = held ? prices.tickerChanges : undefined;
  const knownNext = knownChanges ? successorsBeyond(symbols, knownChanges) : [];
  const withNext = [...symbols, ...knownNext];
  const [betaMap, unavailableOwn, ids, loadedOwn, actionsOwn, coverageOwn, changes] = await Promise.all([
    SymbolFactorExposureModel.betasOf(db, symbols, first, target),
    SymbolModel.unavailable(db, withNext),
    FactorDefinitionModel.idsByName(db),
    closesFrom(db, prices, withNext, from, target),
    held ? prices.actions : loadCorporateActions(db, symbols, from),
    PriceCoverageModel.windows(db, [...new Set([...withNext, ...FACTOR_PROXIES])]),
    knownChanges ?? TickerChangeModel.continuationsOf(db, symbols),
  ]);
  let [unavailable, loaded, actions, coverage] = [unavailableOwn, loadedOwn, actionsOwn, coverageOwn];
  const next = knownChanges ? [] : successorsBeyond(symbols, changes);
  if (next.length > 0) {
    const [u, c, a, w] = await Promise.all([
      SymbolModel.unavailable(db, next),
      BarModel.closes(db, next, from, target),
      loadCorporateActions(db, next, from),
      PriceCoverageModel.windows(db, next),
    ]);
    unavailable = new Map([...unavailable, ...u]);
    loaded = new Map([...loaded, ...c]);
    actions = new Map([...actions, ...a]);
    coverage = new Map([...coverage, ...w]);
  }
  const betas: BetaLookup = (symbol, factor, date) => betaMap.get(symbol)?.get(`${factor}|${date}`);
  const closes = continuousCloses(await withPriorCloses(db, loaded, [...withNext, ...next], from), changes);
  actions = continuousActions(actions, changes);
  return { closes, actions, betas, unavailable, coverage, failedSymbols, factorIds: ids, tickerChanges: changes };
}

/**
 * Whether everything a snapshot of `d` should carry from `symbol` is settled: the vendor was asked
 * for that day without failing (a missing bar is then a halt or a hole the vendor has, and a missing
 * beta a history too short), or the vendor has no data for the symbol at all (stated as such).
 */
function settledOn(inputs: AnalyticsInputs, held: string, d: IsoDate): boolean {
  // A renamed symbol's day is settled by the ticker it traded under that day.
  const symbol = tradedAs(held, d, inputs.tickerChanges);
  if (inputs.unavailable.has(symbol)) return true;
  if (inputs.failedSymbols.has(symbol)) return false;
  const c = inputs.coverage.get(symbol);
  return c !== undefined && c.from <= d && d <= c.to;
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

const byHolding = (a: PortfolioPlan['positions'][number], b: PortfolioPlan['positions'][number]): number =>
  a.symbol.localeCompare(b.symbol) ||
  a.entryDate.localeCompare(b.entryDate) ||
  a.quantity - b.quantity ||
  a.entryPrice - b.entryPrice ||
  (a.exitDate ?? '').localeCompare(b.exitDate ?? '') ||
  a.id.localeCompare(b.id);

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

  // As-traded closes with the symbol's splits and dividends: shares in force, dividends as P&L.
  const histories: Record<string, SymbolHistory> = {};
  for (const p of plan.positions) {
    histories[p.symbol] = { closes: inputs.closes.get(p.symbol) ?? [], actions: p.investmentClass === 'PRIVATE' ? NO_CORPORATE_ACTIONS : (inputs.actions.get(p.symbol) ?? NO_CORPORATE_ACTIONS) };
  }
  const results = computePortfolioDays({
    portfolio: { equityBalance: plan.equityBalance },
    // A fixed order (not the ids'), so the same holdings sum to the same cents in any portfolio.
    positions: [...plan.positions].sort(byHolding),
    dates,
    prior,
    histories,
    betas: inputs.betas,
    fees: plan.fees ?? [],
    cashFlows: plan.cashFlows ?? [],
  });

  const publicIds = new Set(plan.positions.filter((p) => p.investmentClass !== 'PRIVATE').map((p) => p.id));
  const warnings = new Map<string, RunWarning>();
  const stale = new Map<string, { symbol: string; days: number; max: number }>();
  const uncovered = new Map<string, { symbol: string; days: number; factors: Set<string> }>();
  const pending = new Map<string, { symbol: string; days: number }>();
  const snapshots: SnapshotWrite[] = results.map((r) => {
    // A day is complete when everything it should carry is there or provably cannot be: every price,
    // beta and factor proxy it needs was asked of the vendor without failing (a bar the vendor does not
    // have is a halt or a hole, a missing beta a history too short), or its symbol has no vendor data
    // at all (stated). Days left short by a failed fetch stay incomplete, and the next run recomputes them.
    const held = r.positions.filter((v) => publicIds.has(v.positionId));
    const needed = new Set(held.map((v) => v.symbol));
    if (held.some((v) => v.marketValue !== null && !v.realised)) for (const proxy of FACTOR_PROXIES) needed.add(proxy);
    const unsettled = [...needed].filter((symbol) => !settledOn(inputs, symbol, r.date)).sort();
    const extra: { code: 'data_pending'; symbol: string; message: string }[] = [];
    for (const symbol of unsettled) {
      const seen = pending.get(symbol) ?? { symbol, days: 0 };
      seen.days++;
      pending.set(symbol, seen);
      const traded = tradedAs(symbol, r.date, inputs.tickerChanges);
      const name = traded === symbol ? symbol : `${symbol} (trading as ${traded})`;
      extra.push({ code: 'data_pending', symbol, message: `${name}: vendor data for ${r.date} could not be fetched yet; the day is recomputed once it is` });
    }
    for (const w of r.warnings) {
      if (w.code === 'stale_price' || w.code === 'long_stale_price') {
        const s = stale.get(w.symbol ?? '') ?? { symbol: w.symbol ?? '', days: 0, max: 0 };
        s.days++;
        s.max = Math.max(s.max, w.staleDays ?? 0);
        stale.set(s.symbol, s);
        continue;
      }
      if (w.code === 'missing_beta') {
        const u = uncovered.get(w.symbol ?? '') ?? { symbol: w.symbol ?? '', days: 0, factors: new Set<string>() };
        u.days++;
        for (const f of w.factors ?? []) u.factors.add(f);
        uncovered.set(u.symbol, u);
        continue;
      }
      const key = `${w.code}|${w.symbol ?? w.positionId ?? ''}`;
      if (!warnings.has(key)) warnings.set(key, { code: w.code, symbol: w.symbol, portfolioId: plan.id, message: w.message });
    }
    const unpricedPending = r.warnings.some((w) => w.code === 'unpriced_position' && !settledOn(inputs, w.symbol ?? '', r.date));
    return {
      portfolioId: plan.id,
      date: r.date,
      ...r.snapshot,
      maxStaleDays: r.maxStaleDays,
      isComplete: !unpricedPending && unsettled.length === 0,
      warnings: [...extra, ...r.warnings].slice(0, SNAPSHOT_WARNINGS),
      runId,
    };
  });
  for (const s of stale.values()) {
    warnings.set(`stale|${s.symbol}`, {
      code: s.max >= LONG_STALE_TRADING_DAYS ? 'long_stale_price' : 'stale_price',
      symbol: s.symbol,
      portfolioId: plan.id,
      message: `${s.symbol}: valued at its last close on ${s.days} day${s.days === 1 ? '' : 's'} without a price (up to ${s.max} trading days old)`,
    });
  }
  for (const u of uncovered.values()) {
    warnings.set(`missing_beta|${u.symbol}`, {
      code: 'missing_beta',
      symbol: u.symbol,
      portfolioId: plan.id,
      message: `${u.symbol}: no beta on ${u.days} day${u.days === 1 ? '' : 's'} for ${[...u.factors].sort().join(', ')}; left out of the exposures (coverage below 100 %)`,
    });
  }
  for (const p of pending.values()) {
    warnings.set(`data_pending|${p.symbol}`, {
      code: 'data_pending',
      symbol: p.symbol,
      portfolioId: plan.id,
      message: `${p.symbol}: vendor data missing for ${p.days} day${p.days === 1 ? '' : 's'}; those days stay incomplete until a run fetches it`,
    });
  }
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
      own.set(p.id, await loadAnalyticsInputs(db, [p], target, undefined, inputs.failedSymbols));
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
