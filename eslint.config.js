// Lint: TypeScript's recommended rules everywhere, plus the rules that keep workflows/
// deterministic (Temporal replays workflow code; anything that differs between runs breaks it).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'policies/refund-rules.ts', 'policies/duplicates.ts', 'policies/risk.ts', 'policies/schema.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not use Node built-ins: do I/O in an activity.' })),
          patterns: [
            { group: ['**/activities/*', '!**/activities/kit', '**/activities/**/!(errors)*'], allowTypeImports: true, message: 'Workflows import activities as types only and call them through proxies (workflows/kit/tools.ts).' },
            { group: ['pino', 'pg', 'better-sqlite3', 'kysely', 'stripe', '@hubspot/*', '@anthropic-ai/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code must not do I/O: use an activity.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process state in workflows: pass it in as input.' },
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'fetch', message: 'Network calls belong in activities.' },
        { name: 'require', message: 'Use static imports in workflows.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Randomness breaks replay: use uuid4() from @temporalio/workflow, or decide in an activity.' },
      ],
    },
  },
);
