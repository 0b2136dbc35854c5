/**
 * Portfolio use cases: onboarding (validate everything, write all-or-nothing, then request the
 * onboarding run) and the reads the UI needs.
 */
import { createHash } from 'node:crypto';
import type { Knex } from '../../db/knex.js';
import { PortfolioFactorExposureModel, type PortfolioExposureView } from '../../db/models/portfolio-factor-exposure.model.js';
import { PortfolioSnapshotModel, type SnapshotView } from '../../db/models/portfolio-snapshot.model.js';
import { PortfolioModel, type PortfolioSummary } from '../../db/models/portfolio.model.js';
import { PositionFactorExposureModel } from '../../db/models/position-factor-exposure.model.js';
import { PositionModel, type PositionView } from '../../db/models/position.model.js';
import { RunModel } from '../../db/models/run.model.js';
import { SymbolModel } from '../../db/models/symbol.model.js';
import { LONG_STALE_TRADING_DAYS } from '../../jobs/calc/portfolio-day.js';
import { corporateActionsMet, entryPriceNotices, positionNotices, type CorporateActionMet, type PositionNotice } from './position-notices.js';
import { nextTradingDay, nyDateOf } from '../../jobs/calc/trading-calendar.js';
import type { IsoDate } from '../../core/dates.js';
import type { Logger } from '../logger.js';
import type { Access, Viewer } from './access.js';
import type { PortfolioFreshness } from '../../core/runs.js';
import { dateIssue } from './date-input.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldIssue } from './errors.js';
import { validateOnboardRequest, type RawOnboardRequest, type ValidOnboardRequest } from './onboard-validation.js';
import type { RunControlService } from './run-control.service.js';

/** What this service needs from the run control. */
export type RunRequester = Pick<RunControlService, 'requestRun' | 'insertRun' | 'enqueueRun' | 'portfolioFreshness'>;

export interface OnboardResult {
  portfolioId: string;
  runId: string;
  /** True when an earlier request with the same idempotency key and body is being answered again. */
  replayed: boolean;
  /**
   * Rows accepted with a doubt: an entry price beyond ±50 % of the symbol's close on the entry date or
   * off by a split ratio, with the likely cause. Checked against the prices already stored; the same
   * warnings appear on the portfolio's positions once the onboarding run has fetched the rest.
   */
  warnings: EntryWarning[];
}

export interface EntryWarning {
  row: number;
  field: 'entryPrice';
  code: PositionNotice['code'];
  message: string;
}

export type { PortfolioSummary };

/** A position as the portfolio shows it: what it is, its price status and what its reader should know. */
export type PositionDetail = PositionView & { notices: PositionNotice[] };

/**
 * The state of the portfolio's latest figures: `ok`; `stale_prices` (a position valued at a close
 * from before the day); `long_stale` (a close LONG_STALE_TRADING_DAYS or more trading days old);
 * `incomplete` (vendor data still missing: the next run recomputes those days); `none` before the
 * first snapshot.
 */
export interface AnalyticsStatus {
  date: IsoDate | null;
  status: 'ok' | 'stale_prices' | 'long_stale' | 'incomplete' | 'none';
  message: string | null;
  maxStaleDays: number;
  /** Share of the public gross exposure with a market beta on that day (0..1). */
  betaMarketCoverage: number | null;
  /** The latest snapshot's warnings: stale prices, positions without a beta, data still missing. */
  warnings: unknown[];
}

export interface PortfolioDetail {
  portfolio: PortfolioSummary;
  positions: PositionDetail[];
  freshness: PortfolioFreshness;
  analytics: AnalyticsStatus;
  /** Splits and cash dividends the positions went through while held, up to the latest snapshot. */
  corporateActions: CorporateActionMet[];
}

export interface SnapshotPage {
  portfolioId: string;
  snapshots: SnapshotView[];
  /** First date of the next page when the range holds more rows than the limit, else null. */
  nextFrom: IsoDate | null;
}

export interface PositionExposure {
  positionId: string;
  symbol: string;
  quantity: number;
  factors: { factorId: number; factorName: string; beta: number; exposureDollar: number }[];
}

export interface ExposureView {
  portfolioId: string;
  /** The date shown; null when the portfolio has no exposures yet. */
  date: IsoDate | null;
  portfolio: PortfolioExposureView[];
  positions: PositionExposure[];
}

export interface PortfolioService {
  /**
   * `admit` is called when the request is valid and will create a portfolio (not for a replay or a
   * conflict), inside the write: when it throws (the trigger limit), nothing is written.
   */
  onboard(userId: string | null, input: RawOnboardRequest, opts?: { admit?: (() => void) | undefined }): Promise<OnboardResult>;
  list(viewer: Viewer, q?: { userId?: string; includeDeleted?: boolean; limit?: number }): Promise<PortfolioSummary[]>;
  get(viewer: Viewer, portfolioId: string): Promise<PortfolioDetail>;
  snapshots(viewer: Viewer, q: { portfolioId: string; from?: IsoDate; to?: IsoDate; limit: number }): Promise<SnapshotPage>;
  exposures(viewer: Viewer, q: { portfolioId: string; date?: IsoDate }): Promise<ExposureView>;
}

export interface PortfolioServiceDeps {
  knex: Knex;
  runs: RunRequester;
  access: Access;
  logger: Logger;
  clock: () => Date;
}

type Warned = { code?: unknown; symbol?: unknown; staleDays?: unknown };

/** The portfolio's status from its latest snapshot. */
export function analyticsStatus(latest: SnapshotView | null): AnalyticsStatus {
  if (latest === null) return { date: null, status: 'none', message: null, maxStaleDays: 0, betaMarketCoverage: null, warnings: [] };
  const warnings = latest.warnings as Warned[];
  const symbolsWith = (codes: string[]): string => [...new Set(warnings.filter((w) => codes.includes(String(w.code))).map((w) => String(w.symbol)))].join(', ');
  let status: AnalyticsStatus['status'] = 'ok';
  let message: string | null = null;
  if (!latest.isComplete) {
    status = 'incomplete';
    const pending = symbolsWith(['data_pending', 'unpriced_position']);
    message = `figures of ${latest.date} are incomplete${pending ? ` (waiting for data of ${pending})` : ''}; the next run recomputes them`;
  } else if (latest.maxStaleDays >= LONG_STALE_TRADING_DAYS) {
    status = 'long_stale';
    message = `${symbolsWith(['long_stale_price'])} valued at a close ${latest.maxStaleDays} trading days old (halted, suspended or without vendor prices)`;
  } else if (latest.maxStaleDays > 0) {
    status = 'stale_prices';
    message = `${symbolsWith(['stale_price', 'long_stale_price'])} valued at a close up to ${latest.maxStaleDays} trading days old`;
  }
  return { date: latest.date, status, message, maxStaleDays: latest.maxStaleDays, betaMarketCoverage: latest.betaMarketCoverage, warnings: latest.warnings };
}

/** Hash of the normalised request: the same positions sent as CSV or JSON count as the same body. */
export function requestHashOf(v: ValidOnboardRequest): string {
  const body = {
    name: v.name,
    equityBalance: v.equityBalance,
    currency: v.currency,
    positions: v.positions.map((p) => [p.symbol, p.quantity, p.entryPrice, p.entryDate, p.exitDate, p.exitPrice, p.investmentClass]),
  };
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function createPortfolioService(deps: PortfolioServiceDeps): PortfolioService {
  const { knex, runs, access, logger, clock } = deps;

  async function onboardingRun(portfolioId: string, userId: string): Promise<string> {
    const existing = await RunModel.firstOnboardingRunId(knex, portfolioId);
    if (existing) return existing;
    const { runId } = await runs.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding', requestedBy: userId });
    return runId;
  }

  /** The entry-price warnings of the request's rows (never blocking; a failed check answers none). */
  async function entryWarnings(v: ValidOnboardRequest): Promise<EntryWarning[]> {
    try {
      const notices = await entryPriceNotices(knex, v.positions);
      return v.positions.flatMap((p, i) => {
        const n = notices[i];
        return n ? [{ row: p.row, field: 'entryPrice' as const, code: n.code, message: n.message }] : [];
      });
    } catch (err) {
      logger.warn({ err }, 'entry-price check failed');
      return [];
    }
  }

  async function replay(userId: string, key: string, hash: string): Promise<Omit<OnboardResult, 'warnings'> | undefined> {
    const prior = await PortfolioModel.findByIdempotencyKey(knex, userId, key);
    if (!prior) return undefined;
    if (prior.requestHash !== hash) {
      throw new ConflictError(
        `Idempotency key ${JSON.stringify(key)} was already used for a different onboarding request (portfolio ${prior.id}); use a new key for a new request`,
      );
    }
    // Also heals a first attempt that wrote the portfolio but failed before its run was requested.
    return { portfolioId: prior.id, runId: await onboardingRun(prior.id, userId), replayed: true };
  }

  return {
    async onboard(userId, input, opts = {}) {
      if (userId === null) {
        throw new ForbiddenError('Portfolios belong to users: onboard with a user token (an admin creates one with user.create)');
      }
      const today = nyDateOf(clock().getTime());
      const checked = validateOnboardRequest(input, today);
      if (!checked.ok) throw new ValidationError(checked.issues, { summary: 'Onboarding request rejected, nothing was written' });
      const v = checked.value;
      const hash = requestHashOf(v);

      if (v.idempotencyKey) {
        const again = await replay(userId, v.idempotencyKey, hash);
        if (again) return { ...again, warnings: await entryWarnings(v) };
      }

      const written = await knex.transaction(async (trx) => {
        const inserted = await PortfolioModel.insertOne(trx, {
          userId,
          name: v.name,
          currency: v.currency,
          equityBalance: v.equityBalance,
          inceptionDate: v.inceptionDate,
          idempotencyKey: v.idempotencyKey,
          requestHash: v.idempotencyKey ? hash : null,
        });
        if ('conflict' in inserted) return inserted;
        opts.admit?.();
        await PositionModel.insertMany(trx, inserted.id, v.positions);
        await SymbolModel.addNew(trx, [...new Set(v.positions.map((p) => p.symbol))], today);
        // The queued run commits with the portfolio: a crash after the commit leaves a run to do,
        // never a portfolio without one.
        const { runId } = await runs.insertRun(trx, { scope: 'portfolio', portfolioId: inserted.id, source: 'onboarding', requestedBy: userId });
        return { id: inserted.id, runId };
      });

      if ('conflict' in written) {
        // A concurrent request with the same key won the race: answer as it did. Checked before the
        // name, since the winner's row violates both unique indexes and either may report first.
        const again = v.idempotencyKey ? await replay(userId, v.idempotencyKey, hash) : undefined;
        if (again) return { ...again, warnings: await entryWarnings(v) };
        if (written.conflict === 'name') {
          throw new ConflictError(`A portfolio named ${JSON.stringify(v.name)} already exists for this user; choose another name`);
        }
        throw new ConflictError('A concurrent onboarding request with the same idempotency key is in progress; retry');
      }

      const { id: portfolioId, runId } = written;
      // After the commit: if this process dies before the job is queued, the sweeper queues it.
      await runs.enqueueRun(runId);
      logger.info({ portfolioId, runId, positions: v.positions.length, userId }, 'portfolio onboarded');
      return { portfolioId, runId, replayed: false, warnings: await entryWarnings(v) };
    },

    async list(viewer, q = {}) {
      const userId = viewer.userId ?? q.userId;
      return PortfolioModel.summaries(knex, { userId, includeDeleted: q.includeDeleted, limit: q.limit ?? 1_000 });
    },

    async get(viewer, portfolioId) {
      await access.assertPortfolioVisible(viewer, portfolioId);
      const portfolio = await PortfolioModel.summary(knex, portfolioId);
      if (!portfolio) throw new NotFoundError('portfolio', portfolioId);
      const [positions, freshness, latest] = await Promise.all([
        PositionModel.withPriceStatus(knex, portfolioId),
        runs.portfolioFreshness(portfolioId),
        PortfolioSnapshotModel.latestView(knex, portfolioId),
      ]);
      const [notices, met] = await Promise.all([positionNotices(knex, positions), latest ? corporateActionsMet(knex, positions, latest.date) : []]);
      return {
        portfolio,
        positions: positions.map((p, i) => ({ ...p, notices: notices[i] ?? [] })),
        freshness,
        analytics: analyticsStatus(latest),
        corporateActions: met,
      };
    },

    async snapshots(viewer, q) {
      const issues = [dateIssue('from', q.from), dateIssue('to', q.to)].filter((i): i is FieldIssue => i !== undefined);
      if (issues.length === 0 && q.from && q.to && q.from > q.to) issues.push({ field: 'to', message: `${q.to} is before from (${q.from})` });
      if (issues.length) throw new ValidationError(issues);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const rows = await PortfolioSnapshotModel.page(knex, { ...q, limit: q.limit + 1 });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const last = page[page.length - 1];
      return { portfolioId: q.portfolioId, snapshots: page, nextFrom: more && last ? nextTradingDay(last.date) : null };
    },

    async exposures(viewer, q) {
      const issue = dateIssue('date', q.date);
      if (issue) throw new ValidationError([issue]);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const date = q.date ?? (await PortfolioFactorExposureModel.latestDate(knex, q.portfolioId));
      if (!date) return { portfolioId: q.portfolioId, date: null, portfolio: [], positions: [] };
      const [portfolio, rows] = await Promise.all([
        PortfolioFactorExposureModel.ofPortfolioOn(knex, q.portfolioId, date),
        PositionFactorExposureModel.ofPortfolioOn(knex, q.portfolioId, date),
      ]);
      const byPosition = new Map<string, PositionExposure>();
      for (const r of rows) {
        let p = byPosition.get(r.positionId);
        if (!p) {
          p = { positionId: r.positionId, symbol: r.symbol, quantity: r.quantity, factors: [] };
          byPosition.set(r.positionId, p);
        }
        p.factors.push({ factorId: r.factorId, factorName: r.factorName, beta: r.betaValue, exposureDollar: r.exposureDollar });
      }
      return { portfolioId: q.portfolioId, date, portfolio, positions: [...byPosition.values()] };
    },
  };
}
