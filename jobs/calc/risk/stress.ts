/**
 * Stress tests: a scenario moves some of the eight risk factors; a portfolio's P&L is Σ_f b_f s_f
 * with b its dollar exposures.
 *
 * - Direct: only the shocked factors move.
 * - Correlated: the other factors move by their conditional expectation given the shocks,
 *   s_u = Σ_us Σ_ss⁻¹ s_s (Σ the factor covariance; a singular Σ_ss uses its pseudo-inverse and the
 *   scenario is flagged), each implied move capped at ±100 %.
 *
 * Shocks are factor returns (0.10 = +10 %), except rates, which are given as a change in yield
 * (+0.005 = +50 bp) and converted to the rates proxy's return with a duration of 17: r = −17 Δy.
 */
import { symmetricPseudoInverse } from '../linear-algebra.js';
import { figure, missing, type Figure, type Unavailable } from './figure.js';
import { FACTOR_COUNT, RISK_FACTORS, RISK_FACTOR_KEYS, type FactorCovariance, type PerFactor, type RiskFactorKey } from './factor-risk.js';

/** Duration converting a yield change into the rates proxy's return. */
export const RATES_DURATION = 17;
/** Largest absolute factor move (a shock, after the rates conversion, or an implied move). */
export const MAX_FACTOR_MOVE = 1;

export interface StressScenario {
  /** Stable identifier (snake_case). */
  id: string;
  name: string;
  /** Factor moves; `rates` is a yield change, every other factor a return. */
  shocks: PerFactor<number>;
}

const s = (id: string, name: string, shocks: PerFactor<number>): StressScenario => ({ id, name, shocks });

/** The 22 built-in scenarios; their ids are fixed (stored results refer to them). */
export const STRESS_CATALOGUE: readonly StressScenario[] = [
  s('market_up_5', 'Market +5 %', { market: 0.05 }),
  s('market_down_5', 'Market −5 %', { market: -0.05 }),
  s('market_up_10', 'Market +10 %', { market: 0.1 }),
  s('market_down_10', 'Market −10 %', { market: -0.1 }),
  s('market_crash_35', 'Market crash −35 %', { market: -0.35 }),
  s('market_rally_25', 'Market rally +25 %', { market: 0.25 }),
  s('rates_up_25bp', 'Rates +25 bp', { rates: 0.0025 }),
  s('rates_down_25bp', 'Rates −25 bp', { rates: -0.0025 }),
  s('rates_up_50bp', 'Rates +50 bp', { rates: 0.005 }),
  s('rates_down_50bp', 'Rates −50 bp', { rates: -0.005 }),
  s('rates_up_100bp', 'Rates +100 bp', { rates: 0.01 }),
  s('rates_down_100bp', 'Rates −100 bp', { rates: -0.01 }),
  s('rate_spike_300bp', 'Rate spike +300 bp', { rates: 0.03 }),
  s('value_rotation_20', 'Value rotation', { value: 0.2, growth: -0.1 }),
  s('growth_rally_15', 'Growth rally', { growth: 0.15, momentum: 0.1 }),
  s('small_cap_outperformance_10', 'Small-cap outperformance', { size: 0.1 }),
  s('quality_flight_12', 'Flight to quality', { quality: 0.12, market: -0.05 }),
  s('vix_spike_150', 'Volatility spike', { lowVolatility: -0.25, market: -0.15 }),
  s('liquidity_crisis', 'Liquidity crisis', { market: -0.2, lowVolatility: -0.3, quality: 0.15, size: -0.1 }),
  s('financial_crisis_2008', 'Financial crisis 2008', { market: -0.45, value: -0.3, size: -0.25, quality: 0.2, lowVolatility: -0.35 }),
  s('covid_crash_2020', 'Covid crash 2020', { market: -0.35, growth: 0.15, value: -0.4, size: -0.3, quality: 0.1 }),
  s('dotcom_crash_2000', 'Dot-com crash 2000', { market: -0.45, growth: -0.6, value: 0.2, momentum: -0.5, quality: 0.15 }),
];

/** A scenario's shock on one factor as that factor's return (rates converted from the yield change). */
export function shockAsReturn(factor: RiskFactorKey, shock: number): number {
  return factor === 'rates' ? -RATES_DURATION * shock : shock;
}

/** How each factor moves under a scenario, given the factor covariance of the day. */
export interface ScenarioMoves {
  scenario: StressScenario;
  /** Factor returns of the shocked factors (rates converted), RISK_FACTORS order; 0 elsewhere. */
  direct: Float64Array;
  /** 1 for the shocked factors. */
  shocked: Uint8Array;
  /** Every factor's move, shocked and implied (capped); null when the covariance is unavailable. */
  correlated: Float64Array | null;
  /** Implied moves that were capped at ±100 %. */
  capped: RiskFactorKey[];
  /** Σ_ss was singular and its pseudo-inverse was used. */
  pseudoInverse: boolean;
  /** Why `correlated` is null. */
  unavailable: Unavailable | null;
}

/** The direct and correlated factor moves of a scenario (see the module comment). */
export function scenarioMoves(scenario: StressScenario, cov: FactorCovariance): ScenarioMoves {
  const direct = new Float64Array(FACTOR_COUNT);
  const shocked = new Uint8Array(FACTOR_COUNT);
  RISK_FACTORS.forEach((f, j) => {
    const v = scenario.shocks[f.key];
    if (v === undefined) return;
    direct[j] = shockAsReturn(f.key, v);
    shocked[j] = 1;
  });
  if (cov.matrix === null) {
    return {
      scenario,
      direct,
      shocked,
      correlated: null,
      capped: [],
      pseudoInverse: false,
      unavailable: missing('unavailable_input', `correlated moves need the factor covariance: ${cov.unavailable?.message ?? 'not computed'}`).unavailable!,
    };
  }
  const sIdx: number[] = [];
  const uIdx: number[] = [];
  for (let j = 0; j < FACTOR_COUNT; j++) (shocked[j] ? sIdx : uIdx).push(j);
  const correlated = Float64Array.from(direct);
  const capped: RiskFactorKey[] = [];
  let pseudoInverse = false;
  if (sIdx.length > 0 && uIdx.length > 0) {
    const k = sIdx.length;
    const sigma = cov.matrix;
    const sss = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) sss[a * k + b] = sigma[sIdx[a]! * FACTOR_COUNT + sIdx[b]!]!;
    const pinv = symmetricPseudoInverse(sss, k);
    pseudoInverse = pinv.singular;
    // y = Σ_ss⁻¹ s_s
    const y = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      let acc = 0;
      for (let b = 0; b < k; b++) acc += pinv.inverse[a * k + b]! * direct[sIdx[b]!]!;
      y[a] = acc;
    }
    for (const u of uIdx) {
      let move = 0;
      for (let a = 0; a < k; a++) move += sigma[u * FACTOR_COUNT + sIdx[a]!]! * y[a]!;
      if (!Number.isFinite(move)) move = 0;
      if (Math.abs(move) > MAX_FACTOR_MOVE) {
        capped.push(RISK_FACTOR_KEYS[u]!);
        move = Math.sign(move) * MAX_FACTOR_MOVE;
      }
      correlated[u] = move;
    }
  }
  return { scenario, direct, shocked, correlated, capped, pseudoInverse, unavailable: null };
}

export interface StressResult {
  scenarioId: string;
  /** Σ_f b_f s_f over the shocked factors, dollars. */
  direct: Figure;
  /** Σ_f b_f s_f over all eight factors with the implied moves, dollars. */
  correlated: Figure;
  /** correlated − direct. */
  difference: Figure;
  directShareOfNav: Figure;
  correlatedShareOfNav: Figure;
  pseudoInverse: boolean;
  capped: RiskFactorKey[];
}

function dot(b: Float64Array, s: Float64Array): number {
  let acc = 0;
  for (let j = 0; j < FACTOR_COUNT; j++) acc += b[j]! * s[j]!;
  return acc;
}

function pnlShare(f: Figure, nav: number, what: string): Figure {
  if (f.value === null) return f;
  if (!(nav > 0)) return missing('non_positive_nav', `${what} as a share of NAV needs a positive NAV (NAV is ${nav})`);
  return figure(f.value / nav, what);
}

/** A portfolio's P&L under a scenario from its dollar exposures b (RISK_FACTORS order) and the scenario's moves. */
export function stressPnl(b: Float64Array, moves: ScenarioMoves, nav: number): StressResult {
  const direct = figure(dot(b, moves.direct), 'direct P&L');
  const correlated: Figure = moves.correlated === null ? { value: null, unavailable: moves.unavailable! } : figure(dot(b, moves.correlated), 'correlated P&L');
  let difference: Figure;
  if (correlated.value === null) difference = correlated;
  else if (direct.value === null) difference = direct;
  else difference = figure(correlated.value - direct.value, 'difference of the correlated and direct P&L');
  return {
    scenarioId: moves.scenario.id,
    direct,
    correlated,
    difference,
    directShareOfNav: pnlShare(direct, nav, 'direct P&L'),
    correlatedShareOfNav: pnlShare(correlated, nav, 'correlated P&L'),
    pseudoInverse: moves.pseudoInverse,
    capped: moves.capped,
  };
}

/** One problem with a user-defined scenario: the field (dotted path) and what is wrong. */
export interface ScenarioIssue {
  field: string;
  message: string;
}

export type ScenarioValidation = { ok: true; scenario: StressScenario } | { ok: false; issues: ScenarioIssue[] };

const FACTOR_ALIASES = new Map<string, RiskFactorKey>(RISK_FACTORS.flatMap((f) => [[f.key, f.key] as const, [f.name, f.key] as const]));
const ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const CATALOGUE_IDS = new Set(STRESS_CATALOGUE.map((c) => c.id));

/**
 * Checks a user-defined scenario: `id` snake_case (a letter, then letters, digits, underscores; at
 * most 64) and not a catalogue id; `name` 1-100 characters; `shocks` an object with at least one
 * known factor (by key, e.g. `market`, or by factor name, e.g. `Market Beta`), each a finite number
 * whose factor move is within ±100 % (rates: a yield change of at most ±1/17, since r = −17 Δy).
 * Every problem is reported, each naming its field.
 */
export function validateScenario(input: unknown): ScenarioValidation {
  const issues: ScenarioIssue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ field: 'scenario', message: 'a scenario is an object with id, name and shocks' }] };
  }
  const o = input as Record<string, unknown>;
  const id = o['id'];
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    issues.push({ field: 'id', message: 'id must start with a lowercase letter and hold only lowercase letters, digits and underscores (at most 64)' });
  } else if (CATALOGUE_IDS.has(id)) {
    issues.push({ field: 'id', message: `id ${id} is a built-in scenario; choose another` });
  }
  const name = o['name'];
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
    issues.push({ field: 'name', message: 'name must be a non-empty text of at most 100 characters' });
  }
  const shocks: PerFactor<number> = {};
  const raw = o['shocks'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ field: 'shocks', message: `shocks must be an object of factor moves, e.g. { "market": -0.1 }; factors: ${RISK_FACTOR_KEYS.join(', ')}` });
  } else {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) issues.push({ field: 'shocks', message: 'shocks must move at least one factor' });
    for (const [key, value] of entries) {
      const field = `shocks.${key}`;
      const factor = FACTOR_ALIASES.get(key);
      if (factor === undefined) {
        issues.push({ field, message: `${key} is not a factor of the model; factors: ${RISK_FACTOR_KEYS.join(', ')}` });
        continue;
      }
      if (shocks[factor] !== undefined) {
        issues.push({ field, message: `${factor} is shocked twice` });
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        issues.push({ field, message: `the shock must be a finite number, got ${JSON.stringify(value) ?? String(value)}` });
        continue;
      }
      const move = shockAsReturn(factor, value);
      if (Math.abs(move) > MAX_FACTOR_MOVE) {
        issues.push({
          field,
          message:
            factor === 'rates'
              ? `a yield change of ${value} moves the rates proxy by ${(move * 100).toFixed(1)} % (duration ${RATES_DURATION}); the yield change must be within ±${(MAX_FACTOR_MOVE / RATES_DURATION).toFixed(4)} (±${Math.floor((MAX_FACTOR_MOVE / RATES_DURATION) * 10_000)} bp)`
              : `a shock of ${value} is outside ±100 % (write 10 % as 0.1)`,
        });
        continue;
      }
      shocks[factor] = value;
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, scenario: { id: id as string, name: (name as string).trim(), shocks } };
}
