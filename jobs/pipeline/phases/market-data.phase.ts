import type { Phase } from '../run-context.js';

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
    const phase = rec.doc.phases.market_data;
    if (phase) phase.total = Math.max(phase.total, res.calls.planned);
    await rec.endPhase(
      'market_data',
      'done',
      `market data: ${res.calls.made} vendor calls (${res.plan.strategy}), ${res.barsWritten} bars written, ${res.alreadyCached} symbols already cached, ${res.unavailable.length} unavailable, ${res.failed.length} failed` +
        (ca ? `; corporate actions: ${ca.listCalls + ca.detailsCalls + ca.eventsCalls} calls, ${ca.splitsWritten} splits and ${ca.dividendsWritten} dividends written` : ''),
    );
    ctx.closes = await deps.marketData.loadCloses(plan.symbols, plan.fetchFrom, plan.fetchTo);
  },
};
