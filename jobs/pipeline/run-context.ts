import type { PhaseName } from '../../core/runs.js';
import type { Closes } from '../../db/models/bar.model.js';
import type { RunRecord } from '../../db/models/run.model.js';
import type { CorporateActions } from '../calc/corporate-actions.js';
import type { JobControl } from '../queue/job-queue.js';
import type { PipelineDeps } from './deps.js';
import type { RunPlan } from './plan-run.js';
import type { RunRecorder } from './run-recorder.js';

/** Everything one run's phases share: the process's dependencies, the run, its plan and what earlier phases found. */
export interface RunContext {
  readonly deps: PipelineDeps;
  readonly run: RunRecord;
  /** The run's progress document, written to its row. */
  readonly rec: RunRecorder;
  /** The job's abort signal and lock renewal. */
  readonly ctl: JobControl;
  readonly plan: RunPlan;
  /** Stored closes of the symbols in scope over the plan's price window; read once the market-data phase has run. */
  closes: Closes;
  /** Stored splits and cash dividends of the symbols in scope; read by the first phase that computes returns. */
  actions: Map<string, CorporateActions>;
  /** Symbols the vendor has no prices for, with the reason. */
  readonly unavailable: Map<string, string>;
  /** Symbols whose fetch or factor computation failed: the run ends partial. */
  readonly failedSymbols: Set<string>;
}

/** One phase of a run (docs/runs.md): every phase has this shape and runs over the run's context. */
export interface Phase {
  readonly name: PhaseName;
  run(ctx: RunContext): Promise<void>;
}
