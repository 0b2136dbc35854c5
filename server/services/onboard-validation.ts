/**
 * Pure validation of an onboarding request: CSV parsing and every row and field check, with the
 * caller's "today" (New York calendar date) as an argument. Collects every problem instead of
 * stopping at the first, so one BAD_REQUEST can list them all.
 */
import { magnitudeLimitOf, NUMERIC_COLUMNS, SNAPSHOT_MONEY_COLUMNS, type NumericColumn } from '../../db/numeric-columns.js';
import { BETA_CLIP } from '../../jobs/calc/factors.js';
import { isValidIsoDate } from '../../jobs/calc/trading-calendar.js';
import type { IsoDate } from '../../jobs/calc/types.js';
import type { FieldIssue } from './errors.js';
import type { PositionInput } from '../../jobs/calc/portfolio-day.js';
import { asciiLower, asciiUpper, controlCharacterProblem, unsafeTextProblem } from './text-input.js';

/**
 * Money limits, derived from the schema. Snapshot money columns are numeric(20,2), but a run
 * carries money as doubles rounded to the cent, which are exact only up to 2^53 cents (about
 * 9.0e13): that is the binding bound. The largest figure a day stores is a factor exposure, at most
 * BETA_CLIP (5) times a position's market value, and market prices may move far from the entry
 * price: PRICE_HEADROOM (10×) is kept for that. So the gross value of a portfolio at its entry and
 * exit prices is limited to 90e12 / (5 × 10), rounded down to a power of ten: 1e12.
 */
const SNAPSHOT_MONEY = SNAPSHOT_MONEY_COLUMNS[0] as NumericColumn;
export const MONEY_EXACT_LIMIT = Math.min(magnitudeLimitOf(SNAPSHOT_MONEY), Number.MAX_SAFE_INTEGER / 10 ** SNAPSHOT_MONEY.scale);
export const PRICE_HEADROOM = 10;
const floorPow10 = (x: number): number => 10 ** Math.floor(Math.log10(x));
const MAX_GROSS_VALUE = floorPow10(MONEY_EXACT_LIMIT / (BETA_CLIP * PRICE_HEADROOM));

/** A double round-trips every decimal of at most 15 significant digits exactly. */
export const MAX_SIGNIFICANT_DIGITS = 15;

export const ONBOARD_LIMITS = {
  maxPositions: 5_000,
  maxCsvBytes: 1024 * 1024,
  /** Domain limits, each well inside its column (numeric(24,8) < 1e16, numeric(20,6) < 1e14, numeric(20,2) < 1e18). */
  maxAbsQuantity: 1e12,
  maxPrice: 1e9,
  /** Equity plus the gross value after a PRICE_HEADROOM move stays far below MONEY_EXACT_LIMIT (cash = equity − net exposure). */
  maxEquity: MAX_GROSS_VALUE * PRICE_HEADROOM,
  /** |quantity| × max(entry price, exit price) of one position, and the sum over all positions. */
  maxGrossValue: MAX_GROSS_VALUE,
  minEntryDate: '1990-01-01',
  maxNameLength: 200,
  maxIdempotencyKeyLength: 200,
} as const;

/** Stored symbols: upper-case ASCII. Input is checked against the ASCII pattern before it is upper-cased. */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;
const SYMBOL_INPUT_PATTERN = /^[A-Za-z][A-Za-z0-9.-]{0,14}$/;

export type InvestmentClass = 'PUBLIC' | 'PRIVATE';

/** One position as a JSON caller sends it; numbers may also arrive as numeric strings. */
export interface RawPosition {
  symbol: string;
  quantity: number | string;
  entryPrice: number | string;
  entryDate: string;
  exitDate?: string | null;
  exitPrice?: number | string | null;
  investmentClass?: string | null;
}

export interface RawOnboardRequest {
  name: string;
  equityBalance: number | string;
  currency?: string;
  idempotencyKey?: string;
  positions?: RawPosition[];
  csv?: string;
}

/** A position that passed validation: the calc's position input without an id, and its row as the user sees it (CSV line, or 1-based index in the JSON list). */
export type ValidPosition = Omit<PositionInput, 'id'> & { row: number };

export interface ValidOnboardRequest {
  name: string;
  equityBalance: number;
  currency: string;
  idempotencyKey: string | null;
  inceptionDate: IsoDate;
  positions: ValidPosition[];
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

// ---------------------------------------------------------------------------------------------
// CSV

/** Column names of the onboarding CSV, in their documented order. */
export const CSV_COLUMNS = {
  symbol: 'Symbol',
  quantity: 'Quantity',
  entryPrice: 'Entry Price Per Share',
  entryDate: 'Entry Date',
  exitDate: 'Exit Date',
  exitPrice: 'Exit Price Per Share',
  investmentClass: 'Investment Class',
} as const;
type CsvKey = keyof typeof CSV_COLUMNS;
const REQUIRED_COLUMNS: readonly CsvKey[] = ['symbol', 'quantity', 'entryPrice', 'entryDate'];
const ALL_COLUMNS = Object.keys(CSV_COLUMNS) as CsvKey[];
export const CSV_HEADER = Object.values(CSV_COLUMNS).join(',');

const normaliseHeader = (s: string): string => asciiLower(s.trim().replace(/\s+/g, ' '));
const HEADER_LOOKUP = new Map<string, CsvKey>(ALL_COLUMNS.map((k) => [normaliseHeader(CSV_COLUMNS[k]), k]));

export interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: comma separated, fields optionally in double quotes with "" as an escaped
 * quote, LF or CRLF line ends, an optional UTF-8 byte-order mark. Blank lines are skipped.
 * A quote left open reports the line it was opened on instead of swallowing the rest of the file.
 */
export function parseCsvRecords(text: string): { records: CsvRecord[]; issues: FieldIssue[] } {
  const records: CsvRecord[] = [];
  const issues: FieldIssue[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    let fieldStart = true;
    let quoteProblem: string | undefined;
    while (i < s.length && !endOfRecord) {
      const c = s[i];
      if (fieldStart && c === '"') {
        const openedOn = line;
        i++;
        let closed = false;
        while (i < s.length) {
          const q = s[i];
          if (q === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (q === '\n') line++;
          field += q;
          i++;
        }
        if (!closed) {
          quoteProblem = `unterminated quoted field (the quote opened on line ${openedOn} is never closed)`;
          break;
        }
        // Text between a closing quote and the next separator is malformed.
        if (i < s.length && s[i] !== ',' && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) {
          quoteProblem ??= `unexpected text after a closing quote in field ${fields.length + 1}`;
          while (i < s.length && s[i] !== ',' && s[i] !== '\n') field += s[i++];
        }
        fieldStart = false;
        continue;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        fieldStart = true;
        i++;
        continue;
      }
      if (c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
        i += c === '\n' ? 1 : 2;
        line++;
        endOfRecord = true;
        break;
      }
      if (c === '"') quoteProblem ??= `a quote inside an unquoted field ${fields.length + 1} (quote the whole field and double inner quotes)`;
      field += c;
      fieldStart = false;
      i++;
    }
    fields.push(field);
    if (quoteProblem) {
      issues.push({ row: startLine, field: 'csv', message: quoteProblem });
      if (quoteProblem.startsWith('unterminated')) break;
      continue;
    }
    if (fields.length === 1 && fields[0]?.trim() === '') continue;
    records.push({ line: startLine, fields });
  }
  return { records, issues };
}

/** Turns CSV text into raw positions with their line numbers, or the problems that prevent it. */
export function csvToRawPositions(csv: string): { positions: { row: number; raw: RawPosition }[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const bytes = Buffer.byteLength(csv, 'utf8');
  if (bytes > ONBOARD_LIMITS.maxCsvBytes) {
    return { positions: [], issues: [{ field: 'csv', message: `is ${bytes} bytes; at most ${ONBOARD_LIMITS.maxCsvBytes} bytes (1 MiB) are accepted` }] };
  }
  const parsed = parseCsvRecords(csv);
  issues.push(...parsed.issues);
  const [header, ...rows] = parsed.records;
  if (!header) {
    if (issues.length === 0) issues.push({ field: 'csv', message: `is empty; expected a header line "${CSV_HEADER}" and at least one row` });
    return { positions: [], issues };
  }
  const columnOf = new Map<CsvKey, number>();
  header.fields.forEach((name, idx) => {
    const key = HEADER_LOOKUP.get(normaliseHeader(name));
    const unsafe = unsafeTextProblem(name);
    if (unsafe) {
      issues.push({ row: header.line, field: `column ${idx + 1}`, message: `header ${unsafe}` });
    } else if (!key) {
      issues.push({ row: header.line, field: name.trim() || `column ${idx + 1}`, message: `unknown column; expected the header "${CSV_HEADER}" (the last three columns are optional)` });
    } else if (columnOf.has(key)) {
      issues.push({ row: header.line, field: CSV_COLUMNS[key], message: 'column appears twice in the header' });
    } else {
      columnOf.set(key, idx);
    }
  });
  for (const key of REQUIRED_COLUMNS) {
    if (!columnOf.has(key)) issues.push({ row: header.line, field: CSV_COLUMNS[key], message: `required column is missing from the header; expected "${CSV_HEADER}"` });
  }
  if (issues.some((x) => x.row === header.line)) return { positions: [], issues };
  if (rows.length === 0) issues.push({ field: 'csv', message: 'has a header but no position rows' });
  if (rows.length > ONBOARD_LIMITS.maxPositions) {
    issues.push({ field: 'csv', message: `has ${rows.length} position rows; at most ${ONBOARD_LIMITS.maxPositions} are accepted` });
    return { positions: [], issues };
  }
  const width = header.fields.length;
  const positions: { row: number; raw: RawPosition }[] = [];
  for (const r of rows) {
    if (r.fields.length !== width) {
      issues.push({ row: r.line, field: 'columns', message: `has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, the header has ${width}` });
      continue;
    }
    const unsafeCells = r.fields.flatMap((cell, idx) => {
      const problem = unsafeTextProblem(cell);
      return problem ? [{ row: r.line, field: header.fields[idx]?.trim() || `column ${idx + 1}`, message: problem }] : [];
    });
    if (unsafeCells.length > 0) {
      issues.push(...unsafeCells);
      continue;
    }
    const get = (k: CsvKey): string | undefined => {
      const idx = columnOf.get(k);
      return idx === undefined ? undefined : r.fields[idx];
    };
    positions.push({
      row: r.line,
      raw: {
        symbol: get('symbol') ?? '',
        quantity: get('quantity') ?? '',
        entryPrice: get('entryPrice') ?? '',
        entryDate: get('entryDate') ?? '',
        exitDate: get('exitDate') ?? null,
        exitPrice: get('exitPrice') ?? null,
        investmentClass: get('investmentClass') ?? null,
      },
    });
  }
  return { positions, issues };
}

// ---------------------------------------------------------------------------------------------
// Fields

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const GROUPED_NUMBER_TEXT = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;

function readNumber(v: unknown): { ok: true; value: number; text: string; shown: string } | { ok: false; message: string } {
  if (typeof v === 'number') {
    return Number.isFinite(v) ? { ok: true, value: v, text: String(v), shown: String(v) } : { ok: false, message: `must be a finite number, got ${String(v)}` };
  }
  if (typeof v !== 'string') return { ok: false, message: 'must be a number' };
  let t = v.trim();
  if (t === '') return { ok: false, message: 'is required' };
  const shown = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  t = t.replace(/^([+-]?)\$/, '$1');
  if (GROUPED_NUMBER_TEXT.test(t)) t = t.replace(/,/g, '');
  if (!NUMBER_TEXT.test(t)) return { ok: false, message: `must be a number, got ${shown}` };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, message: `must be a finite number, got ${shown}` };
  return { ok: true, value: n, text: t, shown };
}

/**
 * A number from JSON or CSV text. Broker exports write "$1,234.50": a leading dollar sign and
 * thousands separators are accepted; anything else that is not a plain decimal is refused.
 */
export function parseNumber(v: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const r = readNumber(v);
  return r.ok ? { ok: true, value: r.value } : r;
}

/**
 * Decimal places and significant digits of a plain decimal text (as NUMBER_TEXT accepts, or as
 * String(number) prints), with trailing zeros ignored: "1.50" has 1 decimal, "1e-9" has 9,
 * "1200" has 2 significant digits.
 */
export function decimalDigits(text: string): { decimals: number; significant: number } {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  let digits = `${m[1] ?? ''}${frac}`.replace(/^0+/, '');
  let exponent = Number(m[3] ?? 0) - frac.length;
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  if (digits === '') return { decimals: 0, significant: 0 };
  return { decimals: Math.max(0, -exponent), significant: digits.length };
}

interface AmountRule {
  /** The column the value is stored in: its scale is the most decimals accepted. */
  column: NumericColumn;
  /** Largest magnitude accepted (a domain limit inside the column's). */
  max: number;
  sign: 'positive' | 'nonzero';
  unit: string;
}

/** A number that its column stores exactly: the right sign, at most max, no more decimals than the column keeps, at most 15 significant digits. */
export function checkAmount(v: unknown, rule: AmountRule): { ok: true; value: number } | { ok: false; message: string } {
  const r = readNumber(v);
  if (!r.ok) return r;
  const { value, shown } = r;
  if (rule.sign === 'nonzero' && value === 0) return { ok: false, message: 'must not be 0 (negative means short)' };
  if (rule.sign === 'positive' && value <= 0) return { ok: false, message: `must be positive, got ${value}` };
  if (Math.abs(value) > Math.min(rule.max, magnitudeLimitOf(rule.column))) return { ok: false, message: `${value} is too large; at most ${rule.max}${rule.unit}` };
  const { decimals, significant } = decimalDigits(r.text);
  if (decimals > rule.column.scale) {
    const toZero = Math.abs(value) < 0.5 * 10 ** -rule.column.scale;
    return { ok: false, message: `${shown} has ${decimals} decimal places; at most ${rule.column.scale} are kept, so it would be stored ${toZero ? 'as 0' : 'rounded'}` };
  }
  if (significant > MAX_SIGNIFICANT_DIGITS) return { ok: false, message: `${shown} has ${significant} significant digits; at most ${MAX_SIGNIFICANT_DIGITS} are kept exactly` };
  return { ok: true, value };
}

const QUANTITY: AmountRule = { column: NUMERIC_COLUMNS.quantity, max: ONBOARD_LIMITS.maxAbsQuantity, sign: 'nonzero', unit: ' shares either way' };
const ENTRY_PRICE: AmountRule = { column: NUMERIC_COLUMNS.entryPrice, max: ONBOARD_LIMITS.maxPrice, sign: 'positive', unit: ' per share' };
const EXIT_PRICE: AmountRule = { column: NUMERIC_COLUMNS.exitPrice, max: ONBOARD_LIMITS.maxPrice, sign: 'positive', unit: ' per share' };
const EQUITY: AmountRule = { column: NUMERIC_COLUMNS.equityBalance, max: ONBOARD_LIMITS.maxEquity, sign: 'positive', unit: '' };

const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD date within [min, today]; the calendar module decides which dates exist. */
export function checkDate(v: unknown, today: IsoDate, min: IsoDate): { ok: true; value: IsoDate } | { ok: false; message: string } {
  if (typeof v !== 'string' || v.trim() === '') return { ok: false, message: 'is required (YYYY-MM-DD)' };
  const t = v.trim();
  const shown = JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t);
  if (!ISO_SHAPE.test(t)) return { ok: false, message: `must be a date as YYYY-MM-DD, got ${shown}` };
  // ISO dates of equal shape order like strings, so range checks need no date arithmetic.
  if (t < min) return { ok: false, message: `${t} is before ${min}, the earliest date supported` };
  if (t > today) return { ok: false, message: `${t} is in the future (today is ${today} in New York)` };
  if (!isValidIsoDate(t)) return { ok: false, message: `${t} is not a calendar date` };
  return { ok: true, value: t };
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** What a position is worth at the higher of its entry and exit prices: the figure the money limits bound. */
const positionValue = (quantity: number, entryPrice: number, exitPrice: number | null): number => Math.abs(quantity) * Math.max(entryPrice, exitPrice ?? 0);

/** Validates one position; pushes every problem into `issues` and returns the position when it has none. */
export function validatePosition(raw: RawPosition, row: number, today: IsoDate, issues: FieldIssue[]): ValidPosition | undefined {
  const before = issues.length;
  const bad = (field: string, message: string): void => {
    issues.push({ row, field, message });
  };

  for (const [field, value] of Object.entries(raw)) {
    const problem = typeof value === 'string' ? unsafeTextProblem(value) : undefined;
    if (problem) bad(field, problem);
  }
  if (issues.length > before) return undefined;

  let symbol = '';
  if (typeof raw.symbol !== 'string' || raw.symbol.trim() === '') {
    bad('symbol', 'is required');
  } else {
    const text = raw.symbol.trim();
    // ASCII first: Unicode upper-casing would turn "ſpy" into "SPY" and "ﬀ" into "FF".
    if (SYMBOL_INPUT_PATTERN.test(text)) symbol = asciiUpper(text);
    else bad('symbol', `${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : asciiUpper(text))} is not a ticker: 1-15 ASCII characters, a letter first, then letters, digits, "." or "-"`);
  }

  let quantity = 0;
  const q = checkAmount(raw.quantity, QUANTITY);
  if (!q.ok) bad('quantity', q.message);
  else quantity = q.value;

  let entryPrice = 0;
  const p = checkAmount(raw.entryPrice, ENTRY_PRICE);
  if (!p.ok) bad('entryPrice', p.message);
  else entryPrice = p.value;

  let entryDate: IsoDate = '';
  const ed = checkDate(raw.entryDate, today, ONBOARD_LIMITS.minEntryDate);
  if (!ed.ok) bad('entryDate', ed.message);
  else entryDate = ed.value;

  let exitDate: IsoDate | null = null;
  let exitPrice: number | null = null;
  const hasExitDate = !blank(raw.exitDate);
  const hasExitPrice = !blank(raw.exitPrice);
  if (hasExitDate) {
    const xd = checkDate(raw.exitDate, today, ONBOARD_LIMITS.minEntryDate);
    if (!xd.ok) bad('exitDate', xd.message);
    else if (entryDate !== '' && xd.value <= entryDate) bad('exitDate', `${xd.value} must be after the entry date ${entryDate}`);
    else exitDate = xd.value;
    if (!hasExitPrice) bad('exitPrice', 'is required when an exit date is given');
  }
  if (hasExitPrice) {
    const xp = checkAmount(raw.exitPrice, EXIT_PRICE);
    if (!xp.ok) bad('exitPrice', xp.message);
    else exitPrice = xp.value;
    if (!hasExitDate) bad('exitDate', 'is required when an exit price is given');
  }

  let investmentClass: InvestmentClass = 'PUBLIC';
  if (!blank(raw.investmentClass)) {
    const c = typeof raw.investmentClass === 'string' ? asciiUpper(raw.investmentClass.trim()) : '';
    if (c === 'PUBLIC' || c === 'PRIVATE') investmentClass = c;
    else bad('investmentClass', `must be PUBLIC or PRIVATE, got ${JSON.stringify(raw.investmentClass)}`);
  }

  if (issues.length === before) {
    const value = positionValue(quantity, entryPrice, exitPrice);
    if (value > ONBOARD_LIMITS.maxGrossValue) {
      bad('quantity', `|quantity × price| is ${value.toExponential(2)}; a position may be worth at most ${ONBOARD_LIMITS.maxGrossValue} at its entry or exit price`);
    }
  }
  if (issues.length > before) return undefined;
  return { row, symbol, quantity, entryPrice, entryDate, exitDate, exitPrice, investmentClass };
}

/** CSV fields are named by their column, JSON fields by their property. */
function renameCsvFields(issues: FieldIssue[], from: number): void {
  const names: Record<string, string> = {
    symbol: CSV_COLUMNS.symbol,
    quantity: CSV_COLUMNS.quantity,
    entryPrice: CSV_COLUMNS.entryPrice,
    entryDate: CSV_COLUMNS.entryDate,
    exitDate: CSV_COLUMNS.exitDate,
    exitPrice: CSV_COLUMNS.exitPrice,
    investmentClass: CSV_COLUMNS.investmentClass,
  };
  for (let k = from; k < issues.length; k++) {
    const issue = issues[k];
    if (issue && names[issue.field]) issues[k] = { ...issue, field: names[issue.field] ?? issue.field };
  }
}

/**
 * Validates a whole onboarding request. `today` is the New York calendar date of the caller's
 * clock; no entry or exit date may be after it.
 */
export function validateOnboardRequest(req: RawOnboardRequest, today: IsoDate): ValidationResult<ValidOnboardRequest> {
  const issues: FieldIssue[] = [];

  // A name or key is shown back and compared: it must be text, without control characters.
  const textProblem = (v: string): string | undefined => unsafeTextProblem(v) ?? controlCharacterProblem(v);

  const name = typeof req.name === 'string' ? req.name.trim() : '';
  const nameProblem = textProblem(name);
  if (name === '') issues.push({ field: 'name', message: 'is required' });
  else if (nameProblem) issues.push({ field: 'name', message: nameProblem });
  else if (name.length > ONBOARD_LIMITS.maxNameLength) issues.push({ field: 'name', message: `is ${name.length} characters; at most ${ONBOARD_LIMITS.maxNameLength}` });

  let equityBalance = 0;
  const eq = checkAmount(req.equityBalance, EQUITY);
  if (!eq.ok) issues.push({ field: 'equityBalance', message: eq.message });
  else equityBalance = eq.value;

  const rawCurrency = (req.currency ?? 'USD').trim();
  const currency = asciiUpper(rawCurrency);
  // Prices arrive in USD and there is no FX conversion: another currency would mislabel every value.
  if (currency !== 'USD') {
    issues.push({ field: 'currency', message: unsafeTextProblem(rawCurrency) ?? `${JSON.stringify(req.currency)} is not supported; only USD is (market data is in USD)` });
  }

  let idempotencyKey: string | null = null;
  if (req.idempotencyKey !== undefined) {
    const k = req.idempotencyKey.trim();
    const keyProblem = textProblem(k);
    if (k === '' || k.length > ONBOARD_LIMITS.maxIdempotencyKeyLength) {
      issues.push({ field: 'idempotencyKey', message: `must be 1-${ONBOARD_LIMITS.maxIdempotencyKeyLength} characters` });
    } else if (keyProblem) issues.push({ field: 'idempotencyKey', message: keyProblem });
    else idempotencyKey = k;
  }

  const positions: ValidPosition[] = [];
  const hasCsv = typeof req.csv === 'string';
  const hasJson = Array.isArray(req.positions);
  if (hasCsv && hasJson) {
    issues.push({ field: 'positions', message: 'give either positions or csv, not both' });
  } else if (!hasCsv && !hasJson) {
    issues.push({ field: 'positions', message: 'are required: give positions (a list) or csv (text with a header line)' });
  } else if (hasCsv) {
    const parsed = csvToRawPositions(req.csv ?? '');
    issues.push(...parsed.issues);
    for (const { row, raw } of parsed.positions) {
      const from = issues.length;
      const v = validatePosition(raw, row, today, issues);
      renameCsvFields(issues, from);
      if (v) positions.push(v);
    }
  } else {
    const list = req.positions ?? [];
    if (list.length === 0) issues.push({ field: 'positions', message: 'must contain at least one position' });
    else if (list.length > ONBOARD_LIMITS.maxPositions) {
      issues.push({ field: 'positions', message: `has ${list.length} positions; at most ${ONBOARD_LIMITS.maxPositions} are accepted` });
    } else {
      list.forEach((raw, idx) => {
        const v = validatePosition(raw, idx + 1, today, issues);
        if (v) positions.push(v);
      });
    }
  }

  if (issues.length === 0) {
    const gross = positions.reduce((sum, p) => sum + positionValue(p.quantity, p.entryPrice, p.exitPrice), 0);
    if (gross > ONBOARD_LIMITS.maxGrossValue) {
      issues.push({
        field: 'positions',
        message: `are worth ${gross.toExponential(2)} together at their entry or exit prices; a portfolio may hold at most ${ONBOARD_LIMITS.maxGrossValue} (the snapshot figures must stay exact to the cent)`,
      });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  const first = positions[0];
  if (!first) return { ok: false, issues: [{ field: 'positions', message: 'must contain at least one position' }] };
  const inceptionDate = positions.reduce((min, p) => (p.entryDate < min ? p.entryDate : min), first.entryDate);
  return { ok: true, value: { name, equityBalance, currency, idempotencyKey, inceptionDate, positions } };
}
