import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/build/**', '**/dist/**', '.delineate/**', 'bench/results/**', 'test-artifacts/**', '**/*.generated.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@delineate/*/*'],
              message: 'Import a package through its public entry only (docs/ARCHITECTURE.md §3).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and their fixtures may also use the store's test harness, its one other entry.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@delineate/*/*', '!@delineate/store/test'],
              message: 'Import a package through its public entry only (docs/ARCHITECTURE.md §3); tests may use @delineate/store/test.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', 'fetch', 'setTimeout', 'setInterval', 'process', 'Buffer'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core is pure: inject a clock (docs/ARCHITECTURE.md §6).' },
        { object: 'Math', property: 'random', message: 'core is pure: inject a seeded generator (docs/ARCHITECTURE.md §6).' },
      ],
    },
  },
);
