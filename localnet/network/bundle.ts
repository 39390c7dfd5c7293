/**
 * Role processes start faster from one bundled file than through tsx's loader hooks,
 * which resolve and transform each of our ~150 TypeScript modules in every process. The
 * bundle holds this repository's sources and its pure-JavaScript dependencies too: a role
 * process otherwise spends most of its start resolving and loading the ~600 small modules
 * of CosmJS, noble and friends one by one (about 0.40 s of CPU per process; bundled,
 * about 0.27 s, and a local network starts thirteen of them at once on two cores).
 * Packages that load files or native code from their own directory stay external
 * (`EXTERNAL`). Each of our modules keeps its own `import.meta.url`, so files found
 * relative to a module (the mix node's unwrap worker) resolve as before. The bundle is
 * rebuilt when an input is newer than it, and lives in node_modules/.cache so that the
 * external packages resolve. Without esbuild or a writable cache, roles run through tsx.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
/**
 * One bundle per checkout: several checkouts may share one node_modules (git worktrees with
 * it linked), and a role must never run another checkout's code.
 */
export const BUNDLE_DIR = join(
  ROOT,
  'node_modules',
  '.cache',
  'nymph',
  createHash('sha256').update(ROOT).digest('hex').slice(0, 12),
);
const OUT = join(BUNDLE_DIR, 'role-main.mjs');
const INPUTS = join(BUNDLE_DIR, 'role-main.inputs.json');

/**
 * Worker-thread modules bundled beside the role entry, each self-contained: a role from the
 * bundle starts its workers from these twins (src/node/worker-pool.ts `startTsWorker`).
 */
const WORKER_ENTRIES = [join(ROOT, 'src', 'node', 'unwrap-worker.ts')];

/** Native addons, wasm/worker files found by path, and tools: loaded from node_modules. */
const EXTERNAL = ['better-sqlite3', 'sodium-native', 'pino', 'ws', 'tsx', 'esbuild'];
const REQUIRE_SHIM =
  "import { createRequire as __nymphCreateRequire } from 'node:module'; const require = __nymphCreateRequire(import.meta.url);";

/** Changes whenever the way the bundle is built changes, so an older bundle is rebuilt. */
const RECIPE = JSON.stringify({
  format: 3,
  external: EXTERNAL,
  banner: REQUIRE_SHIM,
  workers: WORKER_ENTRIES,
});

interface BuildRecord {
  recipe: string;
  inputs: string[];
}

function upToDate(): boolean {
  if (!existsSync(OUT) || !existsSync(INPUTS)) return false;
  try {
    const built = statSync(OUT).mtimeMs;
    const record = JSON.parse(readFileSync(INPUTS, 'utf8')) as BuildRecord;
    if (record.recipe !== RECIPE || !Array.isArray(record.inputs)) return false;
    return record.inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= built);
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
      // the role entry, and the worker modules roles start threads on (see WORKER_ENTRIES)
      entryPoints: [join(here, 'role-main.ts'), ...WORKER_ENTRIES],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      // bundled CommonJS packages call require() for Node's built-ins
      banner: { js: REQUIRE_SHIM },
      // class names appear in logs and error names (`new.target.name`)
      keepNames: true,
      outdir: BUNDLE_DIR,
      entryNames: '[name]',
      outExtension: { '.js': '.mjs' },
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
    // each written whole and renamed: another `up` may be starting roles from the old ones;
    // the role entry goes last
    const files = [...result.outputFiles].sort((a, b) => Number(a.path === OUT) - Number(b.path === OUT));
    for (const f of files) {
      const tmp = `${f.path}.${process.pid}.tmp`;
      writeFileSync(tmp, f.contents);
      renameSync(tmp, f.path);
    }
    const inputs = Object.keys(result.metafile.inputs).map((f) => resolve(ROOT, f));
    const record: BuildRecord = { recipe: RECIPE, inputs };
    writeFileSync(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(record));
    renameSync(`${INPUTS}.${process.pid}.tmp`, INPUTS);
    return OUT;
  } catch {
    return undefined;
  }
}
