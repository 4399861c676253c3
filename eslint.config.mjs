import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.nx/**',
      'libs/contracts/src/gen/**',
      '.kubeguard/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@nx': nx },
    rules: {
      // Apps depend on libs, never the reverse; generated contracts depend on nothing of ours.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:adapter',
                'type:platform',
                'type:util',
              ],
            },
            {
              sourceTag: 'type:e2e',
              // The rule pack's examples are test data for the whole system.
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:adapter',
              onlyDependOnLibsWithTags: [
                'type:contracts',
                'type:domain',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:contracts',
                'type:util',
                'type:testing',
              ],
              bannedExternalImports: [
                '@nats-io/*',
                '@grpc/*',
                'mongodb',
                'pino',
                'prom-client',
              ],
            },
            {
              sourceTag: 'type:platform',
              onlyDependOnLibsWithTags: [
                'type:platform',
                'type:contracts',
                'type:util',
                'type:testing',
              ],
              bannedExternalImports: ['mongodb'],
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'scope:collector',
              onlyDependOnLibsWithTags: ['scope:collector', 'scope:shared'],
            },
            {
              sourceTag: 'scope:normalizer',
              onlyDependOnLibsWithTags: ['scope:normalizer', 'scope:shared'],
            },
            {
              sourceTag: 'scope:detector',
              onlyDependOnLibsWithTags: [
                'scope:detector',
                'scope:detection',
                'scope:shared',
              ],
            },
            {
              sourceTag: 'scope:notifier',
              onlyDependOnLibsWithTags: ['scope:notifier', 'scope:shared'],
            },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: [
                'scope:cli',
                'scope:detection',
                'scope:shared',
              ],
            },
            {
              sourceTag: 'scope:detection',
              onlyDependOnLibsWithTags: ['scope:detection', 'scope:shared'],
            },
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
            },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: ['@kubeguard/*/src/*', '@kubeguard/*/src/**'] },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      curly: ['error', 'all'],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
    },
  },
  {
    // Tests may use the harness; production code may not.
    files: ['**/src/**/*.ts'],
    ignores: ['libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@kubeguard/*/src/*',
            '@kubeguard/*/src/**',
            '@kubeguard/testing',
            '@kubeguard/testing/*',
          ],
        },
      ],
    },
  },
  {
    files: ['**/tests/**/*.ts', '**/*.config.ts', 'tools/**/*.ts'],
    rules: {
      // Tests talk to the harness across project lines; the graph rule is for production code.
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
  {
    // Command-line tools talk to people through the console.
    files: ['tools/**'],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
