// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A relative import that climbs out of its folder into one of these top-level folders. */
const UP = (...folders) => `^(\\.\\./)+(${folders.join('|')})/`;
const up = (folders, message) => ({ regex: UP(...folders), message });
/** Agenda is known to its adapter only (jobs/queue/agenda-queue.ts); everything else uses the JobQueue port. */
const AGENDA_ONLY_IN_ADAPTER = { group: ['agenda', '@agendajs/*'], message: 'Use the JobQueue port (jobs/queue/job-queue.ts); Agenda lives in its adapter.' };
/** Below server/ the logger is core's interface, not pino itself. */
const PINO = { group: ['pino'], message: 'Take the Logger interface from core/logger.ts.' };
const FOREIGN_BELOW_SERVER = [AGENDA_ONLY_IN_ADAPTER, PINO];

/** One layer's import rule: `patterns` forbidden in `files` (but not in `ignores`). */
const layer = (files, patterns, ignores = []) => ({ files, ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', 'client-sdk/bin.js', 'client-sdk/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'Focused tests silence the rest of the suite.' },
        { object: 'describe', property: 'only', message: 'Focused tests silence the rest of the suite.' },
        { object: 'test', property: 'only', message: 'Focused tests silence the rest of the suite.' },
      ],
    },
  },
  {
    // Only server/config.ts reads the environment.
    files: ['server/**/*.ts', 'jobs/**/*.ts', 'db/**/*.ts', 'client-sdk/**/*.ts'],
    ignores: ['server/config.ts', 'client-sdk/cli.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through server/config.ts.' },
        { object: 'it', property: 'only', message: 'Focused tests silence the rest of the suite.' },
        { object: 'describe', property: 'only', message: 'Focused tests silence the rest of the suite.' },
        { object: 'test', property: 'only', message: 'Focused tests silence the rest of the suite.' },
      ],
    },
  },
  // Layers point down only: server → jobs → db → core (client-sdk takes types from server).
  // Each folder forbids imports that climb out of it into a layer above; see docs/architecture.md.
  layer(['core/**/*.ts'], [up(['db', 'jobs', 'server', 'client-sdk'], 'core/ is the bottom layer: it imports nothing of ours.')]),
  layer(['db/**/*.ts'], [up(['jobs', 'server', 'client-sdk'], 'db/ imports only core/ (server → jobs → db → core)'), ...FOREIGN_BELOW_SERVER]),
  layer(['jobs/**/*.ts'], [up(['server', 'client-sdk'], 'jobs/ never imports server/ (server → jobs → db → core)'), ...FOREIGN_BELOW_SERVER], ['jobs/calc/**']),
  layer(['server/**/*.ts'], [up(['client-sdk'], 'server/ does not import the client SDK (only the demo drives the API through it).'), AGENDA_ONLY_IN_ADAPTER], [
    'server/demo.ts',
  ]),
  layer(['server/demo.ts'], [AGENDA_ONLY_IN_ADAPTER]),
  layer(['client-sdk/**/*.ts'], [
    up(['jobs', 'db'], 'client-sdk/ talks to the API: it imports core/ and the types of server/, nothing else of ours.'),
    { regex: UP('server'), allowTypeImports: true, message: 'client-sdk/ takes only types from server/ (import type).' },
  ]),
  // The web console talks to the API only: the typed client and the router type from client-sdk/.
  layer(['web/**/*.ts'], [up(['server', 'jobs', 'db'], 'web/ reaches the API through client-sdk/ (types) and HTTP only.')]),
  // The Agenda adapter is the one place that knows Agenda (and the migration that creates its table).
  layer(['jobs/queue/agenda-queue.ts'], [up(['server', 'client-sdk'], 'jobs/ never imports server/ (server → jobs → db → core)'), PINO]),
  layer(['db/migrations/002_agenda_jobs.ts'], [up(['jobs', 'server', 'client-sdk'], 'db/ imports only core/ (server → jobs → db → core)'), PINO]),
  {
    // jobs/calc is pure: no I/O, no clock, no logger, nothing outside jobs/calc but core/.
    files: ['jobs/calc/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!\\.\\./core/)', message: 'jobs/calc imports only jobs/calc and core/.' },
            { group: ['node:*', 'fs', 'http', 'pino', 'knex', 'pg', 'undici'], message: 'jobs/calc is pure: no I/O.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'jobs/calc has no clock: take the instant as an argument.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'jobs/calc has no clock: take the instant as an argument.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'jobs/calc is deterministic: take a seed.' },
        { selector: "MemberExpression[object.name='console']", message: 'jobs/calc has no logger.' },
      ],
    },
  },
  {
    // A folder inside jobs/calc (jobs/calc/risk) may import its parent, still nothing outside jobs/calc but core/.
    files: ['jobs/calc/*/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./\\.\\./(?!\\.\\./core/)', message: 'jobs/calc imports only jobs/calc and core/.' },
            { group: ['node:*', 'fs', 'http', 'pino', 'knex', 'pg', 'undici'], message: 'jobs/calc is pure: no I/O.' },
          ],
        },
      ],
    },
  },
);
