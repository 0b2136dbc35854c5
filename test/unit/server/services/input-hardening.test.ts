import { describe, expect, it } from 'vitest';
import { magnitudeLimitOf, NUMERIC_COLUMNS, SNAPSHOT_MONEY_COLUMNS } from '../../../../db/numeric-columns.js';
import { BETA_CLIP } from '../../../../jobs/calc/factors.js';
import { formatIssue } from '../../../../server/services/errors.js';
import {
  checkAmount,
  decimalDigits,
  MONEY_EXACT_LIMIT,
  ONBOARD_LIMITS,
  PRICE_HEADROOM,
  validateOnboardRequest,
  type RawOnboardRequest,
  type RawPosition,
} from '../../../../server/services/onboard-validation.js';
import { asciiLower, asciiUpper, findUnsafeText, MAX_INPUT_DEPTH, nestingDepth, unsafeTextProblem } from '../../../../server/services/text-input.js';

const TODAY = '2025-06-13';
const good: RawPosition = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: '2024-03-01' };
const issuesOf = (r: Partial<RawOnboardRequest>): string[] => {
  const out = validateOnboardRequest({ name: 'Core', equityBalance: 100_000, positions: [good], ...r }, TODAY);
  if (out.ok) throw new Error('expected validation to fail');
  return out.issues.map(formatIssue);
};

describe('text rules', () => {
  it.each([
    ['a NUL', 'ab\u0000c', 'contains a NUL character (U+0000)'],
    ['a lone high surrogate', 'x\ud83d', 'contains an unpaired surrogate (U+D83D)'],
    ['a lone low surrogate', '\ude00x', 'contains an unpaired surrogate (U+DE00)'],
    ['reversed surrogates', '\ude00\ud83d', 'contains an unpaired surrogate (U+DE00)'],
    ['a NUL on line 3', 'a\nb\nc\u0000', 'contains a NUL character (U+0000) on line 3'],
  ])('refuses %s', (_label, s, message) => {
    expect(unsafeTextProblem(s)).toContain(message);
  });

  it('accepts valid Unicode, paired surrogates (emoji) included', () => {
    for (const s of ['', 'Core', 'Über 😀 ﬀ ſ ı', 'tab\tand\r\nbreaks']) expect(unsafeTextProblem(s)).toBeUndefined();
  });

  it('finds every bad string of an input with its path, property names included', () => {
    const problems = findUnsafeText({ name: 'a\u0000', positions: [{ symbol: 'ok' }, { symbol: '\ud800' }], ['k\u0000']: 1, fine: [1, true, null] });
    expect(problems.map((p) => p.path)).toEqual([['name'], ['positions', 1, 'symbol'], ['"k\\u0000"']]);
    expect(problems[2]?.message).toBe('property name contains a NUL character (U+0000); only valid Unicode text without NUL is accepted');
  });

  it('walks deep inputs without recursion and reports the depth limit', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestingDepth(deep)).toBe(MAX_INPUT_DEPTH + 1);
    expect(findUnsafeText(deep)).toEqual([{ path: Array(MAX_INPUT_DEPTH).fill(0), message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` }]);
    expect(nestingDepth({ a: [{ b: 1 }] })).toBe(3);
    expect(nestingDepth('x')).toBe(0);
  });

  it('maps case in ASCII only: ſ, ı, ﬀ and the Kelvin sign stay what they are', () => {
    expect(asciiUpper('ſpy ıbm ﬀ brk.b')).toBe('ſPY ıBM ﬀ BRK.B');
    expect(asciiLower('SYMBOL \u212A')).toBe('symbol \u212A');
    // What Unicode case mapping would have done:
    expect('ſpy'.toUpperCase()).toBe('SPY');
    expect('ıbm'.toUpperCase()).toBe('IBM');
    expect('ﬀ'.toUpperCase()).toBe('FF');
  });
});

describe('numbers the columns hold exactly', () => {
  it.each([
    ['1', 0, 1],
    ['1.50', 1, 2],
    ['0.0000015', 7, 2],
    ['1e-9', 9, 1],
    ['1.5e-7', 8, 2],
    ['1200', 0, 2],
    ['1e+21', 0, 1],
    ['0.000', 0, 0],
    ['123456789.12345678', 8, 17],
    ['-.25', 2, 2],
  ])('%s has %i decimals and %i significant digits', (text, decimals, significant) => {
    expect(decimalDigits(text)).toEqual({ decimals, significant });
  });

  const quantity = { column: NUMERIC_COLUMNS.quantity, max: ONBOARD_LIMITS.maxAbsQuantity, sign: 'nonzero', unit: ' shares' } as const;
  const price = { column: NUMERIC_COLUMNS.entryPrice, max: ONBOARD_LIMITS.maxPrice, sign: 'positive', unit: ' per share' } as const;

  it('refuses values with more decimals than the column keeps instead of rounding them', () => {
    expect(checkAmount(1e-9, quantity)).toEqual({ ok: false, message: '1e-9 has 9 decimal places; at most 8 are kept, so it would be stored as 0' });
    expect(checkAmount(0.0000015, price)).toEqual({ ok: false, message: '0.0000015 has 7 decimal places; at most 6 are kept, so it would be stored rounded' });
    expect(checkAmount('0.000000015', quantity)).toEqual({ ok: false, message: '"0.000000015" has 9 decimal places; at most 8 are kept, so it would be stored rounded' });
    expect(checkAmount('0.000000004', quantity)).toMatchObject({ ok: false, message: expect.stringContaining('stored as 0') });
    expect(checkAmount('0.00000001', quantity)).toEqual({ ok: true, value: 1e-8 });
    expect(checkAmount('$1,234.000001', price)).toEqual({ ok: true, value: 1234.000001 });
  });

  it('refuses values a double cannot carry exactly', () => {
    expect(checkAmount('123456789.12345678', quantity)).toEqual({ ok: false, message: '"123456789.12345678" has 17 significant digits; at most 15 are kept exactly' });
    expect(checkAmount(0.1 + 0.2, price)).toMatchObject({ ok: false, message: expect.stringContaining('has 17 decimal places') });
  });

  it('keeps every domain limit inside its column', () => {
    expect(ONBOARD_LIMITS.maxAbsQuantity).toBeLessThan(magnitudeLimitOf(NUMERIC_COLUMNS.quantity));
    expect(ONBOARD_LIMITS.maxPrice).toBeLessThan(magnitudeLimitOf(NUMERIC_COLUMNS.entryPrice));
    expect(ONBOARD_LIMITS.maxPrice).toBeLessThan(magnitudeLimitOf(NUMERIC_COLUMNS.exitPrice));
    expect(ONBOARD_LIMITS.maxEquity).toBeLessThan(magnitudeLimitOf(NUMERIC_COLUMNS.equityBalance));
  });

  it('derives the money limits so a valid portfolio keeps every snapshot figure exact to the cent', () => {
    // Doubles hold cents exactly up to 2^53 cents; the numeric(20,2) columns hold far more.
    expect(MONEY_EXACT_LIMIT).toBeCloseTo(Number.MAX_SAFE_INTEGER / 100, 0);
    for (const c of SNAPSHOT_MONEY_COLUMNS) expect(MONEY_EXACT_LIMIT).toBeLessThan(magnitudeLimitOf(c));
    const grossAfterMoves = ONBOARD_LIMITS.maxGrossValue * PRICE_HEADROOM;
    // Largest factor exposure; cash = equity − net exposure; value = equity + P&L (P&L ≤ the moved gross).
    expect(BETA_CLIP * grossAfterMoves).toBeLessThanOrEqual(MONEY_EXACT_LIMIT);
    expect(ONBOARD_LIMITS.maxEquity + grossAfterMoves).toBeLessThanOrEqual(MONEY_EXACT_LIMIT);
    expect(ONBOARD_LIMITS.maxGrossValue).toBe(1e12);
    expect(ONBOARD_LIMITS.maxEquity).toBe(1e13);
  });
});

describe('validateOnboardRequest: hostile values', () => {
  it.each<[string, Partial<RawOnboardRequest>, string]>([
    ['ſpy is not SPY', { positions: [{ ...good, symbol: 'ſpy' }] }, 'row 1, field symbol: "ſPY" is not a ticker: 1-15 ASCII characters'],
    ['ıbm is not IBM', { positions: [{ ...good, symbol: 'ıbm' }] }, 'row 1, field symbol: "ıBM" is not a ticker'],
    ['ﬀ is not FF', { positions: [{ ...good, symbol: 'ﬀ' }] }, 'row 1, field symbol: "ﬀ" is not a ticker'],
    ['publıc is not PUBLIC', { positions: [{ ...good, investmentClass: 'publıc' }] }, 'row 1, field investmentClass: must be PUBLIC or PRIVATE'],
    ['uſd is not USD', { currency: 'uſd' }, 'field currency: "uſd" is not supported'],
    ['NUL in the name', { name: 'Co\u0000re' }, 'field name: contains a NUL character (U+0000)'],
    ['a bell in the name', { name: 'Co\u0007re' }, 'field name: contains the control character U+0007'],
    ['lone surrogate in the key', { idempotencyKey: 'k\udc00' }, 'field idempotencyKey: contains an unpaired surrogate (U+DC00)'],
    ['NUL in a position field', { positions: [{ ...good, entryDate: '2024-03-01\u0000' }] }, 'row 1, field entryDate: contains a NUL character'],
    ['NUL in a CSV cell', { positions: undefined, csv: 'Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,10,15\u00000,2024-03-01' }, 'row 2, field Entry Price Per Share: contains a NUL character'],
    ['lone surrogate in a CSV header', { positions: undefined, csv: 'Symbol,Quantity\ud800,Entry Price Per Share,Entry Date\nAAPL,10,150,2024-03-01' }, 'row 1, field column 2: header contains an unpaired surrogate'],
    ['quantity 1e-9', { positions: [{ ...good, quantity: 1e-9 }] }, 'row 1, field quantity: 1e-9 has 9 decimal places; at most 8 are kept, so it would be stored as 0'],
    ['price 0.0000015', { positions: [{ ...good, entryPrice: 0.0000015 }] }, 'row 1, field entryPrice: 0.0000015 has 7 decimal places; at most 6 are kept'],
    ['exit price 1e-7', { positions: [{ ...good, exitDate: '2024-04-01', exitPrice: 1e-7 }] }, 'row 1, field exitPrice: 1e-7 has 7 decimal places'],
    ['equity in fractions of a cent', { equityBalance: '1000.005' }, 'field equityBalance: "1000.005" has 3 decimal places; at most 2 are kept'],
    ['quantity 1e12 × price 1e9', { positions: [{ ...good, quantity: 1e12, entryPrice: 1e9 }] }, 'row 1, field quantity: |quantity × price| is 1.00e+21; a position may be worth at most 1000000000000'],
    ['a high exit price counts too', { positions: [{ ...good, quantity: 1e6, entryPrice: 1, exitDate: '2024-04-01', exitPrice: 2e6 }] }, 'row 1, field quantity: |quantity × price| is 2.00e+12'],
    ['positions worth too much together', { positions: [{ ...good, quantity: 1e9, entryPrice: 600 }, { ...good, quantity: -1e9, entryPrice: 600 }] }, 'field positions: are worth 1.20e+12 together'],
  ])('%s', (_label, req, expected) => {
    expect(issuesOf(req).join('\n')).toContain(expected);
  });

  it('accepts the largest portfolio the limits allow', () => {
    const out = validateOnboardRequest(
      { name: 'Big', equityBalance: ONBOARD_LIMITS.maxEquity, positions: [{ ...good, quantity: 1e9, entryPrice: 500 }, { ...good, quantity: -1e9, entryPrice: 500 }] },
      TODAY,
    );
    expect(out.ok).toBe(true);
  });
});
