// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// STYLE §2: layers that cannot leak. main/ and preload/ reach the service over HTTP only.
const NO_SERVICE = {
  regex: '(^|/)service(/|$)',
  message: 'main/ and preload/ talk to the account service over HTTP only, never import it.',
};

/**
 * service/search/ is a leaf (issue 19): from a file `depth` folders inside it, any import that
 * leaves it must reach common/, the store's types and handle (service/store/schema.ts,
 * database.ts) or the clock; never the API layer, the domain or the permission code.
 */
const searchLeaf = (depth) => ({
  files: [`service/search/${'*/'.repeat(depth - 1)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', message: 'The service never imports electron.' }],
        patterns: [
          {
            regex: `^(\\.\\./){${depth}}(?!\\.\\./common/|store/(schema|database)\\.ts$|clock\\.ts$)`,
            message:
              'service/search is a leaf: it imports only common/, service/store (schema, database), service/clock and itself.',
          },
        ],
      },
    ],
  },
});

/** The rest of the service reaches the account search through its entry only. */
const SEARCH_ENTRY_ONLY = {
  regex: '(^|/)search/(?!index\\.ts$)',
  message: 'Import the account search from service/search/index.ts, its one entry.',
};

export default tseslint.config(
  // scripts/gen-users.mjs is the peer benchmark's generator, kept byte-identical to shared/.
  {
    ignores: ['node_modules/', 'data/', 'out/', 'dist/', 'test-results/', 'scripts/gen-users.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'R10: use node:crypto for anything random.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['service/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The service never imports electron.' }],
          patterns: [SEARCH_ENTRY_ONLY],
        },
      ],
    },
  },
  {
    // STYLE §6: the domain knows nothing of HTTP. It throws DomainError; the API and page layers
    // map it to a status. (This block replaces the one above for these files, so it repeats it.)
    files: ['service/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The service never imports electron.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+api(/|$)|(^|/)service/api(/|$)',
              message: 'The domain never imports the API layer: throw DomainError instead.',
            },
            SEARCH_ENTRY_ONLY,
          ],
        },
      ],
    },
  },
  searchLeaf(1),
  searchLeaf(2),
  {
    // A migration does what it did when written: it keeps frozen copies, never the live code.
    files: ['service/store/migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The service never imports electron.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+(search|domain|api)(/|$)',
              message:
                'A migration keeps a frozen copy of what it needs: the live code may change, the migration may not.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron'],
              message: 'common/ holds schemas only: no Node or Electron.',
            },
            {
              regex: '(^|/)(service|main|preload|renderer)(/|$)',
              message: 'common/ is shared by every process and imports none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    rules: {
      // R119: no dynamic code.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain'],
              message: 'IPC goes through the router (main/ipc.ts), wired in main/index.ts only.',
            },
          ],
          patterns: [NO_SERVICE],
        },
      ],
    },
  },
  {
    files: ['main/index.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SERVICE] }] },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_SERVICE,
            {
              group: ['node:*', ...builtinModules],
              message: 'The preload uses no Node API: it also runs bundled in a plain browser.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', '__dirname', 'global'],
    },
  },
  {
    // STYLE §2: the renderer is a web page. It reaches main only through window.latchkey, and
    // takes from the preload nothing but its type (LatchkeyApi).
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer never imports electron.' }],
          patterns: [
            {
              group: ['node:*', ...builtinModules],
              message: 'The renderer uses no Node API: it is a sandboxed web page.',
            },
            {
              regex: '(^|/)(service|main)(/|$)',
              message: 'The renderer reaches main only through window.latchkey.',
            },
            {
              regex: '(^|/)preload(/|$)',
              allowTypeImports: true,
              message: 'Only the preload’s type may be imported (import type { LatchkeyApi }).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', '__dirname', 'global'],
    },
  },
);
