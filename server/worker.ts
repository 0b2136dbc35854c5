import { pathToFileURL } from 'node:url';
import { JOB_NIGHTLY, JOB_SWEEP } from '../jobs/definitions.js';
import { defineWorkerJobs } from '../jobs/job-runner.js';
import { sweepStaleRuns } from '../jobs/sweeper.js';
import { loadConfig } from './config.js';
import { createContainer, type Container } from './container.js';

export interface WorkerHandle {
  /** Stops taking jobs, asks running ones to hand their run back, waits up to the drain timeout. */
  stop(): Promise<void>;
  /** Runs the stale-run sweep now (it also runs at start-up and every SWEEP_EVERY_MS). */
  sweep(): ReturnType<typeof sweepStaleRuns>;
}

/** Defines the jobs on the container's Agenda, registers the nightly schedule, sweeps once and starts polling. */
export async function startWorker(container: Container): Promise<WorkerHandle> {
  const { config, logger, jobStore, batch, pipeline } = container;
  if (!pipeline) throw new Error('startWorker needs a container built with role "worker" or "all"');
  const agenda = jobStore.agenda;
  const sweep = () =>
    sweepStaleRuns({
      knex: container.knex,
      agenda,
      logger,
      lockLifetimeMs: config.batch.lockLifetimeMs,
      processEveryMs: config.batch.processEveryMs,
      enqueueRun: (runId) => batch.enqueue(runId),
    });
  const running = defineWorkerJobs(agenda, pipeline, {
    lockLifetimeMs: config.batch.lockLifetimeMs,
    concurrency: config.batch.concurrency,
    logger,
    requestNightlyRun: () => batch.requestRun({ scope: 'all', source: 'cron' }),
    sweep: async () => {
      await sweep();
    },
  });
  await sweep();
  await agenda.start();
  if (config.batch.scheduleNightly) {
    await agenda.every(config.batch.cron, JOB_NIGHTLY, undefined, { timezone: config.batch.timezone, skipImmediate: true });
  }
  await agenda.every(config.batch.sweepEveryMs, JOB_SWEEP, undefined, { skipImmediate: true });
  logger.info(
    { cron: config.batch.scheduleNightly ? config.batch.cron : null, lockLifetimeMs: config.batch.lockLifetimeMs, concurrency: config.batch.concurrency },
    'worker started',
  );
  let stopped = false;
  return {
    sweep,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.interruptAll();
      const r = await agenda.drain({ timeout: config.batch.shutdownDrainMs, closeConnection: false });
      logger.info(r, 'worker drained');
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const container = await createContainer({ config, role: 'worker' });
  const worker = await startWorker(container);
  let exiting = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    container.logger.info({ signal }, 'shutting down');
    await worker.stop();
    await container.close();
    process.exit(0);
  };
  for (const s of ['SIGTERM', 'SIGINT'] as const) {
    process.once(s, (sig) => {
      shutdown(sig).catch((err: unknown) => {
        container.logger.fatal({ err }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
