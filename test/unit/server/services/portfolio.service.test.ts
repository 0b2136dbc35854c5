import { describe, expect, it } from 'vitest';
import type { SnapshotView } from '../../../../db/models/portfolio-snapshot.model.js';
import { analyticsStatus } from '../../../../server/services/portfolio.service.js';

const snapshot = (over: Partial<SnapshotView>): SnapshotView =>
  ({ date: '2026-11-20', isComplete: true, maxStaleDays: 0, betaMarketCoverage: 1, warnings: [], ...over }) as SnapshotView;

describe('the portfolio status from its latest snapshot', () => {
  it('is none before the first snapshot and ok with fresh prices', () => {
    expect(analyticsStatus(null).status).toBe('none');
    expect(analyticsStatus(snapshot({}))).toMatchObject({ status: 'ok', message: null });
  });

  it('says stale below 10 stale trading days and long-stale from 10 on, naming the symbols', () => {
    const stale = analyticsStatus(snapshot({ maxStaleDays: 3, warnings: [{ code: 'stale_price', symbol: 'AMZN', staleDays: 3 }] }));
    expect(stale).toMatchObject({ status: 'stale_prices', maxStaleDays: 3 });
    expect(stale.message).toMatch(/AMZN/);
    const long = analyticsStatus(snapshot({ maxStaleDays: 10, warnings: [{ code: 'long_stale_price', symbol: 'GOOGL', staleDays: 10 }] }));
    expect(long.status).toBe('long_stale');
    expect(long.message).toBe('GOOGL valued at a close 10 trading days old (halted, suspended or without vendor prices)');
  });

  it('says incomplete while vendor data is missing, naming what it waits for', () => {
    const s = analyticsStatus(snapshot({ isComplete: false, warnings: [{ code: 'data_pending', symbol: 'QUAL' }] }));
    expect(s.status).toBe('incomplete');
    expect(s.message).toMatch(/waiting for data of QUAL/);
  });
});
