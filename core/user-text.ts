/**
 * Error text that users see (a run's error summary and warnings) must never carry SQL. Database
 * errors arrive as `<the statement> - <PostgreSQL's message>` (knex) or as a bare statement; these
 * keep only PostgreSQL's short message, and anything else that still looks like SQL becomes a
 * generic sentence. Ordinary messages pass unchanged.
 */

const SQL_PATTERNS: readonly RegExp[] = [
  /\binsert\s+into\b/i,
  /\bupdate\s+\S+\s+set\b/i,
  /\bdelete\s+from\b/i,
  /\bselect\b[\s\S]*\bfrom\b/i,
  /\bon\s+conflict\b/i,
  /\bunnest\s*\(/i,
  /\breturning\b[\s\S]*[",]/i,
  /\$\d+\b/,
  /\bwith\s+\w+\s+as\s*\(/i,
  /"[a-z_]+"\."[a-z_]+"/i,
];

export function looksLikeSql(text: string): boolean {
  return SQL_PATTERNS.some((p) => p.test(text));
}

/** A statement as knex reports it: `<statement> - <PostgreSQL's message>`. */
const KNEX_STATEMENT = /\b(?:insert\s+into|update|delete\s+from|select|with)\b[\s\S]*? - ([^;()\n]{1,200})/gi;

/**
 * The text without SQL: each statement replaced by PostgreSQL's own short message where one is
 * attached; when SQL remains after that, everything after the text's own prefix becomes a generic
 * sentence.
 */
export function withoutSql(text: string): string {
  if (!looksLikeSql(text)) return text;
  const replaced = text.replace(KNEX_STATEMENT, (_m, reason: string) => `database write failed: ${reason.trim()}`);
  if (!looksLikeSql(replaced)) return replaced;
  const head = text.match(/^[^:]{0,80}:\s/)?.[0] ?? '';
  return `${looksLikeSql(head) ? '' : head}a database operation failed`;
}
