import { fn, type RelationMappings } from 'objection';
import { BaseModel, type Db } from './base.model.js';
import { UserModel } from './user.model.js';

export type TokenRole = 'admin' | 'user';

/** An unrevoked token: whose it is and what it may do. */
export interface ActiveToken {
  tokenId: string;
  userId: string;
  role: TokenRole;
}

/** `api_tokens`: bearer tokens of users; only SHA-256 digests are stored. */
export class ApiTokenModel extends BaseModel {
  static override tableName = 'api_tokens';
  id!: string;
  user_id!: string;
  token_hash!: string;
  role!: TokenRole;
  created_at!: Date;
  revoked_at!: Date | null;
  user?: UserModel;

  static override get relationMappings(): RelationMappings {
    return {
      user: { relation: BaseModel.BelongsToOneRelation, modelClass: UserModel, join: { from: 'api_tokens.user_id', to: 'users.id' } },
    };
  }

  /** The unrevoked token with this digest, through the unique index on token_hash. */
  static async findActive(db: Db, tokenHash: string): Promise<ActiveToken | undefined> {
    const m = await ApiTokenModel.query(db).select('id', 'user_id', 'role').where({ token_hash: tokenHash }).whereNull('revoked_at').first();
    return m ? { tokenId: m.id, userId: m.user_id, role: m.role } : undefined;
  }

  /** Stores a token's digest; returns the token's id. */
  static async insertOne(db: Db, row: { userId: string; tokenHash: string; role: TokenRole }): Promise<string> {
    const m = await ApiTokenModel.query(db).insert({ user_id: row.userId, token_hash: row.tokenHash, role: row.role }).returning('id');
    return m.id;
  }

  /** Marks a token revoked; returns its digest (for cache eviction), or undefined when unknown or already revoked. */
  static async revoke(db: Db, tokenId: string): Promise<{ tokenHash: string } | undefined> {
    const [m] = await ApiTokenModel.query(db).patch({ revoked_at: fn.now() }).where({ id: tokenId }).whereNull('revoked_at').returning('token_hash');
    return m ? { tokenHash: m.token_hash } : undefined;
  }
}
