import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The design's walls (../DESIGN.md "Layout"), as import restrictions per room. A relative
 * import that climbs out of a room names the room it lands in (`../api/index.js`,
 * `../../node/pipeline.js`), so one regex per forbidden room catches it at any depth.
 */
const IO_PACKAGES = ['ws', 'express', 'better-sqlite3', 'pino', 'prom-client', 'sodium-native', 'smol-toml'];
const ROLES = ['api', 'mixnode', 'gateway', 'client', 'socks5', 'requester'];
const NON_PURE = [...ROLES, 'node', 'chain', 'api-client', 'topology', 'sdk', 'cli', 'web'];

const roomRegex = (room) => `^(\\.\\./)+(src/)?${room}(/|$)`;
const outside = (rooms, why) => rooms.map((room) => ({ regex: roomRegex(room), message: why(room) }));

/** One config block: files of `dir` may not import `rooms` (nor `packages`, nor node:*). */
function wall(files, { rooms = [], packages = [], nodeBuiltins = false, extra = [], why }) {
  const patterns = [...outside(rooms, why), ...extra];
  if (nodeBuiltins) patterns.push({ regex: '^node:', message: 'a pure room does no I/O' });
  const paths = packages.map((name) => ({ name, message: 'a pure room does no I/O' }));
  return { files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } };
}

const pure = (room) => `${room} is not a pure room: keep this room bytes-in, bytes-out`;
const role = (room) =>
  `roles never import another role's internals (${room}); share through src/node or a pure room`;

/** What no file under src/ may import. */
const SRC_WIDE = [
  {
    regex: '^(\\.\\./)+contracts-mock(/|$)',
    message: 'import the types from src/contracts; only the localnet chain runs the contracts',
  },
  { regex: '^(\\.\\./)+localnet(/|$)', message: 'the chain is reached over RPC (src/chain), never imported' },
];
const PURE = { rooms: NON_PURE, packages: IO_PACKAGES, nodeBuiltins: true, extra: SRC_WIDE, why: pure };
const roleWall = (rooms) => ({ rooms, extra: SRC_WIDE, why: role });
const CLIENT = {
  rooms: ['api', 'mixnode', 'node', 'cli', 'socks5', 'requester'],
  extra: [
    ...SRC_WIDE,
    {
      regex: '^(\\.\\./)+(src/)?gateway/(?!protocol/)',
      message: "a client imports only the gateway's pure protocol room",
    },
  ],
  why: role,
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '.localnet/**', 'dist/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Type-aware rules for the shipped code: a promise nobody awaits or catches is a silent
  // failure (an unhandled rejection kills a role), so every one is awaited, returned,
  // caught, or marked `void` on purpose.
  {
    files: ['src/**/*.ts', 'localnet/**/*.ts', 'contracts-mock/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  // ---- walls --------------------------------------------------------------------------
  // ESLint replaces (does not merge) a rule's options when two blocks match a file, so each
  // block below carries every restriction for its files, and more specific blocks come last.
  wall(['src/**/*.ts'], { extra: SRC_WIDE, why: role }),
  // Pure rooms: no sockets, files, timers or loggers; no role, node or client code.
  wall(
    [
      'src/sphinx/**/*.ts',
      'src/coconut/**/*.ts',
      'src/contracts/**/*.ts',
      'src/nymsphinx/**/*.ts',
      'src/dkg/**/*.ts',
    ],
    PURE,
  ),
  // Roles never import each other's internals.
  wall(['src/gateway/**/*.ts'], roleWall(['api', 'mixnode', 'client', 'sdk', 'cli', 'socks5', 'requester'])),
  wall(['src/mixnode/**/*.ts'], roleWall(['api', 'gateway', 'client', 'sdk', 'cli', 'socks5', 'requester'])),
  wall(['src/node/**/*.ts'], roleWall([...ROLES, 'sdk', 'cli'])),
  wall(
    ['src/api/**/*.ts'],
    roleWall(['mixnode', 'gateway', 'client', 'node', 'sdk', 'cli', 'socks5', 'requester']),
  ),
  // The SOCKS client and the requester get a client core handed in; the requester shares
  // only the SOCKS client's pure protocol room.
  wall(
    ['src/socks5/**/*.ts'],
    roleWall(['api', 'mixnode', 'gateway', 'client', 'node', 'sdk', 'cli', 'requester']),
  ),
  wall(['src/requester/**/*.ts'], {
    ...roleWall(['api', 'mixnode', 'gateway', 'client', 'node', 'sdk', 'cli']),
    extra: [
      ...SRC_WIDE,
      {
        regex: '^(\\.\\./)+(src/)?socks5/(?!protocol/)',
        message: "the requester imports only the SOCKS protocol room, never the SOCKS client's internals",
      },
    ],
  }),
  // A client speaks the gateway's pure protocol room, never the gateway server.
  wall(['src/client/**/*.ts', 'src/sdk/**/*.ts'], CLIENT),
  wall(['src/api-client/**/*.ts', 'src/chain/**/*.ts', 'src/topology/**/*.ts'], {
    rooms: [...ROLES, 'node', 'sdk', 'cli'],
    packages: ['express', 'better-sqlite3', 'prom-client'],
    extra: SRC_WIDE,
    why: (room) => `a library room never imports a role (${room})`,
  }),
  // Nym's SOCKS-over-mixnet messages: pure, shared by the SOCKS client and the requester.
  wall(['src/socks5/protocol/**/*.ts'], {
    ...PURE,
    extra: [
      ...SRC_WIDE,
      { regex: '^\\.\\./[a-z-]+\\.js$', message: 'the protocol is pure: it cannot import the SOCKS client' },
    ],
  }),
  // The gateway's protocol is pure and shared by both ends.
  wall(['src/gateway/protocol/**/*.ts'], {
    ...PURE,
    rooms: NON_PURE.filter((r) => r !== 'gateway'),
    extra: [
      ...SRC_WIDE,
      {
        regex: '^\\.\\./[a-z-]+\\.js$',
        message: 'the protocol is pure: it cannot import the gateway server',
      },
    ],
  }),
  // The browser entry and its stores reach no Node built-in.
  wall(['src/sdk/browser.ts', 'src/sdk/indexeddb.ts'], {
    ...CLIENT,
    nodeBuiltins: true,
    packages: IO_PACKAGES,
  }),
  wall(['src/crypto/web.ts', 'src/crypto/default-browser.ts'], {
    extra: SRC_WIDE,
    nodeBuiltins: true,
    packages: IO_PACKAGES,
    why: pure,
  }),
  // Entry points construct roles, the localnet chain included.
  wall(['src/cli/**/*.ts'], { extra: SRC_WIDE.slice(0, 1), why: role }),
  // The contracts' logic imports only its types room, and nothing outside the localnet
  // chain imports the logic.
  wall(['contracts-mock/**/*.ts'], {
    rooms: [...NON_PURE, 'sphinx', 'coconut', 'crypto'],
    packages: IO_PACKAGES,
    nodeBuiltins: true,
    extra: [{ regex: '^(\\.\\./)+localnet(/|$)', message: 'contracts do not know the chain that runs them' }],
    why: () => 'the contracts import only src/contracts',
  }),
);
