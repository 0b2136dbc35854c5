/**
 * Server facts the console shows when the server reports them: live workers from `/readyz` (the
 * admin page) and a run view's no-live-worker note (the run page).
 */
import { h } from './dom.js';

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
