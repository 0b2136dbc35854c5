/** The worker process (`npm run worker`): the composition root builds it, this file runs it until a signal stops it. */
import { pathToFileURL } from 'node:url';
import type { WorkerHandle } from '../jobs/worker.js';
import { loadConfig } from './config.js';
import { createContainer, type Container } from './container.js';
import { logStartupFailure } from './logger.js';
import { startMetricsServer } from './metrics.js';

export type { WorkerHandle };

/** Starts a worker on a container in this process (tests and benchmarks do; `main` below is the process). */
export function startWorker(container: Container): Promise<WorkerHandle> {
  return container.startWorker();
}

async function main(): Promise<void> {
  // Listen for the stop signals first: one arriving while the worker starts stops it once started
  // (it may already hold a job), instead of killing the process with the signal.
  const stop: { handler?: (signal: string) => void; requested?: string } = {};
  for (const s of ['SIGTERM', 'SIGINT'] as const) {
    process.once(s, (sig) => {
      if (stop.handler) stop.handler(sig);
      else stop.requested ??= sig;
    });
  }
  const config = loadConfig();
  const container = await createContainer({ config, role: 'worker' });
  const metricsServer = await startMetricsServer(container.metrics, { ...config.workerMetrics, logger: container.logger }).catch(async (err: unknown) => {
    await container.close();
    throw err;
  });
  const worker = await container.startWorker();
  let exiting = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    container.logger.info({ signal }, 'shutting down');
    await worker.stop();
    await metricsServer.close();
    await container.close();
    process.exit(0);
  };
  stop.handler = (sig) => {
    shutdown(sig).catch((err: unknown) => {
      container.logger.fatal({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  if (stop.requested) stop.handler(stop.requested);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    logStartupFailure(err, 'the worker');
    process.exit(1);
  });
}
