import { api } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { h, money, num, signedMoney, statusBadge, table } from '../dom.js';
import type { Page } from '../main.js';
import { portfolioRiskSections } from './portfolio-risk.js';

/** One portfolio: figures, equity curve, daily P&L, factor exposures (portfolio and per position), positions. */
export const portfolioPage: Page = async ({ main, title }, [portfolioId]) => {
  const id = portfolioId!;
  const [detail, page, ex, latestRun] = await Promise.all([
    api.portfolio.get.query({ portfolioId: id }),
    api.portfolio.snapshots.query({ portfolioId: id }),
    api.portfolio.exposures.query({ portfolioId: id }),
    api.batch.status.query({ portfolioId: id }),
  ]);
  title(detail.portfolio.name);
  const snaps = page.snapshots;
  const last = snaps[snaps.length - 1];
  const f = detail.freshness;
  const recompute = h('button', { type: 'button', id: 'recompute' }, 'Bring up to date');
  recompute.addEventListener('click', () => {
    recompute.disabled = true;
    void api.batch.run.mutate({ portfolioId: id }).then(
      (r) => {
        location.hash = `#/runs/${r.runId}`;
      },
      (err: unknown) => {
        recompute.disabled = false;
        recompute.after(h('span', { role: 'alert', class: 'error' }, ` ${(err as Error).message}`));
      },
    );
  });
  main.append(
    h(
      'p',
      { id: 'freshness' },
      `Snapshots ${detail.portfolio.inceptionDate} → ${f.lastCompleteSnapshot ?? '—'}; target ${f.targetDate}, `,
      f.tradingDaysBehind === 0 && f.lastCompleteSnapshot ? 'up to date' : `${f.tradingDaysBehind} trading days behind`,
      '. ',
      latestRun ? h('a', { href: `#/runs/${latestRun.runId}` }, 'Latest run: ', statusBadge(latestRun.status)) : '',
      ' ',
      recompute,
    ),
    last
      ? h(
          'dl',
          { class: 'figures', id: 'figures' },
          h('dt', {}, 'Value'),
          h('dd', {}, `${money(last.totalValue)} on ${last.date}`),
          h('dt', {}, 'Daily P&L'),
          h('dd', {}, signedMoney(last.dailyPnl)),
          h('dt', {}, 'Since inception'),
          h('dd', {}, signedMoney(last.cumulativePnl)),
          h('dt', {}, 'Long / short'),
          h('dd', {}, `${money(last.longValue)} / ${money(last.shortValue)}`),
          h('dt', {}, 'Gross / net exposure'),
          h('dd', {}, `${money(last.grossExposure)} / ${money(last.netExposure)}`),
        )
      : h('p', {}, 'No snapshots yet: the onboarding run has not written any.'),
    page.nextFrom ? h('p', { class: 'hint' }, `Showing the first ${snaps.length} days (from ${snaps[0]?.date}).`) : '',
    lineChart(
      'equity-chart',
      'Equity curve (total value, USD)',
      snaps.map((s) => ({ date: s.date, value: s.totalValue })),
    ),
    barChart(
      'pnl-chart',
      'Daily P&L (USD)',
      snaps.map((s) => ({ date: s.date, value: s.dailyPnl })),
    ),
    h('h2', {}, `Factor exposures${ex.date ? ` on ${ex.date}` : ''}`),
    table(
      'Portfolio factor exposures (exposure as a share of equity, and in dollars)',
      ['factor', 'exposure', 'dollars', 'coverage'],
      [...ex.portfolio].sort((a, b) => a.displayOrder - b.displayOrder).map((e) => [e.factorName, num(e.exposureValue, 3), money(e.exposureDollar), e.coverage === null ? '—' : `${Math.round(e.coverage * 100)} %`]),
      { id: 'portfolio-exposures' },
    ),
    (() => {
      const factors = [...ex.portfolio].sort((a, b) => a.displayOrder - b.displayOrder).map((e) => e.factorName);
      return h(
        'div',
        { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Betas per position' },
        table(
          'Betas per position',
          ['symbol', 'quantity', ...factors],
          ex.positions.map((p) => {
            const by = new Map(p.factors.map((x) => [x.factorName, x.beta]));
            return [p.symbol, String(p.quantity), ...factors.map((n) => num(by.get(n), 2))];
          }),
          { id: 'position-exposures' },
        ),
      );
    })(),
    h('h2', {}, 'Positions'),
    table(
      'Positions',
      ['symbol', 'quantity', 'entry', 'exit', 'prices'],
      detail.positions.map((p) => [
        p.symbol,
        String(p.quantity),
        `${p.entryDate} at ${p.entryPrice}`,
        p.exitDate ? `${p.exitDate} at ${p.exitPrice ?? '—'}` : 'open',
        p.priceStatus === 'unavailable' ? `✗ unavailable${p.unavailableReason ? `: ${p.unavailableReason}` : ''}` : (p.priceStatus ?? '—'),
      ]),
      { id: 'positions' },
    ),
    ...portfolioRiskSections(id),
  );
};
