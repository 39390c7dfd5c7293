/**
 * Prebuilt JavaScript twins of worker-thread modules. Localnet bundles them beside its role
 * entry (localnet/network/bundle.ts) and points role processes here through
 * `NYMPH_WORKER_BUNDLE_DIR`; their workers then skip loading tsx and transforming TypeScript
 * (~0.3 s of CPU per worker). A module of its own, with no imports of ours, so the localnet
 * supervisor can name the variable without loading the mix node.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER_BUNDLE_ENV = 'NYMPH_WORKER_BUNDLE_DIR';

/** The bundled twin of a worker module (`x.ts` -> `<dir>/x.mjs`), if there is one. */
export function bundledTwin(moduleUrl: URL): string | undefined {
  const dir = process.env[WORKER_BUNDLE_ENV];
  if (!dir) return undefined;
  const file = join(dir, basename(fileURLToPath(moduleUrl)).replace(/\.ts$/, '.mjs'));
  return existsSync(file) ? file : undefined;
}
