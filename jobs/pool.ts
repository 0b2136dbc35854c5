/**
 * Runs `fn` over `items` with at most `n` in flight; stops taking new items once `stop()` is true or
 * an item has thrown. Ends when every item taken has ended, then throws the first error, so nothing
 * is left running behind the caller.
 */
export async function pool<T>(items: readonly T[], n: number, stop: () => boolean, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop() && failure === undefined) {
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, () => worker()));
  if (failure !== undefined) throw failure.error;
}

/** `items` in consecutive slices of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
