/**
 * Role processes start faster from one bundled file than through tsx's loader hooks,
 * which resolve and transform each of our ~150 TypeScript modules in every process. The
 * bundle holds only this repository's sources (dependencies stay external and load
 * natively); each module keeps its own `import.meta.url`, so files found relative to a
 * module (the mix node's unwrap worker) resolve as before. It is rebuilt when a source
 * is newer than it, and lives in node_modules/.cache so that dependencies resolve.
 * Without esbuild or a writable cache, roles run through tsx as before.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
export const BUNDLE_DIR = join(ROOT, 'node_modules', '.cache', 'nymph');
const OUT = join(BUNDLE_DIR, 'role-main.mjs');
const INPUTS = join(BUNDLE_DIR, 'role-main.inputs.json');

function upToDate(): boolean {
  if (!existsSync(OUT) || !existsSync(INPUTS)) return false;
  try {
    const built = statSync(OUT).mtimeMs;
    const inputs = JSON.parse(readFileSync(INPUTS, 'utf8')) as string[];
    return inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** Path of the bundled role entry, (re)built if needed; undefined to use tsx instead. */
export async function roleBundle(): Promise<string | undefined> {
  if (process.env.NYMPH_LOCALNET_TSX === '1') return undefined;
  if (upToDate()) return OUT;
  try {
    const esbuild = await import('esbuild');
    mkdirSync(BUNDLE_DIR, { recursive: true });
    const result = await esbuild.build({
      entryPoints: [join(here, 'role-main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // class names appear in logs and error names (`new.target.name`)
      keepNames: true,
      outfile: OUT,
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'keep-import-meta-url',
          setup(build) {
            build.onLoad({ filter: /\.ts$/ }, async (args) => {
              const src = await readFile(args.path, 'utf8');
              const url = JSON.stringify(pathToFileURL(args.path).href);
              return { contents: src.replaceAll('import.meta.url', url), loader: 'ts' };
            });
          },
        },
      ],
    });
    // written whole and renamed: another `up` may be starting roles from the old one
    const tmp = `${OUT}.${process.pid}.tmp`;
    writeFileSync(tmp, result.outputFiles[0].contents);
    renameSync(tmp, OUT);
    const inputs = Object.keys(result.metafile.inputs).map((f) => resolve(ROOT, f));
    writeFileSync(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(inputs));
    renameSync(`${INPUTS}.${process.pid}.tmp`, INPUTS);
    return OUT;
  } catch {
    return undefined;
  }
}
