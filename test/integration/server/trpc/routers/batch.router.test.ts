/**
 * batch.watch over real HTTP (server-sent events): a real run through a real worker and the Polygon
 * simulator, fed by the run table's NOTIFY trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, describeError, waitForRun, type PortfolioBatchClient, type RunStatusView } from '../../../../../client-sdk/index.js';
import { PHASE_ORDER } from '../../../../../core/runs.js';
import { addTradingDays } from '../../../../../jobs/calc/trading-calendar.js';
import { createApiServer, type ApiServer } from '../../../../../server/main.js';
import { startWorker, type WorkerHandle } from '../../../../../server/worker.js';
import { startTestStack, TEST_TARGET, type TestStack } from '../../../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';

let stack: TestStack;
let api: ApiServer;
let worker: WorkerHandle | undefined;
let admin: PortfolioBatchClient;
let adaToken = '';
let ada: PortfolioBatchClient;
let bob: PortfolioBatchClient;

const csv = [
  'Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share,Investment Class',
  `AAPL,100,180,${addTradingDays(TEST_TARGET, -30)},,,PUBLIC`,
  `MSFT,-20,400,${addTradingDays(TEST_TARGET, -20)},,,`,
].join('\n');

beforeAll(async () => {
  // No worker yet: each test subscribes first, then lets a worker take the run.
  stack = await startTestStack({ worker: false, env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
  admin = createClient({ url: api.url, token: ADMIN });
  adaToken = (await admin.user.create.mutate({ email: 'ada@example.com' })).token;
  ada = createClient({ url: api.url, token: adaToken });
  bob = createClient({ url: api.url, token: (await admin.user.create.mutate({ email: 'bob@example.com' })).token });
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await stack?.stop();
});

/** Subscribes and collects views until the stream completes or fails. */
function collect(client: PortfolioBatchClient, runId: string): { views: RunStatusView[]; started: Promise<void>; done: Promise<'complete' | string> } {
  const views: RunStatusView[] = [];
  let onStarted!: () => void;
  const started = new Promise<void>((r) => (onStarted = r));
  const done = new Promise<'complete' | string>((resolve) => {
    client.batch.watch.subscribe(
      { runId },
      {
        onStarted: () => onStarted(),
        onData: (v) => {
          views.push(v);
          onStarted();
        },
        onComplete: () => resolve('complete'),
        onError: (err) => resolve(describeError(err).code),
      },
    );
  });
  return { views, started, done };
}

describe('batch.watch', () => {
  let runId = '';

  it('streams every phase of a real run, from queued to completed, and ends there', async () => {
    ({ runId } = await ada.portfolio.onboard.mutate({ name: 'Watched', equityBalance: 1_000_000, csv, idempotencyKey: 'watch-1' }));
    const watch = collect(ada, runId);
    await watch.started;
    worker = await startWorker(stack.container);
    expect(await watch.done).toBe('complete');

    const views = watch.views;
    expect(views[0]!.status).toBe('queued');
    expect(views.at(-1)!.status).toBe('completed');
    expect(views.filter((v) => v.status === 'completed')).toHaveLength(1);
    // Statuses only move forward.
    const rank = { queued: 0, running: 1, completed: 2, partial: 2, failed: 2 } as const;
    for (let i = 1; i < views.length; i++) expect(rank[views[i]!.status]).toBeGreaterThanOrEqual(rank[views[i - 1]!.status]);
    // Every phase was seen under way, before the terminal view.
    const running = views.filter((v) => v.status === 'running');
    for (const phase of PHASE_ORDER) {
      expect(running.some((v) => v.phases[phase] && v.phases[phase].status !== 'pending'), phase).toBe(true);
    }
    // Each phase's progress only grows from view to view.
    for (const phase of PHASE_ORDER) {
      const seen = running.map((v) => v.phases[phase]?.current ?? 0);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    // One view per change: consecutive views differ.
    for (let i = 1; i < views.length; i++) expect(JSON.stringify(views[i])).not.toBe(JSON.stringify(views[i - 1]));
  });

  it('answers a finished run with its final view and completes', async () => {
    const watch = collect(ada, runId);
    expect(await watch.done).toBe('complete');
    expect(watch.views.map((v) => v.status)).toEqual(['completed']);
  });

  it('takes the token as connectionParams, as a browser EventSource sends it (no headers)', async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { runId } }));
    const params = encodeURIComponent(JSON.stringify({ token: adaToken }));
    const res = await fetch(`${api.url}/trpc/batch.watch?input=${input}&connectionParams=${params}`, { headers: { accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await res.text();
    expect(body).toContain('"status":"completed"');
    expect(body).toContain('event: return');

    const anonymous = await fetch(`${api.url}/trpc/batch.watch?input=${input}`, { headers: { accept: 'text/event-stream' } });
    const text = await anonymous.text();
    expect(text).toContain('UNAUTHORIZED');
    expect(text).not.toContain('"status":"completed"');
  });

  it("answers another user's run as not found, like batch.status", async () => {
    const watch = collect(bob, runId);
    expect(await watch.done).toBe('NOT_FOUND');
    expect(watch.views).toEqual([]);
  });

  it('waitForRun follows a run live, and falls back to polling when the stream is unavailable', async () => {
    await worker?.stop();
    worker = undefined;
    const portfolioId = (await ada.portfolio.list.query())[0]!.id;
    const { runId: second } = await ada.batch.run.mutate({ portfolioId, force: true, from: addTradingDays(TEST_TARGET, -3) });
    const seen: RunStatusView[] = [];
    // Polling only every 60 s: finishing within the test's time shows the stream delivered the end.
    const waiting = waitForRun(ada, second, { intervalMs: 60_000, onProgress: (s) => seen.push(s) });
    await new Promise<void>((resolve) => {
      const check = (): void => void (seen.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    worker = await startWorker(stack.container);
    const final = await waiting;
    expect(final.status).toBe('completed');
    expect(seen[0]!.status).toBe('queued');
    expect(seen.at(-1)).toEqual(final);

    // A server without the stream (here: a fetch that refuses it) is polled.
    const noStream = createClient({
      url: api.url,
      token: adaToken,
      fetch: (url, init) => (String(url).includes('batch.watch') ? Promise.reject(new TypeError('stream refused')) : fetch(url, init)),
    });
    const polled = await waitForRun(noStream, second, { intervalMs: 50 });
    expect(polled.status).toBe('completed');
  });

  it('ends open watches when the API drains, so they do not hold the shutdown', async () => {
    await worker?.stop();
    worker = undefined;
    const portfolioId = (await ada.portfolio.list.query())[0]!.id;
    const { runId: third } = await ada.batch.run.mutate({ portfolioId, force: true, from: addTradingDays(TEST_TARGET, -2) });
    const other = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 60_000 });
    const client = createClient({ url: other.url, token: adaToken });
    const watch = collect(client, third);
    await new Promise<void>((resolve) => {
      const check = (): void => void (watch.views.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(stack.container.services.runWatch.watchers).toBe(1);
    await other.close();
    expect(await watch.done).toBe('complete');
    expect(watch.views.map((v) => v.status)).toEqual(['queued']);
    expect(stack.container.services.runWatch.watchers).toBe(0);

    // Only the draining server's streams ended: the other API process of this container still serves watches.
    const still = collect(ada, third);
    await new Promise<void>((resolve) => {
      const check = (): void => void (still.views.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(still.views[0]!.status).toBe('queued');
  });
});
