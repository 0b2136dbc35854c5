/**
 * Panels for procedures this server may not have yet. Each entry names a query and its input; the
 * panel shows its answer as a table (or a definition list for an object) and hides itself when the
 * server answers NOT_FOUND for the procedure. To give a panel a proper view once its procedure is in
 * the router type, move it into the page with the typed client.
 */
import { describeError, optionalQuery } from './api.js';
import { h } from './dom.js';

export interface OptionalPanel {
  title: string;
  path: string;
  input: unknown;
}

const MAX_ROWS = 100;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

function render(title: string, data: unknown): HTMLElement {
  const rows = Array.isArray(data)
    ? data
    : data && typeof data === 'object'
      ? (Object.values(data).find((v) => Array.isArray(v)) as unknown[] | undefined)
      : undefined;
  if (rows && rows.length && typeof rows[0] === 'object') {
    const cols = Object.keys(rows[0] as object).slice(0, 10);
    const shown = rows.slice(-MAX_ROWS);
    const tbl = h(
      'table',
      {},
      h('caption', {}, rows.length > shown.length ? `${title} (the last ${shown.length} of ${rows.length})` : title),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, shown.map((r) => h('tr', {}, cols.map((c) => h('td', {}, cell((r as Record<string, unknown>)[c])))))),
    );
    // Long lists stay folded so the page keeps its shape.
    return shown.length > 10 ? h('details', {}, h('summary', {}, `${rows.length} rows`), h('div', { class: 'scroll' }, tbl)) : h('div', { class: 'scroll' }, tbl);
  }
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    return h('dl', {}, Object.entries(data).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, cell(v))]));
  }
  return h('p', {}, rows ? 'None.' : cell(data));
}

/** A section that fills itself in when the procedure exists. */
export function optionalPanel(p: OptionalPanel): HTMLElement {
  // data-state: pending, then absent (no such procedure), shown or error.
  const section = h('section', { class: 'optional', 'data-procedure': p.path, 'data-state': 'pending', hidden: true }, h('h2', {}, p.title));
  optionalQuery(p.path, p.input).then(
    (data) => {
      section.dataset.state = data === undefined ? 'absent' : 'shown';
      if (data === undefined) return;
      section.hidden = false;
      section.append(render(p.title, data));
    },
    (err: unknown) => {
      section.dataset.state = 'error';
      section.hidden = false;
      section.append(h('p', { class: 'error' }, `Could not load: ${describeError(err).message}`));
    },
  );
  return section;
}

/** On the portfolio page: risk figures, trades and cash flows. */
export const portfolioPanels = (portfolioId: string): OptionalPanel[] => [
  { title: 'Risk', path: 'portfolio.risk', input: { portfolioId } },
  { title: 'Risk history', path: 'portfolio.riskHistory', input: { portfolioId } },
  { title: 'Trades', path: 'portfolio.trades', input: { portfolioId } },
  { title: 'Cash flows', path: 'portfolio.cashFlows', input: { portfolioId } },
];

/** Live workers as `/readyz` lists them (`workers: { live, list }`), when the server reports them. */
interface ReadyWorkers {
  live: number;
  list: { id: string; host: string; pid: number; startedAt: string; lastBeatAt: string; runningJobs: number; concurrency: number }[];
}

/** On the admin page: live workers, from the readiness probe; hidden when the server does not list them. */
export function workersPanel(): HTMLElement {
  const section = h('section', { class: 'optional', id: 'workers', 'data-state': 'pending', hidden: true }, h('h2', {}, 'Workers'));
  fetch('/readyz')
    .then((r) => r.json() as Promise<{ status?: string; workers?: ReadyWorkers }>)
    .then(
      (ready) => {
        section.dataset.state = ready.workers ? 'shown' : 'absent';
        if (!ready.workers) return;
        section.hidden = false;
        const w = ready.workers;
        section.append(
          h('p', {}, `${w.live} live worker${w.live === 1 ? '' : 's'}${w.live === 0 ? ': queued runs wait until a worker process runs (npm run worker)' : ''}. API: ${ready.status ?? '—'}.`),
          w.list.length
            ? h(
                'table',
                {},
                h('caption', {}, 'Live workers'),
                h('thead', {}, h('tr', {}, ['host', 'pid', 'started', 'last beat', 'jobs running / concurrency'].map((c) => h('th', { scope: 'col' }, c)))),
                h('tbody', {}, w.list.map((x) => h('tr', {}, [x.host, String(x.pid), x.startedAt, x.lastBeatAt, `${x.runningJobs} / ${x.concurrency}`].map((c) => h('td', {}, c))))),
              )
            : '',
        );
      },
      (err: unknown) => {
        section.dataset.state = 'error';
        section.hidden = false;
        section.append(h('p', { class: 'error' }, `Could not read the workers: ${err instanceof Error ? err.message : String(err)}`));
      },
    );
  return section;
}

/** Why an active run is not moving, when the server says so (`workers.note` of a run's view). */
export function workersNote(view: object): string | null {
  const w = (view as { workers?: { live: number; note: string | null } }).workers;
  return w?.note ?? null;
}
