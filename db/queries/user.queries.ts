import type { Knex } from '../knex.js';

export interface ActiveTokenRow {
  tokenId: string;
  userId: string;
  role: 'admin' | 'user';
}

/** The unrevoked token with this hash, via the unique index on token_hash. */
export async function findActiveToken(db: Knex, tokenHash: string): Promise<ActiveTokenRow | undefined> {
  const row = (await db('api_tokens')
    .select({ tokenId: 'id', userId: 'user_id', role: 'role' })
    .where({ token_hash: tokenHash })
    .whereNull('revoked_at')
    .first()) as ActiveTokenRow | undefined;
  return row;
}

export interface UserRow {
  id: string;
  email: string;
  createdAt: Date;
}

export async function findUserByEmail(db: Knex | Knex.Transaction, email: string): Promise<UserRow | undefined> {
  return (await db('users')
    .select({ id: 'id', email: 'email', createdAt: 'created_at' })
    .whereRaw('lower(email) = lower(?)', [email])
    .first()) as UserRow | undefined;
}

export async function findUserById(db: Knex | Knex.Transaction, id: string): Promise<UserRow | undefined> {
  return (await db('users').select({ id: 'id', email: 'email', createdAt: 'created_at' }).where({ id }).first()) as UserRow | undefined;
}

/** Inserts a user; undefined when the email is taken (case-insensitively). */
export async function insertUser(db: Knex | Knex.Transaction, email: string): Promise<UserRow | undefined> {
  const rows = (await db.raw(
    `INSERT INTO users (email) VALUES (?) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id, email, created_at AS "createdAt"`,
    [email],
  )) as { rows: UserRow[] };
  return rows.rows[0];
}

export async function insertToken(db: Knex | Knex.Transaction, row: { userId: string; tokenHash: string; role: 'admin' | 'user' }): Promise<string> {
  const [inserted] = (await db('api_tokens')
    .insert({ user_id: row.userId, token_hash: row.tokenHash, role: row.role })
    .returning('id')) as { id: string }[];
  if (!inserted) throw new Error('api_tokens insert returned no row');
  return inserted.id;
}

/** Marks a token revoked; returns its hash (for cache eviction) or undefined when unknown or already revoked. */
export async function revokeToken(db: Knex, tokenId: string, userId?: string): Promise<{ tokenHash: string } | undefined> {
  const [row] = (await db('api_tokens')
    .update({ revoked_at: db.fn.now() })
    .where({ id: tokenId })
    .whereNull('revoked_at')
    .modify((q) => {
      if (userId) void q.andWhere({ user_id: userId });
    })
    .returning('token_hash')) as { token_hash: string }[];
  return row ? { tokenHash: row.token_hash } : undefined;
}
