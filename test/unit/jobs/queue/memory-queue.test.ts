import { describe, expect, it } from 'vitest';
import { JOB_CHUNK, JOB_RUN } from '../../../../jobs/definitions.js';
import { ShutdownError, checkpoint, type JobControl, type JobHandlers } from '../../../../jobs/queue/job-queue.js';
import { createMemoryJobStore } from '../../../../jobs/queue/memory-queue.js';

const RUN_A = '00000000-0000-4000-8000-00000000000a';
const RUN_B = '00000000-0000-4000-8000-00000000000b';

/** Handlers that record what ran, in order, and can be held open until released. */
function recordingHandlers() {
  const seen: string[] = [];
  const gates = new Map<string, () => void>();
  const hold = (key: string) => new Promise<void>((resolve) => gates.set(key, resolve));
  const handlers: JobHandlers = {
    async run({ runId }, ctl) {
      seen.push(`run ${runId}`);
      await ctl.touch(50);
      if (runId === RUN_B) await hold(runId);
    },
    chunk({ runId, chunkNo }) {
      seen.push(`chunk ${runId}/${chunkNo}`);
      if (chunkNo === 9) return Promise.reject(new Error('chunk 9 broke'));
      return Promise.resolve();
    },
    nightly() {
      seen.push('nightly');
      return Promise.resolve();
    },
    sweep() {
      seen.push('sweep');
      return Promise.resolve();
    },
  };
  return { handlers, seen, release: (key: string) => gates.get(key)?.() };
}

describe('the in-memory job store', () => {
  it('keeps jobs queued until a processor starts, reports them live, then runs them in order', async () => {
    const store = createMemoryJobStore();
    const runJob = await store.queue.enqueueRun(RUN_A);
    const chunkJob = await store.queue.enqueueChunk(RUN_A, 0);
    expect(await store.queue.liveJobs([runJob, chunkJob, 'unknown'])).toEqual([
      { id: runJob, name: JOB_RUN, state: 'queued' },
      { id: chunkJob, name: JOB_CHUNK, state: 'queued' },
    ]);
    const { handlers, seen } = recordingHandlers();
    await store.processor.start(handlers, { sweepEveryMs: 60_000 });
    await store.idle();
    expect(seen).toEqual([`run ${RUN_A}`, `chunk ${RUN_A}/0`]);
    expect(await store.queue.liveJobs([runJob, chunkJob])).toEqual([]);
    expect(store.jobs().map((j) => [j.name, j.state, j.percent])).toEqual([
      [JOB_RUN, 'done', 50],
      [JOB_CHUNK, 'done', 0],
    ]);
    await store.close();
  });

  it('runs at most `concurrency` jobs at once; a failing job is marked failed and the rest go on', async () => {
    const store = createMemoryJobStore({ concurrency: 1 });
    const { handlers, seen, release } = recordingHandlers();
    await store.processor.start(handlers, { sweepEveryMs: 60_000 });
    const held = await store.queue.enqueueRun(RUN_B);
    await store.queue.enqueueChunk(RUN_A, 9);
    await store.queue.enqueueRun(RUN_A);
    await new Promise((r) => setImmediate(r));
    // The first job is held open: the others wait behind it.
    expect(store.processor.running()).toBe(1);
    expect((await store.queue.liveJobs([held])).map((j) => j.state)).toEqual(['running']);
    expect(seen).toEqual([`run ${RUN_B}`]);
    release(RUN_B);
    await store.idle();
    expect(seen).toEqual([`run ${RUN_B}`, `chunk ${RUN_A}/9`, `run ${RUN_A}`]);
    expect(store.jobs().map((j) => j.state)).toEqual(['done', 'failed', 'done']);
    expect(store.jobs()[1]?.error).toBe('chunk 9 broke');
    await store.close();
  });

  it('interrupts running jobs with a shutdown, and drain stops taking new ones', async () => {
    const store = createMemoryJobStore({ concurrency: 2 });
    let stoppedWith: unknown;
    const waitForAbort = (ctl: JobControl) =>
      new Promise<void>((resolve) => {
        ctl.signal.addEventListener('abort', () => {
          try {
            checkpoint(ctl.signal);
          } catch (err) {
            stoppedWith = err;
          }
          resolve();
        });
      });
    const handlers: JobHandlers = {
      run: (_job, ctl) => waitForAbort(ctl),
      chunk: () => Promise.resolve(),
      nightly: () => Promise.resolve(),
      sweep: () => Promise.resolve(),
    };
    await store.processor.start(handlers, { sweepEveryMs: 60_000 });
    await store.queue.enqueueRun(RUN_A);
    await new Promise((r) => setImmediate(r));
    expect(store.processor.running()).toBe(1);
    store.processor.interruptAll();
    const drained = await store.processor.drain(5_000);
    expect(stoppedWith).toBeInstanceOf(ShutdownError);
    expect(drained).toEqual({ completed: 1, running: 0, timedOut: false });
    // After a drain nothing new starts.
    await store.queue.enqueueRun(RUN_B);
    await new Promise((r) => setImmediate(r));
    expect(store.jobs().at(-1)?.state).toBe('queued');
    await store.close();
  });

  it('registers one nightly schedule and fires the nightly handler on demand', async () => {
    const store = createMemoryJobStore();
    const { handlers, seen } = recordingHandlers();
    await expect(store.triggerNightly()).rejects.toThrow(/start its processor/);
    await store.processor.start(handlers, { sweepEveryMs: 60_000 });
    await store.queue.scheduleNightly({ cron: '30 18 * * 1-5', timezone: 'America/New_York' });
    await store.queue.scheduleNightly({ cron: '30 18 * * 1-5', timezone: 'America/New_York' });
    expect(store.nightlySchedule()).toEqual({ cron: '30 18 * * 1-5', timezone: 'America/New_York' });
    await store.triggerNightly();
    expect(seen).toEqual(['nightly']);
    await store.close();
  });
});
