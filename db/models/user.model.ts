import type { RelationMappings } from 'objection';
import { ApiTokenModel } from './api-token.model.js';
import { BaseModel, type Db } from './base.model.js';
import { PortfolioModel } from './portfolio.model.js';

/** A user as the services see it. */
export interface User {
  id: string;
  email: string;
  createdAt: Date;
}

const toUser = (m: UserModel): User => ({ id: m.id, email: m.email, createdAt: m.created_at });

/** `users`: the owners of portfolios. */
export class UserModel extends BaseModel {
  static override tableName = 'users';
  id!: string;
  email!: string;
  created_at!: Date;
  tokens?: ApiTokenModel[];
  portfolios?: PortfolioModel[];

  static override get relationMappings(): RelationMappings {
    return {
      tokens: { relation: BaseModel.HasManyRelation, modelClass: ApiTokenModel, join: { from: 'users.id', to: 'api_tokens.user_id' } },
      portfolios: { relation: BaseModel.HasManyRelation, modelClass: PortfolioModel, join: { from: 'users.id', to: 'portfolios.user_id' } },
    };
  }

  /** The user with this email, compared case-insensitively (as the unique index does). */
  static async findByEmail(db: Db, email: string): Promise<User | undefined> {
    const m = await UserModel.query(db).whereRaw('lower(email) = lower(?)', [email]).first();
    return m ? toUser(m) : undefined;
  }

  static async findById(db: Db, id: string): Promise<User | undefined> {
    const m = await UserModel.query(db).findById(id);
    return m ? toUser(m) : undefined;
  }

  /** Inserts a user; undefined when the email is taken (case-insensitively). */
  static async insertIfNew(db: Db, email: string): Promise<User | undefined> {
    const r = (await db.raw(`INSERT INTO users (email) VALUES (?) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id, email, created_at`, [email])) as {
      rows: { id: string; email: string; created_at: Date }[];
    };
    const row = r.rows[0];
    return row ? { id: row.id, email: row.email, createdAt: row.created_at } : undefined;
  }
}
