import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymbolProfileModel } from '../../../../../db/models/symbol-profile.model.js';
import { RISK_SUMMARY_FIGURES, figureColumn } from '../../../../../db/models/portfolio-risk.model.js';
import { STRESS_CATALOGUE, sectorOf } from '../../../../../jobs/calc/risk/index.js';
import { TEST_TARGET, startTestStack, type TestStack } from '../../../../helpers/stack.js';
import { samplePositions, seedPortfolio, waitForRunEnd } from '../../../../helpers/portfolios.js';

type Row = Record<string, unknown>;

describe('the risk phase of a portfolio run', () => {
  let stack: TestStack;
  let portfolioId: string;
  let runId: string;
  const positions = samplePositions(TEST_TARGET);

  beforeAll(async () => {
    stack = await startTestStack();
    const knex = stack.container.knex;
    const profile = (symbol: string, sicCode: string | null, type = 'CS') => ({
      symbol,
      status: 'ok' as const,
      name: symbol,
      type,
      market: 'stocks',
      primaryExchange: 'XNAS',
      active: true,
      listDate: null,
      delistedOn: null,
      sicCode,
      sicDescription: null,
      sector: 'Unknown',
      marketCap: null,
      sharesOutstanding: null,
    });
    await SymbolProfileModel.upsertMany(knex, [profile('AAPL', '3571'), profile('MSFT', '7372'), profile('GOVT', null, 'ETF')]);
    ({ portfolioId } = await seedPortfolio(knex, positions));
    ({ runId } = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'onboarding' }));
    const end = await waitForRunEnd(knex, runId, 120_000);
    expect(end.status).toBe('completed');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('writes a summary for every day with a snapshot, each null figure with its reason and none NaN', async () => {
    const knex = stack.container.knex;
    const snaps = (await knex('portfolio_snapshots').where({ portfolio_id: portfolioId }).orderBy('snapshot_date').pluck('snapshot_date')) as string[];
    const rows = (await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId }).orderBy('calculation_date')) as Row[];
    expect(rows.map((r) => r['calculation_date'])).toEqual(snaps);
    for (const r of rows) {
      const unavailable = r['unavailable'] as Record<string, { reason: string; message: string }>;
      for (const k of RISK_SUMMARY_FIGURES) {
        const v = r[figureColumn(k)];
        if (v === null) expect(unavailable[k]?.reason, `${String(r['calculation_date'])} ${k}`).toBeTruthy();
        else expect(Number.isFinite(v), `${String(r['calculation_date'])} ${k}`).toBe(true);
      }
    }
    // The last day has a full year behind it: every figure but the ones needing more history is there.
    const last = rows[rows.length - 1]!;
    for (const k of ['volatility21d', 'volatility63d', 'hhi', 'top3Share', 'historicalVar95', 'parametricVar99', 'factorVariance', 'averageCorrelation'] as const) {
      expect(last[figureColumn(k)], k).not.toBeNull();
    }
    expect(Number(last['historical_es_95'])).toBeGreaterThanOrEqual(Number(last['historical_var_95']));
    // The first day has no history: the volatilities are null for too few observations.
    expect(rows[0]!['volatility_21d']).toBeNull();
    expect((rows[0]!['unavailable'] as Record<string, { reason: string }>)['volatility21d']?.reason).toBe('insufficient_observations');
  });

  it('writes the 22 stress rows and the sector rows of every day, and the matrices of the latest day only', async () => {
    const knex = stack.container.knex;
    const days = (await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId }).count('* as n').first()) as { n: string };
    const stress = (await knex('stress_test_results').where({ portfolio_id: portfolioId }).count('* as n').first()) as { n: string };
    expect(Number(stress.n)).toBe(Number(days.n) * STRESS_CATALOGUE.length);
    // The sector rows of the last day: one per sector of the priced holdings open that day, each
    // symbol's sector from its stored ticker details (security type, else SIC code).
    const open = positions.filter((p) => p.entryDate <= TEST_TARGET && (p.exitDate === undefined || p.exitDate > TEST_TARGET)).map((p) => p.symbol);
    const priced = (await knex('market_data_cache').whereIn('symbol', open).where('date', '<=', TEST_TARGET).distinct('symbol').pluck('symbol')) as string[];
    const profiles = (await knex('symbol_profiles').whereIn('symbol', priced).select('symbol', 'type', 'sic_code')) as { symbol: string; type: string | null; sic_code: string | null }[];
    expect(profiles.map((p) => p.symbol).sort()).toEqual([...priced].sort());
    const expected: Record<string, number> = {};
    for (const p of profiles) {
      const sector = sectorOf({ type: p.type, sicCode: p.sic_code });
      expected[sector] = (expected[sector] ?? 0) + 1;
    }
    // The seeded profiles alone give both of these: the comparison below is not vacuous.
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(['Information Technology', 'ETF']));
    const sectors = (await knex('portfolio_sector_exposures').where({ portfolio_id: portfolioId, calculation_date: TEST_TARGET }).select('sector', 'holdings')) as { sector: string; holdings: number }[];
    expect(Object.fromEntries(sectors.map((s) => [s.sector, s.holdings]))).toEqual(expected);
    const matrices = (await knex('correlation_calculations').where({ portfolio_id: portfolioId })) as Row[];
    expect(matrices).toHaveLength(1);
    expect(matrices[0]!['calculation_date']).toBe(TEST_TARGET);
    const corr = matrices[0]!['correlations'] as (number | null)[][];
    const n = (matrices[0]!['symbols'] as string[]).length;
    expect(corr).toHaveLength(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (corr[i]![j] !== null) expect(corr[i]![j]).toBeCloseTo(corr[j]![i]!, 12);
    const cov = (await knex('factor_covariances').where({ calculation_date: TEST_TARGET }).first()) as Row | undefined;
    expect(cov?.['matrix']).not.toBeNull();
  });

  it('records the phase with its portfolio-days and rows, under 60 rows a portfolio-day', async () => {
    const s = await stack.container.runControl.getRunStatus({ runId });
    expect(s!.phases.risk?.status).toBe('done');
    const days = (await stack.container.knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId }).count('* as n').first()) as { n: string };
    expect(s!.counters.riskDays).toBe(Number(days.n));
    expect(s!.counters.riskRows! / s!.counters.riskDays!).toBeLessThan(60);
  });

  it('a later run with nothing missing writes nothing; one with risk days missing computes only those', async () => {
    const knex = stack.container.knex;
    const again = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    expect((await waitForRunEnd(knex, again.runId)).status).toBe('completed');
    const s1 = await stack.container.runControl.getRunStatus({ runId: again.runId });
    expect(s1!.counters.riskDays ?? 0).toBe(0);

    const lastFive = (await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId }).orderBy('calculation_date', 'desc').limit(5).pluck('calculation_date')) as string[];
    const before = (await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId, calculation_date: lastFive[0] }).first()) as Row;
    const dayRows = async (table: string, key: string): Promise<Row[]> =>
      ((await knex(table).where({ portfolio_id: portfolioId, calculation_date: lastFive[0] }).orderBy(key)) as Row[]);
    const sectorsBefore = await dayRows('portfolio_sector_exposures', 'sector');
    const stressBefore = await dayRows('stress_test_results', 'scenario_id');
    await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId }).whereIn('calculation_date', lastFive).delete();
    const resumed = await stack.container.runControl.requestRun({ scope: 'portfolio', portfolioId, source: 'admin' });
    expect((await waitForRunEnd(knex, resumed.runId)).status).toBe('completed');
    const s2 = await stack.container.runControl.getRunStatus({ runId: resumed.runId });
    expect(s2!.counters.riskDays).toBe(5);
    expect(s2!.phases.market_data?.status).toBe('skipped');
    const after = (await knex('portfolio_risk_summaries').where({ portfolio_id: portfolioId, calculation_date: lastFive[0] }).first()) as Row;
    // The same day recomputed from a shorter history gives bit-identical rows.
    for (const k of RISK_SUMMARY_FIGURES) expect(after[figureColumn(k)], k).toEqual(before[figureColumn(k)]);
    expect(await dayRows('portfolio_sector_exposures', 'sector')).toEqual(sectorsBefore);
    expect(await dayRows('stress_test_results', 'scenario_id')).toEqual(stressBefore);
  });
});
