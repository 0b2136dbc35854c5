/**
 * An admin script with the SDK: creates a user (or, when it exists, issues it another token),
 * onboards examples/core.csv as that user, follows the onboarding run and prints the latest
 * snapshot and the portfolio's factor exposures. Run it against a running API and worker:
 *
 *   ADMIN_TOKEN=… npx tsx examples/admin-script.ts     (PORTFOLIO_BATCH_URL, default http://127.0.0.1:3000)
 *
 * Running it again answers from the idempotency key: the same portfolio and run.
 */
import { readFile } from 'node:fs/promises';
import { createClient, describeError, waitForRun } from '../client-sdk/index.js';

const url = process.env.PORTFOLIO_BATCH_URL ?? 'http://127.0.0.1:3000';
const admin = createClient({ url, token: process.env.ADMIN_TOKEN });

async function tokenFor(email: string): Promise<string> {
  try {
    return (await admin.user.create.mutate({ email })).token; // shown only this once
  } catch (err) {
    if (describeError(err).code !== 'CONFLICT') throw err;
    return (await admin.user.createToken.mutate({ email })).token; // the user exists: another token
  }
}

try {
  const ada = createClient({ url, token: await tokenFor('ada@example.com') });
  const csv = await readFile(new URL('./core.csv', import.meta.url), 'utf8');
  const { portfolioId, runId } = await ada.portfolio.onboard.mutate({ name: 'Core', equityBalance: 1_000_000, csv, idempotencyKey: 'core-v1' });
  console.log(`portfolio ${portfolioId}, onboarding run ${runId}`);
  const run = await waitForRun(ada, runId, { onProgress: (s) => console.log(s.status, s.currentPhase ?? '', `${Math.round(s.percent)}%`) });
  const { snapshots } = await ada.portfolio.snapshots.query({ portfolioId });
  console.log(`run ${run.status}; ${snapshots.length} daily snapshots; the latest:`, snapshots.at(-1));
  console.log('factor exposures:', (await ada.portfolio.exposures.query({ portfolioId })).portfolio);
} catch (err) {
  const e = describeError(err);
  console.error(`error (${e.code}): ${e.message}${e.code === 'UNAUTHORIZED' ? ' (is ADMIN_TOKEN the API’s admin token?)' : ''}`);
  process.exitCode = 1;
}
