import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The rooms of src/ and the rooms each may import from (besides its own, `core/errors.js`, which every
 * room throws with, and packages). The interception point is the floor: it knows no sink or provider.
 * Tests may reach anywhere.
 */
const ROOMS = [
  'instrument',
  'metrics',
  'logging',
  'tracing',
  'health',
  'http',
  'store',
  'alerting',
  'core',
  'demo',
];
const MAY_IMPORT = {
  instrument: [],
  metrics: ['instrument'],
  logging: ['instrument'],
  tracing: ['instrument', 'logging'],
  health: ['instrument'],
  http: ['instrument', 'metrics', 'health', 'store'],
  store: ['instrument'],
  alerting: ['instrument', 'store'],
  core: ['instrument', 'metrics', 'logging', 'tracing', 'health', 'http', 'store', 'alerting'],
  demo: ['instrument', 'metrics', 'logging', 'tracing', 'health', 'http', 'core'],
  // cli: everything.
};
const layering = ROOMS.map((room) => {
  const forbidden = [...ROOMS, 'cli'].filter((other) => other !== room && !MAY_IMPORT[room].includes(other));
  return {
    files: [`src/${room}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...forbidden.flatMap((other) => [`../${other}/*`, `../../${other}/*`]),
                ...(forbidden.includes('core') ? ['!../core/errors.js', '!../../core/errors.js'] : []),
                ...(room === 'demo' ? [] : ['../index.js']),
              ],
              message: `src/${room}/ may import only from ${MAY_IMPORT[room].join(', ') || 'itself'} (see eslint.config.js).`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': ['error', 'ExportAllDeclaration'],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Instrumentation wraps methods and calls the originals with .call(this, …) on purpose.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The CLI, demo, benchmarks and tests talk to people on the terminal (stderr in the CLI).
    files: ['src/cli/**', 'bench/**', '**/*.test.ts', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...layering,
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
