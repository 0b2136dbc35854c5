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

export interface FetchLockOptions {
  /** Pause between attempts while another holder has one of the locks (default 100 ms). */
  pollMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` holding session advisory locks on `keys` (e.g. the symbols a fetch writes), on a
 * connection of its own: another process or run asking for an overlapping key waits until `fn`
 * has finished, then sees what it stored. The locks go with the connection if the process dies.
 *
 * All locks are tried at once and either all kept or all released; a waiter holds no connection
 * between attempts, so waiters can never take the whole pool from the holder.
 */
export async function withFetchLocks<T>(db: Knex, keys: readonly string[], fn: () => Promise<T>, opts: FetchLockOptions = {}): Promise<T> {
  const buckets = fetchLockBuckets(keys);
  if (buckets.length === 0) return fn();
  for (;;) {
    const conn: unknown = await db.client.acquireConnection();
    let got = false;
    try {
      const r = (await db
        .raw('SELECT bool_and(pg_try_advisory_lock(?::int, b)) AS ok FROM unnest(?::int[]) AS t(b)', [FETCH_LOCK_CLASS, buckets])
        .connection(conn)) as { rows: { ok: boolean }[] };
      got = r.rows[0]?.ok === true;
      if (got) return await fn();
    } finally {
      try {
        // Also after a partial success: the connection goes back to the pool holding nothing.
        await db.raw('SELECT pg_advisory_unlock_all()').connection(conn);
      } finally {
        await db.client.releaseConnection(conn);
      }
    }
    await pause(opts.pollMs ?? 100, opts.signal);
  }
}
