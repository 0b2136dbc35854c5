/**
 * The console's API access: the typed tRPC client over the router type (the same setup a frontend on
 * another origin would use, see the README's client package) and the token kept for this tab.
 */
import { createTRPCClient, httpBatchLink, type TRPCLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter, PortfolioBatchClient } from '../../client-sdk/types.js';
import { describeError, MAX_BATCH_CALLS, type ApiErrorInfo } from '../../client-sdk/index.js';

export type { ApiErrorInfo };
export { describeError };

const TOKEN_KEY = 'portfolio-batch.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export const TRPC_URL = `${location.origin}/trpc`;

export function authHeaders(): Record<string, string> {
  const t = tokenStore.get();
  return t ? { authorization: `Bearer ${t}` } : {};
}

function links(): TRPCLink<AppRouter>[] {
  return [httpBatchLink({ url: TRPC_URL, transformer: superjson, maxItems: MAX_BATCH_CALLS, headers: authHeaders })];
}

/** The typed client: every call is checked against the router type at compile time. */
export const api: PortfolioBatchClient = createTRPCClient<AppRouter>({ links: links() });

export type Me = Awaited<ReturnType<PortfolioBatchClient['user']['me']['query']>>;
