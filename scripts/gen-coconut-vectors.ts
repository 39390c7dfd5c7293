/**
 * Writes test/vectors/coconut-voucher.json: a 3-of-5 voucher issuance and showing with
 * seeded randomness, computed with the reference backend (noble). Both backends must
 * reproduce it byte for byte (test/coconut/vectors.test.ts).
 *
 *   npx tsx scripts/gen-coconut-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { loadBackend } from '../src/coconut/index.js';
import { runVectorFlow } from '../test/coconut/vector-flow.js';

const out = fileURLToPath(new URL('../test/vectors/coconut-voucher.json', import.meta.url));
const vector = runVectorFlow(await loadBackend('noble'));
const mcl = runVectorFlow(await loadBackend('mcl'));
if (JSON.stringify(vector) !== JSON.stringify(mcl)) throw new Error('backends disagree; not writing vectors');
const json = JSON.stringify({
  description:
    'Coconut bandwidth voucher, 3-of-5, seeded randomness (scripts/gen-coconut-vectors.ts); hex unless noted',
  ...vector,
});
// Formatted as the repository's prettier config wants, so `prettier --check` passes.
const options = (await prettier.resolveConfig(out)) ?? {};
writeFileSync(out, await prettier.format(json, { ...options, parser: 'json' }));
console.log(`wrote ${out}`);
