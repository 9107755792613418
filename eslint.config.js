// Only a ReDoS check: Biome lints and formats everything else. Every regular expression in the
// code that runs on user input (the functions, the local runtime and the CLI) must match in
// linear time; a finding fails `npm run lint`.
import tsParser from '@typescript-eslint/parser';
import regexp from 'eslint-plugin-regexp';

export default [
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts', 'cli/**/*.js', 'infra/local/**/*.ts'],
    languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
];
