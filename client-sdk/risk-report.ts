/**
 * A compact text report of a portfolio's risk on one day, a table per section: volatility,
 * correlation and concentration, factor risk, VaR and ES, sectors, stress tests. Used by the CLI's
 * `risk` command and the demo. A figure without a value shows "—" and its reason.
 */
import type { RiskView } from './types.js';

type Summary = NonNullable<RiskView['summary']>;
type FigureKey = keyof Summary & string;

const pct = (v: number): string => `${(v * 100).toFixed(2)} %`;
const num = (v: number): string => v.toFixed(3);
const usd = (v: number): string => `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** Left-aligned first column, right-aligned others. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

function cell(s: Summary, key: FigureKey, fmt: (v: number) => string): [string, string] {
  const v = s[key];
  if (typeof v === 'number') return [fmt(v), ''];
  const u = (s.unavailable as Record<string, { reason: string; observations?: number; required?: number } | undefined>)[key];
  if (!u) return ['—', ''];
  return ['—', u.required !== undefined ? `${u.reason} (${u.observations ?? 0}/${u.required})` : u.reason];
}

function figureRows(s: Summary, rows: readonly [string, FigureKey, (v: number) => string][]): string[][] {
  return rows.map(([label, key, fmt]) => {
    const [value, note] = cell(s, key, fmt);
    return [label, value, note];
  });
}

const CONTRIBUTIONS: [string, FigureKey][] = [
  ['market', 'contributionMarket'],
  ['rates', 'contributionRates'],
  ['value', 'contributionValue'],
  ['growth', 'contributionGrowth'],
  ['momentum', 'contributionMomentum'],
  ['quality', 'contributionQuality'],
  ['size', 'contributionSize'],
  ['low volatility', 'contributionLowVolatility'],
];

/** The report's lines; `stressRows` limits the stress table to the worst scenarios by correlated (else direct) P&L. */
export function riskReportLines(view: RiskView, opts: { stressRows?: number } = {}): string[] {
  const s = view.summary;
  if (!s || !view.date) return [`portfolio ${view.portfolioId}: no risk figures yet (they follow the portfolio's first run)`];
  const lines: string[] = [
    `risk of portfolio ${view.portfolioId} on ${view.date}: NAV ${usd(s.nav)}, gross ${usd(s.grossValue)}, ${s.holdings} holdings (${s.publicHoldings} public, ${s.privateHoldings} private), ${s.unpricedHoldings} unpriced`,
    '',
    'Volatility (annualised)',
    ...table(
      ['figure', 'value', 'note'],
      figureRows(s, [
        ['21 days', 'volatility21d', pct],
        ['63 days', 'volatility63d', pct],
        ['252 days', 'volatility252d', pct],
        ['EWMA forecast', 'volatilityEwma', pct],
        ['trend (21/63 − 1)', 'volatilityTrend', pct],
        ['percentile (1 year)', 'volatilityPercentile', pct],
      ]),
    ),
    '',
    'Correlation and concentration',
    ...table(
      ['figure', 'value', 'note'],
      figureRows(s, [
        ['avg pairwise correlation', 'averageCorrelation', num],
        ['diversification ratio', 'diversificationRatio', num],
        ['HHI', 'hhi', num],
        ['effective holdings', 'effectiveHoldings', (v) => v.toFixed(1)],
        ['top-3 share', 'top3Share', pct],
        ['top-10 share', 'top10Share', pct],
      ]),
    ),
    '',
    'Factor risk (annualised dollars)',
    ...table(
      ['figure', 'value', 'note'],
      figureRows(s, [
        ['factor risk', 'factorRisk', usd],
        ['idiosyncratic risk', 'idiosyncraticRisk', usd],
        ['total risk', 'totalRisk', usd],
        ['total risk / NAV', 'totalRiskShareOfNav', pct],
        ['factor share of variance', 'factorShare', pct],
        ...CONTRIBUTIONS.map(([label, key]): [string, FigureKey, (v: number) => string] => [`contribution ${label}`, key, pct]),
      ]),
    ),
    '',
    'Value at risk and expected shortfall (1 day)',
    ...table(
      ['method', 'VaR 95', 'VaR 99', 'ES 95', 'ES 99', 'VaR 95 / NAV'],
      [
        ['historical', ...(['historicalVar95', 'historicalVar99', 'historicalEs95', 'historicalEs99'] as const).map((k) => cell(s, k, usd)[0]), cell(s, 'historicalVar95ShareOfNav', pct)[0]],
        ['parametric', ...(['parametricVar95', 'parametricVar99', 'parametricEs95', 'parametricEs99'] as const).map((k) => cell(s, k, usd)[0]), cell(s, 'parametricVar95ShareOfNav', pct)[0]],
      ],
    ),
  ];
  const missingVar = (['historicalVar95', 'parametricVar95'] as const).map((k) => cell(s, k, usd)[1]).filter((n) => n !== '');
  if (missingVar.length > 0) lines.push(`  (${missingVar.join('; ')})`);
  lines.push(
    '',
    'Sectors',
    ...table(
      ['sector', 'holdings', 'long', 'short', 'net / NAV', 'gross / NAV'],
      view.sectors.map((x) => [x.sector, String(x.holdings), usd(x.long), usd(x.short), x.netShareOfNav === null ? '—' : pct(x.netShareOfNav), x.grossShareOfNav === null ? '—' : pct(x.grossShareOfNav)]),
    ),
  );
  const key = (x: RiskView['stress'][number]): number => x.correlated ?? x.direct ?? 0;
  const stress = opts.stressRows === undefined ? view.stress : [...view.stress].sort((a, b) => key(a) - key(b)).slice(0, opts.stressRows);
  lines.push(
    '',
    opts.stressRows === undefined ? 'Stress tests (P&L)' : `Stress tests: the ${stress.length} worst (P&L)`,
    ...table(
      ['scenario', 'direct', 'correlated', 'difference', 'correlated / NAV'],
      stress.map((x) => [
        x.scenarioId,
        x.direct === null ? '—' : usd(x.direct),
        x.correlated === null ? '—' : usd(x.correlated),
        x.difference === null ? '—' : usd(x.difference),
        x.correlatedShareOfNav === null ? '—' : pct(x.correlatedShareOfNav),
      ]),
    ),
  );
  if (s.notes.length > 0) {
    lines.push('', 'Notes');
    const seen = new Set<string>();
    for (const n of s.notes) {
      if (seen.has(`${n.symbol}|${n.code}`)) continue;
      seen.add(`${n.symbol}|${n.code}`);
      lines.push(`  ${n.symbol.padEnd(8)} ${n.code}`);
    }
  }
  return lines;
}
