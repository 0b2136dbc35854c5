import { describe, expect, it } from 'vitest';
import { looksLikeSql, withoutSql } from '../../../core/user-text.js';

describe('withoutSql', () => {
  it('passes ordinary messages unchanged', () => {
    for (const m of ['AAPL: no prices from the vendor (not found)', 'run failed: vendor rejected the API key', 'phase market_data done', 'symbols failed: SPY, IBM']) {
      expect(looksLikeSql(m)).toBe(false);
      expect(withoutSql(m)).toBe(m);
    }
  });

  it('keeps PostgreSQL’s reason of each knex statement error, and the text around it', () => {
    const knex = 'insert into "portfolio_snapshots" ("a", "b") select * from unnest($1::numeric[], $2::date[]) on conflict ("a") do update set "b" = excluded."b" - numeric field overflow';
    expect(withoutSql(`portfolios failed: p1 (${knex}); p2 (${knex})`)).toBe('portfolios failed: p1 (database write failed: numeric field overflow); p2 (database write failed: numeric field overflow)');
  });

  it('replaces SQL without a reason by a generic sentence, keeping the prefix', () => {
    expect(withoutSql('run failed: update batch_run_history set status = $1 where id = $2')).toBe('run failed: a database operation failed');
    expect(withoutSql('SELECT * FROM users')).toBe('a database operation failed');
  });
});
