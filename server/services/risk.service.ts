/**
 * Risk reads and user scenarios (docs/risk.md): the stored figures of a day, their history, the
 * correlation matrix and the stress results (stored for the latest day, computed on request for
 * other days), the scenario catalogue and the scenarios a user defines.
 */
import type { IsoDate } from '../../core/dates.js';
import type { Knex } from '../../db/knex.js';
import {
  CorrelationCalculationModel,
  PortfolioRiskSummaryModel,
  PortfolioSectorExposureModel,
  StressTestResultModel,
  type RiskSummaryRecord,
  type SectorExposureRecord,
  type StressResultRecord,
} from '../../db/models/portfolio-risk.model.js';
import { MAX_USER_SCENARIOS, RiskScenarioModel } from '../../db/models/risk-scenario.model.js';
import { RISK_FACTOR_KEYS, STRESS_CATALOGUE, validateScenario, type StressFactorMove } from '../../jobs/calc/risk/index.js';
import { nextTradingDay } from '../../jobs/calc/trading-calendar.js';
import { computeRiskOnRequest } from '../../jobs/pipeline/risk-group.js';
import type { Logger } from '../logger.js';
import type { Access, Viewer } from './access.js';
import { dateIssue } from './date-input.js';
import { ConflictError, ForbiddenError, ValidationError, type FieldIssue } from './errors.js';

export type RiskSummaryView = Omit<RiskSummaryRecord, 'portfolioId'>;
export type SectorView = Omit<SectorExposureRecord, 'portfolioId' | 'date'>;
export type StressView = Omit<StressResultRecord, 'portfolioId' | 'date'>;

export interface RiskView {
  portfolioId: string;
  /** The day shown; null when the portfolio has no risk figures (yet, or on the date asked for). */
  date: IsoDate | null;
  /** Every figure of the day; a null figure's reason is in `summary.unavailable`. */
  summary: RiskSummaryView | null;
  sectors: SectorView[];
  stress: StressView[];
}

export interface RiskHistoryPage {
  portfolioId: string;
  summaries: RiskSummaryView[];
  /** First date of the next page when the range holds more rows than the limit, else null. */
  nextFrom: IsoDate | null;
}

export interface CorrelationView {
  portfolioId: string;
  date: IsoDate | null;
  /** 'stored' for the latest day, 'on_request' when computed for another day. */
  source: 'stored' | 'on_request' | null;
  symbols: string[];
  /** n × n, null for a pair with fewer than 30 common days. */
  correlations: (number | null)[][];
  observations: number[][];
  unavailable: unknown[];
}

export interface StressDetailView {
  portfolioId: string;
  date: IsoDate | null;
  source: 'stored' | 'on_request' | null;
  results: (StressView & { moves: StressFactorMove[] | null })[];
}

export interface ScenarioView {
  id: string;
  name: string;
  shocks: Partial<Record<string, number>>;
  builtIn: boolean;
}

export interface RiskService {
  risk(viewer: Viewer, q: { portfolioId: string; date?: IsoDate }): Promise<RiskView>;
  riskHistory(viewer: Viewer, q: { portfolioId: string; from?: IsoDate; to?: IsoDate; limit: number }): Promise<RiskHistoryPage>;
  correlations(viewer: Viewer, q: { portfolioId: string; date?: IsoDate }): Promise<CorrelationView>;
  stress(viewer: Viewer, q: { portfolioId: string; date?: IsoDate }): Promise<StressDetailView>;
  scenarios(viewer: Viewer): Promise<ScenarioView[]>;
  createScenario(viewer: Viewer, input: { id: string; name: string; shocks: Record<string, unknown> }): Promise<ScenarioView>;
}

export interface RiskServiceDeps {
  knex: Knex;
  access: Access;
  logger: Logger;
}

function dateIssues(fields: Record<string, string | undefined>): FieldIssue[] {
  return Object.entries(fields)
    .map(([f, v]) => dateIssue(f, v))
    .filter((i): i is FieldIssue => i !== undefined);
}

const withoutPortfolio = ({ portfolioId: _p, ...rest }: RiskSummaryRecord): RiskSummaryView => rest;

export function createRiskService(deps: RiskServiceDeps): RiskService {
  const { knex, access } = deps;

  /** The day asked for, or the latest with figures. */
  async function dayOf(portfolioId: string, date: IsoDate | undefined): Promise<RiskSummaryRecord | undefined> {
    return PortfolioRiskSummaryModel.ofDay(knex, portfolioId, date);
  }

  return {
    async risk(viewer, q) {
      const issues = dateIssues({ date: q.date });
      if (issues.length) throw new ValidationError(issues);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const summary = await dayOf(q.portfolioId, q.date);
      if (!summary) return { portfolioId: q.portfolioId, date: null, summary: null, sectors: [], stress: [] };
      const [sectors, stress] = await Promise.all([PortfolioSectorExposureModel.ofDay(knex, q.portfolioId, summary.date), StressTestResultModel.ofDay(knex, q.portfolioId, summary.date)]);
      const order = new Map(STRESS_CATALOGUE.map((s, i) => [s.id, i]));
      stress.sort((a, b) => (order.get(a.scenarioId) ?? 1e9) - (order.get(b.scenarioId) ?? 1e9) || (a.scenarioId < b.scenarioId ? -1 : 1));
      return {
        portfolioId: q.portfolioId,
        date: summary.date,
        summary: withoutPortfolio(summary),
        sectors: sectors.map(({ portfolioId: _p, date: _d, ...s }) => s),
        stress: stress.map(({ portfolioId: _p, date: _d, ...s }) => s),
      };
    },

    async riskHistory(viewer, q) {
      const issues = dateIssues({ from: q.from, to: q.to });
      if (issues.length === 0 && q.from && q.to && q.from > q.to) issues.push({ field: 'to', message: `${q.to} is before from (${q.from})` });
      if (issues.length) throw new ValidationError(issues);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const rows = await PortfolioRiskSummaryModel.history(knex, { portfolioId: q.portfolioId, from: q.from, to: q.to, limit: q.limit + 1 });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const last = page[page.length - 1];
      return { portfolioId: q.portfolioId, summaries: page.map(withoutPortfolio), nextFrom: more && last ? nextTradingDay(last.date) : null };
    },

    async correlations(viewer, q) {
      const issues = dateIssues({ date: q.date });
      if (issues.length) throw new ValidationError(issues);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const stored = await CorrelationCalculationModel.of(knex, q.portfolioId);
      if (stored && (q.date === undefined || q.date === stored.date)) {
        return { portfolioId: q.portfolioId, date: stored.date, source: 'stored', symbols: stored.symbols, correlations: stored.correlations, observations: stored.observations, unavailable: stored.unavailable };
      }
      const empty: CorrelationView = { portfolioId: q.portfolioId, date: null, source: null, symbols: [], correlations: [], observations: [], unavailable: [] };
      if (q.date === undefined) return empty;
      const r = await computeRiskOnRequest(knex, q.portfolioId, q.date);
      if (!r) return empty;
      const c = r.matrices.correlations;
      return { portfolioId: q.portfolioId, date: q.date, source: 'on_request', symbols: c.symbols, correlations: c.values, observations: c.observations, unavailable: c.unavailable };
    },

    async stress(viewer, q) {
      const issues = dateIssues({ date: q.date });
      if (issues.length) throw new ValidationError(issues);
      await access.assertPortfolioVisible(viewer, q.portfolioId);
      const summary = await dayOf(q.portfolioId, q.date);
      if (!summary) return { portfolioId: q.portfolioId, date: null, source: null, results: [] };
      const stored = await CorrelationCalculationModel.of(knex, q.portfolioId);
      let moves: Map<string, StressFactorMove[]>;
      let source: 'stored' | 'on_request';
      if (stored && stored.date === summary.date) {
        moves = new Map((stored.stressMoves as { scenarioId: string; moves: StressFactorMove[] }[]).map((m) => [m.scenarioId, m.moves]));
        source = 'stored';
      } else {
        const r = await computeRiskOnRequest(knex, q.portfolioId, summary.date);
        moves = new Map((r?.matrices.stress ?? []).map((m) => [m.scenarioId, m.moves]));
        source = 'on_request';
      }
      const rows = await StressTestResultModel.ofDay(knex, q.portfolioId, summary.date);
      const order = new Map(STRESS_CATALOGUE.map((s, i) => [s.id, i]));
      rows.sort((a, b) => (order.get(a.scenarioId) ?? 1e9) - (order.get(b.scenarioId) ?? 1e9) || (a.scenarioId < b.scenarioId ? -1 : 1));
      return {
        portfolioId: q.portfolioId,
        date: summary.date,
        source,
        results: rows.map(({ portfolioId: _p, date: _d, ...s }) => ({ ...s, moves: moves.get(s.scenarioId) ?? null })),
      };
    },

    async scenarios(viewer) {
      const builtIn: ScenarioView[] = STRESS_CATALOGUE.map((s) => ({ id: s.id, name: s.name, shocks: { ...s.shocks }, builtIn: true }));
      if (viewer.userId === null) return builtIn;
      const own = await RiskScenarioModel.ofUser(knex, viewer.userId);
      return [...builtIn, ...own.map((s) => ({ id: s.id, name: s.name, shocks: s.shocks, builtIn: false }))];
    },

    async createScenario(viewer, input) {
      if (viewer.userId === null) throw new ForbiddenError('Scenarios belong to a user: create them with a user token');
      const check = validateScenario(input);
      if (!check.ok) throw new ValidationError(check.issues.map((i) => ({ field: i.field, message: i.message })));
      const shocks: Record<string, number> = {};
      for (const k of RISK_FACTOR_KEYS) if (check.scenario.shocks[k] !== undefined) shocks[k] = check.scenario.shocks[k];
      const created = await RiskScenarioModel.create(knex, viewer.userId, { id: check.scenario.id, name: check.scenario.name, shocks });
      if (created === 'exists') throw new ConflictError(`You already have a scenario with id ${check.scenario.id}`);
      if (created === 'limit') throw new ValidationError([{ field: 'id', message: `at most ${MAX_USER_SCENARIOS} scenarios per user; this one would be one more` }]);
      deps.logger.info({ userId: viewer.userId, scenarioId: created.id }, 'risk scenario created');
      return { id: created.id, name: created.name, shocks: created.shocks, builtIn: false };
    },
  };
}
