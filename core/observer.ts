/**
 * What the pipeline reports about finished runs to whoever counts them (the process's metrics).
 * Optional everywhere: a pipeline without an observer behaves the same.
 */
import type { PhaseName, PhaseProgress, RunSource, TerminalStatus } from './runs.js';

export interface RunFinishedEvent {
  source: RunSource;
  status: TerminalStatus;
  phases: Partial<Record<PhaseName, PhaseProgress>>;
}

export interface RunObserver {
  /** Called by the process whose write ended the run, once per run. */
  runFinished(event: RunFinishedEvent): void;
}
