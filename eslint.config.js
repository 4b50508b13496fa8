// Lint rules: typescript-eslint's recommended set, plus a ban on stray console output
// in library code (the CLI and benchmarks print on purpose through src/util/log.ts).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['bench/**', 'test/**'], rules: { 'no-console': 'off' } },
);
