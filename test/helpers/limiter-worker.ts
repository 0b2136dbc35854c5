/**
 * A worker process for the clustered-limiter test: runs `jobs` no-op calls through a clustered
 * limiter and prints one JSON line per call start, then a summary line.
 * Usage: limiter-worker.ts <redisUrl> <limiterId> <jobs> <windowCalls> <windowMs> <label>
 */
import { createLimiter } from '../../jobs/market-data/limiter.js';

const [redisUrl, id, jobsArg, callsArg, msArg, label] = process.argv.slice(2);
if (!redisUrl || !id || !jobsArg || !callsArg || !msArg || !label) {
  console.error('usage: limiter-worker.ts <redisUrl> <limiterId> <jobs> <windowCalls> <windowMs> <label>');
  process.exit(2);
}

// A 1 s window at the default safety factor leaves only 40 ms for jitter between processes and
// event-loop lag on a loaded machine; 1.2 keeps an absolute margin of 200 ms, as a minute window has.
const limiter = createLimiter({ plan: 'free', window: { calls: Number(callsArg), ms: Number(msArg) }, safetyFactor: 1.2, redisUrl, id });
const write = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

await Promise.all(
  Array.from({ length: Number(jobsArg) }, (_, i) =>
    limiter.schedule(async () => {
      write({ worker: label, i, start: Date.now() });
      // A short "request" so that calls overlap the way HTTP calls do.
      await new Promise((r) => setTimeout(r, 20));
    }),
  ),
);
write({ worker: label, done: true, recoveries: limiter.recoveries(), counters: limiter.counters() });
await limiter.close();
process.exit(0);
