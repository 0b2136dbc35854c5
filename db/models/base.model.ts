import { Model } from 'objection';
import type { Knex } from '../knex.js';

/** A connection or a transaction: every model method takes the one its caller works in. */
export type Db = Knex | Knex.Transaction;

export type PgType = 'text' | 'date' | 'numeric' | 'int' | 'bigint' | 'smallint' | 'timestamptz' | 'jsonb' | 'uuid' | 'bool' | 'float8';

export interface BulkColumn {
  name: string;
  type: PgType;
}

/** How a model's rows are upserted in bulk. */
export interface BulkUpsertSpec {
  columns: readonly BulkColumn[];
  /** Columns of the unique key the upsert resolves on (the natural key: the write's idempotency key). */
  key: readonly string[];
  /** Columns overwritten on conflict; default: every non-key column. Empty: DO NOTHING. */
  update?: readonly string[];
  /** Extra assignment on conflict, e.g. `updated_at = now()`. */
  touch?: string;
  /**
   * On conflict, update only rows whose updated columns differ from the incoming values: a row
   * stored with the same values is not rewritten (and not counted).
   */
  onlyWhenChanged?: boolean;
}

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Rows per statement. With `unnest` each column is one array parameter, so PostgreSQL's
 * 65,535-parameter limit never applies; chunks only bound the size of one statement and its memory.
 */
export const BULK_CHUNK_ROWS = 5_000;

/** Most bind parameters one statement may carry. */
export const MAX_BIND_PARAMETERS = 65_535;

/** Rows per `INSERT … VALUES` statement of rows with `columns` parameters each: under the parameter limit. */
export function rowsPerInsert(columns: number): number {
  return Math.min(BULK_CHUNK_ROWS, Math.floor(MAX_BIND_PARAMETERS / columns));
}

const NUMERIC_TYPES: ReadonlySet<PgType> = new Set<PgType>(['numeric', 'int', 'bigint', 'smallint', 'float8']);

/** A quoted element of an array literal (backslashes and double quotes escaped). */
function quoted(s: string): string {
  return /["\\]/.test(s) ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

/**
 * One column's values as a PostgreSQL array literal, e.g. `{1.5,NULL,2}` or `{"a","b"}`. Built here
 * rather than by the driver, which escapes every element with regular expressions whatever its type:
 * numbers, booleans and NULLs need no quoting, and the nightly writes a quarter of a million rows of
 * them. Every non-numeric element is quoted, so a text "NULL" stays text.
 */
export function arrayLiteral(values: readonly unknown[], type: PgType): string {
  const numeric = NUMERIC_TYPES.has(type);
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Keys repeat in runs (a position's twelve factors, one date for a whole night): encoded once.
    if (i > 0 && v === values[i - 1] && typeof v !== 'object') parts[i] = parts[i - 1]!;
    else if (v === undefined || v === null) parts[i] = 'NULL';
    else if (type === 'jsonb') parts[i] = quoted(JSON.stringify(v));
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`bulk upsert: non-finite number ${v} for a ${type} column`);
      parts[i] = numeric ? String(v) : quoted(String(v));
    } else if (typeof v === 'boolean') parts[i] = v ? 'true' : 'false';
    else if (v instanceof Date) parts[i] = quoted(v.toISOString());
    else parts[i] = quoted(String(v));
  }
  return `{${parts.join(',')}}`;
}

/**
 * The base of every model. Dates are 'YYYY-MM-DD' strings and NUMERIC columns numbers (db/knex.ts
 * sets the type parsers). Every method takes the connection or transaction to work in: there is no
 * global binding, so several databases can be used side by side in one process.
 */
/**
 * The unique constraint a failed insert or update ran into (PostgreSQL 23505), or undefined for any
 * other error. Reads the driver's error through Objection's wrapper.
 */
export function uniqueViolationOf(err: unknown): string | undefined {
  const e = err as { nativeError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
  const native = e.nativeError ?? e;
  return native.code === '23505' ? native.constraint : undefined;
}

export class BaseModel extends Model {
  /**
   * Inserts or updates rows of this model's table on their natural key with one `INSERT … SELECT
   * FROM unnest(…) ON CONFLICT … DO UPDATE` per chunk: each column travels as one typed array.
   * Measured against the query builder's `insert(rows).onConflict(key).merge(cols)` chunked under the
   * parameter limit (`npx tsx bench/upsert.bench.ts`), it writes the nightly 240,000 position
   * exposure rows in about 65 % of the time and updates them in about half.
   * Running it twice with the same rows leaves the table as it was after the first run.
   * Returns the number of rows inserted or updated.
   */
  protected static async upsertRows(db: Db, spec: BulkUpsertSpec, rows: readonly Record<string, unknown>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const table = this.tableName;
    const names = spec.columns.map((c) => c.name);
    for (const key of spec.key) {
      if (!names.includes(key)) throw new Error(`bulk upsert into ${table}: key column ${key} is not among the columns`);
    }
    const update = spec.update ?? names.filter((n) => !spec.key.includes(n));
    const sets = update.map((n) => `${ident(n)} = EXCLUDED.${ident(n)}`);
    if (spec.touch) sets.push(spec.touch);
    const changed =
      spec.onlyWhenChanged && update.length > 0
        ? ` WHERE (${update.map((n) => `${ident(table)}.${ident(n)}`).join(', ')}) IS DISTINCT FROM (${update.map((n) => `EXCLUDED.${ident(n)}`).join(', ')})`
        : '';
    const onConflict =
      sets.length === 0
        ? `ON CONFLICT (${spec.key.map(ident).join(', ')}) DO NOTHING`
        : `ON CONFLICT (${spec.key.map(ident).join(', ')}) DO UPDATE SET ${sets.join(', ')}${changed}`;
    // A JSON column travels as one JSON array (no array-literal escaping of every document), turned
    // back into an array in order; a JSON null stands for SQL NULL, as a missing value does elsewhere.
    const arrayOf = (c: BulkColumn): string =>
      c.type === 'jsonb' ? `ARRAY(SELECT NULLIF(e, 'null'::jsonb) FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS j(e, n) ORDER BY n)` : `?::${c.type}[]`;
    const sql = `INSERT INTO ${ident(table)} (${names.map(ident).join(', ')})
      SELECT * FROM unnest(${spec.columns.map(arrayOf).join(', ')})
      ${onConflict}`;

    let affected = 0;
    for (let start = 0; start < rows.length; start += BULK_CHUNK_ROWS) {
      const chunk = rows.slice(start, start + BULK_CHUNK_ROWS);
      const arrays = spec.columns.map((c) => (c.type === 'jsonb' ? JSON.stringify(chunk.map((r) => r[c.name] ?? null)) : arrayLiteral(chunk.map((r) => r[c.name]), c.type)));
      const result = (await db.raw(sql, arrays as unknown as Knex.RawBinding[])) as { rowCount: number | null };
      affected += result.rowCount ?? 0;
    }
    return affected;
  }
}
