import { describe, expect, it } from 'vitest';
import { constantTimeEqual, createAuthenticator, generateToken, hashToken, parseBearer } from '../../../../server/services/auth.js';
import { UnauthorizedError } from '../../../../server/services/errors.js';
import { createSlidingWindowLimiter } from '../../../../server/trpc/rate-limit.js';
import { RateLimitedError } from '../../../../server/services/errors.js';

/** A token lookup that answers from a map and counts lookups. */
function tokenStore(tokens: Map<string, { tokenId: string; userId: string; role: 'admin' | 'user' }>) {
  const state = { queries: 0 };
  const findToken = (hash: string) => {
    state.queries++;
    return Promise.resolve(tokens.get(hash));
  };
  return { findToken, state };
}

describe('tokens', () => {
  it('are 32 random bytes in base64url, stored as sha256 hex', () => {
    const t = generateToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(t);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares in constant time without leaking length', () => {
    expect(constantTimeEqual('secret-admin-token', 'secret-admin-token')).toBe(true);
    expect(constantTimeEqual('secret-admin-token', 'secret-admin-tokeN')).toBe(false);
    expect(constantTimeEqual('short', 'a much longer string')).toBe(false);
  });

  it('parses the Authorization header', () => {
    expect(parseBearer(undefined)).toBeUndefined();
    expect(parseBearer('Bearer abc')).toBe('abc');
    expect(parseBearer('bearer   abc ')).toBe('abc');
    expect(() => parseBearer('Basic abc')).toThrow(UnauthorizedError);
    expect(() => parseBearer('Bearer')).toThrow('must be "Bearer <token>"');
    expect(() => parseBearer(['Bearer a', 'Bearer b'])).toThrow('exactly one');
  });
});

describe('createAuthenticator', () => {
  const userToken = 'user-token-xyz';
  const tokens = new Map([[hashToken(userToken), { tokenId: 't1', userId: 'u1', role: 'user' as const }]]);

  it('knows the admin token, user tokens, and nothing else', async () => {
    const { findToken } = tokenStore(tokens);
    const auth = createAuthenticator({ findToken, adminToken: 'admin-token-0123456789' });
    await expect(auth.authenticate('admin-token-0123456789')).resolves.toEqual({ role: 'admin', userId: null, tokenId: null });
    await expect(auth.authenticate(userToken)).resolves.toEqual({ role: 'user', userId: 'u1', tokenId: 't1' });
    await expect(auth.authenticate('other')).rejects.toThrow('Invalid or revoked token');
    await expect(auth.authenticate(undefined)).rejects.toThrow('Missing credentials');
  });

  it('caches lookups for the TTL and forgets on request', async () => {
    const { findToken, state } = tokenStore(tokens);
    let now = 0;
    const auth = createAuthenticator({ findToken, adminToken: undefined, cacheTtlMs: 1000, now: () => now });
    await auth.authenticate(userToken);
    await auth.authenticate(userToken);
    expect(state.queries).toBe(1);
    now = 1500;
    await auth.authenticate(userToken);
    expect(state.queries).toBe(2);
    auth.forget(hashToken(userToken));
    await auth.authenticate(userToken);
    expect(state.queries).toBe(3);
  });
});

describe('createSlidingWindowLimiter', () => {
  it('allows `limit` events per window per key and says when to retry', () => {
    let now = 0;
    const l = createSlidingWindowLimiter({ limit: 3, windowMs: 60_000, what: 'run triggers', now: () => now });
    l.hit('a');
    now = 10_000;
    l.hit('a');
    l.hit('a');
    l.hit('b');
    let err: unknown;
    try {
      l.hit('a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBe(50);
    expect((err as Error).message).toBe('Too many run triggers: at most 3 per 60 s; retry in 50 s');
    now = 60_001;
    expect(() => l.hit('a')).not.toThrow();
  });
});
