/**
 * Live run views for batch.watch. Per watched run, one feed: a run-update notification triggers one
 * status read, whose view goes to every subscriber of that run (1,000 watchers of a run cost one read
 * per change, not 1,000). A feed re-reads on a slow timer as well, so a lost notification delays a
 * view but never stalls it. Views go out in order; a subscriber that falls behind keeps the newest
 * ones. A watch ends after the view with a terminal status, or when the hub closes (the API drains).
 */
import { isTerminalStatus, type RunStatusView } from '../../core/runs.js';
import type { RunUpdateSource } from '../../db/run-updates.js';
import type { Logger } from '../logger.js';

export interface RunWatchHub {
  /** Views of the run: the current one first, then one per change, the terminal one last. */
  watch(runId: string, signal?: AbortSignal): AsyncGenerator<RunStatusView, void, undefined>;
  /** Subscribers currently attached, over all runs. */
  readonly watchers: number;
  /** Ends every watch (their streams complete) and refuses new ones. */
  close(): void;
}

export interface RunWatchDeps {
  updates: RunUpdateSource;
  read: (runId: string) => Promise<RunStatusView | null>;
  logger: Logger;
  /** Re-read period without notifications (a safety net, not the mechanism). */
  resyncEveryMs?: number;
  /** Views a slow subscriber may have queued before the oldest are dropped. */
  maxQueued?: number;
}

interface Subscriber {
  queue: RunStatusView[];
  wake: (() => void) | null;
  ended: boolean;
}

interface Feed {
  runId: string;
  subs: Set<Subscriber>;
  last: RunStatusView | null;
  lastKey: string;
  reading: Promise<void> | null;
  dirty: boolean;
  unsubscribe: () => void;
  timer: NodeJS.Timeout;
}

/** What makes two views different for a watcher (the ETA is derived from the clock, not from a change). */
function keyOf(v: RunStatusView): string {
  return JSON.stringify({ ...v, etaSeconds: null });
}

export function createRunWatchHub(deps: RunWatchDeps): RunWatchHub {
  const log = deps.logger.child({ component: 'run-watch' });
  const resyncEveryMs = deps.resyncEveryMs ?? 15_000;
  const maxQueued = deps.maxQueued ?? 100;
  const feeds = new Map<string, Feed>();
  let closed = false;
  let watchers = 0;

  const push = (sub: Subscriber, view: RunStatusView): void => {
    sub.queue.push(view);
    if (sub.queue.length > maxQueued) sub.queue.splice(0, sub.queue.length - maxQueued);
    sub.wake?.();
  };

  const endSub = (sub: Subscriber): void => {
    sub.ended = true;
    sub.wake?.();
  };

  function refresh(feed: Feed): Promise<void> {
    if (feed.reading) {
      feed.dirty = true;
      return feed.reading;
    }
    feed.reading = (async () => {
      do {
        feed.dirty = false;
        let view: RunStatusView | null;
        try {
          view = await deps.read(feed.runId);
        } catch (err) {
          log.warn({ err, runId: feed.runId }, 'reading a watched run failed; the next change or resync retries');
          return;
        }
        if (!view) {
          for (const s of feed.subs) endSub(s);
          return;
        }
        const key = keyOf(view);
        if (key !== feed.lastKey) {
          feed.lastKey = key;
          feed.last = view;
          for (const s of feed.subs) push(s, view);
        }
        if (isTerminalStatus(view.status)) {
          for (const s of feed.subs) endSub(s);
          return;
        }
      } while (feed.dirty && feeds.get(feed.runId) === feed);
    })().finally(() => {
      feed.reading = null;
    });
    return feed.reading;
  }

  function feedOf(runId: string): Feed {
    let feed = feeds.get(runId);
    if (feed) return feed;
    const f: Feed = {
      runId,
      subs: new Set(),
      last: null,
      lastKey: '',
      reading: null,
      dirty: false,
      unsubscribe: () => undefined,
      timer: setInterval(() => void refresh(f), resyncEveryMs),
    };
    f.timer.unref();
    f.unsubscribe = deps.updates.subscribe(runId, () => void refresh(f));
    feeds.set(runId, f);
    feed = f;
    return feed;
  }

  function detach(feed: Feed, sub: Subscriber): void {
    feed.subs.delete(sub);
    watchers--;
    if (feed.subs.size === 0 && feeds.get(feed.runId) === feed) {
      feeds.delete(feed.runId);
      clearInterval(feed.timer);
      feed.unsubscribe();
    }
  }

  return {
    get watchers() {
      return watchers;
    },

    async *watch(runId, signal) {
      if (closed) return;
      const feed = feedOf(runId);
      const sub: Subscriber = { queue: [], wake: null, ended: false };
      feed.subs.add(sub);
      watchers++;
      const onAbort = (): void => endSub(sub);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // The LISTEN must be in place before the first read, or a change between the two is missed.
        await deps.updates.ready().catch((err: unknown) => log.warn({ err }, 'run updates unavailable; watching by periodic re-read'));
        // A feed that already holds a view while LISTEN is up is current (any change since would have
        // been read): a new subscriber takes it without a read of its own.
        if (feed.last && deps.updates.listening) await feed.reading;
        else await refresh(feed);
        // A feed that already had this view sent it to the earlier subscribers only.
        if (sub.queue.length === 0 && feed.last) push(sub, feed.last);
        for (;;) {
          const view = sub.queue.shift();
          if (view) {
            yield view;
            if (isTerminalStatus(view.status)) return;
            continue;
          }
          if (sub.ended || signal?.aborted) return;
          await new Promise<void>((resolve) => {
            sub.wake = resolve;
          });
          sub.wake = null;
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        detach(feed, sub);
      }
    },

    close() {
      closed = true;
      for (const feed of feeds.values()) for (const s of feed.subs) endSub(s);
    },
  };
}
