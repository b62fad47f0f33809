// Lint rules. The important ones keep the pure modules pure (DESIGN.md "Modules"): no node:*
// imports, no wall clock, timers or ambient randomness in state/, fsm/, and later raft/, the
// gossip core and the DNS resolver. Time, randomness and I/O come in through injected deps.
import tseslint from 'typescript-eslint';

const pureDirs = ['src/lib/**/*.ts', 'src/filter/**/*.ts', 'src/state/**/*.ts', 'src/fsm/**/*.ts', 'src/raft/**/*.ts', 'src/gossip/core/**/*.ts', 'src/serf/**/*.ts', 'src/dns/resolver/**/*.ts', 'src/dns/wire/**/*.ts', 'src/template/engine/**/*.ts', 'src/sim/**/*.ts', 'src/acl/**/*.ts', 'src/http/wire/**/*.ts'];
// lib/ holds the real implementations behind the interfaces (codec); these few files may import.
const pureExceptions = ['src/lib/codec.ts', '**/*.test.ts', 'src/sim/raft/main.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error'],
    },
  },
  {
    files: pureDirs,
    ignores: pureExceptions,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'net', 'dgram', 'http', 'https', 'crypto', 'os', 'child_process', 'timers'], message: 'pure module: I/O comes in through injected deps' },
            { group: ['**/host/*'], message: 'pure module: host/ is the machine (randomness, built-ins); take an injected Rng' },
            { group: ['**/raftio/*', '**/rpc/*', '**/agent/*', '**/http/*'], message: 'pure module: these modules do I/O; imports point from them to the pure cores, not back' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'pure module: use the injected Clock' },
        { name: 'setTimeout', message: 'pure module: use the injected Clock' },
        { name: 'setInterval', message: 'pure module: use the injected Clock' },
        { name: 'setImmediate', message: 'pure module: use the injected Clock' },
        { name: 'performance', message: 'pure module: use the injected Clock' },
        { name: 'process', message: 'pure module: no process state' },
        { name: 'crypto', message: 'pure module: use the injected Rng' },
        { name: 'Buffer', message: 'pure module: use Uint8Array' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'pure module: use the injected Rng' },
        { object: 'Date', property: 'now', message: 'pure module: use the injected Clock' },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'bench/**/*.mjs', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
