import { BaseModel, type Db } from './base.model.js';
import { PortfolioModel } from './portfolio.model.js';

/** A stress scenario a user defined: factor moves by factor key (`rates` a yield change). */
export interface RiskScenarioRecord {
  id: string;
  name: string;
  shocks: Record<string, number>;
  createdAt: Date;
}

/** Most scenarios a user may keep: with the 22 built-in ones and a typical book's sectors, a portfolio-day stays under 60 rows. */
export const MAX_USER_SCENARIOS = 20;

/** `risk_scenarios`: the stress scenarios users define, run for their own portfolios after the catalogue. */
export class RiskScenarioModel extends BaseModel {
  static override tableName = 'risk_scenarios';
  static override idColumn = ['user_id', 'scenario_id'];
  static override jsonAttributes = ['shocks'];
  user_id!: string;
  scenario_id!: string;
  name!: string;
  shocks!: Record<string, number>;
  created_at!: Date;

  static async ofUser(db: Db, userId: string): Promise<RiskScenarioRecord[]> {
    const rows = await RiskScenarioModel.query(db).where({ user_id: userId }).orderBy('created_at').orderBy('scenario_id');
    return rows.map((r) => ({ id: r.scenario_id, name: r.name, shocks: r.shocks, createdAt: r.created_at }));
  }

  /** Scenarios of several users, by user. */
  static async ofUsers(db: Db, userIds: readonly string[]): Promise<Map<string, RiskScenarioRecord[]>> {
    const out = new Map<string, RiskScenarioRecord[]>();
    if (userIds.length === 0) return out;
    const rows = await RiskScenarioModel.query(db).whereIn('user_id', userIds as string[]).orderBy('created_at').orderBy('scenario_id');
    for (const r of rows) {
      let list = out.get(r.user_id);
      if (!list) out.set(r.user_id, (list = []));
      list.push({ id: r.scenario_id, name: r.name, shocks: r.shocks, createdAt: r.created_at });
    }
    return out;
  }

  /**
   * Stores a scenario unless the user has one with that id ('exists') or already MAX_USER_SCENARIOS
   * ('limit'). The count and the insert run under a lock on the user's scenarios.
   */
  static async create(db: Db, userId: string, s: { id: string; name: string; shocks: Record<string, number> }): Promise<RiskScenarioRecord | 'exists' | 'limit'> {
    return db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`risk_scenarios:${userId}`]);
      const existing = await RiskScenarioModel.query(trx).where({ user_id: userId });
      if (existing.some((r) => r.scenario_id === s.id)) return 'exists';
      if (existing.length >= MAX_USER_SCENARIOS) return 'limit';
      const row = await RiskScenarioModel.query(trx).insert({ user_id: userId, scenario_id: s.id, name: s.name, shocks: s.shocks }).returning('*');
      return { id: row.scenario_id, name: row.name, shocks: row.shocks, createdAt: row.created_at };
    });
  }
}

/** The scenarios of each portfolio's owner, by portfolio id (portfolios whose owner has none are absent). */
export async function scenariosOfPortfolios(db: Db, portfolioIds: readonly string[]): Promise<Map<string, { userId: string; scenarios: RiskScenarioRecord[] }>> {
  const out = new Map<string, { userId: string; scenarios: RiskScenarioRecord[] }>();
  if (portfolioIds.length === 0) return out;
  const owners = (await PortfolioModel.query(db).select('id', 'user_id').whereIn('id', portfolioIds as string[]).toKnexQuery()) as { id: string; user_id: string }[];
  const byUser = await RiskScenarioModel.ofUsers(db, [...new Set(owners.map((o) => o.user_id))]);
  for (const o of owners) {
    const scenarios = byUser.get(o.user_id);
    if (scenarios && scenarios.length > 0) out.set(o.id, { userId: o.user_id, scenarios });
  }
  return out;
}
