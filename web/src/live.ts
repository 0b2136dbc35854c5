/**
 * Live run progress: the `batch.watch` subscription (server-sent events) when the server has it,
 * otherwise polling `batch.status` every 2 s, which the API is sized for. The choice is made per
 * watch: a GET of the procedure answers NOT_FOUND when it does not exist; any other answer means it
 * exists. A subscription that fails, stays silent or ends before a terminal view (an API that shuts
 * down ends its streams) falls back to polling (follow-run.ts).
 */
import { createTRPCUntypedClient, httpSubscriptionLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter, RunStatusView } from '../../client-sdk/types.js';
import { api, authHeaders, describeError, tokenStore, TRPC_URL } from './api.js';
import { followRun, type Watch, type WatchMode } from './follow-run.js';

export { POLL_MS, type Watch, type WatchMode } from './follow-run.js';

async function hasProcedure(path: string): Promise<boolean> {
  const ctl = new AbortController();
  const res = await fetch(`${TRPC_URL}/${path}`, { headers: authHeaders(), signal: ctl.signal });
  if (res.status !== 404) {
    ctl.abort(); // a subscription answers with a stream: the headers are all this needs
    return true;
  }
  const body = (await res.json().catch(() => null)) as { error?: { json?: { message?: string } } } | null;
  return !/procedure.* on path/i.test(body?.error?.json?.message ?? '');
}

export function watchRun(runId: string, onUpdate: (s: RunStatusView, mode: WatchMode) => void, onError: (err: unknown) => void): Watch {
  return followRun(
    {
      canWatch: () => hasProcedure('batch.watch'),
      status: () => api.batch.status.query({ runId, freshness: true }),
      isFinalError: (err) => describeError(err).code === 'NOT_FOUND', // no such run (or not the caller's)
      watch(handlers) {
        const client = createTRPCUntypedClient<AppRouter>({
          links: [httpSubscriptionLink({ url: TRPC_URL, transformer: superjson, connectionParams: () => ({ token: tokenStore.get() ?? '' }) /* EventSource cannot send headers */ })],
        });
        const sub = client.subscription('batch.watch', { runId }, {
          onData(data: unknown) {
            handlers.data((data && typeof data === 'object' && 'data' in data ? (data as { data: unknown }).data : data) as RunStatusView);
          },
          onError: handlers.error,
          // The server returned (a terminal view came first) or stopped the stream (shutdown).
          onStopped: handlers.ended,
          onComplete: handlers.ended,
        });
        return () => sub.unsubscribe();
      },
    },
    onUpdate,
    onError,
  );
}
