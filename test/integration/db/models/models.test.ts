import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTORS } from '../../../../jobs/calc/factors.js';
import { arrayLiteral } from '../../../../db/models/base.model.js';
import { FactorDefinitionModel } from '../../../../db/models/factor-definition.model.js';
import { PortfolioFactorExposureModel } from '../../../../db/models/portfolio-factor-exposure.model.js';
import { PortfolioSnapshotModel } from '../../../../db/models/portfolio-snapshot.model.js';
import { PortfolioModel } from '../../../../db/models/portfolio.model.js';
import { PositionFactorExposureModel } from '../../../../db/models/position-factor-exposure.model.js';
import { PositionModel } from '../../../../db/models/position.model.js';
import { RunChunkModel } from '../../../../db/models/run-chunk.model.js';
import { RunModel } from '../../../../db/models/run.model.js';
import { SymbolModel } from '../../../../db/models/symbol.model.js';
import { UserModel } from '../../../../db/models/user.model.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';

const snapshot = (portfolioId: string, date: string, totalValue: number) => ({
  portfolioId,
  date,
  totalValue,
  cashValue: totalValue - 500,
  longValue: 600,
  shortValue: -100,
  grossExposure: 700,
  netExposure: 500,
  dailyPnl: 5,
  dailyReturn: 0.005,
  cumulativePnl: 5,
  dailyDividendPnl: 0,
  cumulativeDividendPnl: 0,
  numPositions: 2,
  numLong: 1,
  numShort: 1,
  betaMarket: 1.1,
  betaMarketCoverage: 1,
  maxStaleDays: 0,
  realizedVolatility21d: null,
  realizedVolatility63d: null,
  isComplete: true,
  warnings: [{ code: 'stale_price', message: 'x' }],
  runId: null,
});

describe('models', () => {
  let db: TestDatabase;
  let portfolioId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const user = await UserModel.insertIfNew(db.knex, 'graph@example.com');
    const inserted = await PortfolioModel.insertOne(db.knex, {
      userId: user!.id,
      name: 'Graph',
      currency: 'USD',
      equityBalance: 50_000,
      inceptionDate: '2024-02-01',
      idempotencyKey: null,
      requestHash: null,
    });
    if (!('id' in inserted)) throw new Error('portfolio not inserted');
    portfolioId = inserted.id;
    await SymbolModel.addNew(db.knex, ['SPY', 'AAPL'], '2024-02-01');
    await PositionModel.insertMany(db.knex, portfolioId, [
      { symbol: 'SPY', quantity: 3, entryPrice: 490, entryDate: '2024-02-01', exitDate: null, exitPrice: null, investmentClass: 'PUBLIC' },
      { symbol: 'AAPL', quantity: -2, entryPrice: 180, entryDate: '2024-02-02', exitDate: '2024-03-01', exitPrice: 170, investmentClass: 'PUBLIC' },
    ]);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('the factor_definitions seed is exactly the factors jobs/calc defines', async () => {
    const rows = await FactorDefinitionModel.query(db.knex).orderBy('display_order');
    expect(rows.map((r) => [r.name, r.factor_type, r.method, r.etf_proxy, r.display_order])).toEqual(
      FACTORS.map((f) => [f.name, f.factorType, f.method, f.etfProxy, f.displayOrder]),
    );
  });

  it('loads a portfolio graph through its relations', async () => {
    const loaded = await PortfolioModel.query(db.knex).findById(portfolioId).withGraphFetched('[owner, positions(ordered).instrument]').modifiers({
      ordered: (q) => void q.orderBy('entry_date'),
    });
    expect(loaded?.owner?.email).toBe('graph@example.com');
    expect(loaded?.positions?.map((p) => [p.symbol, p.quantity, p.instrument?.asset_type])).toEqual([
      ['SPY', 3, 'factor_etf'],
      ['AAPL', -2, 'unknown'],
    ]);
  });

  it('reads live positions for a run and for the API (with the price status of their symbols)', async () => {
    await SymbolModel.setPriceStatus(db.knex, [{ symbol: 'AAPL', status: 'unavailable', reason: 'no bars' }]);
    const held = (await PositionModel.liveOf(db.knex, [portfolioId])).get(portfolioId)!;
    expect(held.map((p) => [p.symbol, p.portfolioId, p.exitPrice])).toEqual([
      ['SPY', portfolioId, null],
      ['AAPL', portfolioId, 170],
    ]);
    const views = await PositionModel.withPriceStatus(db.knex, portfolioId);
    expect(views.map((p) => [p.symbol, p.priceStatus, p.unavailableReason])).toEqual([
      ['SPY', 'pending', null],
      ['AAPL', 'unavailable', 'no bars'],
    ]);
    expect(await PortfolioModel.inScope(db.knex, portfolioId)).toEqual([{ id: portfolioId, equityBalance: 50_000, inception: '2024-02-01' }]);
  });

  it('bulk upserts on the natural key: a second write updates, nothing is duplicated', async () => {
    expect(await PortfolioSnapshotModel.upsertMany(db.knex, [snapshot(portfolioId, '2024-02-01', 1000), snapshot(portfolioId, '2024-02-02', 1005)])).toBe(2);
    expect(await PortfolioSnapshotModel.upsertMany(db.knex, [snapshot(portfolioId, '2024-02-02', 1010)])).toBe(1);
    const page = await PortfolioSnapshotModel.page(db.knex, { portfolioId, limit: 10 });
    expect(page.map((s) => [s.date, s.totalValue, s.isComplete])).toEqual([
      ['2024-02-01', 1000, true],
      ['2024-02-02', 1010, true],
    ]);
    expect(page[0]!.warnings).toEqual([{ code: 'stale_price', message: 'x' }]);
    const summary = await PortfolioModel.summary(db.knex, portfolioId);
    expect(summary).toMatchObject({ positionCount: 2, lastSnapshotDate: '2024-02-02', lastCompleteSnapshotDate: '2024-02-02' });
    expect(await PortfolioSnapshotModel.coverage(db.knex, [{ id: portfolioId, inception: '2024-02-01' }])).toEqual(
      new Map([[portfolioId, { completeCount: 2, lastComplete: '2024-02-02' }]]),
    );
  });

  it('bulk arrays reach PostgreSQL value for value: quotes, backslashes, braces, a text NULL, numbers in exponent form, JSON', async () => {
    const texts = ['plain', 'with "quotes"', 'back\\slash', '{braces},comma', 'NULL', '', ' spaced ', 'ünïcode ✓', null];
    const numbers = [1.5, -0.25, 1e-7, 1e21, 0, -3, 123456789.123456, null];
    const json = [{ code: 'x', message: 'a "quoted" \\ message' }, ['a', 1, null], 'text', 42, null];
    const { rows: t } = (await db.knex.raw('SELECT unnest(?::text[]) AS v', [arrayLiteral(texts, 'text')])) as { rows: { v: string | null }[] };
    expect(t.map((r) => r.v)).toEqual(texts);
    const { rows: n } = (await db.knex.raw('SELECT unnest(?::float8[]) AS v', [arrayLiteral(numbers, 'float8')])) as { rows: { v: number | null }[] };
    expect(n.map((r) => r.v)).toEqual(numbers);
    const { rows: m } = (await db.knex.raw('SELECT unnest(?::numeric[])::text AS v', [arrayLiteral([1e-7, 2.5, null], 'numeric')])) as { rows: { v: string | null }[] };
    expect(m.map((r) => (r.v === null ? null : Number(r.v)))).toEqual([1e-7, 2.5, null]);
    const { rows: j } = (await db.knex.raw('SELECT unnest(?::jsonb[]) AS v', [arrayLiteral(json, 'jsonb')])) as { rows: { v: unknown }[] };
    expect(j.map((r) => r.v)).toEqual(json);
    const { rows: b } = (await db.knex.raw('SELECT unnest(?::bool[]) AS v, unnest(?::date[])::text AS d', [arrayLiteral([true, false, null], 'bool'), arrayLiteral(['2024-02-01', null, '2024-02-29'], 'date')])) as {
      rows: { v: boolean | null; d: string | null }[];
    };
    expect(b).toEqual([
      { v: true, d: '2024-02-01' },
      { v: false, d: null },
      { v: null, d: '2024-02-29' },
    ]);
    expect(() => arrayLiteral([Number.NaN], 'numeric')).toThrow(/non-finite/);
  });

  it('reads exposures of a date through the factor and position relations, in display order', async () => {
    const ids = await FactorDefinitionModel.idsByName(db.knex);
    const spy = (await PositionModel.liveOf(db.knex, [portfolioId])).get(portfolioId)![0]!;
    await PositionFactorExposureModel.upsertMany(db.knex, [
      { positionId: spy.id, factorId: ids.get('IR Beta')!, date: '2024-02-02', betaValue: -0.2, exposureDollar: -300 },
      { positionId: spy.id, factorId: ids.get('Market Beta')!, date: '2024-02-02', betaValue: 1, exposureDollar: 1500 },
    ]);
    await PortfolioFactorExposureModel.upsertMany(db.knex, [
      { portfolioId, factorId: ids.get('Market Beta')!, date: '2024-02-02', exposureValue: 0.03, exposureDollar: 1500, coverage: 0.75 },
    ]);
    expect(await PositionFactorExposureModel.ofPortfolioOn(db.knex, portfolioId, '2024-02-02')).toEqual([
      { positionId: spy.id, symbol: 'SPY', quantity: 3, factorId: 1, factorName: 'Market Beta', betaValue: 1, exposureDollar: 1500 },
      { positionId: spy.id, symbol: 'SPY', quantity: 3, factorId: 2, factorName: 'IR Beta', betaValue: -0.2, exposureDollar: -300 },
    ]);
    expect(await PortfolioFactorExposureModel.latestDate(db.knex, portfolioId)).toBe('2024-02-02');
    await PositionFactorExposureModel.deleteFrom(db.knex, [{ portfolioId, from: '2024-02-02' }]);
    expect(await PositionFactorExposureModel.ofPortfolioOn(db.knex, portfolioId, '2024-02-02')).toEqual([]);
  });

  it('keeps a run and its chunks: one active run per scope, chunks written once, progress mirrored on the run', async () => {
    const newRun = { scope: 'all' as const, portfolioId: null, source: 'admin' as const, requestedBy: null, requestedFrom: null, requestedTo: '2024-02-02', force: false };
    const runId = await RunModel.insertIfNoneActive(db.knex, newRun);
    expect(runId).not.toBeNull();
    expect(await RunModel.insertIfNoneActive(db.knex, newRun)).toBeNull();
    expect(await RunModel.activeIdFor(db.knex, 'all')).toBe(runId);
    const running = await RunModel.markRunning(db.knex, runId!, 'picked up');
    expect(running).toMatchObject({ status: 'running', attempts: 1 });
    expect(running?.activity_log.map((a) => a.message)).toEqual(['queued by admin', 'picked up']);
    const doc = { phases: { portfolio_analytics: { status: 'running' as const, current: 0, total: 2, unit: 'portfolios', startedAt: null, durationMs: null } }, counters: {}, progress: {}, warnings: [], activityLog: [] };
    expect(await RunModel.saveDocument(db.knex, runId!, doc)).toBe(true);
    await RunChunkModel.insertMany(db.knex, runId!, [['00000000-0000-4000-8000-000000000001'], ['00000000-0000-4000-8000-000000000002']]);
    await RunChunkModel.insertMany(db.knex, runId!, [['00000000-0000-4000-8000-000000000009']]);
    const chunks = await RunChunkModel.ofRun(db.knex, runId!);
    expect(chunks.map((c) => [c.chunk_no, c.portfolio_ids, c.status])).toEqual([
      [0, ['00000000-0000-4000-8000-000000000001'], 'queued'],
      [1, ['00000000-0000-4000-8000-000000000002'], 'queued'],
    ]);
    expect(await RunChunkModel.markRunning(db.knex, runId!, 0)).toMatchObject({ status: 'running' });
    await RunChunkModel.recordProgress(db.knex, runId!, 0, { portfoliosDone: 1, datesDone: 3, failures: [], warnings: [], counters: { snapshotsWritten: 3 } }, 10);
    expect((await RunModel.find(db.knex, runId!))?.phases.portfolio_analytics?.current).toBe(1);
    expect(await RunModel.finish(db.knex, runId!, 'completed', doc, null)).toBe(true);
    expect(await RunModel.finish(db.knex, runId!, 'failed', doc, 'late')).toBe(false);
    expect(await RunModel.activeIdFor(db.knex, 'all')).toBeNull();
  });
});
