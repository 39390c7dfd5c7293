/**
 * Regenerates Nymph's vectors for Nym's message layer (test/vectors/nymsphinx/):
 *
 * - wasm-defaults.json: what Nym's published wasm client (@nymproject/nym-client-wasm-node,
 *   the devDependency) reports without a network: the commit it was built from and its
 *   default traffic, ack and reply-SURB settings. Its JS API offers no offline encoder or
 *   decoder of packets or messages (only the SDK's mime-type payload helpers); its packets
 *   are captured on a Nymph network by scripts/capture-nym-wasm-vectors.ts.
 *
 * Usage: npx tsx scripts/gen-nymsphinx-vectors.ts
 */
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
