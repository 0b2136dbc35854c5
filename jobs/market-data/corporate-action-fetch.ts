/**
 * Fetches and stores corporate actions and reference data for the symbols in scope, as planned by
 * corporate-action-planner.ts, through the same client and limiter as the bars and counted in the
 * same progress. Each call stores its rows and its coverage in one transaction, so a failed call
 * leaves its symbols to be asked again by the next run and a successful one is never repeated.
 */
import type { Knex } from 'knex';
import type { IsoDate } from '../../core/dates.js';
import type { Logger } from '../../core/logger.js';
import { CashDividendModel, type DividendWrite } from '../../db/models/cash-dividend.model.js';
import { CorporateActionCoverageModel } from '../../db/models/corporate-action-coverage.model.js';
import { StockSplitModel, type SplitWrite } from '../../db/models/stock-split.model.js';
import { SymbolProfileModel, type ProfileRecord } from '../../db/models/symbol-profile.model.js';
import { TickerChangeModel } from '../../db/models/ticker-change.model.js';
import { sectorOf } from '../calc/risk/sic-sectors.js';
import { tradingDaysBetween } from '../calc/trading-calendar.js';
import { planCorporateActions, tickerChangesOf } from './corporate-action-planner.js';
import type { CorporateActionPlan, ListCall, MarketEventRates } from './corporate-action-planner.js';
import { describeError, isMarketDataError } from './errors.js';
import type { CallStats } from './limiter.js';
import { pool } from '../pool.js';
import type { DividendFact, PolygonClient, SplitFact, TickerDetails } from './polygon-client.js';

export interface CorporateActionOptions {
  /** The day the check runs through (the run's last trading day). */
  asOf: IsoDate;
  /** Ticker details older than this are fetched again (default 30 days). */
  profileRefreshMs?: number;
  rates?: MarketEventRates;
}

export interface CorporateActionsResult {
  listCalls: number;
  detailsCalls: number;
  eventsCalls: number;
  updateMode: CorporateActionPlan['updateMode'];
  splitsWritten: number;
  dividendsWritten: number;
  profilesWritten: number;
  tickerChangesWritten: number;
  /** Symbols the vendor reports inactive (delisted or renamed), with the day when known. */
  inactive: { symbol: string; since: IsoDate | null }[];
  /** Calls that failed; their symbols' coverage is unchanged (the next run asks again). */
  failed: { symbol: string; kind: 'splits' | 'dividends' | 'ticker_details' | 'ticker_events'; error: string; code?: string }[];
}

/** What the caller's call machinery lends this fetch: the signal, the counters and the progress step. */
export interface CallHooks {
  signal: AbortSignal;
  stats: CallStats;
  /** After each vendor call (failed or not). */
  progress(): Promise<void>;
  /** A call failure that stops everything (bad key); returns true when it was one. */
  fatal(e: unknown): boolean;
  /** More calls than planned turned out to be needed. */
  addPlanned(n: number): void;
  stopped(): boolean;
}

const VALID_SYMBOL = /^[A-Z][A-Z0-9.-]{0,14}$/;

function toSplitWrite(symbol: string, r: SplitFact, source: string): SplitWrite {
  return { symbol, executionDate: r.executionDate, from: r.from, to: r.to, vendorId: r.vendorId, source };
}

function toDividendWrite(symbol: string, r: DividendFact, source: string): DividendWrite {
  return {
    symbol,
    exDate: r.exDate,
    type: r.type,
    amount: r.amount,
    currency: /^[A-Z]{3}$/.test(r.currency) ? r.currency : 'USD',
    declarationDate: r.declarationDate,
    recordDate: r.recordDate,
    payDate: r.payDate,
    frequency: r.frequency,
    vendorId: r.vendorId,
    source,
  };
}

function toProfile(symbol: string, d: TickerDetails | undefined): ProfileRecord {
  if (!d) {
    return {
      symbol,
      status: 'not_found',
      name: null,
      type: null,
      market: null,
      primaryExchange: null,
      active: null,
      listDate: null,
      delistedOn: null,
      sicCode: null,
      sicDescription: null,
      sector: 'Unknown',
      marketCap: null,
      sharesOutstanding: null,
    };
  }
  return {
    symbol,
    status: 'ok',
    name: d.name,
    type: d.type,
    market: d.market,
    primaryExchange: d.primaryExchange,
    active: d.active,
    listDate: d.listDate,
    delistedOn: d.delistedOn,
    sicCode: d.sicCode,
    sicDescription: d.sicDescription,
    sector: sectorOf({ type: d.type, sicCode: d.sicCode }),
    marketCap: d.marketCap,
    sharesOutstanding: d.sharesOutstanding,
  };
}

export class CorporateActionFetch {
  readonly result: CorporateActionsResult = {
    listCalls: 0,
    detailsCalls: 0,
    eventsCalls: 0,
    updateMode: { splits: 'none', dividends: 'none' },
    splitsWritten: 0,
    dividendsWritten: 0,
    profilesWritten: 0,
    tickerChangesWritten: 0,
    inactive: [],
    failed: [],
  };

  constructor(
    private readonly deps: { db: Knex; client: PolygonClient; logger: Logger; source: string; concurrency: number },
    readonly symbols: readonly string[],
    private readonly opts: CorporateActionOptions,
  ) {}

  /** Reads the stored coverage and profile ages, and plans the calls. */
  async plan(): Promise<CorporateActionPlan> {
    const [checkedThrough, profiles] = await Promise.all([
      CorporateActionCoverageModel.bySymbols(this.deps.db, this.symbols),
      SymbolProfileModel.bySymbols(this.deps.db, this.symbols),
    ]);
    const now = Date.now();
    const profileAgeMs = new Map([...profiles].map(([s, p]) => [s, now - p.refreshedAt.getTime()]));
    const plan = planCorporateActions({
      symbols: this.symbols,
      asOf: this.opts.asOf,
      checkedThrough,
      profileAgeMs,
      inactive: new Set([...profiles.values()].filter((p) => p.active === false).map((p) => p.symbol)),
      ...(this.opts.profileRefreshMs !== undefined ? { profileRefreshMs: this.opts.profileRefreshMs } : {}),
      ...(this.opts.rates ? { rates: this.opts.rates } : {}),
      tradingDaysSince: (since, asOf) => Math.max(0, tradingDaysBetween(since, asOf).length - 1),
    });
    this.result.updateMode = plan.updateMode;
    return plan;
  }

  private fail(hooks: CallHooks, e: unknown, symbols: readonly string[], kind: CorporateActionsResult['failed'][number]['kind']): void {
    if (hooks.fatal(e) || hooks.stopped()) return;
    const code = isMarketDataError(e) ? e.code : undefined;
    for (const symbol of symbols) this.result.failed.push({ symbol, kind, error: describeError(e), ...(code ? { code } : {}) });
    this.deps.logger.warn({ kind, symbols: symbols.length > 5 ? symbols.length : symbols, code, err: describeError(e) }, 'corporate-action call failed');
  }

  async run(plan: CorporateActionPlan, hooks: CallHooks): Promise<void> {
    const { db, client, source } = this.deps;
    const inScope = new Set(this.symbols);
    const req = { signal: hooks.signal, stats: hooks.stats };
    await pool(plan.listCalls, this.deps.concurrency, () => hooks.stopped(), async (call: ListCall) => {
      try {
        const query = { ticker: call.symbol, since: call.since };
        const keep = (ticker: string): boolean => (call.symbol !== undefined ? ticker === call.symbol : inScope.has(ticker));
        const coverage = call.covers.map((symbol) => ({ symbol, kind: call.kind, checkedThrough: this.opts.asOf }));
        if (call.kind === 'splits') {
          const res = await client.getSplits(query, req);
          if (res.pages > call.estimatedPages) hooks.addPlanned(res.pages - call.estimatedPages);
          const rows = res.rows.filter((r) => keep(r.ticker)).map((r) => toSplitWrite(r.ticker, r, source));
          this.result.splitsWritten += await db.transaction(async (trx) => {
            const n = await StockSplitModel.upsertMany(trx, rows);
            await CorporateActionCoverageModel.upsertMany(trx, coverage);
            return n;
          });
        } else {
          const res = await client.getDividends(query, req);
          if (res.pages > call.estimatedPages) hooks.addPlanned(res.pages - call.estimatedPages);
          const rows = res.rows.filter((r) => keep(r.ticker)).map((r) => toDividendWrite(r.ticker, r, source));
          this.result.dividendsWritten += await db.transaction(async (trx) => {
            const n = await CashDividendModel.upsertMany(trx, rows);
            await CorporateActionCoverageModel.upsertMany(trx, coverage);
            return n;
          });
        }
        this.result.listCalls++;
      } catch (e) {
        this.fail(hooks, e, call.covers, call.kind);
      }
      await hooks.progress();
    });

    const events = new Set(plan.events);
    await pool(plan.details, this.deps.concurrency, () => hooks.stopped(), async (symbol) => {
      try {
        const d = await client.getTickerDetails(symbol, req);
        const profile = toProfile(symbol, d);
        this.result.profilesWritten += await SymbolProfileModel.upsertMany(db, [profile]);
        this.result.detailsCalls++;
        if (profile.active === false) {
          this.result.inactive.push({ symbol, since: profile.delistedOn });
          // Inactive: was it renamed? Ask its events (once more than planned unless already planned).
          if (!events.has(symbol)) {
            events.add(symbol);
            hooks.addPlanned(1);
          }
        }
      } catch (e) {
        this.fail(hooks, e, [symbol], 'ticker_details');
      }
      await hooks.progress();
    });

    await pool([...events].sort(), this.deps.concurrency, () => hooks.stopped(), async (symbol) => {
      try {
        const ev = await client.getTickerEvents(symbol, req);
        const changes = tickerChangesOf(ev ?? []).filter((c) => VALID_SYMBOL.test(c.previousSymbol) && VALID_SYMBOL.test(c.symbol));
        this.result.tickerChangesWritten += await db.transaction(async (trx) => {
          const n = await TickerChangeModel.upsertMany(trx, changes.map((c) => ({ ...c, source })));
          await CorporateActionCoverageModel.upsertMany(trx, [{ symbol, kind: 'ticker_events', checkedThrough: this.opts.asOf }]);
          return n;
        });
        this.result.eventsCalls++;
      } catch (e) {
        this.fail(hooks, e, [symbol], 'ticker_events');
      }
      await hooks.progress();
    });
  }
}
