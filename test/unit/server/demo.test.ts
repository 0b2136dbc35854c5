import { describe, expect, it } from 'vitest';
import { corporateActionLines } from '../../../server/demo.js';

describe('the demo summary of corporate actions', () => {
  it('lists the splits and dividends met, with the dividend cash received and paid', () => {
    const lines = corporateActionLines(
      [
        { symbol: 'AAPL', date: '2026-03-02', kind: 'split', description: '4-for-1 split', shares: 400, cash: null },
        { symbol: 'AAPL', date: '2026-05-11', kind: 'dividend', description: 'dividend 0.26 per share (CD)', shares: 400, cash: 104 },
        { symbol: 'NVDA', date: '2026-05-20', kind: 'dividend', description: 'dividend 0.01 per share (CD)', shares: -40, cash: -0.4 },
      ],
      103.6,
    );
    expect(lines[1]).toBe('Corporate actions met: 1 split, 2 dividends');
    expect(lines[2]).toBe('  2026-03-02  AAPL    4-for-1 split: 400 shares held afterwards');
    expect(lines[3]).toBe('  2026-05-11  AAPL    dividend 0.26 per share (CD) on 400 shares: +$104.00 (received)');
    expect(lines[4]).toBe('  2026-05-20  NVDA    dividend 0.01 per share (CD) on -40 shares: −$0.40 (paid on the short)');
    expect(lines[5]).toBe('  dividend P&L since inception +$103.60 (inside the P&L above)');
  });

  it('says so when none were met', () => {
    expect(corporateActionLines([], null)).toEqual(['', 'Corporate actions met: 0 splits, 0 dividends', '  none stored for these positions in their holding periods']);
  });
});
