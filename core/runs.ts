/**
 * The vocabulary of runs, shared by every layer: scopes, sources, statuses, phases, the progress
 * document a run keeps on its row, and the views the API returns. The pipeline writes these shapes;
 * the database stores them; the services read them. See docs/runs.md.
 */

export type RunScope = 'all' | 'portfolio';
export type RunSource = 'cron' | 'onboarding' | 'admin' | 'settings';
export type RunStatus = 'queued' | 'running' | 'completed' | 'partial' | 'failed';
export type TerminalStatus = Extract<RunStatus, 'completed' | 'partial' | 'failed'>;
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running'];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'partial', 'failed'];

export function isTerminalStatus(status: RunStatus): status is TerminalStatus {
  return TERMINAL_STATUSES.includes(status);
}

export type PhaseName = 'market_data' | 'symbol_factors' | 'symbol_metrics' | 'portfolio_analytics' | 'risk';
export const PHASE_ORDER: readonly PhaseName[] = ['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics', 'risk'];

export interface PhaseProgress {
  status: 'pending' | 'running' | 'done' | 'skipped' | 'failed';
  current: number;
  total: number;
  unit: string;
  startedAt: string | null;
  durationMs: number | null;
}

export interface RunCounters {
  vendorCalls: number;
  vendorRetries: number;
  vendorRateLimited: number;
  vendorCallsPlanned: number;
  barsWritten: number;
  symbols: number;
  portfolios: number;
  portfolioDates: number;
  snapshotsWritten: number;
  symbolFactorRows: number;
  positionExposureRows: number;
  portfolioExposureRows: number;
  /** Portfolio-days whose risk figures were computed. */
  riskDays: number;
  /** Risk rows written (summaries, sector and stress rows, matrices). */
  riskRows: number;
  /** Milliseconds the risk work took, summed over the chunks (they may overlap in time). */
  riskMs: number;
}

export interface RunWarning {
  code: string;
  message: string;
  symbol?: string;
  portfolioId?: string;
}

export interface ActivityEntry {
  at: string;
  message: string;
}

/** A portfolio whose analytics failed in a run, with the reason. */
export interface PortfolioFailure {
  portfolioId: string;
  error: string;
}

/** Facts kept with a run's progress, from which percent and ETA are derived when the row is read. */
export interface RunProgressExtra {
  /** Vendor calls per second the limiter allows. */
  callsPerSecond?: number;
  chunks?: number;
  note?: string;
  /** Symbols whose vendor fetch or factor computation failed (the run ends partial). */
  failedSymbols?: string[];
}

/** The progress document of a run: what its row holds besides status and timestamps. */
export interface RunDocument {
  phases: Partial<Record<PhaseName, PhaseProgress>>;
  counters: Partial<RunCounters>;
  progress: RunProgressExtra;
  warnings: RunWarning[];
  activityLog: ActivityEntry[];
}

export interface RunStatusView {
  runId: string;
  scope: RunScope;
  portfolioId: string | null;
  source: RunSource;
  status: RunStatus;
  requestedFrom: string | null;
  targetDate: string | null;
  force: boolean;
  createdAt: Date;
  startedAt: Date | null;
  heartbeatAt: Date | null;
  finishedAt: Date | null;
  /** 0..100 */
  percent: number;
  /** Seconds left, from the vendor limiter's rate and the calls left plus measured compute speed; null when unknown. */
  etaSeconds: number | null;
  currentPhase: PhaseName | null;
  phases: Partial<Record<PhaseName, PhaseProgress>>;
  counters: Partial<RunCounters>;
  warnings: RunWarning[];
  errorSummary: string | null;
  activityLog: ActivityEntry[];
  /** For a portfolio run: how far its snapshots reach versus the target date. */
  freshness: PortfolioFreshness | null;
  /** For a queued or running run: the workers that could take it (absent once the run has ended). */
  workers?: RunWorkers;
}

/** Workers as an active run's view shows them. */
export interface RunWorkers {
  /** Worker processes whose heartbeat is recent. */
  live: number;
  /** Why the run is not moving when no worker is live (NO_LIVE_WORKER_QUEUED / _RUNNING), else null. */
  note: string | null;
}

export const NO_LIVE_WORKER_QUEUED = 'no live worker: the run starts when a worker process is running (npm run worker)';
export const NO_LIVE_WORKER_RUNNING = 'no live worker: the worker of this run stopped beating; the run resumes when a worker process is running';

/** The workers part of an active run's view. */
export function runWorkers(status: RunStatus, live: number): RunWorkers {
  const note = live > 0 ? null : status === 'queued' ? NO_LIVE_WORKER_QUEUED : NO_LIVE_WORKER_RUNNING;
  return { live, note };
}

export interface PortfolioFreshness {
  portfolioId: string;
  lastCompleteSnapshot: string | null;
  lastSnapshot: string | null;
  targetDate: string;
  tradingDaysBehind: number;
}

export interface RequestRunInput {
  scope: RunScope;
  portfolioId?: string;
  /** First date to recompute (with force); YYYY-MM-DD. */
  from?: string;
  force?: boolean;
  source: RunSource;
  requestedBy?: string | null;
}

export interface RequestRunResult {
  runId: string;
  deduplicated: boolean;
}
