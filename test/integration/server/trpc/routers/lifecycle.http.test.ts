/**
 * The lifecycle procedures end to end over HTTP with the SDK, a worker and the Polygon simulator:
 * every change is recomputed by a settings run from its date only, earlier snapshots stay exactly
 * as they were, bad input names its field and writes nothing, idempotency keys replay or conflict.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, describeError, waitForRun, type PortfolioBatchClient } from '../../../../../client-sdk/index.js';
import { addTradingDays, tradingDaysBetween } from '../../../../../jobs/calc/trading-calendar.js';
import { runCli } from '../../../../../client-sdk/cli.js';
import { createApiServer, type ApiServer } from '../../../../../server/main.js';
import { sink } from '../../../../helpers/cli.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../../../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'XOM', 'JNJ', 'PG', 'KO', 'PEP', 'WMT', 'DIS', 'NFLX', 'INTC', 'CSCO', 'ORCL'];
const INCEPTION = addTradingDays(TEST_TARGET, -230);
const back = (n: number): string => addTradingDays(TEST_TARGET, -n);

let stack: TestStack;
let api: ApiServer;
let admin: PortfolioBatchClient;
let ada: PortfolioBatchClient;
let bob: PortfolioBatchClient;
let knex: Knex;
let portfolioId = '';
let otherId = '';
let adaToken = '';

async function failure(p: Promise<unknown>): Promise<ReturnType<typeof describeError>> {
  try {
    await p;
  } catch (err) {
    return describeError(err);
  }
  throw new Error('expected the call to fail');
}

/** Every stored column of a portfolio's snapshots, by date (updated_at and run_id included: untouched rows keep them). */
async function snapshotRows(id: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = (await knex.raw<{ rows: Record<string, unknown>[] }>(`SELECT * FROM portfolio_snapshots WHERE portfolio_id = ? ORDER BY snapshot_date`, [id])).rows;
  return new Map(rows.map((r) => [r.snapshot_date as string, r]));
}

const counts = async (): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const t of ['trades', 'cash_flows', 'portfolio_changes', 'positions']) out[t] = Number(((await knex(t).count('* as n')) as { n: string }[])[0]!.n);
  return out;
};

async function settle(runId: string | null): Promise<void> {
  expect(runId).not.toBeNull();
  const final = await waitForRun(ada, runId!, { intervalMs: 100, timeoutMs: 120_000 });
  expect(final.status).toBe('completed');
}

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '10000' } });
  knex = stack.container.knex;
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  admin = createClient({ url: api.url, token: ADMIN });
  adaToken = (await admin.user.create.mutate({ email: 'ada@example.com' })).token;
  ada = createClient({ url: api.url, token: adaToken });
  bob = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'bob@example.com' })).token });
  const positions = SYMBOLS.map((symbol, i) => ({ symbol, quantity: 10 + i, entryPrice: 100, entryDate: addTradingDays(INCEPTION, i) }));
  const res = await ada.portfolio.onboard.mutate({ name: 'Twenty', equityBalance: 1_000_000, positions, idempotencyKey: 'onboard-20' });
  portfolioId = res.portfolioId;
  await settle(res.runId);
}, 300_000);

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

describe('a change 200 trading days back on a 20-position portfolio', () => {
  it('rewrites only the snapshots from its date, leaving every earlier row identical', async () => {
    const before = await snapshotRows(portfolioId);
    expect(before.size).toBe(tradingDaysBetween(INCEPTION, TEST_TARGET).length);
    const date = back(200);
    const res = await ada.portfolio.cashFlow.mutate({ portfolioId, type: 'contribution', amount: 50_000, date, idempotencyKey: 'flow-200' });
    expect(res).toMatchObject({ affectedFrom: date, replayed: false });
    const run = await waitForRun(ada, res.runId!, { intervalMs: 100, timeoutMs: 120_000 });
    expect(run).toMatchObject({ status: 'completed', source: 'settings', scope: 'portfolio' });

    const after = await snapshotRows(portfolioId);
    const expected = tradingDaysBetween(date, TEST_TARGET);
    expect(run.counters.snapshotsWritten).toBe(expected.length);
    let unchanged = 0;
    for (const [d, row] of before) {
      if (d < date) {
        expect(after.get(d)).toEqual(row);
        unchanged++;
      } else {
        expect(after.get(d)!.run_id).toBe(res.runId);
      }
    }
    expect(unchanged).toBe(before.size - expected.length);
    // The flow is in the equity from its date on, not in the P&L or the return.
    const day = after.get(date)!;
    expect(Number(day.daily_capital_flow)).toBe(50_000);
    expect(Number(day.total_value)).toBeCloseTo(Number(before.get(back(201))!.total_value) + Number(day.daily_pnl) + 50_000, 2);
    expect(Number(day.daily_return)).toBeCloseTo(Number(day.daily_pnl) / Number(before.get(back(201))!.total_value), 8);
    const mark = (await knex('portfolios').where({ id: portfolioId }).first('recompute_from')) as { recompute_from: string | null };
    expect(mark.recompute_from).toBeNull();
  }, 180_000);

  it('an edit dated at the target rewrites that one snapshot', async () => {
    const res = await ada.portfolio.cashFlow.mutate({ portfolioId, type: 'withdrawal', amount: 1_000, date: TEST_TARGET, note: 'fees paid out' });
    const run = await waitForRun(ada, res.runId!, { intervalMs: 100, timeoutMs: 120_000 });
    expect(run.counters.snapshotsWritten).toBe(1);
    const flows = await ada.portfolio.cashFlows.query({ portfolioId });
    expect(flows.map((f) => [f.date, f.amount])).toEqual([
      [back(200), 50_000],
      [TEST_TARGET, -1_000],
    ]);
  }, 180_000);
});

describe('trades', () => {
  it('a partial sell splits the oldest lot (FIFO), books realized P&L and recomputes from its date', async () => {
    const date = back(100);
    const res = await ada.portfolio.trade.mutate({ portfolioId, symbol: 'aapl', quantity: -4, price: 150, date, fees: 2.5, idempotencyKey: 'sell-aapl' });
    // 4 of the 10 AAPL bought at 100: realized 4 × (150 − 100) = 200.
    expect(res).toMatchObject({ realizedPnl: 200, lotsClosed: 1, lotOpened: null, affectedFrom: date });
    await settle(res.runId);
    const lots = await ada.position.lots.query({ portfolioId, symbol: 'AAPL' });
    expect(lots.map((l) => [l.quantity, l.exitDate, l.exitPrice, l.realizedPnl])).toEqual([
      [6, null, null, null],
      [4, date, 150, 200],
    ]);
    const snap = (await ada.portfolio.snapshots.query({ portfolioId, from: date, to: date })).snapshots[0]!;
    expect(snap).toMatchObject({ dailyRealizedPnl: 200, dailyFees: 2.5 });
    const trades = await ada.portfolio.trades.query({ portfolioId });
    expect(trades.map((t) => [t.symbol, t.quantity, t.price, t.date, t.fees, t.realizedPnl])).toEqual([['AAPL', -4, 150, date, 2.5, 200]]);
  }, 180_000);

  it('a buy opens a lot, a short needs the flag', async () => {
    const open = await ada.portfolio.trade.mutate({ portfolioId, symbol: 'IBM', quantity: 5, price: 200, date: back(50) });
    expect(open.lotOpened).not.toBeNull();
    const refused = await failure(ada.portfolio.trade.mutate({ portfolioId, symbol: 'IBM', quantity: -8, price: 210, date: back(20) }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.issues).toEqual([{ field: 'quantity', message: expect.stringMatching(/sells 8 shares but only 5 are held on .*allowShort/) as string }]);
    const short = await ada.portfolio.trade.mutate({ portfolioId, symbol: 'IBM', quantity: -8, price: 210, date: back(20), allowShort: true });
    expect(short).toMatchObject({ realizedPnl: 50, lotsClosed: 1 });
    expect((await ada.position.lots.query({ portfolioId, symbol: 'IBM' })).map((l) => [l.quantity, l.exitDate])).toEqual([
      [5, back(20)],
      [-3, null],
    ]);
    await settle(short.runId);
  }, 180_000);

  it('imports a trades CSV all or nothing, naming each bad row', async () => {
    const bad = ['Date,Symbol,Quantity,Price,Fees', `${back(30)},KO,0,50,1`, `2099-01-02,KO,5,50,`, `${back(400)},KO,5,-1,`, `${back(30)},KO,5,50,-3`].join('\n');
    const before = await counts();
    const err = await failure(ada.portfolio.importTrades.mutate({ portfolioId, csv: bad }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 2, field: 'Quantity' }),
        expect.objectContaining({ row: 3, field: 'Date', message: expect.stringContaining('in the future') as string }),
        expect.objectContaining({ row: 4, field: 'Date', message: expect.stringContaining("before the portfolio's first date") as string }),
        expect.objectContaining({ row: 4, field: 'Price' }),
        expect.objectContaining({ row: 5, field: 'Fees', message: expect.stringContaining('negative') as string }),
      ]),
    );
    // A row that oversells fails the whole import.
    const oversell = ['Date,Symbol,Quantity,Price', `${back(30)},KO,5,50`, `${back(25)},KO,-100,55`].join('\n');
    expect((await failure(ada.portfolio.importTrades.mutate({ portfolioId, csv: oversell }))).issues).toEqual([expect.objectContaining({ row: 3, field: 'quantity' })]);
    expect(await counts()).toEqual(before);

    const good = ['Date,Symbol,Quantity,Price,Fees', `${back(10)},KO,-5,70,1`, `${back(30)},KO,5,60,1`].join('\n');
    const res = await ada.portfolio.importTrades.mutate({ portfolioId, csv: good, idempotencyKey: 'import-1' });
    // Applied in date order: the buy on back(30) opens a lot, the sell on back(10) closes the oldest KO lot (onboarded at 100).
    expect(res).toMatchObject({ trades: 2, affectedFrom: back(30), realizedPnl: -150 });
    await settle(res.runId);
  }, 180_000);
});

describe('corrections, idempotency and bad input', () => {
  it('replays a repeated key, refuses the same key with another body', async () => {
    const before = await counts();
    const again = await ada.portfolio.cashFlow.mutate({ portfolioId, type: 'contribution', amount: 50_000, date: back(200), idempotencyKey: 'flow-200' });
    expect(again).toMatchObject({ replayed: true, affectedFrom: back(200) });
    expect(await counts()).toEqual(before);
    const other = await failure(ada.portfolio.cashFlow.mutate({ portfolioId, type: 'contribution', amount: 60_000, date: back(200), idempotencyKey: 'flow-200' }));
    expect(other.code).toBe('CONFLICT');
  });

  it('names the field of every bad input and writes nothing', async () => {
    const before = await counts();
    const cases: [Promise<unknown>, string, RegExp][] = [
      [ada.portfolio.trade.mutate({ portfolioId, symbol: 'AAPL', quantity: 0, price: 1, date: back(5) }), 'quantity', /must not be 0/],
      [ada.portfolio.trade.mutate({ portfolioId, symbol: 'AAPL', quantity: 1, price: 1, date: '2099-01-02' }), 'date', /in the future/],
      [ada.portfolio.trade.mutate({ portfolioId, symbol: 'AAPL', quantity: 1, price: 1, date: back(300) }), 'date', /before the portfolio's first date/],
      [ada.portfolio.cashFlow.mutate({ portfolioId, type: 'withdrawal', amount: -5, date: back(5) }), 'amount', /must not be negative/],
      [ada.position.update.mutate({ portfolioId, positionId: '00000000-0000-4000-8000-000000000000', quantity: 3 }), 'positionId', /no live position/],
      [ada.position.delete.mutate({ portfolioId, positionId: '00000000-0000-4000-8000-000000000000' }), 'positionId', /no live position/],
      [ada.portfolio.rename.mutate({ portfolioId, name: '  ' }), 'name', /is required/],
    ];
    for (const [call, field, message] of cases) {
      const e = await failure(call);
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.issues).toEqual([{ field, message: expect.stringMatching(message) as string }]);
      expect(e.message).not.toMatch(/SQL|select|insert|at .*\.ts/i);
    }
    expect(await counts()).toEqual(before);
  });

  it('another user sees none of it', async () => {
    expect((await failure(bob.portfolio.trade.mutate({ portfolioId, symbol: 'AAPL', quantity: 1, price: 1, date: back(5) }))).code).toBe('NOT_FOUND');
    expect((await failure(bob.position.lots.query({ portfolioId, symbol: 'AAPL' }))).code).toBe('NOT_FOUND');
  });

  it('position.update and position.delete recompute from the earliest date they touch', async () => {
    const detail = await ada.portfolio.get.query({ portfolioId });
    const msft = detail.positions.find((p) => p.symbol === 'MSFT')!;
    const upd = await ada.position.update.mutate({ portfolioId, positionId: msft.id, exitDate: back(15), exitPrice: 120, idempotencyKey: 'exit-msft' });
    expect(upd).toMatchObject({ affectedFrom: back(15), positionId: msft.id });
    await settle(upd.runId);
    const nvda = detail.positions.find((p) => p.symbol === 'NVDA')!;
    const del = await ada.position.delete.mutate({ portfolioId, positionId: nvda.id });
    expect(del.affectedFrom).toBe(nvda.entryDate);
    await settle(del.runId);
    expect((await ada.portfolio.get.query({ portfolioId })).positions.some((p) => p.id === nvda.id)).toBe(false);
  }, 180_000);

  it('keeps the accounting identities on every day after every kind of change', async () => {
    const snaps = (await ada.portfolio.snapshots.query({ portfolioId })).snapshots;
    let prev: (typeof snaps)[number] | undefined;
    let twr = 0;
    for (const s of snaps) {
      const equityBefore = prev?.totalValue ?? 1_000_000;
      expect(s.totalValue).toBeCloseTo(equityBefore + s.dailyPnl + (s.dailyCapitalFlow ?? 0), 2);
      expect(s.dailyReturn).toBeCloseTo(s.dailyPnl / equityBefore, 8);
      twr = (1 + twr) * (1 + s.dailyReturn) - 1;
      expect(s.cumulativeTwr).toBeCloseTo(twr, 7);
      expect(s.totalValue).toBeCloseTo(1_000_000 + s.cumulativePnl + (s.cumulativeCapitalFlow ?? 0), 2);
      expect(s.cumulativeRealizedPnl).toBeCloseTo((prev?.cumulativeRealizedPnl ?? 0) + (s.dailyRealizedPnl ?? 0), 2);
      expect(s.cumulativeFees).toBeCloseTo((prev?.cumulativeFees ?? 0) + (s.dailyFees ?? 0), 2);
      prev = s;
    }
    expect(prev!.cumulativeCapitalFlow).toBe(49_000);
    expect(prev!.cumulativeFees).toBe(4.5);
  });
});

describe('rename and delete', () => {
  it('renames, refusing a name the owner already uses', async () => {
    const other = await ada.portfolio.onboard.mutate({ name: 'Other', equityBalance: 1_000, positions: [{ symbol: 'KO', quantity: 1, entryPrice: 60, entryDate: back(5) }] });
    otherId = other.portfolioId;
    await settle(other.runId);
    expect((await failure(ada.portfolio.rename.mutate({ portfolioId, name: 'Other' }))).code).toBe('CONFLICT');
    expect(await ada.portfolio.rename.mutate({ portfolioId, name: 'Renamed' })).toMatchObject({ name: 'Renamed', runId: null });
    expect((await ada.portfolio.get.query({ portfolioId })).portfolio.name).toBe('Renamed');
  });

  it('a deleted portfolio leaves runs at once and keeps its history', async () => {
    const snapshotsBefore = (await snapshotRows(portfolioId)).size;
    expect(await ada.portfolio.delete.mutate({ portfolioId, idempotencyKey: 'del' })).toMatchObject({ deleted: true });
    expect(await ada.portfolio.delete.mutate({ portfolioId, idempotencyKey: 'del' })).toMatchObject({ deleted: true, replayed: true });
    expect((await ada.portfolio.list.query()).map((p) => p.id)).not.toContain(portfolioId);
    expect((await failure(ada.portfolio.trade.mutate({ portfolioId, symbol: 'AAPL', quantity: 1, price: 1, date: back(5) }))).code).toBe('NOT_FOUND');
    expect((await failure(ada.batch.run.mutate({ portfolioId }))).code).toBe('NOT_FOUND');
    // A forced run over everything recomputes the other portfolio only.
    const all = await admin.batch.run.mutate({ force: true });
    const run = await waitForRun(admin, all.runId, { intervalMs: 100, timeoutMs: 120_000 });
    expect(run.counters.portfolios).toBe(1);
    expect((await snapshotRows(portfolioId)).size).toBe(snapshotsBefore);
  }, 180_000);
});

describe('the CLI commands over HTTP', () => {
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out = sink();
    const err = sink();
    const code = await runCli(argv, { stdout: out.stream, stderr: err.stream, url: api.url, token: adaToken });
    return { code, out: out.text(), err: err.text() };
  }

  it('trade, cash, positions, import-trades and portfolio delete', async () => {
    const trade = await cli('trade', otherId, 'KO', '3', '61', '--date', back(3), '--fees', '1', '--idempotency-key', 'cli-trade', '--wait', '--json');
    expect(trade.code).toBe(0);
    expect(JSON.parse(trade.out.split('\n')[0]!)).toMatchObject({ lotsClosed: 0, affectedFrom: back(3), replayed: false });
    const refused = await cli('trade', otherId, 'KO', '-50', '61', '--date', back(2));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/field quantity: sells 50 shares but only 4 are held/);

    const cash = await cli('cash', otherId, 'contribution', '250', '--date', back(2), '--note', 'top-up');
    expect(cash).toMatchObject({ code: 0, out: expect.stringMatching(/^contribution .* recorded; recomputing from/) as string });

    const dir = mkdtempSync(join(tmpdir(), 'trades-'));
    const file = join(dir, 'trades.csv');
    writeFileSync(file, `Date,Symbol,Quantity,Price\n${back(1)},KO,-2,62\n`);
    const imported = await cli('import-trades', file, '--portfolio', otherId, '--wait');
    expect(imported.code).toBe(0);
    // FIFO: the lot of 1 @ 60 (realized 2), then 1 of the 3 @ 61 (realized 1).
    expect(imported.out).toMatch(/1 trades imported, realized 3;/);

    const positions = await cli('positions', otherId);
    expect(positions.out.trim().split('\n')).toHaveLength(3);
    const lots = await cli('positions', otherId, '--symbol', 'KO', '--json');
    expect((JSON.parse(lots.out) as { quantity: number; exitDate: string | null }[]).map((l) => [l.quantity, l.exitDate])).toEqual([
      [1, back(1)],
      [2, null],
      [1, back(1)],
    ]);

    const del = await cli('portfolio', 'delete', otherId);
    expect(del).toMatchObject({ code: 0, out: expect.stringContaining('deleted') as string });
    expect((await cli('positions', otherId)).code).toBe(5);
  }, 120_000);
});
