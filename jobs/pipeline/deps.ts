import type { Knex } from 'knex';
import type { Logger } from '../../core/logger.js';
import type { RunObserver } from '../../core/observer.js';
import type { MarketData } from '../market-data/market-data.js';
import type { JobQueue } from '../queue/job-queue.js';

/** What the pipeline needs from the process around it. Built by the composition root. */
export interface PipelineDeps {
  knex: Knex;
  marketData: MarketData;
  logger: Logger;
  clock: () => Date;
  closeCutoff: string;
  chunkSize: number;
  /** Vendor calls per second the limiter allows (for ETAs). */
  vendorCallsPerSecond: number;
  /** Where chunk jobs of a fanned-out run are queued. */
  queue: JobQueue;
  /** Told about every run this process ends (the process's metrics). */
  observer?: RunObserver;
}
