import type { Knex } from '../../db/knex.js';
import { ApiTokenModel } from '../../db/models/api-token.model.js';
import { UserModel } from '../../db/models/user.model.js';
import type { Logger } from '../logger.js';
import type { Authenticator } from './auth.js';
import { generateToken, hashToken } from './auth.js';
import { ConflictError, NotFoundError } from './errors.js';

export interface IssuedToken {
  userId: string;
  email: string;
  tokenId: string;
  /** Shown once; only its hash is stored. */
  token: string;
}

export interface UserService {
  createUser(email: string): Promise<IssuedToken>;
  createToken(who: { userId: string } | { email: string }): Promise<IssuedToken>;
  revokeToken(tokenId: string): Promise<{ revoked: boolean }>;
  getUser(userId: string): Promise<{ id: string; email: string; createdAt: Date }>;
}

export function createUserService(deps: { knex: Knex; logger: Logger; authenticator: Pick<Authenticator, 'forget'> }): UserService {
  const { knex, logger } = deps;

  async function issue(trx: Knex.Transaction, user: { id: string; email: string }): Promise<IssuedToken> {
    const token = generateToken();
    const tokenId = await ApiTokenModel.insertOne(trx, { userId: user.id, tokenHash: hashToken(token), role: 'user' });
    return { userId: user.id, email: user.email, tokenId, token };
  }

  return {
    async createUser(email) {
      const issued = await knex.transaction(async (trx) => {
        const user = await UserModel.insertIfNew(trx, email.trim());
        if (!user) {
          throw new ConflictError(`A user with email ${email.trim()} already exists; issue another token with user.createToken`);
        }
        return issue(trx, user);
      });
      logger.info({ userId: issued.userId, tokenId: issued.tokenId }, 'user created');
      return issued;
    },

    async createToken(who) {
      const issued = await knex.transaction(async (trx) => {
        const user = 'userId' in who ? await UserModel.findById(trx, who.userId) : await UserModel.findByEmail(trx, who.email);
        if (!user) throw new NotFoundError('user', 'userId' in who ? who.userId : who.email);
        return issue(trx, user);
      });
      logger.info({ userId: issued.userId, tokenId: issued.tokenId }, 'token issued');
      return issued;
    },

    async revokeToken(tokenId) {
      const row = await ApiTokenModel.revoke(knex, tokenId);
      if (row) {
        deps.authenticator.forget(row.tokenHash);
        logger.info({ tokenId }, 'token revoked');
      }
      return { revoked: row !== undefined };
    },

    async getUser(userId) {
      const user = await UserModel.findById(knex, userId);
      if (!user) throw new NotFoundError('user', userId);
      return user;
    },
  };
}
