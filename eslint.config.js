// ESLint (flat config): typescript-eslint's type-aware rules for the TypeScript, the core JS rules
// for the build, bench and bin scripts, and eslint-config-prettier last so that no rule fights
// Prettier (Prettier owns formatting; `prettier --check .` checks it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `const { secret: _dropped, ...rest } = x` is how this codebase copies an object without a key.
const unusedVars = ['error', { ignoreRestSiblings: true }];

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'test-output/', '.otp-setup/', 'schema/', 'templates/']),

  // Plain JS: scripts/, bench/, bin/ and this file run on Node.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: { 'no-unused-vars': unusedVars },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // TypeScript, type-aware: the project service finds each file's tsconfig (tsconfig.json for src/
  // and handlers/, test/tsconfig.json for the tests, examples/vite-app/tsconfig.json for the example).
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      // `async` is how steps, sandbox operations, Lambda handlers and test fakes implement a
      // Promise-returning contract without awaiting: it turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
    },
  },

  // The sandbox page imports the module `otp-setup scaffold` writes, which exists only at build
  // time (scripts/build-sandbox-page.mjs), so it has no program to type-check against.
  {
    files: ['sandbox-page/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.browser },
  },

  prettier,
);
