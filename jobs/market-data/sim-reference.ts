/**
 * The vendor's list semantics for the simulator's reference endpoints (splits, dividends): filters
 * with `.gte/.gt/.lte/.lt` variants, `sort`, `order` (default descending), `limit` (default 10, at
 * most 1000) and `next_url` pagination whose opaque `cursor` carries the whole query, as the vendor's
 * does (a next_url holds nothing but the cursor).
 */
import { isValidIsoDate } from '../calc/trading-calendar.js';

type Scalar = string | number | boolean;

export interface ListFilter<Row> {
  /** Query parameter name (`ticker`, `execution_date`, …). */
  param: string;
  kind: 'date' | 'ticker' | 'number' | 'enum' | 'bool';
  /** Accepts `.gte`, `.gt`, `.lte`, `.lt` variants. */
  ranges: boolean;
  values?: readonly string[];
  /** The row value compared, or a predicate for `bool` filters. */
  value: (row: Row) => Scalar;
}

export interface ListSpec<Row> {
  filters: readonly ListFilter<Row>[];
  sortFields: Readonly<Record<string, (row: Row) => Scalar>>;
  defaultSort: string;
  tieBreak: (row: Row) => string;
}

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 10;

export type ListResult<Row> = { ok: true; page: Row[]; next?: string } | { ok: false; error: string };

const RANGE_OPS = { gte: (c: number) => c >= 0, gt: (c: number) => c > 0, lte: (c: number) => c <= 0, lt: (c: number) => c < 0 } as const;

function compare(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function parseValue<Row>(f: ListFilter<Row>, name: string, raw: string): { v: Scalar } | { error: string } {
  switch (f.kind) {
    case 'date':
      return isValidIsoDate(raw) ? { v: raw } : { error: `${name}: expected a date YYYY-MM-DD, got '${raw}'` };
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? { v: n } : { error: `${name}: expected a number, got '${raw}'` };
    }
    case 'bool':
      return raw === 'true' ? { v: true } : raw === 'false' ? { v: false } : { error: `${name}: expected true or false, got '${raw}'` };
    case 'enum':
      return f.values?.includes(raw) ? { v: raw } : { error: `${name}: expected one of ${f.values?.join(', ')}, got '${raw}'` };
    case 'ticker':
      return { v: raw };
  }
}

function encodeCursor(query: [string, string][], offset: number): string {
  return Buffer.from(JSON.stringify({ q: query, o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): { query: [string, string][]; offset: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { q?: unknown; o?: unknown };
    if (!Array.isArray(v.q) || !Number.isInteger(v.o) || (v.o as number) < 0) return undefined;
    if (!v.q.every((p): p is [string, string] => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) return undefined;
    return { query: v.q, offset: v.o as number };
  } catch {
    return undefined;
  }
}

export type EffectiveQuery = { ok: true; query: [string, string][]; offset: number } | { ok: false; error: string };

/** The query a request stands for: its own parameters, or those its `cursor` carries. */
export function effectiveQuery(params: URLSearchParams): EffectiveQuery {
  const cursor = params.get('cursor');
  if (cursor === null) return { ok: true, query: [...params].filter(([k]) => k !== 'cursor'), offset: 0 };
  const c = decodeCursor(cursor);
  return c ? { ok: true, ...c } : { ok: false, error: 'cursor: not a cursor this server issued' };
}

/**
 * Applies a list query (from `effectiveQuery`) to all rows; `nextUrl(cursor)` builds the next page's URL.
 */
export function listQuery<Row>(rows: readonly Row[], eq: { query: [string, string][]; offset: number }, spec: ListSpec<Row>, nextUrl: (cursor: string) => string): ListResult<Row> {
  const { query, offset } = eq;
  const q = new URLSearchParams(query);
  const preds: ((r: Row) => boolean)[] = [];
  for (const f of spec.filters) {
    const variants: [string, (c: number) => boolean][] = [[f.param, (c) => c === 0]];
    if (f.ranges) for (const [op, test] of Object.entries(RANGE_OPS)) variants.push([`${f.param}.${op}`, test]);
    for (const [name, test] of variants) {
      const raw = q.get(name);
      if (raw === null) continue;
      const parsed = parseValue(f, name, raw);
      if ('error' in parsed) return { ok: false, error: parsed.error };
      preds.push((r) => test(compare(f.value(r), parsed.v)));
    }
  }
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? DEFAULT_LIMIT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return { ok: false, error: `limit: expected an integer from 1 to ${MAX_LIMIT}, got '${limitRaw}'` };
  const order = q.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return { ok: false, error: `order: expected asc or desc, got '${order}'` };
  const sortName = q.get('sort') ?? spec.defaultSort;
  const sortKey = spec.sortFields[sortName];
  if (!sortKey) return { ok: false, error: `sort: expected one of ${Object.keys(spec.sortFields).join(', ')}, got '${sortName}'` };
  const sign = order === 'asc' ? 1 : -1;
  const all = rows
    .filter((r) => preds.every((p) => p(r)))
    .sort((a, b) => sign * compare(sortKey(a), sortKey(b)) || compare(spec.tieBreak(a), spec.tieBreak(b)));
  const page = all.slice(offset, offset + limit);
  return offset + limit < all.length ? { ok: true, page, next: nextUrl(encodeCursor(query, offset + limit)) } : { ok: true, page };
}
