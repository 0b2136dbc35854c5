import type { Knex } from 'knex';

export type PgType = 'text' | 'date' | 'numeric' | 'int' | 'bigint' | 'smallint' | 'timestamptz' | 'jsonb' | 'uuid' | 'bool' | 'float8';

export interface BulkColumn {
  name: string;
  type: PgType;
}

export interface BulkUpsertSpec {
  table: string;
  columns: readonly BulkColumn[];
  /** Columns of the unique key the upsert resolves on. */
  conflict: readonly string[];
  /** Columns overwritten on conflict; default: every non-key column. Empty: DO NOTHING. */
  update?: readonly string[];
  /** Extra assignments on conflict, e.g. `updated_at = now()`. */
  extraUpdate?: string;
}

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Rows per statement. With `unnest` each column is one array parameter, so the 65,535-parameter
 * limit never applies; chunks only bound the size of one statement and its memory.
 */
export const BULK_CHUNK_ROWS = 5_000;

function toPgValue(value: unknown, type: PgType): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'jsonb') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`bulkUpsert: non-finite number ${value} for a ${type} column`);
  }
  return value;
}

/**
 * Inserts or updates rows on their natural key with one `INSERT … SELECT FROM unnest(…)` per chunk.
 * Running it twice with the same rows leaves the table as it was after the first run.
 * Returns the number of rows inserted or updated.
 */
export async function bulkUpsert(
  db: Knex | Knex.Transaction,
  spec: BulkUpsertSpec,
  rows: readonly Record<string, unknown>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = spec.columns.map((c) => c.name);
  for (const key of spec.conflict) {
    if (!names.includes(key)) throw new Error(`bulkUpsert(${spec.table}): conflict column ${key} is not among the columns`);
  }
  const update = spec.update ?? names.filter((n) => !spec.conflict.includes(n));
  const sets = update.map((n) => `${ident(n)} = EXCLUDED.${ident(n)}`);
  if (spec.extraUpdate) sets.push(spec.extraUpdate);
  const onConflict =
    sets.length === 0
      ? `ON CONFLICT (${spec.conflict.map(ident).join(', ')}) DO NOTHING`
      : `ON CONFLICT (${spec.conflict.map(ident).join(', ')}) DO UPDATE SET ${sets.join(', ')}`;
  const sql = `INSERT INTO ${ident(spec.table)} (${names.map(ident).join(', ')})
    SELECT * FROM unnest(${spec.columns.map((c) => `?::${c.type}[]`).join(', ')})
    ${onConflict}`;

  let affected = 0;
  for (let start = 0; start < rows.length; start += BULK_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + BULK_CHUNK_ROWS);
    const arrays = spec.columns.map((c) => chunk.map((r) => toPgValue(r[c.name], c.type)));
    const result = (await db.raw(sql, arrays as unknown as Knex.RawBinding[])) as { rowCount: number | null };
    affected += result.rowCount ?? 0;
  }
  return affected;
}
