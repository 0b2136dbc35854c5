import { describe, expect, it } from 'vitest';
import { limiterSettings } from '../../../../jobs/market-data/limiter.js';

/** Most call starts one process spaced by `minTimeMs` can put in any window of `windowMs`. */
const mostStartsInWindow = (minTimeMs: number, windowMs: number) => Math.floor(windowMs / minTimeMs) + (windowMs % minTimeMs === 0 ? 0 : 1);

describe('the plan shared by live workers without Redis', () => {
  it('one process keeps the whole plan', () => {
    expect(limiterSettings({ plan: 'free', callsPerMinute: 5 }, 1).minTimeMs).toBe(12_500);
    expect(limiterSettings({ plan: 'paid', callsPerSecond: 5 }, 1).minTimeMs).toBe(limiterSettings({ plan: 'paid', callsPerSecond: 5 }).minTimeMs);
  });

  it.each([
    { plan: 'free' as const, calls: 5, windowMs: 60_000 },
    { plan: 'paid' as const, calls: 5, windowMs: 1_000 },
    { plan: 'paid' as const, calls: 50, windowMs: 1_000 },
    { plan: 'free' as const, calls: 100, windowMs: 60_000 },
  ])('$plan plan of $calls calls: n processes together never start more than the plan in any window', ({ plan, calls, windowMs }) => {
    for (let share = 1; share <= calls; share++) {
      const s = limiterSettings(plan === 'free' ? { plan, callsPerMinute: calls } : { plan, callsPerSecond: calls }, share);
      expect(s.windowMs).toBe(windowMs);
      expect(share * mostStartsInWindow(s.minTimeMs, windowMs)).toBeLessThanOrEqual(calls);
    }
  });

  it('two processes on 5 calls a second take 2 each (the issue: 6 in one second drew a 429)', () => {
    const s = limiterSettings({ plan: 'paid', callsPerSecond: 5 }, 2);
    expect(mostStartsInWindow(s.minTimeMs, 1000)).toBe(2);
  });

  it('refuses a share below one', () => {
    expect(() => limiterSettings({ plan: 'paid' }, 0)).toThrow(RangeError);
  });
});
