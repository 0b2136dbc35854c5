import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { redisServerAvailable, startPrivateRedis } from '../../../helpers/redis-server.js';
import type { PrivateRedis } from '../../../helpers/redis-server.js';

const WORKER = fileURLToPath(new URL('../../../helpers/limiter-worker.ts', import.meta.url));
const WINDOW = { calls: 5, ms: 1000 };
const hasRedis = redisServerAvailable();
if (!hasRedis) {
  console.warn('clustered-limiter tests skipped: no redis-server binary on PATH (apt-get install redis-server)');
}

interface StartLine { worker: string; i: number; start: number }
interface DoneLine { worker: string; done: true; recoveries: number; counters: { made: number } }

const children = new Set<ChildProcess>();

interface Worker {
  starts: StartLine[];
  done: Promise<DoneLine>;
}

function runWorker(redisUrl: string, id: string, jobs: number, label: string, onStart?: (s: StartLine) => void): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, redisUrl, id, String(jobs), String(WINDOW.calls), String(WINDOW.ms), label], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const starts: StartLine[] = [];
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<DoneLine>((resolve, reject) => {
    let buf = '';
    let summary: DoneLine | undefined;
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const o = JSON.parse(line) as StartLine | DoneLine;
        if ('done' in o) summary = o;
        else {
          starts.push(o);
          onStart?.(o);
        }
      }
    });
    child.once('exit', (code) => (summary && code === 0 ? resolve(summary) : reject(new Error(`worker ${label} exited ${String(code)}: ${stderr}`))));
  });
  return { starts, done };
}

/** Most call starts in any window of WINDOW.ms. */
function maxInWindow(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < t.length; i++) best = Math.max(best, t.filter((x) => x >= t[i]! && x < t[i]! + WINDOW.ms).length);
  return best;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} stalled for ${ms} ms`)), ms))]);
}

describe.skipIf(!hasRedis)('clustered limiter (Bottleneck on a private redis-server)', () => {
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    // A stalled worker must not outlive its test.
    for (const c of children) c.kill('SIGKILL');
    await redis?.stop();
    redis = undefined;
  });

  it('two processes share one quota: never more than 5 starts per window together', async () => {
    redis = await startPrivateRedis();
    const id = `polygon-test-${randomBytes(4).toString('hex')}`;
    const a = runWorker(redis.url, id, 12, 'a');
    const b = runWorker(redis.url, id, 12, 'b');
    const [da, db] = await withTimeout(Promise.all([a.done, b.done]), 30_000, 'workers');
    expect(da.counters.made + db.counters.made).toBe(24);
    const all = [...a.starts, ...b.starts].map((s) => s.start);
    expect(all).toHaveLength(24);
    // Both really ran, interleaved, and together stayed under the limit.
    expect(a.starts.length).toBe(12);
    expect(b.starts.length).toBe(12);
    expect(maxInWindow(all)).toBeLessThanOrEqual(WINDOW.calls);
  });

  it('survives a Redis restart mid-run (lost keys are rebuilt) without stalling', async () => {
    redis = await startPrivateRedis();
    const r = redis;
    const id = `polygon-test-${randomBytes(4).toString('hex')}`;
    let total = 0;
    let restarted: Promise<void> | undefined;
    let restartAt = 0;
    const onStart = (): void => {
      total++;
      if (total === 8 && !restarted) {
        restarted = (async () => {
          await r.kill();
          restartAt = Date.now();
          await new Promise((res) => setTimeout(res, 300));
          await r.start();
        })();
      }
    };
    const a = runWorker(r.url, id, 12, 'a', onStart);
    const b = runWorker(r.url, id, 12, 'b', onStart);
    const [da, db] = await withTimeout(Promise.all([a.done, b.done]), 45_000, 'workers after a Redis restart');
    await restarted;
    expect(restartAt).toBeGreaterThan(0);
    expect(a.starts.length + b.starts.length).toBe(24);
    // At least one process noticed the lost state and rebuilt its limiter.
    expect(da.recoveries + db.recoveries).toBeGreaterThan(0);
    // After the restart the shared quota still holds.
    const after = [...a.starts, ...b.starts].map((s) => s.start).filter((t) => t > restartAt);
    expect(after.length).toBeGreaterThan(0);
    expect(maxInWindow(after)).toBeLessThanOrEqual(WINDOW.calls);
  });
});
