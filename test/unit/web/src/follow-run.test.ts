import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunStatusView } from '../../../../client-sdk/types.js';
import { followRun, POLL_MS, SILENCE_MS, type RunFeed, type StreamHandlers, type WatchMode } from '../../../../web/src/follow-run.js';

const view = (status: string, percent = 0): RunStatusView => ({ status, percent }) as unknown as RunStatusView;

/** A feed under the test's control: the stream's handlers are kept, reads answer from a queue. */
function feed(opts: { canWatch: boolean; reads: RunStatusView[] }) {
  const state = { handlers: undefined as StreamHandlers | undefined, reads: 0, unsubscribed: 0 };
  const f: RunFeed = {
    canWatch: () => Promise.resolve(opts.canWatch),
    watch(h) {
      state.handlers = h;
      return () => void state.unsubscribed++;
    },
    status() {
      const next = opts.reads[Math.min(state.reads, opts.reads.length - 1)]!;
      state.reads++;
      return Promise.resolve(next);
    },
    isFinalError: () => false,
  };
  return { f, state };
}

function follow(f: RunFeed) {
  const updates: [string, WatchMode][] = [];
  const errors: unknown[] = [];
  const w = followRun(
    f,
    (s, mode) => updates.push([s.status, mode]),
    (e) => errors.push(e),
  );
  return { w, updates, errors };
}

describe('followRun', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('polls to the terminal status when the stream ends before a terminal view (a draining API)', async () => {
    const { f, state } = feed({ canWatch: true, reads: [view('running', 60), view('completed', 100)] });
    const { w, updates } = follow(f);
    await vi.advanceTimersByTimeAsync(0);
    state.handlers!.data(view('running', 40));
    state.handlers!.ended();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.unsubscribed).toBe(1);
    expect(updates).toEqual([
      ['running', 'subscription'],
      ['running', 'polling'],
    ]);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(updates.at(-1)).toEqual(['completed', 'polling']);
    // Terminal: no further reads.
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(state.reads).toBe(2);
    w.stop();
  });

  it('does not poll when the stream delivered the terminal view before ending', async () => {
    const { f, state } = feed({ canWatch: true, reads: [view('completed', 100)] });
    const { updates } = follow(f);
    await vi.advanceTimersByTimeAsync(0);
    state.handlers!.data(view('completed', 100));
    state.handlers!.ended();
    await vi.advanceTimersByTimeAsync(SILENCE_MS + POLL_MS * 3);
    expect(updates).toEqual([['completed', 'subscription']]);
    expect(state.reads).toBe(0);
  });

  it('polls when the stream errors, and when it stays silent', async () => {
    const errored = feed({ canWatch: true, reads: [view('completed', 100)] });
    const a = follow(errored.f);
    await vi.advanceTimersByTimeAsync(0);
    errored.state.handlers!.error(new Error('connection reset'));
    errored.state.handlers!.ended(); // an end after the error starts no second poller
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(a.updates).toEqual([['completed', 'polling']]);
    expect(errored.state.reads).toBe(1);

    const silent = feed({ canWatch: true, reads: [view('completed', 100)] });
    const b = follow(silent.f);
    await vi.advanceTimersByTimeAsync(SILENCE_MS - 1);
    expect(silent.state.reads).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.updates).toEqual([['completed', 'polling']]);
  });

  it('polls every POLL_MS when the server has no subscription, and stop() ends it', async () => {
    const { f, state } = feed({ canWatch: false, reads: [view('running')] });
    const { w } = follow(f);
    await vi.advanceTimersByTimeAsync(0);
    expect(state.reads).toBe(1);
    await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    expect(state.reads).toBe(3);
    w.stop();
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(state.reads).toBe(3);
    expect(state.handlers).toBeUndefined();
  });
});
