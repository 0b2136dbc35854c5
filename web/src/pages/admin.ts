import type { RunStatusView } from '../../../client-sdk/types.js';
import { api, describeError } from '../api.js';
import { h, mount, seconds, statusBadge, table, when } from '../dom.js';
import type { Page } from '../main.js';
import { workersPanel } from '../optional.js';

const STATUSES = ['queued', 'running', 'completed', 'partial', 'failed'];
const SOURCES = ['cron', 'onboarding', 'admin', 'settings'];

function select(id: string, label: string, options: [string, string][]): [HTMLElement, HTMLSelectElement] {
  const el = h('select', { id, name: id }, options.map(([v, t]) => h('option', { value: v }, t)));
  return [h('p', {}, h('label', { for: id }, label), el), el];
}

const duration = (r: RunStatusView): string => (r.startedAt && r.finishedAt ? seconds((new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000) : '—');

/** Admin: trigger a run, run history with filters, vendor calls and 429s, live workers (when the server reports them). */
export const adminPage: Page = async ({ main, title, me }) => {
  title('Admin');
  if (me.role !== 'admin') {
    main.append(h('p', {}, 'This page is for the admin token.'));
    return;
  }
  const portfolios = await api.portfolio.list.query();
  const names = new Map(portfolios.map((p) => [p.id, p.name]));
  const pfOptions: [string, string][] = [['', 'all portfolios'], ...portfolios.map((p): [string, string] => [p.id, p.name])];

  // Trigger a run.
  const [trigPf, trigPfSel] = select('trigger-portfolio', 'Scope', pfOptions);
  const from = h('input', { id: 'trigger-from', name: 'trigger-from', type: 'date', min: '1990-01-01' });
  const force = h('input', { id: 'trigger-force', name: 'trigger-force', type: 'checkbox' });
  const trigResult = h('p', { 'aria-live': 'polite' });
  const trigger = h(
    'form',
    {
      id: 'trigger-form',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        api.batch.run
          .mutate({ ...(trigPfSel.value ? { portfolioId: trigPfSel.value } : {}), ...(from.value ? { from: from.value } : {}), ...(force.checked ? { force: true } : {}) })
          .then(
            (r) => mount(trigResult, `${r.deduplicated ? 'A run for this scope was already queued or running: ' : 'Queued: '}`, h('a', { href: `#/runs/${r.runId}` }, `run ${r.runId}`)),
            (err: unknown) => mount(trigResult, h('span', { role: 'alert', class: 'error' }, describeError(err).message)),
          );
      },
    },
    h('h2', {}, 'Trigger a run'),
    trigPf,
    h('p', {}, h('label', { for: 'trigger-from' }, 'Recompute from (optional)'), from),
    h('p', {}, force, ' ', h('label', { for: 'trigger-force' }, 'Force: replace existing snapshots from that date')),
    h('button', { type: 'submit' }, 'Run'),
    trigResult,
  );

  // Run history with filters.
  const [fPf, fPfSel] = select('filter-portfolio', 'Portfolio', pfOptions);
  const [fStatus, fStatusSel] = select('filter-status', 'Status', [['', 'any'], ...STATUSES.map((s): [string, string] => [s, s])]);
  const [fSource, fSourceSel] = select('filter-source', 'Source', [['', 'any'], ...SOURCES.map((s): [string, string] => [s, s])]);
  const out = h('div', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', id: 'history-more' }, 'Older runs');
  let runs: RunStatusView[] = [];
  let before: Date | null = null;

  const draw = (): void => {
    const shown = runs.filter((r) => (!fStatusSel.value || r.status === fStatusSel.value) && (!fSourceSel.value || r.source === fSourceSel.value));
    const calls = shown.reduce((a, r) => a + (r.counters.vendorCalls ?? 0), 0);
    const retries = shown.reduce((a, r) => a + (r.counters.vendorRetries ?? 0), 0);
    const limited = shown.reduce((a, r) => a + (r.counters.vendorRateLimited ?? 0), 0);
    mount(
      out,
      h('p', { id: 'vendor-summary' }, `Vendor: ${calls} calls in the ${shown.length} runs shown, ${retries} retried, ${limited} answered 429 (rate-limited).`),
      table(
        'Runs, newest first',
        ['run', 'status', 'source', 'scope', 'created', 'duration', 'vendor calls', '429s', 'warnings'],
        shown.map((r) => [
          h('a', { href: `#/runs/${r.runId}` }, r.runId.slice(0, 8)),
          statusBadge(r.status),
          r.source,
          r.portfolioId ? (names.get(r.portfolioId) ?? r.portfolioId.slice(0, 8)) : 'all',
          when(r.createdAt),
          duration(r),
          String(r.counters.vendorCalls ?? 0),
          String(r.counters.vendorRateLimited ?? 0),
          String(r.warnings.length),
        ]),
        { id: 'run-history' },
      ),
    );
    more.hidden = before === null;
  };
  const load = async (reset: boolean): Promise<void> => {
    if (reset) {
      runs = [];
      before = null;
    }
    const page = await api.batch.history.query({ limit: 50, ...(fPfSel.value ? { portfolioId: fPfSel.value } : {}), ...(before ? { before } : {}) });
    runs = [...runs, ...page.runs];
    before = page.nextBefore;
    draw();
  };
  const fail = (err: unknown): void => mount(out, h('p', { role: 'alert', class: 'error' }, describeError(err).message));
  fPfSel.addEventListener('change', () => void load(true).catch(fail));
  fStatusSel.addEventListener('change', draw);
  fSourceSel.addEventListener('change', draw);
  more.addEventListener('click', () => void load(false).catch(fail));

  main.append(
    trigger,
    h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'Run history'), h('div', { class: 'filters', role: 'group', 'aria-label': 'Filters' }, fPf, fStatus, fSource), out, more),
    workersPanel(),
  );
  await load(true);
};
