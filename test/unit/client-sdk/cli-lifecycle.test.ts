import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../../client-sdk/cli.js';

describe('CLI lifecycle commands', () => {
  it('parse with their options', () => {
    expect(parseCommand(['trade', 'p1', 'AAPL', '-5', '190.5', '--date', '2026-11-02', '--fees', '1.25', '--allow-short', '--idempotency-key', 'k'])).toMatchObject({
      kind: 'trade',
      portfolioId: 'p1',
      symbol: 'AAPL',
      quantity: '-5',
      price: '190.5',
      date: '2026-11-02',
      fees: '1.25',
      allowShort: true,
      idempotencyKey: 'k',
    });
    expect(parseCommand(['cash', 'p1', 'withdrawal', '100', '--date', '2026-11-02'])).toMatchObject({ kind: 'cash', type: 'withdrawal', amount: '100', date: '2026-11-02' });
    expect(parseCommand(['positions', 'p1', '--symbol', 'KO'])).toEqual({ kind: 'positions', portfolioId: 'p1', symbol: 'KO', json: false });
    expect(parseCommand(['portfolio', 'delete', 'p1', '--idempotency-key', 'd'])).toEqual({ kind: 'portfolio-delete', portfolioId: 'p1', idempotencyKey: 'd', json: false });
    expect(parseCommand(['import-trades', 'f.csv', '--portfolio', 'p1'])).toMatchObject({ kind: 'import-trades', file: 'f.csv', portfolioId: 'p1', allowShort: false });
  });

  it('say what is missing', () => {
    expect(() => parseCommand(['trade', 'p1', 'AAPL', '5', '10'])).toThrow(/--date/);
    expect(() => parseCommand(['cash', 'p1', 'gift', '5', '--date', '2026-11-02'])).toThrow(UsageError);
    expect(() => parseCommand(['import-trades', 'f.csv'])).toThrow(/--portfolio/);
    expect(() => parseCommand(['positions'])).toThrow(/portfolio id/);
    expect(() => parseCommand(['portfolio', 'list', '--idempotency-key', 'x'])).toThrow(/portfolio delete/);
  });
});
