import { api } from '../api.js';
import { h, money, table } from '../dom.js';
import type { Page } from '../main.js';

/** The caller's portfolios (an admin's: all) with how fresh their analytics are. */
export const portfoliosPage: Page = async ({ main, title }) => {
  title('Portfolios');
  const list = await api.portfolio.list.query();
  if (list.length === 0) {
    main.append(h('p', {}, 'No portfolios yet. ', h('a', { href: '#/onboard' }, 'Onboard one from a CSV'), '.'));
    return;
  }
  // One batched request for the freshness of up to 20 portfolios at a time.
  const details = await Promise.all(list.map((p) => api.portfolio.get.query({ portfolioId: p.id })));
  const rows = list.map((p, i) => {
    const f = details[i]!.freshness;
    const fresh =
      f.lastCompleteSnapshot === null ? 'no snapshots yet' : f.tradingDaysBehind === 0 ? `up to date (${f.targetDate})` : `${f.tradingDaysBehind} trading day${f.tradingDaysBehind === 1 ? '' : 's'} behind ${f.targetDate}`;
    return [
      h('a', { href: `#/portfolios/${p.id}` }, p.name),
      String(p.positionCount),
      money(p.equityBalance),
      p.inceptionDate,
      f.lastCompleteSnapshot ?? '—',
      h('span', { class: f.tradingDaysBehind === 0 && f.lastCompleteSnapshot ? 'fresh' : 'stale' }, fresh),
    ];
  });
  main.append(table('Your portfolios', ['name', 'positions', 'equity', 'inception', 'last complete snapshot', 'freshness'], rows, { id: 'portfolio-list' }));
};
