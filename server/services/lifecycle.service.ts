/**
 * Changes to a portfolio after onboarding (docs/lifecycle.md): trades, cash flows, corrections and
 * deletions of positions, renaming and deleting the portfolio, trade imports, and their reads.
 *
 * Every change is one transaction under the portfolio's write lock (the lock runs take to write its
 * snapshots): it records the change with its idempotency key, applies it, and moves the portfolio's
 * invalidation mark to the earliest date it affects. After the commit a portfolio run with source
 * 'settings' is requested; it merges into the portfolio's queued run when there is one.
 */
import { createHash } from 'node:crypto';
import type { IsoDate } from '../../core/dates.js';
import type { Knex } from '../../db/knex.js';
import { CashFlowModel, type CashFlowView } from '../../db/models/cash-flow.model.js';
import { PortfolioChangeModel, type ChangeKind } from '../../db/models/portfolio-change.model.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import { PositionModel, type LotView, type StoredPosition } from '../../db/models/position.model.js';
import { StockSplitModel } from '../../db/models/stock-split.model.js';
import { SymbolModel } from '../../db/models/symbol.model.js';
import { TradeModel, type TradeView } from '../../db/models/trade.model.js';
import type { Db } from '../../db/models/base.model.js';
import { sharesInForce } from '../../jobs/calc/corporate-actions.js';
import { matchTrade } from '../../jobs/calc/lots.js';
import { nyDateOf } from '../../jobs/calc/trading-calendar.js';
import type { Logger } from '../logger.js';
import type { Access, Viewer } from './access.js';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from './errors.js';
import { checkDate, decimalDigits, parseCsvRecords, parseNumber, validatePosition, ONBOARD_LIMITS, SYMBOL_PATTERN, type RawPosition } from './onboard-validation.js';
import type { RunControlService } from './run-control.service.js';
import { asciiUpper, controlCharacterProblem, unsafeTextProblem } from './text-input.js';

export const LIFECYCLE_LIMITS = { maxImportRows: 5_000, maxFees: 1e9, maxCashFlow: 1e12, maxNoteLength: 200, maxListRows: 10_000 } as const;

/** Who asks: what they may see, and the user recorded on the change and its run. */
export interface Actor extends Viewer {
  requestedBy: string | null;
}

export interface ChangeResult {
  /** The earliest date whose snapshots the change made stale; null when none. */
  affectedFrom: IsoDate | null;
  /** The 'settings' run that recomputes them (the queued one it merged into), or null. */
  runId: string | null;
  /** True when an earlier request with the same idempotency key and body is answered again. */
  replayed: boolean;
}

export interface TradeResult extends ChangeResult {
  tradeId: string;
  realizedPnl: number;
  lotsClosed: number;
  lotOpened: string | null;
}

export interface RawTrade {
  portfolioId: string;
  symbol: string;
  quantity: number | string;
  price: number | string;
  date: string;
  fees?: number | string | null;
  allowShort?: boolean;
  idempotencyKey?: string;
}

export interface RawCashFlow {
  portfolioId: string;
  type: 'contribution' | 'withdrawal';
  amount: number | string;
  date: string;
  note?: string | null;
  idempotencyKey?: string;
}

export interface RawPositionUpdate {
  portfolioId: string;
  positionId: string;
  quantity?: number | string;
  entryPrice?: number | string;
  entryDate?: string;
  exitDate?: string | null;
  exitPrice?: number | string | null;
  idempotencyKey?: string;
}

export interface LifecycleService {
  trade(actor: Actor, input: RawTrade): Promise<TradeResult>;
  cashFlow(actor: Actor, input: RawCashFlow): Promise<ChangeResult & { cashFlowId: string }>;
  updatePosition(actor: Actor, input: RawPositionUpdate): Promise<ChangeResult & { positionId: string }>;
  deletePosition(actor: Actor, input: { portfolioId: string; positionId: string; idempotencyKey?: string }): Promise<ChangeResult & { positionId: string }>;
  rename(actor: Actor, input: { portfolioId: string; name: string; idempotencyKey?: string }): Promise<ChangeResult & { name: string }>;
  deletePortfolio(actor: Actor, input: { portfolioId: string; idempotencyKey?: string }): Promise<ChangeResult & { deleted: true }>;
  importTrades(actor: Actor, input: { portfolioId: string; csv: string; allowShort?: boolean; idempotencyKey?: string }): Promise<ChangeResult & { trades: number; realizedPnl: number }>;
  trades(viewer: Viewer, q: { portfolioId: string; symbol?: string; limit?: number }): Promise<TradeView[]>;
  cashFlows(viewer: Viewer, q: { portfolioId: string; limit?: number }): Promise<CashFlowView[]>;
  lots(viewer: Viewer, q: { portfolioId: string; symbol: string }): Promise<LotView[]>;
}

export interface LifecycleServiceDeps {
  knex: Knex;
  runs: Pick<RunControlService, 'requestRun'>;
  access: Access;
  logger: Logger;
  clock: () => Date;
}

/** A trade that passed validation. */
interface ValidTrade {
  row?: number;
  symbol: string;
  quantity: number;
  price: number;
  date: IsoDate;
  fees: number;
}

const hashOf = (kind: ChangeKind, body: unknown): string => createHash('sha256').update(JSON.stringify([kind, body])).digest('hex');

function checkKey(key: string | undefined, issues: FieldIssue[]): string | null {
  if (key === undefined) return null;
  const problem = unsafeTextProblem(key) ?? controlCharacterProblem(key);
  if (key.length < 1 || key.length > ONBOARD_LIMITS.maxIdempotencyKeyLength) issues.push({ field: 'idempotencyKey', message: `must be 1 to ${ONBOARD_LIMITS.maxIdempotencyKeyLength} characters` });
  else if (problem) issues.push({ field: 'idempotencyKey', message: problem });
  return key;
}

/** A non-negative money amount with at most 2 decimals, or a message. */
function checkMoney(v: unknown, max: number, allowZero: boolean): { ok: true; value: number } | { ok: false; message: string } {
  const r = parseNumber(v);
  if (!r.ok) return r;
  if (r.value < 0) return { ok: false, message: `must not be negative, got ${r.value}` };
  if (r.value === 0 && !allowZero) return { ok: false, message: 'must be positive' };
  if (r.value > max) return { ok: false, message: `${r.value} is too large; at most ${max}` };
  if (decimalDigits(String(v).replace(/[$,\s]/g, '')).decimals > 2) return { ok: false, message: `${String(v)} has more than 2 decimal places` };
  return { ok: true, value: r.value };
}

/** The date rule of every change: a date from the portfolio's first date up to today. */
function checkChangeDate(field: string, v: unknown, today: IsoDate, firstDate: IsoDate, issues: FieldIssue[], row?: number): IsoDate | undefined {
  const d = checkDate(v, today, ONBOARD_LIMITS.minEntryDate);
  if (!d.ok) {
    issues.push({ row, field, message: d.message });
    return undefined;
  }
  if (d.value < firstDate) {
    issues.push({ row, field, message: `${d.value} is before the portfolio's first date ${firstDate}` });
    return undefined;
  }
  return d.value;
}

/** Validates one trade (the onboarding rules for symbol, quantity and price, plus the change date and fees). */
function validateTrade(raw: { symbol: unknown; quantity: unknown; price: unknown; date: unknown; fees?: unknown }, today: IsoDate, firstDate: IsoDate, issues: FieldIssue[], row?: number): ValidTrade | undefined {
  const before = issues.length;
  const local: FieldIssue[] = [];
  // Dates are checked below against the portfolio's first date; the onboarding check covers the rest.
  const p = validatePosition({ symbol: raw.symbol, quantity: raw.quantity, entryPrice: raw.price, entryDate: today } as RawPosition, row ?? 0, today, local);
  const rename: Record<string, string> = { entryPrice: 'price' };
  for (const i of local) issues.push({ ...(row === undefined ? {} : { row }), field: rename[i.field] ?? i.field, message: i.message });
  const date = checkChangeDate('date', raw.date, today, firstDate, issues, row);
  let fees = 0;
  if (raw.fees !== undefined && raw.fees !== null && raw.fees !== '') {
    const f = checkMoney(raw.fees, LIFECYCLE_LIMITS.maxFees, true);
    if (!f.ok) issues.push({ ...(row === undefined ? {} : { row }), field: 'fees', message: f.message });
    else fees = f.value;
  }
  if (issues.length > before || !p || !date) return undefined;
  return { row, symbol: p.symbol, quantity: p.quantity, price: p.entryPrice, date, fees };
}

const stripRow = (issues: FieldIssue[]): FieldIssue[] => issues.map((i) => (i.row === undefined || i.row === 0 ? { field: i.field, message: i.message } : i));

export function createLifecycleService(deps: LifecycleServiceDeps): LifecycleService {
  const { knex, runs, access, logger, clock } = deps;
  const today = (): IsoDate => nyDateOf(clock().getTime());

  async function requestSettingsRun(portfolioId: string, requestedBy: string | null): Promise<string | null> {
    try {
      return (await runs.requestRun({ scope: 'portfolio', portfolioId, source: 'settings', requestedBy: requestedBy ?? undefined })).runId;
    } catch (err) {
      // The change is committed and its mark set: the nightly run recomputes from the mark.
      logger.error({ err, portfolioId }, 'requesting the settings run after a change failed');
      return null;
    }
  }

  /**
   * One change: replay on a known key, else one transaction under the portfolio lock that records
   * the change, applies it and sets the mark; then the settings run.
   */
  async function change<R extends Record<string, unknown>>(
    actor: Actor,
    portfolioId: string,
    kind: ChangeKind,
    key: string | null,
    body: unknown,
    apply: (trx: Db, p: { inceptionDate: IsoDate; userId: string; name: string }, changeId: string) => Promise<{ affectedFrom: IsoDate | null; result: R }>,
    opts: { run: boolean } = { run: true },
  ): Promise<R & ChangeResult> {
    await access.assertPortfolioVisible(actor, portfolioId);
    const hash = hashOf(kind, body);
    const replay = async (): Promise<(R & ChangeResult) | undefined> => {
      if (key === null) return undefined;
      const prior = await PortfolioChangeModel.findByKey(knex, portfolioId, key);
      if (!prior) return undefined;
      if (prior.requestHash !== hash) {
        throw new ConflictError(`Idempotency key ${JSON.stringify(key)} was already used for a different request on this portfolio; use a new key for a new request`);
      }
      const stored = prior.result as R & { affectedFrom: IsoDate | null };
      // Heals a first attempt that committed but failed before its run was requested.
      const marked = (await PortfolioModel.marks(knex, [portfolioId])).get(portfolioId);
      const runId = opts.run && marked?.recomputeFrom && !marked.deleted ? await requestSettingsRun(portfolioId, actor.requestedBy) : null;
      return { ...stored, runId, replayed: true };
    };
    const again = await replay();
    if (again) return again;

    const done = await knex.transaction(async (trx) => {
      await PortfolioModel.lockForWrite(trx, [portfolioId]);
      const p = await PortfolioModel.forChange(trx, portfolioId);
      if (!p) throw new NotFoundError('portfolio', portfolioId);
      const changeId = await PortfolioChangeModel.insertOne(trx, { portfolioId, kind, idempotencyKey: key, requestHash: hash, requestedBy: actor.requestedBy, affectedFrom: null });
      if (changeId === null) return null;
      const { affectedFrom, result } = await apply(trx, p, changeId);
      if (affectedFrom !== null) await PortfolioModel.markChanged(trx, portfolioId, affectedFrom);
      await PortfolioChangeModel.setResult(trx, changeId, { ...result, affectedFrom }, affectedFrom);
      return { affectedFrom, result };
    });
    if (done === null) {
      // A concurrent request with the same key committed first: answer as it did.
      const raced = await replay();
      if (raced) return raced;
      throw new ConflictError('A concurrent request with the same idempotency key is in progress; retry');
    }
    const runId = opts.run && done.affectedFrom !== null ? await requestSettingsRun(portfolioId, actor.requestedBy) : null;
    logger.info({ portfolioId, kind, affectedFrom: done.affectedFrom, runId }, 'portfolio changed');
    return { ...done.result, affectedFrom: done.affectedFrom, runId, replayed: false };
  }

  /** Applies one validated trade to the lots (FIFO); throws a ValidationError naming the field (and row). */
  async function applyTrade(trx: Db, portfolioId: string, changeId: string, t: ValidTrade, allowShort: boolean): Promise<{ tradeId: string; realizedPnl: number; lotsClosed: number; lotOpened: string | null }> {
    const lots = await PositionModel.openLotsOf(trx, portfolioId, t.symbol);
    const splits = (await StockSplitModel.bySymbols(trx, [t.symbol])).get(t.symbol) ?? [];
    const actions = { splits: splits.map((s) => ({ date: s.executionDate, from: s.from, to: s.to })), dividends: [] };
    const byId = new Map(lots.map((l) => [l.id, l]));
    const m = matchTrade(
      lots.map((l) => ({ id: l.id, quantity: l.quantity, entryPrice: l.entryPrice, entryDate: l.entryDate, splitFactor: splits.length ? sharesInForce(1, l.entryDate, t.date, actions) : 1 })),
      { quantity: t.quantity, price: t.price, date: t.date, allowShort },
    );
    if (!m.ok) throw new ValidationError([{ ...(t.row === undefined ? {} : { row: t.row }), field: 'quantity', message: m.message }], { summary: 'Trade rejected, nothing was written' });
    const { plan } = m;
    const tradeId = await TradeModel.insertOne(trx, portfolioId, changeId, { symbol: t.symbol, quantity: t.quantity, price: t.price, date: t.date, fees: t.fees, allowShort, realizedPnl: plan.realizedPnl });
    for (const c of plan.closed) await PositionModel.closeLot(trx, c.id, t.date, t.price, tradeId);
    if (plan.split) await PositionModel.splitLot(trx, portfolioId, byId.get(plan.split.id)!, plan.split.keep, plan.split.closedQuantity, t.date, t.price, tradeId);
    let lotOpened: string | null = null;
    if (plan.opened) {
      const investmentClass = lots[0]?.investmentClass ?? 'PUBLIC';
      lotOpened = await PositionModel.openLot(
        trx,
        portfolioId,
        { symbol: t.symbol, quantity: plan.opened.quantity, entryPrice: t.price, entryDate: t.date, exitDate: null, exitPrice: null, investmentClass },
        tradeId,
      );
      await SymbolModel.addNew(trx, [t.symbol], today());
    }
    return { tradeId, realizedPnl: plan.realizedPnl, lotsClosed: plan.closed.length + (plan.split ? 1 : 0), lotOpened };
  }

  /** Validates the fields a change needs before its transaction; the first date comes from the portfolio. */
  async function firstDateOf(viewer: Viewer, portfolioId: string): Promise<IsoDate> {
    await access.assertPortfolioVisible(viewer, portfolioId);
    const p = await PortfolioModel.forChange(knex, portfolioId);
    if (!p) throw new NotFoundError('portfolio', portfolioId);
    return p.inceptionDate;
  }

  return {
    async trade(actor, input) {
      const first = await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      const t = validateTrade(input, today(), first, issues);
      if (issues.length > 0 || !t) throw new ValidationError(stripRow(issues), { summary: 'Trade rejected, nothing was written' });
      const allowShort = input.allowShort === true;
      return change(actor, input.portfolioId, 'trade', key, { ...t, allowShort }, async (trx, _p, changeId) => ({
        affectedFrom: t.date,
        result: await applyTrade(trx, input.portfolioId, changeId, t, allowShort),
      }));
    },

    async cashFlow(actor, input) {
      const first = await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      if (input.type !== 'contribution' && input.type !== 'withdrawal') issues.push({ field: 'type', message: 'must be contribution or withdrawal' });
      const a = checkMoney(input.amount, LIFECYCLE_LIMITS.maxCashFlow, false);
      if (!a.ok) issues.push({ field: 'amount', message: `${a.message} (the type says whether money comes in or goes out)` });
      const date = checkChangeDate('date', input.date, today(), first, issues);
      const note = input.note ?? null;
      if (note !== null && note.length > LIFECYCLE_LIMITS.maxNoteLength) issues.push({ field: 'note', message: `at most ${LIFECYCLE_LIMITS.maxNoteLength} characters` });
      if (issues.length > 0 || !a.ok || !date) throw new ValidationError(issues, { summary: 'Cash flow rejected, nothing was written' });
      const amount = input.type === 'withdrawal' ? -a.value : a.value;
      return change(actor, input.portfolioId, 'cash_flow', key, { amount, date, note }, async (trx, _p, changeId) => ({
        affectedFrom: date,
        result: { cashFlowId: await CashFlowModel.insertOne(trx, input.portfolioId, changeId, { date, amount, note }) },
      }));
    },

    async updatePosition(actor, input) {
      const first = await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      const current = await PositionModel.findLive(knex, input.portfolioId, input.positionId);
      if (!current) throw new ValidationError([{ field: 'positionId', message: `no live position ${input.positionId} in this portfolio` }]);
      const merged: RawPosition = {
        symbol: current.symbol,
        quantity: input.quantity ?? current.quantity,
        entryPrice: input.entryPrice ?? current.entryPrice,
        entryDate: input.entryDate ?? current.entryDate,
        exitDate: input.exitDate === undefined ? current.exitDate : input.exitDate,
        exitPrice: input.exitPrice === undefined ? current.exitPrice : input.exitPrice,
        investmentClass: current.investmentClass,
      };
      const v = validatePosition(merged, 0, today(), issues);
      if (v && v.entryDate < first) issues.push({ field: 'entryDate', message: `${v.entryDate} is before the portfolio's first date ${first}` });
      if (issues.length > 0 || !v) throw new ValidationError(stripRow(issues), { summary: 'Position update rejected, nothing was written' });
      const affectedFrom = earliestDifference(current, v);
      return change(actor, input.portfolioId, 'position_update', key, { positionId: input.positionId, ...v, row: undefined }, async (trx) => {
        // Re-read under the lock: the position may have been closed or deleted meanwhile.
        const now = await PositionModel.findLive(trx, input.portfolioId, input.positionId);
        if (!now) throw new ValidationError([{ field: 'positionId', message: `no live position ${input.positionId} in this portfolio` }]);
        await PositionModel.correct(trx, input.positionId, v);
        return { affectedFrom: earliestDifference(now, v) ?? affectedFrom, result: { positionId: input.positionId } };
      });
    },

    async deletePosition(actor, input) {
      await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      if (issues.length > 0) throw new ValidationError(issues);
      return change(actor, input.portfolioId, 'position_delete', key, { positionId: input.positionId }, async (trx) => {
        const p = await PositionModel.findLive(trx, input.portfolioId, input.positionId);
        if (!p) throw new ValidationError([{ field: 'positionId', message: `no live position ${input.positionId} in this portfolio` }]);
        await PositionModel.softDelete(trx, p.id);
        return { affectedFrom: p.entryDate, result: { positionId: p.id } };
      });
    },

    async rename(actor, input) {
      await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      const problem = unsafeTextProblem(name) ?? controlCharacterProblem(name);
      if (name === '') issues.push({ field: 'name', message: 'is required' });
      else if (name.length > ONBOARD_LIMITS.maxNameLength) issues.push({ field: 'name', message: `at most ${ONBOARD_LIMITS.maxNameLength} characters` });
      else if (problem) issues.push({ field: 'name', message: problem });
      if (issues.length > 0) throw new ValidationError(issues);
      return change(
        actor,
        input.portfolioId,
        'rename',
        key,
        { name },
        async (trx) => {
          if ((await PortfolioModel.rename(trx, input.portfolioId, name)) === 'name') {
            throw new ConflictError(`A portfolio named ${JSON.stringify(name)} already exists for this user; choose another name`);
          }
          return { affectedFrom: null, result: { name } };
        },
        { run: false },
      );
    },

    async deletePortfolio(actor, input) {
      await access.assertPortfolioVisible(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      if (issues.length > 0) throw new ValidationError(issues);
      if (key !== null) {
        // A repeated delete is answered as the first one, although the portfolio is gone by now.
        const prior = await PortfolioChangeModel.findByKey(knex, input.portfolioId, key);
        if (prior && prior.kind === 'delete') return { deleted: true as const, affectedFrom: null, runId: null, replayed: true };
      }
      return change(
        actor,
        input.portfolioId,
        'delete',
        key,
        {},
        async (trx) => {
          await PortfolioModel.softDelete(trx, input.portfolioId);
          return { affectedFrom: null, result: { deleted: true as const } };
        },
        { run: false },
      );
    },

    async importTrades(actor, input) {
      const first = await firstDateOf(actor, input.portfolioId);
      const issues: FieldIssue[] = [];
      const key = checkKey(input.idempotencyKey, issues);
      const trades = parseTradesCsv(input.csv, today(), first, issues);
      if (issues.length > 0) throw new ValidationError(issues, { summary: 'Trade import rejected, nothing was written' });
      const allowShort = input.allowShort === true;
      // Applied in date order (rows of one date in file order), each against the lots the earlier ones left.
      const ordered = trades.map((t, i) => ({ t, i })).sort((a, b) => (a.t.date < b.t.date ? -1 : a.t.date > b.t.date ? 1 : a.i - b.i)).map((x) => x.t);
      return change(actor, input.portfolioId, 'import_trades', key, { trades: ordered.map((t) => ({ ...t, row: undefined })), allowShort }, async (trx, _p, changeId) => {
        let realized = 0;
        const rowIssues: FieldIssue[] = [];
        for (const t of ordered) {
          try {
            realized += (await applyTrade(trx, input.portfolioId, changeId, t, allowShort)).realizedPnl;
          } catch (err) {
            if (!(err instanceof ValidationError)) throw err;
            rowIssues.push(...err.issues);
            // Nothing is written when a row fails: stop, the transaction rolls back.
            break;
          }
        }
        if (rowIssues.length > 0) throw new ValidationError(rowIssues, { summary: 'Trade import rejected, nothing was written' });
        return { affectedFrom: ordered[0]?.date ?? null, result: { trades: ordered.length, realizedPnl: Math.round(realized * 100) / 100 } };
      });
    },

    async trades(viewer, q) {
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      return TradeModel.ofPortfolio(knex, q.portfolioId, { symbol: q.symbol, limit: Math.min(q.limit ?? LIFECYCLE_LIMITS.maxListRows, LIFECYCLE_LIMITS.maxListRows) });
    },

    async cashFlows(viewer, q) {
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      return CashFlowModel.ofPortfolio(knex, q.portfolioId, Math.min(q.limit ?? LIFECYCLE_LIMITS.maxListRows, LIFECYCLE_LIMITS.maxListRows));
    },

    async lots(viewer, q) {
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const symbol = typeof q.symbol === 'string' ? asciiUpper(q.symbol.trim()) : '';
      if (!SYMBOL_PATTERN.test(symbol)) throw new ValidationError([{ field: 'symbol', message: `${JSON.stringify(q.symbol.slice(0, 40))} is not a ticker` }]);
      return PositionModel.lotsOf(knex, q.portfolioId, symbol);
    },
  };
}

/** The earliest date from which a corrected position contributes differently, or null when nothing changed. */
function earliestDifference(before: StoredPosition, after: Omit<StoredPosition, 'id'>): IsoDate | null {
  const min = (a: IsoDate | null, b: IsoDate | null): IsoDate | null => (a === null ? b : b === null ? a : a < b ? a : b);
  if (before.quantity !== after.quantity || before.entryPrice !== after.entryPrice || before.entryDate !== after.entryDate) return min(before.entryDate, after.entryDate);
  if (before.exitDate !== after.exitDate || before.exitPrice !== after.exitPrice) return min(before.exitDate, after.exitDate);
  return null;
}

/** Columns of the trades CSV: Date,Symbol,Quantity,Price[,Fees]. */
export const TRADES_CSV_HEADER = 'Date,Symbol,Quantity,Price,Fees';

/** Parses and validates a trades CSV row by row; every problem names its line and column. */
export function parseTradesCsv(csv: string, today: IsoDate, firstDate: IsoDate, issues: FieldIssue[]): ValidTrade[] {
  if (typeof csv !== 'string' || csv.trim() === '') {
    issues.push({ field: 'csv', message: `is required: a header ${TRADES_CSV_HEADER} (Fees optional) and one trade per line` });
    return [];
  }
  const { records, issues: parseIssues } = parseCsvRecords(csv);
  issues.push(...parseIssues);
  const [header, ...rows] = records;
  if (!header) {
    issues.push({ field: 'csv', message: 'has no header line' });
    return [];
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const want = ['date', 'symbol', 'quantity', 'price'];
  if (names.length < 4 || names.length > 5 || want.some((w, i) => names[i] !== w) || (names.length === 5 && names[4] !== 'fees')) {
    issues.push({ row: header.line, field: 'header', message: `must be ${TRADES_CSV_HEADER} (Fees optional), got ${JSON.stringify(header.fields.join(',').slice(0, 80))}` });
    return [];
  }
  if (rows.length === 0) issues.push({ field: 'csv', message: 'has no trades below the header' });
  if (rows.length > LIFECYCLE_LIMITS.maxImportRows) {
    issues.push({ field: 'csv', message: `has ${rows.length} trades; at most ${LIFECYCLE_LIMITS.maxImportRows} are accepted per import` });
    return [];
  }
  const column: Record<string, string> = { date: 'Date', symbol: 'Symbol', quantity: 'Quantity', price: 'Price', fees: 'Fees' };
  const out: ValidTrade[] = [];
  for (const r of rows) {
    if (r.fields.length !== names.length) {
      issues.push({ row: r.line, field: 'csv', message: `has ${r.fields.length} fields; the header has ${names.length}` });
      continue;
    }
    const [date, symbol, quantity, price, fees] = r.fields;
    const local: FieldIssue[] = [];
    const t = validateTrade({ date, symbol, quantity, price, fees }, today, firstDate, local, r.line);
    for (const i of local) issues.push({ row: r.line, field: column[i.field] ?? i.field, message: i.message });
    if (t) out.push(t);
  }
  return out;
}
