/**
 * The web console in Debian's Chromium against the real API, a worker and the Polygon simulator:
 * onboarding through the page, a refused CSV that writes nothing, the portfolio's charts against the
 * stored numbers, the admin page. Each page is saved as a screenshot in test-artifacts/web/.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PortfolioBatchClient } from '../../../client-sdk/index.js';
import { createApiServer, type ApiServer } from '../../../server/main.js';
import { appRouter } from '../../../server/trpc/routers/_app.router.js';
import { CHROMIUM_PATH, hasChromium, launchBrowser, type Browser } from '../../helpers/browser.js';
import { rowCounts } from '../../helpers/db.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

const ADMIN = 'test-admin-token-0123456789';
const SAMPLE_CSV = new URL('../../../examples/core.csv', import.meta.url);
const BAD_CSV = new URL('../../fixtures/csv/bad-rows.csv', import.meta.url);
const TABLES = ['portfolios', 'positions', 'symbol_universe', 'batch_run_history'] as const;

let stack: TestStack;
let api: ApiServer;
let admin: PortfolioBatchClient;
let ada: PortfolioBatchClient;
let adaToken = '';
let browser: Browser;

describe.runIf(hasChromium)(`web console in Chromium (${CHROMIUM_PATH})`, () => {
  beforeAll(async () => {
    stack = await startTestStack({ env: { ADMIN_TOKEN: ADMIN, TRIGGER_LIMIT_PER_MINUTE: '1000' } });
    api = await createApiServer(stack.container, { port: 0, host: '127.0.0.1', drainMs: 2_000 });
    admin = createClient({ url: api.url, token: ADMIN });
    adaToken = (await admin.user.create.mutate({ email: 'ada@example.com' })).token;
    ada = createClient({ url: api.url, token: adaToken });
    browser = await launchBrowser();
    // The API builds the console on the first request for a page; do that here, not in the first test.
    expect((await fetch(`${api.url}/assets/app.js`)).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stack?.stop();
  });

  let portfolioId = '';

  it('signs in with a token from the form (a wrong token is refused with a message)', async () => {
    const { page } = browser;
    await page.goto(`${api.url}/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/not valid/);
    await browser.screenshot('signin');
    // Keyboard only: the field has focus when the page opens, Enter submits.
    await page.getByLabel('API token').fill('');
    await page.keyboard.type(adaToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Portfolios', level: 1 }).waitFor();
    await page.getByText('No portfolios yet').waitFor();
  });

  it('shows every refused row next to its line and writes nothing', async () => {
    const { page } = browser;
    const before = await rowCounts(stack.container.knex, TABLES);
    await page.goto(`${api.url}/#/onboard`);
    await page.getByLabel('Portfolio name').fill('Bad rows');
    await page.getByLabel('or paste the CSV').fill(await readFile(BAD_CSV, 'utf8'));
    await page.getByRole('button', { name: 'Onboard' }).click();
    await page.locator('#onboard-errors').waitFor();
    expect(await page.locator('#onboard-errors h2').textContent()).toMatch(/^Nothing was saved: \d+ problems on 2 rows$/);
    // Line 2 (AAPL) is fine; lines 3 and 4 carry their own problems, each naming the field.
    expect(await page.locator('tr[data-row="2"]').getAttribute('class')).toBe('');
    const line3 = await page.locator('tr[data-row="3"]').textContent();
    const line4 = await page.locator('tr[data-row="4"]').textContent();
    expect(line3).toMatch(/Symbol: /);
    expect(line3).toMatch(/Quantity: /);
    expect(line3).toMatch(/Entry Date: /);
    expect(line4).toMatch(/Quantity: /);
    expect(line4).toMatch(/Entry Date: /);
    expect(await page.locator('tr.row-error').count()).toBe(2);
    await browser.screenshot('onboard-errors');
    expect(await rowCounts(stack.container.knex, TABLES)).toEqual(before);
  });

  it('onboards the sample CSV from a file and follows the run to the end', async () => {
    const { page } = browser;
    await page.goto(`${api.url}/#/onboard`);
    await page.getByLabel('Portfolio name').fill('Core');
    await page.getByLabel('CSV file').setInputFiles(SAMPLE_CSV.pathname);
    await expect.poll(() => page.getByLabel('or paste the CSV').inputValue()).toContain('GGIPX');
    await browser.screenshot('onboard');
    await page.getByRole('button', { name: 'Onboard' }).click();
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').pop()!;
    await page.locator('#run[data-status="completed"], #run[data-status="partial"], #run[data-status="failed"]').waitFor({ timeout: 60_000 });
    const run = await ada.batch.status.query({ runId });
    expect(run?.status).toBe('completed');
    expect(await page.locator('#run').getAttribute('data-status')).toBe('completed');
    expect(await page.locator('#run-progress').getAttribute('value')).toBe('100');
    expect(await page.locator('#run-phases').textContent()).toContain('portfolio_analytics');
    expect(await page.locator('#run-vendor').textContent()).toContain(`Vendor calls ${run!.counters.vendorCalls}`);
    // Live through the batch.watch subscription where the server has it, else polling batch.status.
    const watchable = Object.keys(appRouter._def.procedures).includes('batch.watch');
    expect(await page.locator('#run p.hint').textContent()).toBe(watchable ? 'Live updates (subscription).' : 'Updated every 2 s.');
    await browser.screenshot('run');
    portfolioId = run!.portfolioId!;
  });

  it('lists the portfolio with its freshness, and draws its charts with the stored numbers', async () => {
    const { page } = browser;
    await page.goto(`${api.url}/#/portfolios`);
    const row = page.locator('#portfolio-list tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toMatch(/Core.*up to date/);
    await browser.screenshot('portfolios');

    await page.getByRole('link', { name: 'Core' }).click();
    await page.locator('#equity-chart').waitFor();
    const { snapshots } = await ada.portfolio.snapshots.query({ portfolioId });
    const exposures = await ada.portfolio.exposures.query({ portfolioId });
    expect(snapshots.length).toBeGreaterThan(200);

    // Equity curve: one point per stored day, each at the y of its stored total value.
    const eq = page.locator('#equity-chart');
    const [min, max, top, bottom] = await Promise.all(['data-min', 'data-max', 'data-plot-top', 'data-plot-bottom'].map(async (a) => Number(await eq.getAttribute(a))));
    const values = snapshots.map((s) => s.totalValue);
    expect(min).toBe(Math.min(...values));
    expect(max).toBe(Math.max(...values));
    const ys = (await eq.locator('polyline').getAttribute('points'))!.split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys).toHaveLength(snapshots.length);
    ys.forEach((y, i) => expect(y).toBeCloseTo(top! + ((max! - values[i]!) / (max! - min!)) * (bottom! - top!), 1));

    // Daily P&L: one bar per stored day carrying its date and value.
    const bars = await page.locator('#pnl-chart rect[data-date]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-date'), Number(e.getAttribute('data-value'))]));
    expect(bars).toEqual(snapshots.map((s) => [s.date, s.dailyPnl]));

    // Factor exposures: portfolio and per position, as the API has them.
    const pfRows = await page.locator('#portfolio-exposures tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
    expect(pfRows).toEqual(
      [...exposures.portfolio].sort((a, b) => a.displayOrder - b.displayOrder).map((e) => [e.factorName, e.exposureValue === null ? '—' : e.exposureValue.toFixed(3)]),
    );
    const posSymbols = await page.locator('#position-exposures tbody tr td:first-child').allTextContents();
    expect(posSymbols).toEqual(exposures.positions.map((p) => p.symbol));

    // Risk: every figure cell carries the API's number (or shows "—" with the API's reason), sectors
    // and the worst stress results as the API has them; trades and cash flows as tables.
    for (const id of ['#risk', '#trades', '#cash-flows']) await page.locator(`${id}[data-state="shown"]`).waitFor();
    const risk = await ada.portfolio.risk.query({ portfolioId });
    expect(risk.summary).not.toBeNull();
    const summary = risk.summary as unknown as Record<string, number | null>;
    const unavailable = risk.summary!.unavailable as Record<string, { reason: string } | undefined>;
    const cells = await page.locator('#risk td[data-figure]').evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-figure')!, td.getAttribute('data-value'), td.getAttribute('title'), td.textContent]));
    expect(cells.length).toBe(6 + 6 + 2 * 5);
    for (const [key, value, title, text] of cells) {
      const v = summary[key!];
      if (v === null || v === undefined) {
        expect([key, text, title]).toEqual([key, '—', expect.stringContaining(unavailable[key!]!.reason)]);
      } else {
        expect([key, Number(value)]).toEqual([key, v]);
      }
    }
    expect(summary['volatility21d']).not.toBeNull();
    const vol = page.locator('#risk td[data-figure="volatility21d"]');
    expect(await vol.textContent()).toBe(`${(summary['volatility21d']! * 100).toFixed(2)} %`);
    expect(await page.locator('#risk-sectors tbody tr td:first-child').allTextContents()).toEqual(risk.sectors.map((x) => x.sector));
    const worst = [...risk.stress].sort((a, b) => (a.correlated ?? a.direct ?? 0) - (b.correlated ?? b.direct ?? 0)).slice(0, 5);
    expect(await page.locator('#risk-stress tbody tr td:first-child').allTextContents()).toEqual(worst.map((x) => x.scenarioName));
    const [trades, flows] = await Promise.all([ada.portfolio.trades.query({ portfolioId }), ada.portfolio.cashFlows.query({ portfolioId })]);
    expect(await page.locator('#trades-table tbody tr').count()).toBe(trades.length);
    expect(await page.locator('#cash-flows-table tbody tr').count()).toBe(flows.length);
    await browser.screenshot('portfolio');
  });

  it("says so when a run does not exist (or is not the caller's)", async () => {
    const { page } = browser;
    await page.goto(`${api.url}/#/runs/00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => page.locator('main [role="alert"]').textContent()).toBe('Not found (or not yours).');
  });

  it('admin: run history with filters, vendor calls, and a run triggered from the page', async () => {
    const { page } = browser;
    await page.goto(`${api.url}/#token=${ADMIN}`);
    await page.getByRole('heading', { name: 'Portfolios', level: 1 }).waitFor();
    expect(page.url()).not.toContain(ADMIN);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.locator('#run-history tbody tr').first().waitFor();
    const history = await admin.batch.history.query({ limit: 50 });
    expect(await page.locator('#run-history tbody tr').count()).toBe(history.runs.length);
    const calls = history.runs.reduce((a, r) => a + (r.counters.vendorCalls ?? 0), 0);
    expect(await page.locator('#vendor-summary').textContent()).toContain(`${calls} calls`);
    await page.getByLabel('Status').selectOption('failed');
    expect(await page.locator('#run-history tbody tr').count()).toBe(0);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Source').selectOption('onboarding');
    expect(await page.locator('#run-history tbody tr').count()).toBe(1);
    await page.getByLabel('Source').selectOption('');
    await expect.poll(() => page.locator('#workers').getAttribute('data-state')).not.toBe('pending');
    expect(await page.locator('#workers').getAttribute('data-state')).not.toBe('error');
    await browser.screenshot('admin');

    await page.getByLabel('Scope').selectOption({ label: 'Core' });
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#trigger-form a[href^="#/runs/"]').waitFor();
    const after = await admin.batch.history.query({ limit: 50 });
    expect(after.runs.length).toBe(history.runs.length + 1);
    expect(after.runs[0]).toMatchObject({ source: 'admin', portfolioId });
  });
});
