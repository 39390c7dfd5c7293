/**
 * The session AEAD (AES-256-GCM-SIV) on a 2,440-byte frame (a regular Sphinx packet in a
 * ForwardSphinxV2 frame): noble alone (what the browser runs) against node-aead.ts
 * (OpenSSL's AES with noble's POLYVAL, what the gateway and Node clients run), sealing and
 * opening, in interleaved rounds of the same run so that load on the machine hits both.
 * Prints one JSON line: microseconds per operation (median of the rounds) and the ratio.
 *
 *   npx tsx scripts/bench-gateway-aead.ts
 */
import crypto from 'node:crypto';
import { nodeAead } from '../src/gateway/node-aead.js';
import { nobleAead, type Aead } from '../src/gateway/protocol/index.js';

const key = crypto.randomBytes(32);
const nonce = crypto.randomBytes(12);
const frame = crypto.randomBytes(2440);
const sealed = nobleAead.seal(key, nonce, frame);
const ROUNDS = 15;
const OPS = 400;

function round(aead: Aead): number {
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    aead.seal(key, nonce, frame);
    aead.open(key, nonce, sealed);
  }
  return ((performance.now() - t0) * 1000) / (2 * OPS);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (let i = 0; i < 3; i++) {
  round(nobleAead);
  round(nodeAead);
}
const noble: number[] = [];
const node: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  noble.push(round(nobleAead));
  node.push(round(nodeAead));
}
const out = {
  bench: 'gateway-aead',
  frame_bytes: frame.length,
  noble_us_per_op: Number(median(noble).toFixed(1)),
  node_us_per_op: Number(median(node).toFixed(1)),
  node_speedup: Number((median(noble) / median(node)).toFixed(2)),
};
console.log(JSON.stringify(out));
