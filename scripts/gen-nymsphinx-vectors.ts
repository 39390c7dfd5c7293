/**
 * Regenerates Nymph's vectors for Nym's message layer (test/vectors/nymsphinx/):
 *
 * - wasm-defaults.json: what Nym's published wasm client (@nymproject/nym-client-wasm-node,
 *   the devDependency) reports without a network: the commit it was built from and its
 *   default traffic, ack and reply-SURB settings. Its JS API offers no offline encoder or
 *   decoder of packets or messages (only the SDK's mime-type payload helpers), so packet
 *   captures wait for the gateway to speak Nym's protocol.
 * - nym-xcheck.json: printed by Nym's own Rust message-layer code through
 *   test/vectors/nymsphinx/xcheck/harness.sh, when cargo, the Nym mirror and the Debian crate
 *   sources it names are present (skipped with a note otherwise).
 *
 * Usage: npx tsx scripts/gen-nymsphinx-vectors.ts [--skip-rust]
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const out = (name: string) => fileURLToPath(new URL(`../test/vectors/nymsphinx/${name}`, import.meta.url));

function wasmDefaults(): object {
  // the module prints its build information on load; keep it for the commit it names
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args.map(String).join(' '));
  let debug: Record<string, any>;
  try {
    const require = createRequire(import.meta.url);
    const wasm = require('@nymproject/nym-client-wasm-node');
    debug = wasm.default_debug().toJSON();
  } finally {
    console.log = log;
  }
  const info = (key: string) => {
    const line = printed
      .join('\n')
      .split('\n')
      .find((l) => l.trim().startsWith(`${key}:`));
    return line?.split(':').slice(1).join(':').trim() ?? null;
  };
  return {
    about:
      "Defaults reported by Nym's wasm client (@nymproject/nym-client-wasm-node, default_debug()) and the build it prints on load. Made by scripts/gen-nymsphinx-vectors.ts.",
    build: { version: info('Build Version'), commit: info('Commit SHA'), branch: info('Commit Branch') },
    traffic: debug.traffic,
    cover_traffic: debug.cover_traffic,
    acknowledgements: debug.acknowledgements,
    reply_surbs: debug.reply_surbs,
  };
}

const defaults = wasmDefaults();
writeFileSync(out('wasm-defaults.json'), `${JSON.stringify(defaults, null, 2)}\n`);
console.log(`wrote ${out('wasm-defaults.json')}`);

if (!process.argv.includes('--skip-rust')) {
  const harness = fileURLToPath(new URL('../test/vectors/nymsphinx/xcheck/harness.sh', import.meta.url));
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (cargo.status !== 0) {
    console.log('cargo is not available: nym-xcheck.json left as it is (see xcheck/README.md)');
  } else {
    const r = spawnSync('bash', [harness], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
