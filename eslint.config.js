// ESLint flat config: typescript-eslint's strict, type-checked rules (with the stylistic set), type-aware through tsconfig.json.
// Formatting is Prettier's job (`npm run format`); rules turned off below say why on their line.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-dev/', 'data/', 'corpus/', 'node_modules/', 'removed/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // noUncheckedIndexedAccess is on: `xs[i]!` is how the code says "in bounds by construction" (≈800 uses); a rule against it fights the design.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans in messages are intended; nullish and objects still flagged.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => void doSomething()` shorthands in callbacks are idiomatic here.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Stripping terminal and Discord control characters from text is the point of those expressions.
      'no-control-regex': 'off',
      // Discord's raw payloads carry plain numbers where discord-api-types declares enums; comparing and assigning them is the protocol.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/no-unsafe-enum-assignment': 'off',
      // discord.js deprecates the modal `setLabel`/`addComponents` and `channel_id` the bot and emulator still use; moving to label builders is its own change.
      '@typescript-eslint/no-deprecated': 'off',
      // tsc's noUnusedLocals reports unused names already, and counts TSDoc {@link} references, which this rule does not.
      '@typescript-eslint/no-unused-vars': 'off',
      // Validation of what is read from disk, workers and Discord checks values whose declared types are more hopeful than the bytes.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Interface methods (LangChain's Embeddings and VectorStore) are async by contract even when the work is synchronous.
      '@typescript-eslint/require-await': 'off',
      // `() => {}` as a deliberate no-op handler.
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // Event handlers (`emitter.on('x', async () => …)`) are async and catch their own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // A constructor that narrows its base's signature (Error's optional message made required) is not useless.
      '@typescript-eslint/no-useless-constructor': 'off',
      // FormData and Headers from undici and the global ones are the same classes at run time; the rule cannot see that.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    // Tests read JSON the processes print (`JSON.parse` → any) and stub interfaces with async functions that need no await.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      // The bench's phase clock and module handles are closures without `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (this file, scripts/, test helpers in .mjs): no type information.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
