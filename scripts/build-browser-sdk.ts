/**
 * `npm run build:browser`: the browser SDK as plain ES modules in dist/browser/, which the
 * package's `exports` map names (`nymph/browser`, `nymph/browser/worker`,
 * `nymph/browser/worker-client`, `nymph/browser/credentials`), so any bundler (Vite with no settings) or a bare
 * `<script type="module">` imports it. Dependencies are bundled in; no Node built-ins
 * (esbuild fails the build on one: platform browser).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BROWSER_SDK_ENTRIES = {
  index: 'src/sdk/browser.ts',
  worker: 'src/sdk/worker.ts',
  'worker-client': 'src/sdk/worker-client.ts',
  // paid bandwidth (CosmJS, Coconut): a page that does not pay never loads it
  credentials: 'src/sdk/browser-credentials.ts',
} as const;

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildBrowserSdk(outDir = `${root}dist/browser`): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: Object.entries(BROWSER_SDK_ENTRIES).map(([out, entry]) => ({ in: entry, out })),
    outdir: outDir,
    bundle: true,
    // each entry stands alone: a worker script must not import the page's chunks
    splitting: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await buildBrowserSdk();
  process.stderr.write(`browser SDK written to ${dir}\n`);
}
