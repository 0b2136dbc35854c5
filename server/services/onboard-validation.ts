/**
 * Pure validation of an onboarding request: CSV parsing and every row and field check, with the
 * caller's "today" (New York calendar date) as an argument. Collects every problem instead of
 * stopping at the first, so one BAD_REQUEST can list them all.
 */
import { isValidIsoDate } from '../../jobs/calc/trading-calendar.js';
import type { IsoDate } from '../../jobs/calc/types.js';
import type { FieldIssue } from './errors.js';
import type { PositionInput } from '../../jobs/calc/portfolio-day.js';

export const ONBOARD_LIMITS = {
  maxPositions: 5_000,
  maxCsvBytes: 1024 * 1024,
  maxAbsQuantity: 1e12,
  maxPrice: 1e9,
  maxEquity: 1e13,
  minEntryDate: '1990-01-01',
  maxNameLength: 200,
  maxIdempotencyKeyLength: 200,
} as const;

export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;

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

const normaliseHeader = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
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
    if (!key) {
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

/**
 * A number from JSON or CSV text. Broker exports write "$1,234.50": a leading dollar sign and
 * thousands separators are accepted; anything else that is not a plain decimal is refused.
 */
export function parseNumber(v: unknown): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof v === 'number') {
    return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, message: `must be a finite number, got ${String(v)}` };
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
  return { ok: true, value: n };
}

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

/** Validates one position; pushes every problem into `issues` and returns the position when it has none. */
export function validatePosition(raw: RawPosition, row: number, today: IsoDate, issues: FieldIssue[]): ValidPosition | undefined {
  const before = issues.length;
  const bad = (field: string, message: string): void => {
    issues.push({ row, field, message });
  };

  let symbol = '';
  if (typeof raw.symbol !== 'string' || raw.symbol.trim() === '') {
    bad('symbol', 'is required');
  } else {
    symbol = raw.symbol.trim().toUpperCase();
    if (!SYMBOL_PATTERN.test(symbol)) {
      bad('symbol', `${JSON.stringify(symbol.length > 40 ? `${symbol.slice(0, 40)}…` : symbol)} is not a ticker: 1-15 characters, a letter first, then letters, digits, "." or "-"`);
    }
  }

  let quantity = 0;
  const q = parseNumber(raw.quantity);
  if (!q.ok) bad('quantity', q.message);
  else if (q.value === 0) bad('quantity', 'must not be 0 (negative means short)');
  else if (Math.abs(q.value) > ONBOARD_LIMITS.maxAbsQuantity) bad('quantity', `${q.value} is too large; at most ${ONBOARD_LIMITS.maxAbsQuantity} shares either way`);
  else quantity = q.value;

  let entryPrice = 0;
  const p = parseNumber(raw.entryPrice);
  if (!p.ok) bad('entryPrice', p.message);
  else if (p.value <= 0) bad('entryPrice', `must be positive, got ${p.value}`);
  else if (p.value > ONBOARD_LIMITS.maxPrice) bad('entryPrice', `${p.value} is too large; at most ${ONBOARD_LIMITS.maxPrice} per share`);
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
    const xp = parseNumber(raw.exitPrice);
    if (!xp.ok) bad('exitPrice', xp.message);
    else if (xp.value <= 0) bad('exitPrice', `must be positive, got ${xp.value}`);
    else if (xp.value > ONBOARD_LIMITS.maxPrice) bad('exitPrice', `${xp.value} is too large; at most ${ONBOARD_LIMITS.maxPrice} per share`);
    else exitPrice = xp.value;
    if (!hasExitDate) bad('exitDate', 'is required when an exit price is given');
  }

  let investmentClass: InvestmentClass = 'PUBLIC';
  if (!blank(raw.investmentClass)) {
    const c = typeof raw.investmentClass === 'string' ? raw.investmentClass.trim().toUpperCase() : '';
    if (c === 'PUBLIC' || c === 'PRIVATE') investmentClass = c;
    else bad('investmentClass', `must be PUBLIC or PRIVATE, got ${JSON.stringify(raw.investmentClass)}`);
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

  const name = typeof req.name === 'string' ? req.name.trim() : '';
  if (name === '') issues.push({ field: 'name', message: 'is required' });
  else if (name.length > ONBOARD_LIMITS.maxNameLength) issues.push({ field: 'name', message: `is ${name.length} characters; at most ${ONBOARD_LIMITS.maxNameLength}` });

  let equityBalance = 0;
  const eq = parseNumber(req.equityBalance);
  if (!eq.ok) issues.push({ field: 'equityBalance', message: eq.message });
  else if (eq.value <= 0) issues.push({ field: 'equityBalance', message: `must be positive, got ${eq.value}` });
  else if (eq.value > ONBOARD_LIMITS.maxEquity) issues.push({ field: 'equityBalance', message: `${eq.value} is too large; at most ${ONBOARD_LIMITS.maxEquity}` });
  else equityBalance = eq.value;

  const currency = (req.currency ?? 'USD').trim().toUpperCase();
  // Prices arrive in USD and there is no FX conversion: another currency would mislabel every value.
  if (currency !== 'USD') issues.push({ field: 'currency', message: `${JSON.stringify(req.currency)} is not supported; only USD is (market data is in USD)` });

  let idempotencyKey: string | null = null;
  if (req.idempotencyKey !== undefined) {
    const k = req.idempotencyKey.trim();
    if (k === '' || k.length > ONBOARD_LIMITS.maxIdempotencyKeyLength) {
      issues.push({ field: 'idempotencyKey', message: `must be 1-${ONBOARD_LIMITS.maxIdempotencyKeyLength} characters` });
    } else idempotencyKey = k;
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

  if (issues.length > 0) return { ok: false, issues };
  const first = positions[0];
  if (!first) return { ok: false, issues: [{ field: 'positions', message: 'must contain at least one position' }] };
  const inceptionDate = positions.reduce((min, p) => (p.entryDate < min ? p.entryDate : min), first.entryDate);
  return { ok: true, value: { name, equityBalance, currency, idempotencyKey, inceptionDate, positions } };
}
