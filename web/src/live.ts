/**
 * Live run progress: the `batch.watch` subscription (server-sent events) when the server has it,
 * otherwise polling `batch.status` every 2 s, which the API is sized for. The choice is made per
 * watch: a GET of the procedure answers NOT_FOUND when it does not exist; any other answer means it
 * exists, and a subscription that fails or stays silent falls back to polling.
 */
import { createTRPCUntypedClient, httpSubscriptionLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter, RunStatusView } from '../../client-sdk/types.js';
import { api, authHeaders, describeError, tokenStore, TRPC_URL } from './api.js';

export const POLL_MS = 2_000;
const TERMINAL = new Set(['completed', 'partial', 'failed']);

export type WatchMode = 'subscription' | 'polling';

export interface Watch {
  stop(): void;
}

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
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | undefined;

  const poll = async (): Promise<void> => {
    if (stopped) return;
    try {
      const s = await api.batch.status.query({ runId, freshness: true });
      if (stopped || !s) return;
      onUpdate(s, 'polling');
      if (TERMINAL.has(s.status)) return;
    } catch (err) {
      onError(err);
      if (describeError(err).code === 'NOT_FOUND') return; // no such run (or not the caller's): nothing to follow
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };

  const subscribe = (): void => {
    const client = createTRPCUntypedClient<AppRouter>({
      links: [httpSubscriptionLink({ url: TRPC_URL, transformer: superjson, connectionParams: () => ({ token: tokenStore.get() ?? '' }) /* EventSource cannot send headers */ })],
    });
    let seen = false;
    const fallback = (): void => {
      unsubscribe?.();
      unsubscribe = undefined;
      if (!stopped) void poll();
    };
    const silence = setTimeout(() => {
      if (!seen) fallback();
    }, POLL_MS * 2);
    const sub = client.subscription('batch.watch', { runId }, {
      onData(data: unknown) {
        seen = true;
        const s = (data && typeof data === 'object' && 'data' in data ? (data as { data: unknown }).data : data) as RunStatusView;
        if (stopped) return;
        onUpdate(s, 'subscription');
        if (TERMINAL.has(s.status)) {
          clearTimeout(silence);
          unsubscribe?.();
        }
      },
      onError() {
        clearTimeout(silence);
        fallback();
      },
    });
    unsubscribe = () => sub.unsubscribe();
  };

  hasProcedure('batch.watch').then(
    (yes) => (yes ? subscribe() : void poll()),
    () => void poll(),
  );
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe?.();
    },
  };
}
