/**
 * The browser build of the Sphinx room must never load node:crypto or sodium-native. Walk the
 * static import graph from src/sphinx/index.ts the way a bundler with the "browser" condition
 * does (package.json "imports" maps #crypto-default-backend to the pure backend) and check
 * every specifier reached.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  // static `import ... from 'x'`, `export ... from 'x'`, bare `import 'x'` (type-only imports excluded)
  const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) out.push(m[1]);
  return out;
}

function walk(
  entry: string,
  condition: 'browser' | 'default',
): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const f = queue.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of importsOf(f)) {
      if (spec.startsWith('#')) {
        const target = pkg.imports[spec][condition];
        queue.push(resolve(root, target));
      } else if (spec.startsWith('.')) {
        queue.push(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
      } else {
        external.add(spec);
      }
    }
  }
  return { files, external };
}

describe('browser import graph', () => {
  it('src/sphinx under the browser condition reaches neither node:* nor sodium-native', () => {
    const { files, external } = walk(resolve(root, 'src/sphinx/index.ts'), 'browser');
    expect([...files].some((f) => f.endsWith('src/crypto/web.ts'))).toBe(true);
    expect([...files].some((f) => f.endsWith('src/crypto/pure.ts'))).toBe(true); // its fallback
    expect([...files].some((f) => f.endsWith('src/crypto/node.ts'))).toBe(false);
    for (const spec of external) {
      expect(spec.startsWith('node:') || spec === 'sodium-native', spec).toBe(false);
    }
  });

  it('the SDK browser entry reaches neither node:* nor native packages, and uses the web backend', () => {
    const { files, external } = walk(resolve(root, 'src/sdk/browser.ts'), 'browser');
    expect([...files].some((f) => f.endsWith('src/crypto/web.ts'))).toBe(true);
    expect([...files].some((f) => f.endsWith('src/crypto/node.ts'))).toBe(false);
    for (const spec of external) {
      expect(/^node:|^(sodium-native|better-sqlite3|ws|pino|mcl-wasm)$/.test(spec), spec).toBe(false);
    }
  });

  it('the default (Node) condition does load the node backend', () => {
    const { files, external } = walk(resolve(root, 'src/sphinx/index.ts'), 'default');
    expect([...files].some((f) => f.endsWith('src/crypto/node.ts'))).toBe(true);
    expect(external.has('sodium-native')).toBe(true);
  });
});
