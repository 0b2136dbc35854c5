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
    return h(
      'table',
      {},
      h('caption', {}, title),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.slice(0, 200).map((r) => h('tr', {}, cols.map((c) => h('td', {}, cell((r as Record<string, unknown>)[c])))))),
    );
  }
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    return h('dl', {}, Object.entries(data).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, cell(v))]));
  }
  return h('p', {}, rows ? 'None.' : cell(data));
}

/** A section that fills itself in when the procedure exists. */
export function optionalPanel(p: OptionalPanel): HTMLElement {
  const section = h('section', { class: 'optional', 'data-procedure': p.path, hidden: true }, h('h2', {}, p.title));
  optionalQuery(p.path, p.input).then(
    (data) => {
      if (data === undefined) return;
      section.hidden = false;
      section.append(render(p.title, data));
    },
    (err: unknown) => {
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

/** On the admin page: live workers. */
export const adminPanels = (): OptionalPanel[] => [{ title: 'Workers', path: 'batch.workers', input: {} }];
