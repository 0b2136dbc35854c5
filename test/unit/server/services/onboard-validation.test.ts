import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, ValidationError } from '../../../../server/services/errors.js';
import {
  csvToRawPositions,
  parseCsvRecords,
  parseNumber,
  validateOnboardRequest,
  type RawOnboardRequest,
  type RawPosition,
} from '../../../../server/services/onboard-validation.js';

const TODAY = '2025-06-13';
const fixture = (name: string): string => readFileSync(new URL(`../../../fixtures/csv/${name}`, import.meta.url), 'utf8');

const good: RawPosition = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: '2024-03-01' };
const req = (positions: RawPosition[], extra: Partial<RawOnboardRequest> = {}): RawOnboardRequest => ({
  name: 'Core',
  equityBalance: 100_000,
  positions,
  ...extra,
});

function issuesOf(r: RawOnboardRequest): string[] {
  const out = validateOnboardRequest(r, TODAY);
  if (out.ok) throw new Error('expected validation to fail');
  return out.issues.map(formatIssue);
}

describe('validateOnboardRequest: JSON positions', () => {
  it('accepts a good request and normalises it', () => {
    const out = validateOnboardRequest(
      req([
        { ...good, symbol: ' aapl ', quantity: '1,000', entryPrice: '$150.5' },
        { symbol: 'brk.b', quantity: -5, entryPrice: 300, entryDate: '2023-01-03', exitDate: '2024-01-02', exitPrice: '310', investmentClass: 'private' },
      ]),
      TODAY,
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.inceptionDate).toBe('2023-01-03');
    expect(out.value.currency).toBe('USD');
    expect(out.value.positions[0]).toMatchObject({ row: 1, symbol: 'AAPL', quantity: 1000, entryPrice: 150.5, exitDate: null, investmentClass: 'PUBLIC' });
    expect(out.value.positions[1]).toMatchObject({ row: 2, symbol: 'BRK.B', quantity: -5, exitDate: '2024-01-02', exitPrice: 310, investmentClass: 'PRIVATE' });
  });

  // Each field wrong in each way: [field override, expected message fragment].
  const corpus: [string, Partial<RawPosition>, string][] = [
    ['symbol empty', { symbol: '  ' }, 'row 1, field symbol: is required'],
    ['symbol starts with a digit', { symbol: '1ABC' }, 'row 1, field symbol: "1ABC" is not a ticker'],
    ['symbol too long', { symbol: 'ABCDEFGHIJKLMNOP' }, 'field symbol: "ABCDEFGHIJKLMNOP" is not a ticker'],
    ['symbol with a space', { symbol: 'BRK B' }, 'is not a ticker'],
    ['symbol with a slash', { symbol: 'BRK/B' }, 'is not a ticker'],
    ['quantity zero', { quantity: 0 }, 'row 1, field quantity: must not be 0'],
    ['quantity text', { quantity: 'ten' }, 'row 1, field quantity: must be a number, got "ten"'],
    ['quantity empty', { quantity: '' }, 'row 1, field quantity: is required'],
    ['quantity too big', { quantity: 2e12 }, 'row 1, field quantity: 2000000000000 is too large'],
    ['quantity too small', { quantity: -2e12 }, 'field quantity: -2000000000000 is too large'],
    ['quantity infinite', { quantity: Infinity }, 'field quantity: must be a finite number'],
    ['quantity NaN', { quantity: NaN }, 'field quantity: must be a finite number'],
    ['quantity overflowing text', { quantity: '1e400' }, 'field quantity: must be a finite number'],
    ['quantity hex', { quantity: '0x10' }, 'field quantity: must be a number'],
    ['price zero', { entryPrice: 0 }, 'row 1, field entryPrice: must be positive, got 0'],
    ['price negative', { entryPrice: -1 }, 'field entryPrice: must be positive'],
    ['price too big', { entryPrice: 2e9 }, 'field entryPrice: 2000000000 is too large'],
    ['price text', { entryPrice: 'n/a' }, 'field entryPrice: must be a number'],
    ['entry date missing', { entryDate: '' }, 'row 1, field entryDate: is required'],
    ['entry date US format', { entryDate: '03/01/2024' }, 'field entryDate: must be a date as YYYY-MM-DD, got "03/01/2024"'],
    ['entry date with time', { entryDate: '2024-03-01T00:00:00Z' }, 'field entryDate: must be a date as YYYY-MM-DD'],
    ['entry date does not exist', { entryDate: '2023-02-29' }, 'field entryDate: 2023-02-29 is not a calendar date'],
    ['entry date month 13', { entryDate: '2023-13-01' }, 'field entryDate: 2023-13-01 is not a calendar date'],
    ['entry date in the future', { entryDate: '2025-06-14' }, 'field entryDate: 2025-06-14 is in the future (today is 2025-06-13 in New York)'],
    ['entry date before 1990', { entryDate: '1989-12-29' }, 'field entryDate: 1989-12-29 is before 1990-01-01'],
    ['exit date before entry', { exitDate: '2024-02-01', exitPrice: 1 }, 'field exitDate: 2024-02-01 must be after the entry date 2024-03-01'],
    ['exit date equal to entry', { exitDate: '2024-03-01', exitPrice: 1 }, 'must be after the entry date'],
    ['exit date in the future', { exitDate: '2026-01-02', exitPrice: 1 }, 'field exitDate: 2026-01-02 is in the future'],
    ['exit date malformed', { exitDate: '2024-3-5', exitPrice: 1 }, 'field exitDate: must be a date as YYYY-MM-DD'],
    ['exit date without price', { exitDate: '2024-05-01' }, 'row 1, field exitPrice: is required when an exit date is given'],
    ['exit price without date', { exitPrice: 12 }, 'row 1, field exitDate: is required when an exit price is given'],
    ['exit price negative', { exitDate: '2024-05-01', exitPrice: -3 }, 'field exitPrice: must be positive'],
    ['investment class unknown', { investmentClass: 'CRYPTO' }, 'row 1, field investmentClass: must be PUBLIC or PRIVATE, got "CRYPTO"'],
  ];
  it.each(corpus)('%s', (_label, override, expected) => {
    const issues = issuesOf(req([{ ...good, ...override }]));
    expect(issues.join('\n')).toContain(expected);
  });

  it('reports every bad row and field at once, rows 1-based', () => {
    const issues = issuesOf(
      req([good, { symbol: '', quantity: 0, entryPrice: -1, entryDate: 'x' }, good, { ...good, investmentClass: 'X' }], { name: '', equityBalance: -5 }),
    );
    expect(issues).toEqual([
      'field name: is required',
      'field equityBalance: must be positive, got -5',
      'row 2, field symbol: is required',
      'row 2, field quantity: must not be 0 (negative means short)',
      'row 2, field entryPrice: must be positive, got -1',
      'row 2, field entryDate: must be a date as YYYY-MM-DD, got "x"',
      'row 4, field investmentClass: must be PUBLIC or PRIVATE, got "X"',
    ]);
  });

  it('checks the envelope', () => {
    expect(issuesOf(req([good], { name: 'x'.repeat(201) }))).toEqual(['field name: is 201 characters; at most 200']);
    expect(issuesOf(req([good], { equityBalance: 2e13 }))).toEqual(['field equityBalance: 20000000000000 is too large; at most 10000000000000']);
    expect(issuesOf(req([good], { equityBalance: 'lots' }))[0]).toContain('field equityBalance: must be a number');
    expect(issuesOf(req([good], { currency: 'EUR' }))[0]).toContain('field currency: "EUR" is not supported');
    expect(issuesOf(req([good], { idempotencyKey: ' ' }))[0]).toContain('field idempotencyKey: must be 1-200 characters');
    expect(issuesOf(req([]))).toEqual(['field positions: must contain at least one position']);
    expect(issuesOf({ name: 'a', equityBalance: 1 })[0]).toContain('field positions: are required');
    expect(issuesOf({ name: 'a', equityBalance: 1, positions: [good], csv: 'x' })[0]).toContain('not both');
  });

  it('refuses more than 5,000 positions', () => {
    const many = Array.from({ length: 5001 }, () => good);
    expect(issuesOf(req(many))).toEqual(['field positions: has 5001 positions; at most 5000 are accepted']);
    expect(validateOnboardRequest(req(Array.from({ length: 5000 }, () => good)), TODAY).ok).toBe(true);
  });
});

describe('validateOnboardRequest: CSV', () => {
  const csvReq = (csv: string): RawOnboardRequest => ({ name: 'Core', equityBalance: 1e6, csv });

  it('accepts the good fixture, the optional columns included', () => {
    const out = validateOnboardRequest(csvReq(fixture('good.csv')), TODAY);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.positions.map((p) => [p.row, p.symbol, p.quantity, p.exitDate])).toEqual([
      [2, 'AAPL', 100, null],
      [3, 'MSFT', 50, null],
      [4, 'SPY', -20, '2024-06-03'],
    ]);
    expect(out.value.inceptionDate).toBe('2024-03-01');
  });

  it('numbers rows as CSV lines (header = line 1) and names fields by column', () => {
    expect(issuesOf(csvReq(fixture('bad-rows.csv')))).toEqual([
      'row 3, field Symbol: "1BAD" is not a ticker: 1-15 ASCII characters, a letter first, then letters, digits, "." or "-"',
      'row 3, field Quantity: must not be 0 (negative means short)',
      'row 3, field Entry Price Per Share: must be positive, got -3',
      'row 3, field Entry Date: 2024-02-30 is not a calendar date',
      'row 4, field Quantity: must be a number, got "abc"',
      'row 4, field Entry Date: must be a date as YYYY-MM-DD, got "03/04/2024"',
    ]);
  });

  it('accepts a BOM, CRLF line ends, quoted fields, blank lines and header case or spacing', () => {
    const csv = '\ufeffsymbol , QUANTITY,Entry  Price Per Share,entry date\r\n"AAPL","1,000","$150.00",2024-03-01\r\n\r\nMSFT,5,300,2024-03-04\r\n';
    const out = validateOnboardRequest(csvReq(csv), TODAY);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.value.positions.map((p) => [p.row, p.symbol, p.quantity])).toEqual([[2, 'AAPL', 1000], [4, 'MSFT', 5]]);
  });

  it('accepts columns in another order', () => {
    const out = validateOnboardRequest(csvReq('Entry Date,Symbol,Entry Price Per Share,Quantity\n2024-03-01,AAPL,10,3\n'), TODAY);
    expect(out.ok && out.value.positions[0]).toMatchObject({ symbol: 'AAPL', quantity: 3, entryPrice: 10 });
  });

  it('reports a wrong header', () => {
    expect(issuesOf(csvReq(fixture('wrong-header.csv')))).toEqual([
      'row 1, field Ticker: unknown column; expected the header "Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share,Investment Class" (the last three columns are optional)',
      'row 1, field Symbol: required column is missing from the header; expected "Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share,Investment Class"',
    ]);
    expect(issuesOf(csvReq('Symbol,Quantity,Quantity,Entry Price Per Share,Entry Date\n'))).toContain('row 1, field Quantity: column appears twice in the header');
  });

  it('reports an unterminated quote with the line it opened on', () => {
    expect(issuesOf(csvReq(fixture('unterminated-quote.csv')))).toContain(
      'row 2, field csv: unterminated quoted field (the quote opened on line 2 is never closed)',
    );
  });

  it('reports a wrong column count per row, with the rest of the rows still checked', () => {
    const csv = 'Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,1,2\nMSFT,1,2,2024-01-02,extra\nGOOG,0,2,2024-01-02\n';
    expect(issuesOf(csvReq(csv))).toEqual([
      'row 2, field columns: has 3 fields, the header has 4',
      'row 3, field columns: has 5 fields, the header has 4',
      'row 4, field Quantity: must not be 0 (negative means short)',
    ]);
  });

  it('reports stray quotes inside unquoted fields', () => {
    const out = issuesOf(csvReq('Symbol,Quantity,Entry Price Per Share,Entry Date\nAA"PL,1,2,2024-01-02\n'));
    expect(out[0]).toContain('row 2, field csv: a quote inside an unquoted field 1');
  });

  it('reports an empty CSV and a header without rows', () => {
    expect(issuesOf(csvReq(''))[0]).toContain('field csv: is empty');
    expect(issuesOf(csvReq('\ufeff\r\n'))[0]).toContain('field csv: is empty');
    expect(issuesOf(csvReq('Symbol,Quantity,Entry Price Per Share,Entry Date\n'))).toEqual(['field csv: has a header but no position rows']);
  });

  it('refuses a CSV over 1 MiB in bytes and over 5,000 rows', () => {
    const header = 'Symbol,Quantity,Entry Price Per Share,Entry Date\n';
    const big = header + 'AAPL,1,2,2024-01-02,'.padEnd(1024 * 1024, 'x');
    expect(issuesOf(csvReq(big))[0]).toMatch(/^field csv: is \d+ bytes; at most 1048576 bytes \(1 MiB\) are accepted$/);
    const rows = header + 'AAPL,1,2,2024-01-02\n'.repeat(5001);
    expect(issuesOf(csvReq(rows))).toEqual(['field csv: has 5001 position rows; at most 5000 are accepted']);
  });

  it('keeps quotes, commas and line breaks inside quoted fields', () => {
    const { records, issues } = parseCsvRecords('a,"b ""x"", c","line\nbreak"\r\nz');
    expect(issues).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b "x", c', 'line\nbreak'] },
      { line: 3, fields: ['z'] },
    ]);
  });

  it('maps missing optional columns to nulls', () => {
    const { positions } = csvToRawPositions('Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,1,2,2024-01-02');
    expect(positions).toEqual([{ row: 2, raw: { symbol: 'AAPL', quantity: '1', entryPrice: '2', entryDate: '2024-01-02', exitDate: null, exitPrice: null, investmentClass: null } }]);
  });
});

describe('parseNumber', () => {
  it.each([
    ['12', 12],
    ['-1.5', -1.5],
    ['+.5', 0.5],
    ['1e3', 1000],
    [' 7 ', 7],
    ['$1,234.50', 1234.5],
    ['-$3', -3],
  ])('%s → %d', (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value });
  });
  it.each(['1,23', '1.2.3', '--1', 'abc', '1 000', '12%'])('refuses %s', (text) => {
    expect(parseNumber(text).ok).toBe(false);
  });
});

describe('ValidationError', () => {
  it('lists every issue in its message, bounded', () => {
    const e = new ValidationError([{ row: 2, field: 'Quantity', message: 'must not be 0' }, { field: 'name', message: 'is required' }]);
    expect(e.message).toBe('Invalid input (2 problems):\nrow 2, field Quantity: must not be 0\nfield name: is required');
    const many = new ValidationError(Array.from({ length: 60 }, (_, i) => ({ row: i + 2, field: 'Symbol', message: 'is required' })));
    expect(many.issues).toHaveLength(60);
    expect(many.message.split('\n')).toHaveLength(52);
    expect(many.message).toContain('… and 10 more');
  });
});
