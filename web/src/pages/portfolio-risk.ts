/**
 * The portfolio page's risk figures (`portfolio.risk`), trades and cash flows, as small tables. A
 * figure without a value shows "—" and its reason from the summary's `unavailable` map. Ids the
 * browser test reads: `#risk`, `td[data-figure="<field>"][data-value]` (the API's number, unrounded).
 */
import type { CashFlowView, RiskSummary, RiskView, TradeView } from '../../../client-sdk/types.js';
import { api, describeError } from '../api.js';
import { h, money, mount, table, type Child } from '../dom.js';

type FigureKey = { [K in keyof RiskSummary]: RiskSummary[K] extends number | null ? K : never }[keyof RiskSummary] & string;
type Fmt = (v: number) => string;

const pct: Fmt = (v) => `${(v * 100).toFixed(2)} %`;
const dec: Fmt = (v) => v.toFixed(3);
const usd: Fmt = (v) => money(v);
const STRESS_ROWS = 5;

/** Why a figure is null, as a short text: the reason code and, when counted, observations of required. */
function reasonOf(s: RiskSummary, key: string): string {
  const u = (s.unavailable as Record<string, { reason: string; message?: string; observations?: number; required?: number } | undefined>)[key];
  if (!u) return '';
  return u.required !== undefined ? `${u.reason} (${u.observations ?? 0} of ${u.required} days)` : u.reason;
}

/** A value cell carrying the figure's field and raw value; null shows "—" with its reason as the cell's title. */
function figure(s: RiskSummary, key: FigureKey, fmt: Fmt): HTMLTableCellElement {
  const v = s[key] as number | null;
  return v === null ? h('td', { 'data-figure': key, title: reasonOf(s, key) }, '—') : h('td', { 'data-figure': key, 'data-value': String(v) }, fmt(v));
}

/** figure | value | why missing */
function figureTable(caption: string, s: RiskSummary, rows: [string, FigureKey, Fmt][], id: string): HTMLTableElement {
  return h(
    'table',
    { id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['figure', 'value', 'why missing'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([label, key, fmt]) => h('tr', {}, h('th', { scope: 'row' }, label), figure(s, key, fmt), h('td', {}, reasonOf(s, key))))),
  );
}

function riskBody(view: RiskView): Child[] {
  const s = view.summary;
  if (!s || !view.date) return [h('p', {}, 'No risk figures yet: they follow the portfolio’s first complete run.')];
  const varRow = (method: 'historical' | 'parametric'): HTMLTableRowElement =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, method),
      (['Var95', 'Var99', 'Es95', 'Es99'] as const).map((k) => figure(s, `${method}${k}`, usd)),
      figure(s, `${method}Var95ShareOfNav`, pct),
      h('td', {}, reasonOf(s, `${method}Var95`)),
    );
  const worst = [...view.stress].sort((a, b) => (a.correlated ?? a.direct ?? 0) - (b.correlated ?? b.direct ?? 0)).slice(0, STRESS_ROWS);
  const orDash = (v: number | null, fmt: Fmt): string => (v === null ? '—' : fmt(v));
  return [
    h('p', {}, `On ${view.date}: NAV ${money(s.nav)}, gross ${money(s.grossValue)}, ${s.holdings} holdings (${s.publicHoldings} public, ${s.privateHoldings} private, ${s.unpricedHoldings} unpriced).`),
    h(
      'div',
      { class: 'risk-grid' },
      figureTable(
        'Volatility (annualised)',
        s,
        [
          ['21 days', 'volatility21d', pct],
          ['63 days', 'volatility63d', pct],
          ['252 days', 'volatility252d', pct],
          ['EWMA forecast', 'volatilityEwma', pct],
          ['trend (21 / 63 − 1)', 'volatilityTrend', pct],
          ['percentile (1 year)', 'volatilityPercentile', pct],
        ],
        'risk-volatility',
      ),
      figureTable(
        'Correlation and concentration',
        s,
        [
          ['average pairwise correlation', 'averageCorrelation', dec],
          ['diversification ratio', 'diversificationRatio', dec],
          ['HHI', 'hhi', dec],
          ['effective holdings', 'effectiveHoldings', (v) => v.toFixed(1)],
          ['top-3 share', 'top3Share', pct],
          ['top-10 share', 'top10Share', pct],
        ],
        'risk-concentration',
      ),
    ),
    h(
      'table',
      { id: 'risk-var' },
      h('caption', {}, 'Value at risk and expected shortfall (1 day, USD)'),
      h('thead', {}, h('tr', {}, ['method', 'VaR 95', 'VaR 99', 'ES 95', 'ES 99', 'VaR 95 / NAV', 'why missing'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, varRow('historical'), varRow('parametric')),
    ),
    view.sectors.length
      ? table(
          'Sectors',
          ['sector', 'holdings', 'long', 'short', 'net / NAV', 'gross / NAV'],
          view.sectors.map((x) => [x.sector, String(x.holdings), usd(x.long), usd(x.short), orDash(x.netShareOfNav, pct), orDash(x.grossShareOfNav, pct)]),
          { id: 'risk-sectors' },
        )
      : h('p', {}, 'No sector rows.'),
    worst.length
      ? table(
          `Stress tests: the ${worst.length} worst of ${view.stress.length} (P&L, USD)`,
          ['scenario', 'direct', 'correlated', 'correlated / NAV'],
          worst.map((x) => [x.scenarioName, orDash(x.direct, usd), orDash(x.correlated, usd), orDash(x.correlatedShareOfNav, pct)]),
          { id: 'risk-stress' },
        )
      : h('p', {}, 'No stress results.'),
  ];
}

/** A section that fills itself in from one query; a failure shows a message in the section. */
function section<T>(id: string, heading: string, load: () => Promise<T>, body: (data: T) => Child[]): HTMLElement {
  const el = h('section', { id, 'data-state': 'pending' }, h('h2', {}, heading), h('p', { class: 'hint' }, 'Loading…'));
  load().then(
    (data) => {
      mount(el, h('h2', {}, heading), body(data));
      el.dataset.state = 'shown';
    },
    (err: unknown) => {
      mount(el, h('h2', {}, heading), h('p', { role: 'alert', class: 'error' }, `Could not load: ${describeError(err).message}`));
      el.dataset.state = 'error';
    },
  );
  return el;
}

const tradeRows = (trades: TradeView[]): Child[] =>
  trades.length
    ? [
        table(
          `Trades (${trades.length})`,
          ['date', 'symbol', 'quantity', 'price', 'fees', 'realised P&L'],
          trades.map((t) => [t.date, t.symbol, String(t.quantity), String(t.price), money(t.fees), money(t.realizedPnl)]),
          { id: 'trades-table' },
        ),
      ]
    : [h('p', {}, 'No trades since onboarding.')];

const cashFlowRows = (flows: CashFlowView[]): Child[] =>
  flows.length
    ? [
        table(
          `Cash flows (${flows.length})`,
          ['date', 'amount', 'note'],
          flows.map((f) => [f.date, `${f.amount >= 0 ? 'contribution' : 'withdrawal'} ${money(Math.abs(f.amount))}`, f.note ?? '']),
          { id: 'cash-flows-table' },
        ),
      ]
    : [h('p', {}, 'No contributions or withdrawals.')];

/** Risk, trades and cash flows of a portfolio, each loaded on its own. */
export function portfolioRiskSections(portfolioId: string): HTMLElement[] {
  return [
    section('risk', 'Risk', () => api.portfolio.risk.query({ portfolioId }), riskBody),
    section('trades', 'Trades', () => api.portfolio.trades.query({ portfolioId }), tradeRows),
    section('cash-flows', 'Cash flows', () => api.portfolio.cashFlows.query({ portfolioId }), cashFlowRows),
  ];
}
