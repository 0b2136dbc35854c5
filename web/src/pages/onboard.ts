import { api, describeError, type ApiErrorInfo } from '../api.js';
import { h, mount } from '../dom.js';
import type { Page } from '../main.js';

const HEADER = 'Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share,Investment Class';

/**
 * Each CSV line next to the problems the API found on it (issues name the CSV line as `row`).
 * The split on commas is for display only; the API parses the CSV.
 */
function rowErrors(csv: string, e: ApiErrorInfo): HTMLElement {
  const lines = csv.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const byRow = new Map<number, string[]>();
  const general: string[] = [];
  for (const i of e.issues) {
    if (i.row === undefined) general.push(`${i.field}: ${i.message}`);
    else byRow.set(i.row, [...(byRow.get(i.row) ?? []), `${i.field}: ${i.message}`]);
  }
  const bad = byRow.size;
  return h(
    'section',
    { 'aria-labelledby': 'errors-title', id: 'onboard-errors' },
    h('h2', { id: 'errors-title' }, `Nothing was saved: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}${bad ? ` on ${bad} row${bad === 1 ? '' : 's'}` : ''}`),
    general.length ? h('ul', { class: 'error' }, general.map((g) => h('li', {}, g))) : null,
    h(
      'table',
      { id: 'csv-rows' },
      h('caption', {}, 'Your CSV, line by line, with the problems found on each line'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'line'), h('th', { scope: 'col' }, 'content'), h('th', { scope: 'col' }, 'problems'))),
      h(
        'tbody',
        {},
        lines.map((text, i) => {
          const problems = byRow.get(i + 1);
          return h(
            'tr',
            { 'data-row': i + 1, class: problems ? 'row-error' : '' },
            h('th', { scope: 'row' }, String(i + 1)),
            h('td', {}, h('code', {}, text)),
            h('td', {}, problems ? h('ul', { class: 'error' }, problems.map((p) => h('li', {}, `✗ ${p}`))) : i === 0 ? 'header' : 'ok'),
          );
        }),
      ),
    ),
  );
}

/** Onboarding: a name, the equity balance and a CSV (a file or pasted); the run's progress follows. */
export const onboardPage: Page = async ({ main, title }) => {
  title('Onboard a portfolio');
  const name = h('input', { id: 'name', name: 'name', required: true, maxlength: 200 });
  const equity = h('input', { id: 'equity', name: 'equity', required: true, inputmode: 'decimal', value: '1000000' });
  const file = h('input', { id: 'csv-file', name: 'csv-file', type: 'file', accept: '.csv,text/csv' });
  const text = h('textarea', { id: 'csv', name: 'csv', rows: 10, cols: 80, spellcheck: 'false', placeholder: HEADER });
  const submit = h('button', { type: 'submit' }, 'Onboard');
  const result = h('div', { 'aria-live': 'polite' });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (!f) return;
    void f.text().then((t) => {
      text.value = t;
      if (!name.value) name.value = f.name.replace(/\.csv$/i, '');
    });
  });
  const form = h(
    'form',
    {
      id: 'onboard-form',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        submit.disabled = true;
        mount(result, h('p', {}, 'Checking every row…'));
        const csv = text.value;
        api.portfolio.onboard.mutate({ name: name.value, equityBalance: equity.value.replace(/[,_ ]/g, ''), csv, currency: 'USD' }).then(
          (r) => {
            location.hash = `#/runs/${r.runId}`;
          },
          (err: unknown) => {
            submit.disabled = false;
            const e = describeError(err);
            mount(result, e.issues.length ? rowErrors(csv, e) : h('p', { role: 'alert', class: 'error' }, `Nothing was saved: ${e.message}`));
            (result.querySelector('h2') as HTMLElement | null)?.setAttribute('tabindex', '-1');
            (result.querySelector('h2') as HTMLElement | null)?.focus();
          },
        );
      },
    },
    h('p', {}, h('label', { for: 'name' }, 'Portfolio name'), name),
    h('p', {}, h('label', { for: 'equity' }, 'Equity balance (USD)'), equity),
    h('p', {}, h('label', { for: 'csv-file' }, 'CSV file'), file),
    h('p', {}, h('label', { for: 'csv' }, 'or paste the CSV'), text),
    h('p', { class: 'hint', id: 'csv-hint' }, `Header: ${HEADER} (the last three columns are optional). Every row is checked before anything is saved.`),
    submit,
  );
  text.setAttribute('aria-describedby', 'csv-hint');
  main.append(form, result);
};
