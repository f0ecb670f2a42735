// @ts-check
import js from '@eslint/js';
import playwright from 'eslint-plugin-playwright';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'test-results/', 'playwright-report/', 'blob-report/', 'pacts/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    // Every spec and the support module: the flows, the contracts and each incident's own scenario.
    files: ['e2e/**/*.ts', 'contracts/**/*.spec.ts', 'incidents/**/*.spec.ts'],
    ...playwright.configs['flat/recommended'],
    rules: {
      ...playwright.configs['flat/recommended'].rules,
      // Isolation assertions live in the support module's matchers (toBeIsolated, toAnswer).
      'playwright/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect.soft', 'expectError'] }],
      'playwright/no-conditional-in-test': 'error',
      'playwright/no-skipped-test': ['error', { allowConditional: true }],
      'playwright/require-top-level-describe': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty-pattern': 'off',
    },
  },
);
