// ESLint (flat config): typescript-eslint's type-aware rules for the TypeScript, the core JS rules
// for the build, bench and bin scripts, and eslint-config-prettier last so that no rule fights
// Prettier (Prettier owns formatting; `prettier --check .` checks it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `const { secret: _dropped, ...rest } = x` is how this codebase copies an object without a key,
// and `_name` marks a parameter that a signature requires but the body does not use.
const unusedVars = ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }];

export default defineConfig(
  // examples/ is a user's app with its own toolchain; a unit test checks its scaffolded module.
  globalIgnores(['dist/', 'coverage/', 'test-output/', '.otp-setup/', 'schema/', 'templates/', 'examples/']),

  // Plain JS: scripts/, bench/, bin/ and this file run on Node.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: { 'no-unused-vars': unusedVars },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // TypeScript, type-aware: the project service finds tsconfig.json for every file, so src/,
  // handlers/, test/ and vitest.config.ts share one TypeScript program (a second tsconfig for the
  // tests made a second program that type-checked src/ again). No allowDefaultProject: with it,
  // typescript-eslint skips its single-run Program for the slower TS-server path.
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      // `let x; callback reads x; x = start()`: the callback runs only after the assignment.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `async` is how steps, sandbox operations, Lambda handlers and test fakes implement a
      // Promise-returning contract without awaiting: it turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // With noUncheckedIndexedAccess, `x[0]!` is how the code states an element known to exist.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // The recommended options: numbers, booleans and optional values in messages and test labels.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: true, allowBoolean: true, allowNullish: true, allowNumber: true, allowRegExp: true },
      ],
      // `(x) => void list.push(x)` and `() => sideEffect()` callbacks are this codebase's style.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // False positives here: guards on AWS answers and parsed JSON typed as non-null, flags set in
      // callbacks, and afterAll() guards for a beforeAll() that failed.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Deleting keys of maps built at run time (process.env, tag maps, state records) is intended.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // `[...text]` deliberately walks code points, not UTF-16 units.
      '@typescript-eslint/no-misused-spread': 'off',
      // `Record<never, never>` is deliberate: a command that takes no options.
      '@typescript-eslint/no-generated-empty-object-type': 'off',
      // A step's apply() returns Promise<void | string[]>: notes are optional.
      '@typescript-eslint/no-invalid-void-type': 'off',
      // Passing a rejection on as it came (unknown) creates no non-Error reason of its own.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Catch callbacks on Node's fs calls take the error as NodeJS.ErrnoException, as Node documents it.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
    },
  },

  // The realism rules read and rewrite moto's wire JSON in AWS's API shapes, as AWS documents them.
  {
    files: ['test/support/realism/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Inside a test body, parsed JSON (JSON.parse is `any`) and vitest's asymmetric matchers (typed
  // `any`) meet expect(), which checks their shape at run time; test/support and other helper
  // modules, where `any` would cross a module boundary, keep these rules.
  {
    files: ['test/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Type-level tests build a value of a chosen type to check what compiles.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },

  // SES still accepts PutAccountDetails' deprecated UseCaseDescription, and `ses request-production` sends it.
  {
    files: ['src/commands/ses.ts', 'test/unit/doctor/ses-account.isolated.test.ts'],
    rules: { '@typescript-eslint/no-deprecated': 'off' },
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
