import { TickerChangeModel } from '../../../db/models/ticker-change.model.js';
import { continuousCloses, successorsBeyond } from '../../calc/ticker-continuity.js';
import type { EnsureBarsResult } from '../../market-data/market-data.js';
import type { Phase, RunContext } from '../run-context.js';

/** Rounds of follow-up fetches for new tickers found during the run (a chain found one link at a time). */
const MAX_FOLLOW_UPS = 3;

/** Records what one ensureBars call did on the run (calls, bars, unavailable and failed symbols, warnings). */
function recordFetch(ctx: RunContext, res: EnsureBarsResult, callsBefore: number): void {
  const { rec } = ctx;
  rec.set('vendorCallsPlanned', res.calls.planned);
  rec.set('vendorCalls', callsBefore + res.calls.made);
  rec.count('vendorRetries', res.calls.retried);
  rec.count('vendorRateLimited', res.calls.rateLimited);
  rec.count('barsWritten', res.barsWritten);
  for (const u of res.unavailable) {
    ctx.unavailable.set(u.symbol, u.reason);
    rec.warn({ code: 'price_unavailable', symbol: u.symbol, message: `${u.symbol}: no prices from the vendor (${u.reason})` });
  }
  for (const f of res.failed) {
    ctx.failedSymbols.add(f.symbol);
    rec.warn({ code: 'vendor_failure', symbol: f.symbol, message: `${f.symbol}: vendor request failed: ${f.error}` });
  }
  const ca = res.corporateActions;
  if (ca) {
    for (const f of ca.failed) {
      // Without its splits and dividends a symbol's numbers cannot be trusted: the run ends partial
      // and the next run asks again. Profiles and ticker events are best effort.
      if (f.kind === 'splits' || f.kind === 'dividends') ctx.failedSymbols.add(f.symbol);
      rec.warn({ code: 'vendor_failure', symbol: f.symbol, message: `${f.symbol}: vendor ${f.kind.replace('_', ' ')} request failed: ${f.error}` });
    }
    for (const i of ca.inactive) {
      rec.warn({ code: 'symbol_inactive', symbol: i.symbol, message: `${i.symbol}: the vendor lists it as inactive${i.since ? ` since ${i.since}` : ''} (delisted or renamed)` });
    }
  }
}

/**
 * Every missing daily bar of the symbols in scope over the run's price window, and their splits,
 * dividends, ticker details and ticker events through its last day, once per run, with as few vendor
 * calls as the API allows (one plan, one progress, one ETA); then the closes the later phases read. A
 * rejected key throws (the run fails); a failure of one symbol is recorded and the others continue.
 */
export const marketDataPhase: Phase = {
  name: 'market_data',
  async run(ctx) {
    const { deps, rec, plan } = ctx;
    rec.doc.progress.callsPerSecond = deps.vendorCallsPerSecond;
    // A resumed run keeps counting from what earlier attempts spent.
    const callsBefore = rec.doc.counters.vendorCalls ?? 0;
    await rec.startPhase('market_data', 0, 'calls');
    rec.log(`fetching missing bars for ${plan.symbols.length} symbols over ${plan.fetchFrom}..${plan.fetchTo}`);
    const res = await deps.marketData.ensureBars(plan.symbols, plan.fetchFrom, plan.fetchTo, {
      signal: ctx.ctl.signal,
      corporateActions: { asOf: plan.fetchTo },
      onProgress: async (p) => {
        rec.set('vendorCallsPlanned', p.callsPlanned);
        rec.set('vendorCalls', callsBefore + p.callsDone);
        await rec.advance('market_data', p.callsDone, p.callsPlanned);
      },
    });
    recordFetch(ctx, res, callsBefore);
    const ca = res.corporateActions;
    // A ticker change found by this fetch (first sight of a renamed symbol): its new ticker is fetched
    // now, over the same window, so the days after the change are valued in this run. If that fetch
    // fails, the new ticker is a failed symbol and those days stay incomplete until a run has it.
    let made = res.calls.made;
    let written = ca?.tickerChangesWritten ?? 0;
    for (let round = 0; round < MAX_FOLLOW_UPS && written > 0; round++) {
      const held = [...plan.symbolDates.keys()];
      plan.tickerChanges = await TickerChangeModel.continuationsOf(deps.knex, held);
      const known = new Set(plan.symbols);
      const fresh = successorsBeyond(held, plan.tickerChanges, known);
      if (fresh.length === 0) break;
      rec.log(`following ticker changes: fetching ${fresh.join(', ')}`);
      plan.symbols = [...plan.symbols, ...fresh].sort();
      rec.set('symbols', plan.symbols.length);
      const before = callsBefore + made;
      const more = await deps.marketData.ensureBars(fresh, plan.fetchFrom, plan.fetchTo, { signal: ctx.ctl.signal, corporateActions: { asOf: plan.fetchTo } });
      recordFetch(ctx, more, before);
      rec.set('vendorCallsPlanned', before + more.calls.planned);
      made += more.calls.made;
      written = more.corporateActions?.tickerChangesWritten ?? 0;
    }
    const phase = rec.doc.phases.market_data;
    if (phase) phase.total = Math.max(phase.total, res.calls.planned);
    await rec.endPhase(
      'market_data',
      'done',
      `market data: ${made} vendor calls (${res.plan.strategy}), ${res.barsWritten} bars written, ${res.alreadyCached} symbols already cached, ${res.unavailable.length} unavailable, ${res.failed.length} failed` +
        (ca ? `; corporate actions: ${ca.listCalls + ca.detailsCalls + ca.eventsCalls} calls, ${ca.splitsWritten} splits and ${ca.dividendsWritten} dividends written` : ''),
    );
    // A renamed symbol's closes continue with its new ticker's from the change date on.
    ctx.closes = continuousCloses(await deps.marketData.loadCloses(plan.symbols, plan.fetchFrom, plan.fetchTo), plan.tickerChanges);
  },
};
