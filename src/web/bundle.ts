/**
 * The pages' scripts, bundled for browsers with esbuild in memory: ES modules, the
 * "browser" condition (so `#crypto-default-backend` is the web backend), and no Node
 * built-ins (esbuild fails the build on one, which the browser tests would report).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The scripts pages load, by URL path. */
export const PAGE_SCRIPTS = {
  '/chat/app.js': '../web/chat/app.ts',
  '/explorer/app.js': '../web/explorer/app.ts',
  '/sdk-worker.js': '../sdk/worker.ts',
} as const;

export type ScriptPath = keyof typeof PAGE_SCRIPTS;

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/** Bundles every page script; resolves with each one's code by URL path. */
export async function bundlePageScripts(minify = true): Promise<Map<ScriptPath, string>> {
  const out = new Map<ScriptPath, string>();
  await Promise.all(
    (Object.entries(PAGE_SCRIPTS) as [ScriptPath, string][]).map(async ([path, entry]) => {
      const r = await build({
        entryPoints: [here(entry)],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        conditions: ['browser'],
        target: 'es2022',
        minify,
        sourcemap: false,
        logLevel: 'silent',
        legalComments: 'none',
      });
      out.set(path, r.outputFiles[0].text);
    }),
  );
  return out;
}
