/** Runs `fn` over `items` with at most `n` in flight; stops taking new items once `stop()` is true. */
export async function pool<T>(items: readonly T[], n: number, stop: () => boolean, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, () => worker()));
}
