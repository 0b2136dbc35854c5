import type { Knex } from './knex.js';

/** Advisory-lock class of vendor fetches (the first key of the two-key form). */
const FETCH_LOCK_CLASS = 0x4d44_4654;
/** Keys hash into this many locks: a run never holds more, whatever its scope (two keys sharing one only wait for each other). */
export const FETCH_LOCK_BUCKETS = 1024;

function bucketOf(key: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % FETCH_LOCK_BUCKETS;
}

/** The lock buckets of `keys`, ascending (every holder takes them in this order: no deadlock). */
export function fetchLockBuckets(keys: readonly string[]): number[] {
  return [...new Set(keys.map(bucketOf))].sort((a, b) => a - b);
}

/**
 * Runs `fn` holding session advisory locks on `keys` (e.g. the symbols a fetch writes), on a
 * connection of its own: another process or run asking for an overlapping key waits until `fn`
 * has finished, then sees what it stored. The locks go with the connection if the process dies.
 */
export async function withFetchLocks<T>(db: Knex, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
  const buckets = fetchLockBuckets(keys);
  if (buckets.length === 0) return fn();
  const conn: unknown = await db.client.acquireConnection();
  try {
    await db.raw('SELECT count(pg_advisory_lock(?::int, b)) FROM unnest(?::int[]) AS t(b)', [FETCH_LOCK_CLASS, buckets]).connection(conn);
    return await fn();
  } finally {
    try {
      // Also after a failure half-way through taking them: the connection goes back to the pool clean.
      await db.raw('SELECT pg_advisory_unlock_all()').connection(conn);
    } finally {
      await db.client.releaseConnection(conn);
    }
  }
}
