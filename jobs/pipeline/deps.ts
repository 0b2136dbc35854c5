import type { Knex } from 'knex';
import type { Logger } from '../../core/logger.js';
import type { MarketData } from '../market-data/market-data.js';
import type { IsoDate } from '../../core/dates.js';

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
  /** Enqueues one chunk job of a fanned-out run; returns its job id. */
  enqueueChunk(runId: string, chunkNo: number): Promise<string>;
}

/** The running job as the pipeline sees it: a signal that fires on lock loss or shutdown. */
export interface JobControl {
  signal: AbortSignal;
  /** Renews the job's lock with the current percent; throws when the lock was lost. */
  touch(percent: number): Promise<void>;
}

export type Closes = Map<string, { date: IsoDate; close: number }[]>;
