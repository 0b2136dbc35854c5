// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // jobs/calc is pure: no I/O, no clock, no logger, nothing outside jobs/calc.
    files: ['jobs/calc/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!./*'], message: 'jobs/calc imports only jobs/calc.' },
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
);
