import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('lint of the repository', () => {
  it('fails on an upward import injected into db/: a file in db/models that imports server/', async () => {
    // A real file and the real configuration, type information included, as `npm run lint` sees it.
    const file = `${ROOT}db/models/layer-probe-${randomBytes(4).toString('hex')}.ts`;
    await writeFile(file, `import type { Config } from '../../server/config.js';\n\nexport type ProbeConfig = Config;\n`);
    try {
      const [result] = await new ESLint({ cwd: ROOT }).lintFiles([file]);
      expect(result?.errorCount).toBe(1);
      expect(result?.messages.map((m) => [m.ruleId, m.line])).toEqual([['no-restricted-imports', 1]]);
    } finally {
      await rm(file, { force: true });
    }
  }, 60_000);
});

// The same configuration without type information (the import rules need none): fast enough for a matrix.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/await-thenable': 'off' },
  },
});

/** The no-restricted-imports messages ESLint reports for `code` as if it were the file at `path`. */
async function importErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  const fatal = result?.messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layer rule (eslint.config.js): imports point down only, server → jobs → db → core', () => {
  it('fails lint on an upward import injected into db/ (db importing server/ or jobs/)', async () => {
    const errors = await importErrors('db/models/injected.model.ts', `import type { Config } from '../../server/config.js';\nexport type X = Config;\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/db\/ imports only core\//);
    expect(await importErrors('db/injected.ts', `export { targetDate } from '../jobs/calc/trading-calendar.js';\n`)).toHaveLength(1);
  });

  it('fails lint on jobs/ importing server/, and on core/ importing any layer', async () => {
    expect(await importErrors('jobs/pipeline/injected.ts', `import { loadConfig } from '../../server/config.js';\nexport const c = loadConfig;\n`)).toEqual([
      expect.stringMatching(/jobs\/ never imports server\//),
    ]);
    expect(await importErrors('core/injected.ts', `import type { Db } from '../db/models/base.model.js';\nexport type X = Db;\n`)).toEqual([
      expect.stringMatching(/core\/ is the bottom layer/),
    ]);
  });

  it('keeps jobs/calc to itself and core/, and Agenda inside its adapter', async () => {
    expect(await importErrors('jobs/calc/injected.ts', `export { mulberry32 } from '../market-data/prng.js';\n`)).toHaveLength(1);
    expect(await importErrors('jobs/calc/injected.ts', `export type { IsoDate } from '../../core/dates.js';\n`)).toEqual([]);
    expect(await importErrors('server/services/injected.ts', `import { Agenda } from 'agenda';\nexport const A = Agenda;\n`)).toEqual([
      expect.stringMatching(/JobQueue port/),
    ]);
    expect(await importErrors('jobs/queue/agenda-queue.ts', `import { Agenda } from 'agenda';\nexport const A = Agenda;\n`)).toEqual([]);
  });

  it('lets every layer import the layers below it, and the SDK only types from server/', async () => {
    expect(await importErrors('server/services/injected.ts', `import { RunModel } from '../../db/models/run.model.js';\nimport type { JobQueue } from '../../jobs/queue/job-queue.js';\nexport type X = [RunModel, JobQueue];\n`)).toEqual([]);
    expect(await importErrors('jobs/injected.ts', `import { RunModel } from '../db/models/run.model.js';\nimport type { IsoDate } from '../core/dates.js';\nexport type X = [RunModel, IsoDate];\n`)).toEqual([]);
    expect(await importErrors('client-sdk/injected.ts', `import type { AppRouter } from '../server/trpc/routers/_app.router.js';\nexport type X = AppRouter;\n`)).toEqual([]);
    expect(await importErrors('client-sdk/injected.ts', `import { appRouter } from '../server/trpc/routers/_app.router.js';\nexport const x = appRouter;\n`)).toEqual([
      expect.stringMatching(/only types from server\//),
    ]);
  });
});
