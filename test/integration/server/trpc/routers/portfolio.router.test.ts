import { readFileSync } from 'node:fs';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../server/config.js';
import { buildApiServices, createContainer, type Container } from '../../../../../server/container.js';
import { createLogger } from '../../../../../server/logger.js';
import { createCallerContext, type ApiServices } from '../../../../../server/trpc/context.js';
import { errorDetailsOf } from '../../../../../server/trpc/error-map.js';
import { createCallerFactory } from '../../../../../server/trpc/init.js';
import { appRouter } from '../../../../../server/trpc/routers/_app.router.js';
import { createTestDatabase, rowCounts, type TestDatabase } from '../../../../helpers/db.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const fixture = (name: string): string => readFileSync(new URL(`../../../../fixtures/csv/${name}`, import.meta.url), 'utf8');

let db: TestDatabase;
let container: Container;
let services: ApiServices;
/** Rows of the tables onboarding writes. */
const onboardingRowCounts = () => rowCounts(container.knex, ['portfolios', 'positions', 'symbol_universe', 'batch_run_history']);
let userToken: string;
let otherToken: string;
const caller = (token: string | undefined) => createCallerFactory(appRouter)(createCallerContext(services, token));

async function expectError(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: db.url, ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '10000', LOG_LEVEL: 'silent', SCHEDULE_NIGHTLY: 'false' });
  container = await createContainer({ config, role: 'api', logger: createLogger('silent') });
  services = buildApiServices(container);
  userToken = (await caller(ADMIN).user.create({ email: 'ada@example.com' })).token;
  otherToken = (await caller(ADMIN).user.create({ email: 'bob@example.com' })).token;
});

afterAll(async () => {
  await container?.close();
  await db?.destroy();
});

const good = { symbol: 'AAPL', quantity: 10, entryPrice: 150, entryDate: '2024-03-01' };

// Inputs that must be refused with BAD_REQUEST, and a fragment of the message that says where.
const corpus: [string, Record<string, unknown>, string][] = [
  ['empty name', { name: ' ', equityBalance: 1000, positions: [good] }, 'field name: is required'],
  ['negative equity', { name: 'p', equityBalance: -1, positions: [good] }, 'field equityBalance: must be positive'],
  ['equity too large', { name: 'p', equityBalance: 1e14, positions: [good] }, 'field equityBalance: 100000000000000 is too large'],
  ['zero quantity', { name: 'p', equityBalance: 1000, positions: [good, { ...good, quantity: 0 }] }, 'row 2, field quantity: must not be 0'],
  ['bad symbol', { name: 'p', equityBalance: 1000, positions: [{ ...good, symbol: 'a b' }] }, 'row 1, field symbol: "A B" is not a ticker'],
  ['future entry', { name: 'p', equityBalance: 1000, positions: [{ ...good, entryDate: '2099-01-02' }] }, 'row 1, field entryDate: 2099-01-02 is in the future'],
  ['nonexistent date', { name: 'p', equityBalance: 1000, positions: [{ ...good, entryDate: '2023-02-29' }] }, 'row 1, field entryDate: 2023-02-29 is not a calendar date'],
  ['exit without price', { name: 'p', equityBalance: 1000, positions: [{ ...good, exitDate: '2024-04-01' }] }, 'row 1, field exitPrice: is required when an exit date is given'],
  ['wrong JSON type', { name: 'p', equityBalance: 1000, positions: [{ ...good, quantity: true }] }, 'row 1, field quantity:'],
  ['no positions', { name: 'p', equityBalance: 1000, positions: [] }, 'field positions: must contain at least one position'],
  ['csv and positions', { name: 'p', equityBalance: 1000, positions: [good], csv: 'x' }, 'not both'],
  ['csv bad rows', { name: 'p', equityBalance: 1000, csv: fixture('bad-rows.csv') }, 'row 3, field Entry Date: 2024-02-30 is not a calendar date'],
  ['csv wrong header', { name: 'p', equityBalance: 1000, csv: fixture('wrong-header.csv') }, 'row 1, field Ticker: unknown column'],
  ['csv unterminated quote', { name: 'p', equityBalance: 1000, csv: fixture('unterminated-quote.csv') }, 'row 2, field csv: unterminated quoted field'],
  ['csv over 1 MiB', { name: 'p', equityBalance: 1000, csv: 'Symbol,Quantity,Entry Price Per Share,Entry Date\n'.padEnd(1024 * 1024 + 10, 'x') }, 'field csv:'],
  ['too many positions', { name: 'p', equityBalance: 1000, positions: Array.from({ length: 5001 }, () => good) }, 'field positions: at most 5000 positions are accepted'],
  ['other currency', { name: 'p', equityBalance: 1000, currency: 'EUR', positions: [good] }, 'field currency: "EUR" is not supported'],
];

describe('portfolio.onboard refuses bad input and writes nothing', () => {
  it.each(corpus)('%s', async (_label, input, expected) => {
    const before = await onboardingRowCounts();
    const err = await expectError(caller(userToken).portfolio.onboard(input as never));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(expected);
    const issues = errorDetailsOf(err)?.issues ?? [];
    expect(issues.length).toBeGreaterThan(0);
    expect(await onboardingRowCounts()).toEqual(before);
  });

  it('lists every bad row of a CSV in one error, with data.issues', async () => {
    const err = await expectError(caller(userToken).portfolio.onboard({ name: 'p', equityBalance: 1000, csv: fixture('bad-rows.csv') }));
    expect(err.message.split('\n').slice(1)).toEqual([
      'row 3, field Symbol: "1BAD" is not a ticker: 1-15 ASCII characters, a letter first, then letters, digits, "." or "-"',
      'row 3, field Quantity: must not be 0 (negative means short)',
      'row 3, field Entry Price Per Share: must be positive, got -3',
      'row 3, field Entry Date: 2024-02-30 is not a calendar date',
      'row 4, field Quantity: must be a number, got "abc"',
      'row 4, field Entry Date: must be a date as YYYY-MM-DD, got "03/04/2024"',
    ]);
    expect(errorDetailsOf(err)?.issues).toHaveLength(6);
  });
});

describe('portfolio.onboard writes all-or-nothing and honours idempotency keys', () => {
  it('writes portfolio, positions, new symbols and one run; a repeat with the same key and body writes nothing', async () => {
    const before = await onboardingRowCounts();
    const input = { name: 'Idem', equityBalance: 50_000, idempotencyKey: 'k-1', csv: fixture('good.csv') };
    const first = await caller(userToken).portfolio.onboard(input);
    const after = await onboardingRowCounts();
    expect(after.portfolios).toBe(before.portfolios + 1);
    expect(after.positions).toBe(before.positions + 3);
    expect(after.symbol_universe).toBe(before.symbol_universe + 2); // AAPL, MSFT; SPY is a factor proxy already
    expect(after.batch_run_history).toBe(before.batch_run_history + 1);
    const portfolio = (await container.knex('portfolios').where({ id: first.portfolioId }).first()) as { inception_date: string };
    expect(portfolio.inception_date).toBe('2024-03-01');

    const again = await caller(userToken).portfolio.onboard(input);
    expect(again).toEqual(first);
    expect(await onboardingRowCounts()).toEqual(after);

    const conflict = await expectError(caller(userToken).portfolio.onboard({ ...input, equityBalance: 60_000 }));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain('Idempotency key "k-1" was already used for a different onboarding request');
    expect(await onboardingRowCounts()).toEqual(after);
  });

  it('refuses a duplicate portfolio name for the same user, not for another user', async () => {
    await caller(userToken).portfolio.onboard({ name: 'Dup', equityBalance: 1000, positions: [good] });
    const before = await onboardingRowCounts();
    const err = await expectError(caller(userToken).portfolio.onboard({ name: ' Dup ', equityBalance: 1000, positions: [good] }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('A portfolio named "Dup" already exists');
    expect(await onboardingRowCounts()).toEqual(before);
    await expect(caller(otherToken).portfolio.onboard({ name: 'Dup', equityBalance: 1000, positions: [good] })).resolves.toHaveProperty('runId');
  });
});

describe('auth and visibility through the router', () => {
  it('needs a token, a valid one, and an admin one for admin procedures', async () => {
    expect((await expectError(caller(undefined).portfolio.list())).code).toBe('UNAUTHORIZED');
    expect((await expectError(caller('nope').portfolio.list())).code).toBe('UNAUTHORIZED');
    const forbidden = await expectError(caller(userToken).user.create({ email: 'eve@example.com' }));
    expect(forbidden.code).toBe('FORBIDDEN');
    expect((await expectError(caller(userToken).batch.run({}))).code).toBe('FORBIDDEN');
  });

  it("hides another user's portfolio and runs as NOT_FOUND", async () => {
    const mine = await caller(userToken).portfolio.onboard({ name: 'Mine', equityBalance: 1000, positions: [good] });
    const other = caller(otherToken);
    // Thunks, so no call starts (and fails) before the loop awaits it.
    for (const call of [
      () => other.portfolio.get({ portfolioId: mine.portfolioId }),
      () => other.portfolio.snapshots({ portfolioId: mine.portfolioId }),
      () => other.portfolio.exposures({ portfolioId: mine.portfolioId }),
      () => other.batch.status({ runId: mine.runId }),
      () => other.batch.status({ portfolioId: mine.portfolioId }),
      () => other.batch.run({ portfolioId: mine.portfolioId }),
      () => other.batch.history({ portfolioId: mine.portfolioId, limit: 5 }),
    ]) {
      const err = await expectError(call());
      expect(err.code).toBe('NOT_FOUND');
    }
    expect((await other.portfolio.list()).map((p) => p.id)).not.toContain(mine.portfolioId);
    expect((await caller(ADMIN).batch.status({ runId: mine.runId }))?.runId).toBe(mine.runId);
    const settings = await caller(userToken).batch.run({ portfolioId: mine.portfolioId });
    expect(settings.runId).toBe(mine.runId); // the onboarding run is still queued: deduplicated
    expect(settings.deduplicated).toBe(true);
  });

  it('rejects a revoked token', async () => {
    const issued = await caller(ADMIN).user.createToken({ email: 'ada@example.com' });
    await expect(caller(issued.token).user.me()).resolves.toMatchObject({ role: 'user', email: 'ada@example.com' });
    await caller(ADMIN).user.revokeToken({ tokenId: issued.tokenId });
    expect((await expectError(caller(issued.token).user.me())).code).toBe('UNAUTHORIZED');
  });

  it('stores only token hashes', async () => {
    const rows = (await container.knex('api_tokens').select('token_hash')) as { token_hash: string }[];
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash) && r.token_hash !== userToken)).toBe(true);
  });
});

describe('trigger rate limit', () => {
  it('answers TOO_MANY_REQUESTS with a retry hint once a user exceeds the per-minute limit', async () => {
    const limited = buildApiServices({ ...container, config: { ...container.config, api: { ...container.config.api, triggerLimitPerMinute: 2 } } });
    const c = createCallerFactory(appRouter)(createCallerContext(limited, userToken));
    const mine = await caller(userToken).portfolio.onboard({ name: 'Limited', equityBalance: 1000, positions: [good] });
    await c.batch.run({ portfolioId: mine.portfolioId });
    await c.batch.run({ portfolioId: mine.portfolioId });
    const err = await expectError(c.batch.run({ portfolioId: mine.portfolioId }));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(err.message).toMatch(/^Too many run triggers: at most 2 per 60 s; retry in \d+ s$/);
    expect(errorDetailsOf(err)?.retryAfterSeconds).toBeGreaterThan(0);
    // Reads are not triggers.
    await expect(c.batch.status({ portfolioId: mine.portfolioId })).resolves.toBeTruthy();
  });
});

describe('trigger limit counts only valid, permitted triggers', () => {
  it('invalid, forbidden and unknown-portfolio calls do not spend the budget; replays of an onboarding do not either', async () => {
    const limited = buildApiServices({ ...container, config: { ...container.config, api: { ...container.config.api, triggerLimitPerMinute: 2 } } });
    const ada = createCallerFactory(appRouter)(createCallerContext(limited, userToken));
    const bob = createCallerFactory(appRouter)(createCallerContext(limited, otherToken));
    const bobs = await caller(otherToken).portfolio.onboard({ name: 'Bob only', equityBalance: 1000, positions: [good] });

    // Ten refused calls of each kind: none counts.
    for (let i = 0; i < 10; i++) {
      expect((await expectError(ada.portfolio.onboard({ name: ' ', equityBalance: 1000, positions: [good] }))).code).toBe('BAD_REQUEST');
      expect((await expectError(ada.batch.run({ portfolioId: 'not-a-uuid' }))).code).toBe('BAD_REQUEST');
      expect((await expectError(ada.batch.run({ portfolioId: bobs.portfolioId }))).code).toBe('NOT_FOUND');
      expect((await expectError(ada.batch.run({}))).code).toBe('FORBIDDEN');
      expect((await expectError(ada.batch.run({ portfolioId: '00000000-0000-4000-8000-000000000000' }))).code).toBe('NOT_FOUND');
      expect((await expectError(ada.batch.run({ portfolioId: bobs.portfolioId, from: '2999-01-04' }))).code).toBe('BAD_REQUEST');
    }

    // The first valid trigger, then its replays (same key and body): one trigger in all.
    const first = await ada.portfolio.onboard({ name: 'Budget', equityBalance: 1000, positions: [good], idempotencyKey: 'budget-1' });
    for (let i = 0; i < 5; i++) {
      expect(await ada.portfolio.onboard({ name: 'Budget', equityBalance: 1000, positions: [good], idempotencyKey: 'budget-1' })).toEqual(first);
    }
    await ada.batch.run({ portfolioId: first.portfolioId });
    const err = await expectError(ada.batch.run({ portfolioId: first.portfolioId }));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    // Another caller's budget is separate.
    await expect(bob.batch.run({ portfolioId: bobs.portfolioId })).resolves.toMatchObject({ runId: expect.any(String) });
  });
});

describe('idempotent onboarding under concurrency', () => {
  it('20 parallel requests with the same key and body all get the first result, none a name conflict', async () => {
    const input = { name: 'Raced', equityBalance: 5000, positions: [good, { ...good, symbol: 'MSFT' }], idempotencyKey: 'race-1' };
    const before = await onboardingRowCounts();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => caller(userToken).portfolio.onboard(input)));
    const failures = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).message);
    expect(failures).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<{ portfolioId: string; runId: string }>).value);
    expect(new Set(values.map((v) => v.portfolioId)).size).toBe(1);
    expect(new Set(values.map((v) => v.runId)).size).toBe(1);
    const after = await onboardingRowCounts();
    expect(after.portfolios - before.portfolios).toBe(1);
    expect(after.positions - before.positions).toBe(2);
    expect(after.batch_run_history - before.batch_run_history).toBe(1);

    // The same key with another body is still a conflict, and the same name without the key too.
    expect((await expectError(caller(userToken).portfolio.onboard({ ...input, equityBalance: 6000 }))).code).toBe('CONFLICT');
    const { idempotencyKey: _key, ...withoutKey } = input;
    expect((await expectError(caller(userToken).portfolio.onboard(withoutKey))).message).toMatch(/already exists/);
  });
});
