/**
 * The design's walls hold: `npm run lint` refuses an import across a wall. Each case lints
 * a one-line file placed in a room (through ESLint's API, with the project's config) and
 * expects the import-boundary rule to name it.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The walls are the project's own config; only the type-aware rules are switched off here,
// since the cases are virtual files the TypeScript project does not contain.
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
    },
  },
});

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (result.messages.some((m) => m.fatal)) throw new Error(result.messages.map((m) => m.message).join('; '));
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import walls', () => {
  it.each([
    [
      'src/sphinx/wall-case.ts',
      "import net from 'node:net';\nexport const n = net;",
      /pure room does no I\/O/,
    ],
    [
      'src/sphinx/wall-case.ts',
      "import { x } from '../gateway/gateway.js';\nexport const y = x;",
      /not a pure room/,
    ],
    [
      'src/contracts/wall-case.ts',
      "import { x } from '../../contracts-mock/index.js';\nexport const y = x;",
      /src\/contracts/,
    ],
    [
      'src/client/wall-case.ts',
      "import { x } from '../gateway/gateway.js';\nexport const y = x;",
      /gateway's pure protocol/,
    ],
    [
      'src/client/wall-case.ts',
      "import { x } from '../api/index.js';\nexport const y = x;",
      /another role's internals \(api\)/,
    ],
    [
      'src/gateway/wall-case.ts',
      "import { x } from '../mixnode/node.js';\nexport const y = x;",
      /another role's internals \(mixnode\)/,
    ],
    [
      'src/gateway/protocol/wall-case.ts',
      "import { x } from '../store.js';\nexport const y = x;",
      /protocol is pure/,
    ],
    [
      'src/topology/wall-case.ts',
      "import { x } from '../client/index.js';\nexport const y = x;",
      /never imports a role/,
    ],
    [
      'src/sdk/browser-case.ts',
      "import { x } from '../node/index.js';\nexport const y = x;",
      /another role's internals \(node\)/,
    ],
    [
      'contracts-mock/wall-case.ts',
      "import { x } from '../src/chain/index.js';\nexport const y = x;",
      /only src\/contracts/,
    ],
    [
      'src/api/wall-case.ts',
      "import { x } from '../../localnet/index.js';\nexport const y = x;",
      /reached over RPC/,
    ],
    [
      'src/requester/wall-case.ts',
      "import { x } from '../socks5/client.js';\nexport const y = x;",
      /only the SOCKS protocol room/,
    ],
    [
      'src/socks5/protocol/wall-case.ts',
      "import net from 'node:net';\nexport const n = net;",
      /pure room does no I\/O/,
    ],
  ])('%s: %s is refused', async (file, code, why) => {
    const messages = await restricted(file, code);
    expect(messages.length, `no wall stopped ${code} in ${file}`).toBe(1);
    expect(messages[0]).toMatch(why);
  });

  it('allows what the design allows', async () => {
    expect(
      await restricted(
        'src/client/wall-case.ts',
        "import { x } from '../gateway/protocol/index.js';\nexport const y = x;",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'src/gateway/wall-case.ts',
        "import { x } from '../node/index.js';\nexport const y = x;",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'contracts-mock/wall-case.ts',
        "import { x } from '../src/contracts/index.js';\nexport const y = x;",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'src/requester/wall-case.ts',
        "import { x } from '../socks5/protocol/index.js';\nexport const y = x;",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'src/cli/wall-case.ts',
        "import { x } from '../../localnet/index.js';\nexport const y = x;",
      ),
    ).toEqual([]);
  });
});
