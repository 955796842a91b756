// Lint: typescript-eslint's recommended rules with type information off (fast); Prettier formats.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'test-results/',
      'kiosk/electron/dist/',
      'scripts/build/',
      'dist/',
      'sbom/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['kiosk/ui/**', 'reservation-api/dashboard/client/**', 'web/dom.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
