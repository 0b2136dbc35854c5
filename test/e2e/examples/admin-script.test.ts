/**
 * The README's SDK example is a file of the repository; it runs as written against a real API and
 * worker on the Polygon simulator.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let stack: TestStack;
let api: ApiServer;

beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN } });
  api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 1_000 });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

function runExample(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // What the README says to type: npx tsx examples/admin-script.ts
    execFile('npx', ['tsx', 'examples/admin-script.ts'], { cwd: ROOT, env: { ...process.env, PORTFOLIO_BATCH_URL: api.url, ADMIN_TOKEN: ADMIN }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

describe('examples/admin-script.ts', () => {
  it('is the script the README shows', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const file = readFileSync(path.join(ROOT, 'examples/admin-script.ts'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${file}\`\`\``);
  });

  it('onboards examples/core.csv through a real API and worker and prints the snapshot and exposures; run again, it answers from the idempotency key', async () => {
    const first = await runExample();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const portfolio = /^portfolio (\S+), onboarding run (\S+)$/m.exec(first.stdout);
    expect(portfolio).not.toBeNull();
    expect(first.stdout).toMatch(/^run completed; \d+ daily snapshots; the latest:/m);
    expect(first.stdout).toContain("date: '2026-11-20'");
    expect(first.stdout).toContain('GGIPX'); // the mutual fund without prices is reported
    expect(first.stdout).toContain("factorName: 'Market Beta'");

    const again = await runExample();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`portfolio ${portfolio?.[1] ?? '?'}, onboarding run ${portfolio?.[2] ?? '?'}`);
  });
});
