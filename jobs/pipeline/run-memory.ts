/**
 * What the jobs of one run keep in this process for its later jobs: the closes and corporate actions
 * its symbol phases read (prices do not change once the run's market-data phase is done), and the
 * risk phase's shared inputs and day models. A run whose chunks all run in the process that planned
 * it reads its prices once; a chunk job in another process finds nothing here and reads its own.
 * One run is kept at a time: a job of another run replaces it, and the end of the run drops it.
 */
import type { IsoDate } from '../../core/dates.js';
import { BarModel, type Closes } from '../../db/models/bar.model.js';
import type { Db } from '../../db/models/base.model.js';
import type { CorporateActions } from '../calc/corporate-actions.js';
import { previousTradingDay } from '../calc/trading-calendar.js';
import type { TickerChange } from '../calc/ticker-continuity.js';
import type { RiskRunCache, SharedRiskInputs } from './risk-group.js';

/** Closes and corporate actions of a set of symbols, from `from` to the run's target. */
export interface RunPrices {
  symbols: ReadonlySet<string>;
  from: IsoDate;
  closes: Closes;
  actions: Map<string, CorporateActions>;
  /** The ticker changes the symbols' histories continue through; `closes` and `actions` are already continuous. */
  tickerChanges: readonly TickerChange[];
}

export interface RunMemory {
  readonly runId: string;
  readonly target: IsoDate;
  prices: RunPrices | undefined;
  /** The risk phase's inputs, read once for every chunk of the run. */
  riskInputs: SharedRiskInputs | undefined;
  /** The risk phase's day models and the covariance days written. */
  readonly risk: RiskRunCache;
}

let current: RunMemory | undefined;

/** The memory of a run (a fresh one when this process holds another run's, or none). */
export function runMemory(runId: string, target: IsoDate): RunMemory {
  if (current?.runId !== runId || current.target !== target) current = { runId, target, prices: undefined, riskInputs: undefined, risk: { days: new Map(), covariancesWritten: new Set() } };
  return current;
}

/** Drops the memory of a run that has ended. */
export function forgetRun(runId: string): void {
  if (current?.runId === runId) current = undefined;
}

/**
 * Closes of `symbols` from `from` to `to`: taken from the run's prices when they hold every symbol,
 * with only the days before them read (one query for the older part), else read whole.
 */
export async function closesFrom(db: Db, prices: RunPrices | undefined, symbols: readonly string[], from: IsoDate, to: IsoDate): Promise<Closes> {
  if (prices === undefined || !symbols.every((s) => prices.symbols.has(s))) return BarModel.closes(db, symbols, from, to);
  const older = from < prices.from ? await BarModel.closes(db, symbols, from, previousTradingDay(prices.from)) : undefined;
  const out: Closes = new Map();
  for (const s of symbols) {
    const held = (prices.closes.get(s) ?? []).filter((b) => b.date >= from && b.date <= to);
    const before = older?.get(s);
    out.set(s, before && before.length > 0 ? [...before, ...held] : held);
  }
  return out;
}
