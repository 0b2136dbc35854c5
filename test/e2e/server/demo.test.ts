/**
 * `npm run demo` (the process, as a user starts it) prints the web console's address with a sign-in
 * link, and the demo portfolio is there in the browser while the demo keeps the console up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTFOLIO } from '../../../server/demo.js';
import { hasChromium, launchBrowser, type Browser } from '../../helpers/browser.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

let db: TestDatabase;
let browser: Browser;
let demo: ChildProcess | undefined;

describe.runIf(hasChromium)('the demo serves the web console', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    if (demo && demo.exitCode === null) demo.kill('SIGKILL');
    await browser?.close();
    await db?.destroy();
  });

  it('prints the console link and shows the demo portfolio there', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
    delete env.POLYGON_API_KEY;
    delete env.ADMIN_TOKEN;
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/demo.ts', '--keep-open'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    demo = child;
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await expect.poll(() => output, { timeout: 100_000, interval: 200 }).toMatch(/web console stays up|demo failed/);
    expect(output).toMatch(/web console stays up/);
    const link = /^Web console: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/m.exec(output)?.[1];
    expect(link, output).toBeDefined();
    expect(output).toMatch(/^ {2}as admin: http:\/\/127\.0\.0\.1:\d+\/#token=\S+$/m);

    const { page } = browser;
    await page.goto(link!);
    await page.getByRole('link', { name: DEMO_PORTFOLIO }).click();
    await page.locator('#equity-chart polyline').waitFor();
    expect(Number(await page.locator('#equity-chart').getAttribute('data-count'))).toBeGreaterThan(200);
    expect(await page.locator('#positions tbody tr').count()).toBe(13);
    await browser.screenshot('demo-portfolio');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 150_000);
});
