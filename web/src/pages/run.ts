import type { RunStatusView } from '../../../client-sdk/types.js';
import { describeError } from '../api.js';
import { h, mount, seconds, statusBadge, table, when } from '../dom.js';
import { watchRun, POLL_MS, type WatchMode } from '../live.js';
import type { Page } from '../main.js';
import { workersNote } from '../optional.js';

const PHASES = ['market_data', 'symbol_factors', 'symbol_metrics', 'portfolio_analytics'] as const;

function view(s: RunStatusView, mode: WatchMode): HTMLElement[] {
  const c = s.counters;
  const pct = Math.round(s.percent);
  const terminal = s.status === 'completed' || s.status === 'partial' || s.status === 'failed';
  return [
    h(
      'p',
      { id: 'run-status' },
      'Status: ',
      statusBadge(s.status),
      s.status === 'queued' ? ' (waiting for a worker)' : '',
      s.currentPhase && !terminal ? ` · phase ${s.currentPhase}` : '',
      !terminal ? ` · ETA ${seconds(s.etaSeconds)}` : s.finishedAt ? ` · finished ${when(s.finishedAt)}` : '',
    ),
    workersNote(s) && !terminal ? h('p', { role: 'status', id: 'run-workers' }, `⚠ ${workersNote(s)}`) : h('span'),
    h('p', {}, h('label', { for: 'run-progress' }, `Progress ${pct} %`), ' ', h('progress', { id: 'run-progress', max: 100, value: pct }, `${pct} %`)),
    table(
      'Phases',
      ['phase', 'status', 'done', 'duration'],
      PHASES.map((name) => {
        const p = s.phases[name];
        return [name, statusBadge(p?.status ?? 'pending'), p ? `${p.current} / ${p.total} ${p.unit}` : '—', p?.durationMs !== null && p?.durationMs !== undefined ? `${(p.durationMs / 1000).toFixed(1)} s` : '—'];
      }),
      { id: 'run-phases' },
    ),
    h(
      'p',
      { id: 'run-vendor' },
      `Vendor calls ${c.vendorCalls ?? 0}${c.vendorCallsPlanned ? ` of ${c.vendorCallsPlanned} planned` : ''}, retried ${c.vendorRetries ?? 0}, rate-limited (429) ${c.vendorRateLimited ?? 0}; bars written ${c.barsWritten ?? 0}, snapshots written ${c.snapshotsWritten ?? 0}.`,
    ),
    s.errorSummary ? h('p', { role: 'alert', class: 'error' }, `Error: ${s.errorSummary}`) : h('span'),
    h('h2', {}, `Warnings (${s.warnings.length})`),
    s.warnings.length ? h('ul', { id: 'run-warnings' }, s.warnings.map((w) => h('li', {}, `⚠ ${w.symbol ? `${w.symbol}: ` : ''}${w.message}`))) : h('p', {}, 'None.'),
    h('h2', {}, 'Activity'),
    h('ol', { class: 'activity' }, s.activityLog.slice(-12).map((a) => h('li', {}, `${when(a.at)} ${a.message}`))),
    h('p', { class: 'hint' }, mode === 'subscription' ? 'Live updates (subscription).' : `Updated every ${POLL_MS / 1000} s.`),
    terminal && s.portfolioId ? h('p', {}, h('a', { href: `#/portfolios/${s.portfolioId}`, id: 'run-portfolio-link' }, 'Open the portfolio')) : h('span'),
  ];
}

/** A run's live progress: phases, percent, ETA, vendor calls, warnings. */
export const runPage: Page = async ({ main, title }, [runId]) => {
  title('Run');
  main.append(h('p', { class: 'hint' }, `Run ${runId}`));
  const body = h('div', { id: 'run', 'aria-live': 'polite', 'aria-atomic': 'false' });
  const err = h('p', { role: 'alert', class: 'error' });
  main.append(body, err);
  const w = watchRun(
    runId!,
    (s, mode) => {
      err.textContent = '';
      body.setAttribute('data-status', s.status);
      mount(body, view(s, mode));
    },
    (e) => {
      const d = describeError(e);
      err.textContent = d.code === 'NOT_FOUND' ? 'Not found (or not yours).' : `Could not read the run: ${d.message} (retrying)`;
    },
  );
  return () => w.stop();
};
