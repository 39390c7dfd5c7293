/**
 * Writes test/vectors/coconut-voucher.json: a 3-of-5 voucher issuance and showing with
 * seeded randomness, computed with the reference backend (noble). Both backends must
 * reproduce it byte for byte (test/coconut/vectors.test.ts).
 *
 *   npx tsx scripts/gen-coconut-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBackend } from '../src/coconut/index.js';
import { runVectorFlow } from '../test/coconut/vector-flow.js';

const out = fileURLToPath(new URL('../test/vectors/coconut-voucher.json', import.meta.url));
const vector = runVectorFlow(await loadBackend('noble'));
const mcl = runVectorFlow(await loadBackend('mcl'));
if (JSON.stringify(vector) !== JSON.stringify(mcl)) throw new Error('backends disagree; not writing vectors');
writeFileSync(
  out,
  JSON.stringify(
    {
      description:
        'Coconut bandwidth voucher, 3-of-5, seeded randomness (scripts/gen-coconut-vectors.ts); hex unless noted',
      ...vector,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${out}`);
