/**
 * Bearer-token authentication. Tokens are 32 random bytes (base64url) shown once; only their
 * SHA-256 is stored. A high-entropy token needs no slow hash: nothing can be guessed from its digest.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ActiveToken } from '../../db/models/api-token.model.js';
import { UnauthorizedError } from './errors.js';

export type Principal =
  | { role: 'admin'; userId: string | null; tokenId: string | null }
  | { role: 'user'; userId: string; tokenId: string };

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Equal strings in time independent of where they differ (digests first, so lengths never leak either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** The token of an `Authorization: Bearer <token>` header; undefined when there is no header. */
export function parseBearer(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new UnauthorizedError('Send exactly one Authorization header');
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
  return m[1];
}

export interface Authenticator {
  /** The principal of a token; throws UnauthorizedError when the token is missing, unknown or revoked. */
  authenticate(token: string | undefined): Promise<Principal>;
  /** Drops a cached token at once (after a revocation in this process). */
  forget(tokenHash: string): void;
}

export interface AuthenticatorOptions {
  /** The unrevoked token with this SHA-256 digest (ApiTokenModel.findActive in the composition root). */
  findToken(tokenHash: string): Promise<ActiveToken | undefined>;
  adminToken: string | undefined;
  /** How long a looked-up token is trusted without asking the database again. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  now?: () => number;
}

/**
 * Token lookups are cached briefly because every UI polls status every 2 s: without the cache each
 * poll would cost a second database read. A revocation elsewhere takes effect within the TTL.
 */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const ttl = opts.cacheTtlMs ?? 15_000;
  const maxEntries = opts.cacheMaxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; expires: number }>();

  return {
    async authenticate(token) {
      if (token === undefined || token === '') {
        throw new UnauthorizedError('Missing credentials: send "Authorization: Bearer <token>"');
      }
      if (opts.adminToken !== undefined && constantTimeEqual(token, opts.adminToken)) {
        return { role: 'admin', userId: null, tokenId: null };
      }
      const hash = hashToken(token);
      const hit = cache.get(hash);
      if (hit && hit.expires > now()) return hit.principal;
      const row = await opts.findToken(hash);
      if (!row) {
        cache.delete(hash);
        throw new UnauthorizedError('Invalid or revoked token');
      }
      const principal: Principal =
        row.role === 'admin' ? { role: 'admin', userId: row.userId, tokenId: row.tokenId } : { role: 'user', userId: row.userId, tokenId: row.tokenId };
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(hash, { principal, expires: now() + ttl });
      return principal;
    },
    forget(tokenHash) {
      cache.delete(tokenHash);
    },
  };
}
