import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, type Knex } from '../../../db/knex.js';
import { FETCH_LOCK_BUCKETS, fetchLockBuckets, withFetchLocks } from '../../../db/fetch-locks.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

let db: TestDatabase;
let other: Knex;
beforeAll(async () => {
  db = await createTestDatabase();
  other = createKnex({ url: db.url, poolMax: 1 });
});
afterAll(async () => {
  await other.destroy();
  await db.destroy();
});

describe('fetch locks', () => {
  it('hash keys into at most FETCH_LOCK_BUCKETS ascending buckets', () => {
    const b = fetchLockBuckets(Array.from({ length: 5000 }, (_, i) => `symbol:S${i}`));
    expect(b.length).toBeLessThanOrEqual(FETCH_LOCK_BUCKETS);
    expect([...b].sort((x, y) => x - y)).toEqual(b);
    expect(fetchLockBuckets(['symbol:AAPL', 'symbol:AAPL'])).toHaveLength(1);
  });

  it('make an overlapping holder wait, without a connection of its own while it waits; disjoint keys do not wait', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = withFetchLocks(db.knex, ['symbol:AAPL', 'symbol:MSFT'], async () => {
      order.push('first in');
      await held;
      order.push('first out');
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
    // A pool of one connection: the waiter gives it back between attempts, so it stays usable.
    const second = withFetchLocks(other, ['symbol:MSFT'], async () => void order.push('second'), { pollMs: 10 });
    await withFetchLocks(db.knex, ['symbol:NVDA'], async () => void order.push('disjoint'));
    expect(((await other.raw('SELECT 1 AS one')) as { rows: { one: number }[] }).rows[0]!.one).toBe(1);
    expect(order).toEqual(['first in', 'disjoint']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'disjoint', 'first out', 'second']);
  });

  it('stop waiting when the signal aborts, and leave nothing locked', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered = false;
    const first = withFetchLocks(db.knex, ['symbol:TLT'], async () => {
      entered = true;
      await held;
    });
    while (!entered) await new Promise((r) => setTimeout(r, 5));
    const ac = new AbortController();
    const waiting = withFetchLocks(other, ['symbol:TLT'], async () => 'ran', { pollMs: 10, signal: ac.signal });
    ac.abort(new Error('run cancelled'));
    await expect(waiting).rejects.toThrow('run cancelled');
    release();
    await first;
    expect(await withFetchLocks(other, ['symbol:TLT'], async () => 'free')).toBe('free');
  });
});
