// @ts-check
import tseslint from 'typescript-eslint';

/** The pure core: no cloud client, no I/O, no clock, no env, no randomness. Time comes in as arguments. */
const PURE = ['shared/core/**/*.ts', 'shared/pipeline/**/*.ts', 'shared/limits/**/*.ts', 'shared/cost/**/*.ts'];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', 'bench/beam/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: PURE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@google-cloud/*', 'firebase*', '@pulumi/*'], message: 'The core is pure: cloud clients belong in shared/adapters.' },
            { group: ['node:fs', 'fs', 'node:fs/*', 'fs/*', 'node:net', 'net', 'node:http', 'http', 'node:child_process', 'child_process'], message: 'The core is pure: no I/O.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The core is pure: configuration comes in as arguments.' },
        { object: 'Date', property: 'now', message: 'The core is pure: time comes in as an argument.' },
        { object: 'Math', property: 'random', message: 'The core is pure: randomness comes in as an argument.' },
        { object: 'performance', property: 'now', message: 'The core is pure: time comes in as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core is pure: `new Date()` reads the clock.' },
        { selector: "MemberExpression[object.name='process']", message: 'The core is pure: no process access.' },
      ],
    },
  },
);
