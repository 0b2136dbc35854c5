/**
 * Hostile and out-of-range inputs over real HTTP, the way an independent client sends them (raw
 * fetch, superjson wire format, no SDK): each answers 4xx naming the field, no body carries SQL, a
 * stack or an internal message, and no table gains or loses a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH } from '../../../server/services/text-input.js';
import { createApiServer, MAX_BATCH_CALLS, type ApiServer } from '../../../server/main.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const UUID = '00000000-0000-4000-8000-000000000000';

let stack: TestStack;
let api: ApiServer;
let user = '';
let portfolioId = '';

interface Reply {
  status: number;
  text: string;
}

async function call(kind: 'query' | 'mutation', path: string, input: unknown, token: string, meta?: unknown): Promise<Reply> {
  const envelope = JSON.stringify(meta === undefined ? { json: input } : { json: input, meta });
  const r =
    kind === 'query'
      ? await fetch(`${api.url}/trpc/${path}?input=${encodeURIComponent(envelope)}`, { headers: { authorization: `Bearer ${token}` } })
      : await fetch(`${api.url}/trpc/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: envelope });
  return { status: r.status, text: await r.text() };
}

/** Row counts of every table of the schema. */
async function tableCounts(): Promise<Record<string, number>> {
  const tables = (await stack.container.knex('information_schema.tables').select('table_name').where({ table_schema: 'public', table_type: 'BASE TABLE' })) as {
    table_name: string;
  }[];
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = (await stack.container.knex(table_name).count({ n: '*' })) as { n: string | number }[];
    out[table_name] = Number(row?.n ?? 0);
  }
  return out;
}

const LEAKS = [
  /\b(insert\s+into|select\s+.+\s+from|update\s+\w+\s+set|delete\s+from|on\s+conflict|unnest\s*\()/i,
  /\bat\s+\S+\.(ts|js|mjs):\d+/,
  /node_modules|Maximum call stack|RangeError|TypeError|SyntaxError|numeric field overflow|invalid byte sequence|out of range/i,
];

const good = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: '2024-03-01' };
const onboard = (over: Record<string, unknown>) => ({ name: 'Hostile', equityBalance: 100_000, positions: [good], ...over });
const csvOf = (...rows: string[]): string => ['Symbol,Quantity,Entry Price Per Share,Entry Date', ...rows].join('\n');
const date = (iso: string) => ({ meta: { values: { before: ['Date'] } }, iso });

type Case = {
  label: string;
  send: () => Promise<Reply>;
  /** The field the error names (data.issues[].field), and a fragment of its message. */
  field: string;
  message: string;
  status?: number;
};

const cases: Case[] = [
  // NUL and unpaired surrogates, per field, in every procedure that takes text.
  { label: 'NUL in the portfolio name', send: () => call('mutation', 'portfolio.onboard', onboard({ name: 'Co\u0000re' }), user), field: 'name', message: 'NUL character' },
  { label: 'NUL in the idempotency key', send: () => call('mutation', 'portfolio.onboard', onboard({ idempotencyKey: 'k\u0000' }), user), field: 'idempotencyKey', message: 'NUL character' },
  { label: 'NUL in a symbol', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, symbol: 'AA\u0000PL' }] }), user), field: 'symbol', message: 'NUL character' },
  { label: 'NUL in a CSV cell', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: undefined, csv: csvOf('AAPL,10,150,2024-03-01', 'MSFT,5\u0000,400,2024-03-01') }), user), field: 'csv', message: 'NUL character (U+0000) on line 3' },
  { label: 'unpaired surrogate in the name', send: () => call('mutation', 'portfolio.onboard', onboard({ name: 'Core \ud83d' }), user), field: 'name', message: 'unpaired surrogate (U+D83D)' },
  { label: 'unpaired surrogate in a CSV cell', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: undefined, csv: csvOf('AAPL\udc00,10,150,2024-03-01') }), user), field: 'csv', message: 'unpaired surrogate (U+DC00) on line 2' },
  { label: 'NUL in a property name', send: () => call('mutation', 'portfolio.onboard', { ...onboard({}), ['x\u0000']: 1 }, user), field: '"x\\u0000"', message: 'property name contains a NUL' },
  { label: 'NUL in the email of user.create', send: () => call('mutation', 'user.create', { email: 'eve\u0000@example.com' }, ADMIN), field: 'email', message: 'NUL character' },
  { label: 'unpaired surrogate in the email of user.createToken', send: () => call('mutation', 'user.createToken', { email: 'ada\ud800@example.com' }, ADMIN), field: 'email', message: 'unpaired surrogate' },
  { label: 'NUL in a run id of batch.status', send: () => call('query', 'batch.status', { runId: `${UUID}\u0000` }, user), field: 'runId', message: 'NUL character' },
  { label: 'NUL in a portfolio id of batch.run', send: () => call('mutation', 'batch.run', { portfolioId: `\u0000${UUID}` }, user), field: 'portfolioId', message: 'NUL character' },
  { label: 'NUL in a date of portfolio.snapshots', send: () => call('query', 'portfolio.snapshots', { portfolioId: UUID, from: '2024-01-02\u0000' }, user), field: 'from', message: 'NUL character' },
  { label: 'unpaired surrogate in a token id of user.revokeToken', send: () => call('mutation', 'user.revokeToken', { tokenId: `${UUID}\udfff` }, ADMIN), field: 'tokenId', message: 'unpaired surrogate' },
  // Unicode case mapping must not turn text into ASCII identifiers.
  { label: 'ſpy is not SPY', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, symbol: 'ſpy' }] }), user), field: 'symbol', message: 'is not a ticker' },
  { label: 'ıbm is not IBM', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, symbol: 'ıbm' }] }), user), field: 'symbol', message: 'is not a ticker' },
  { label: 'ﬀ is not FF', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: undefined, csv: csvOf('ﬀ,10,150,2024-03-01') }), user), field: 'Symbol', message: 'is not a ticker' },
  { label: 'publıc is not PUBLIC', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, investmentClass: 'publıc' }] }), user), field: 'investmentClass', message: 'must be PUBLIC or PRIVATE' },
  { label: 'uſd is not USD', send: () => call('mutation', 'portfolio.onboard', onboard({ currency: 'uſd' }), user), field: 'currency', message: 'is not supported' },
  { label: 'a Kelvin sign in an email', send: () => call('mutation', 'user.create', { email: 'ada@\u212Aexample.com' }, ADMIN), field: 'email', message: 'must be an ASCII email address' },
  // Numbers the columns cannot hold exactly.
  { label: 'quantity 1e-9 (stored as 0)', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, quantity: 1e-9 }] }), user), field: 'quantity', message: 'stored as 0' },
  { label: 'price 0.0000015 (rounded)', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, entryPrice: 0.0000015 }] }), user), field: 'entryPrice', message: 'has 7 decimal places; at most 6' },
  { label: 'exit price 1e-7', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, exitDate: '2024-04-01', exitPrice: 1e-7 }] }), user), field: 'exitPrice', message: 'stored as 0' },
  { label: 'equity in fractions of a cent', send: () => call('mutation', 'portfolio.onboard', onboard({ equityBalance: 1000.005 }), user), field: 'equityBalance', message: 'has 3 decimal places; at most 2' },
  { label: 'quantity with 17 significant digits', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, quantity: '123456789.12345678' }] }), user), field: 'quantity', message: 'at most 15 are kept exactly' },
  { label: 'quantity 1e12 × price 1e9 (overflows a snapshot)', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, quantity: 1e12, entryPrice: 1e9 }] }), user), field: 'quantity', message: 'a position may be worth at most' },
  { label: 'positions worth too much together', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: Array.from({ length: 3 }, () => ({ ...good, quantity: 1e9, entryPrice: 500 })) }), user), field: 'positions', message: 'together' },
  { label: 'equity 1e14', send: () => call('mutation', 'portfolio.onboard', onboard({ equityBalance: 1e14 }), user), field: 'equityBalance', message: 'is too large' },
  // Dates out of range, in every procedure that takes one.
  { label: 'batch.history before year −271821', send: () => { const d = date('-271821-04-20T00:00:00.000Z'); return call('query', 'batch.history', { limit: 5, before: d.iso }, user, d.meta); }, field: 'before', message: 'must not be before 1990-01-01' },
  { label: 'batch.history before year 275760', send: () => { const d = date('+275760-09-13T00:00:00.000Z'); return call('query', 'batch.history', { limit: 5, before: d.iso }, user, d.meta); }, field: 'before', message: 'must not be after 2100-12-31' },
  { label: 'batch.history before an invalid date', send: () => { const d = date('not a date'); return call('query', 'batch.history', { limit: 5, before: d.iso }, user, d.meta); }, field: 'before', message: 'must be a valid date' },
  { label: 'batch.run from year 0001', send: () => call('mutation', 'batch.run', { portfolioId: UUID, from: '0001-01-01' }, ADMIN), field: 'from', message: 'must be a calendar date from 1990-01-01 to 2100-12-31' },
  { label: 'portfolio.snapshots to 9999-12-31', send: () => call('query', 'portfolio.snapshots', { portfolioId: UUID, to: '9999-12-31' }, user), field: 'to', message: 'must be a calendar date from 1990-01-01' },
  { label: 'portfolio.exposures on 2023-02-29', send: () => call('query', 'portfolio.exposures', { portfolioId: UUID, date: '2023-02-29' }, user), field: 'date', message: 'must be a calendar date' },
  { label: 'onboarding entry date 0000-01-01', send: () => call('mutation', 'portfolio.onboard', onboard({ positions: [{ ...good, entryDate: '0000-01-01' }] }), user), field: 'entryDate', message: 'is before 1990-01-01' },
  // Shapes of the request itself.
  {
    label: `a batch of 1,000 calls (at most ${MAX_BATCH_CALLS})`,
    send: async () => {
      const paths = Array.from({ length: 1000 }, () => 'user.me').join(',');
      const r = await fetch(`${api.url}/trpc/${paths}?batch=1&input=${encodeURIComponent('{}')}`, { headers: { authorization: `Bearer ${user}` } });
      return { status: r.status, text: await r.text() };
    },
    field: 'batch',
    message: `has 1000 calls; one HTTP request may batch at most ${MAX_BATCH_CALLS}`,
  },
  {
    label: 'JSON nested 100,000 levels deep',
    send: async () => {
      const body = `{"json":{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
      const r = await fetch(`${api.url}/trpc/portfolio.onboard`, { method: 'POST', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' }, body });
      return { status: r.status, text: await r.text() };
    },
    field: 'input',
    message: `is nested more than ${MAX_INPUT_DEPTH} levels deep`,
  },
  {
    label: 'JSON nested 1,000 levels deep in a query string',
    send: async () => {
      const input = `{"json":${'['.repeat(1000)}${']'.repeat(1000)}}`;
      const r = await fetch(`${api.url}/trpc/batch.status?input=${encodeURIComponent(input)}`, { headers: { authorization: `Bearer ${user}` } });
      return { status: r.status, text: await r.text() };
    },
    field: 'input',
    message: 'levels deep',
  },
];

beforeAll(async () => {
  stack = await startTestStack({ worker: false, env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '10000' } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 1_000 });
  const created = await call('mutation', 'user.create', { email: 'target@example.com' }, ADMIN);
  user = (JSON.parse(created.text) as { result: { data: { json: { token: string } } } }).result.data.json.token;
  const onboarded = await call('mutation', 'portfolio.onboard', onboard({ name: 'Existing' }), user);
  portfolioId = (JSON.parse(onboarded.text) as { result: { data: { json: { portfolioId: string } } } }).result.data.json.portfolioId;
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

interface ErrorBody {
  message: string;
  data: { code: string; httpStatus: number; issues?: { row?: number; field: string; message: string }[] };
}

function errorsOf(text: string): ErrorBody[] {
  const body = JSON.parse(text) as { error: { json: ErrorBody } } | { error: { json: ErrorBody } }[];
  return (Array.isArray(body) ? body : [body]).map((b) => b.error.json);
}

describe('hostile inputs over HTTP', () => {
  it('has a portfolio to aim at', () => {
    expect(portfolioId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(cases)('$label → 4xx naming $field, nothing written', async ({ send, field, message, status }) => {
    const before = await tableCounts();
    const reply = await send();
    expect(reply.status).toBe(status ?? 400);
    for (const leak of LEAKS) expect(reply.text).not.toMatch(leak);
    const errors = errorsOf(reply.text);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.data.code).toBe('BAD_REQUEST');
      const issue = e.data.issues?.find((i) => i.field === field);
      expect(issue, `issues: ${JSON.stringify(e.data.issues)}`).toBeDefined();
      expect(`${issue?.message ?? ''}`).toContain(message);
      expect(e.message).toContain(`field ${field}`);
    }
    expect(await tableCounts()).toEqual(before);
  });

  it(`a batch of exactly ${MAX_BATCH_CALLS} calls is served`, async () => {
    const paths = Array.from({ length: MAX_BATCH_CALLS }, () => 'user.me').join(',');
    const r = await fetch(`${api.url}/trpc/${paths}?batch=1&input=${encodeURIComponent('{}')}`, { headers: { authorization: `Bearer ${user}` } });
    expect(r.status).toBe(200);
    expect((await r.json()) as unknown[]).toHaveLength(MAX_BATCH_CALLS);
  });
});
