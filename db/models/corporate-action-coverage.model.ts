import type { IsoDate } from '../../core/dates.js';
import { BaseModel, type BulkUpsertSpec, type Db } from './base.model.js';

/** What a coverage row records: the vendor's splits list, dividends list or ticker events of a symbol. */
export type CorporateActionKind = 'splits' | 'dividends' | 'ticker_events';

export interface CorporateActionCoverageWrite {
  symbol: string;
  kind: CorporateActionKind;
  /** The vendor's list was read through this day. */
  checkedThrough: IsoDate;
}

const COVERAGE: BulkUpsertSpec = {
  columns: [
    { name: 'symbol', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'checked_through', type: 'date' },
  ],
  key: ['symbol', 'kind'],
  // Never backwards: a slower run that checked an older day does not undo a newer check.
  update: [],
  touch: 'checked_through = GREATEST(corporate_action_coverage.checked_through, EXCLUDED.checked_through), checked_at = now()',
};

/**
 * `corporate_action_coverage`: per symbol and kind, the day through which the vendor's list was
 * read. No row: never asked (the whole history is fetched on first sight).
 */
export class CorporateActionCoverageModel extends BaseModel {
  static override tableName = 'corporate_action_coverage';
  static override idColumn = ['symbol', 'kind'];
  symbol!: string;
  kind!: CorporateActionKind;
  checked_through!: IsoDate;
  checked_at!: Date;

  static async upsertMany(db: Db, rows: readonly CorporateActionCoverageWrite[]): Promise<number> {
    return CorporateActionCoverageModel.upsertRows(
      db,
      COVERAGE,
      rows.map((r) => ({ symbol: r.symbol, kind: r.kind, checked_through: r.checkedThrough })),
    );
  }

  /** Per kind, the symbols' checked-through days; symbols never checked are absent. */
  static async bySymbols(db: Db, symbols: readonly string[]): Promise<Map<CorporateActionKind, Map<string, IsoDate>>> {
    const out = new Map<CorporateActionKind, Map<string, IsoDate>>([
      ['splits', new Map()],
      ['dividends', new Map()],
      ['ticker_events', new Map()],
    ]);
    if (symbols.length === 0) return out;
    const rows = (await CorporateActionCoverageModel.query(db)
      .select('symbol', 'kind', 'checked_through')
      .whereIn('symbol', symbols as string[])
      .toKnexQuery()) as { symbol: string; kind: CorporateActionKind; checked_through: IsoDate }[];
    for (const r of rows) out.get(r.kind)?.set(r.symbol, r.checked_through);
    return out;
  }
}
