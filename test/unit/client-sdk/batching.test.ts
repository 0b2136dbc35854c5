import { describe, expect, it } from 'vitest';
import { createClient, MAX_BATCH_CALLS } from '../../../client-sdk/index.js';
import { MAX_BATCH_CALLS as SERVER_MAX_BATCH_CALLS } from '../../../server/main.js';

describe('SDK batching', () => {
  it('never sends more calls in one HTTP request than the API accepts', async () => {
    expect(MAX_BATCH_CALLS).toBe(SERVER_MAX_BATCH_CALLS);
    const batches: number[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      const calls = url.pathname.replace('/trpc/', '').split(',').length;
      batches.push(calls);
      const body = Array.from({ length: calls }, () => ({ result: { data: { json: { role: 'admin', userId: null, email: null } } } }));
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const client = createClient({ url: 'http://api.invalid', token: 't', fetch: fakeFetch });
    const results = await Promise.all(Array.from({ length: 45 }, () => client.user.me.query()));
    expect(results).toHaveLength(45);
    expect(batches).toEqual([20, 20, 5]);
  });
});
