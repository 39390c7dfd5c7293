/**
 * The session AEAD (AES-256-GCM-SIV, RFC 8452) on a 2,440-byte frame (a regular Sphinx
 * packet in a ForwardSphinxV2 frame), sealing and opening:
 *   noble      @noble/ciphers' gcmsiv alone (what a page without wasm runs)
 *   web        noble's AES with the wasm POLYVAL (src/crypto/web.ts: browsers)
 *   node       OpenSSL's AES with the wasm POLYVAL (src/crypto/node.ts: gateways, Node clients)
 *   aes256gcm  node:crypto's AES-256-GCM, the floor: what the frames cost before GCM-SIV
 * Rounds are interleaved (each implementation once per round, in rotating order) and timed in
 * CPU time of this process, so load on the shared machine hits every implementation alike.
 * Prints one JSON line: CPU microseconds per operation (median of the rounds), the ratios,
 * and the 1-minute load average.
 *
 *   npm run bench:aead
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { nobleAead, type Aead } from '../src/crypto/aead.js';
import { nodeAead } from '../src/crypto/node.js';
import { webAead } from '../src/crypto/web.js';

const FRAME_BYTES = 2440;
const ROUNDS = 15;
const OPS = 200;

const key = crypto.randomBytes(32);
const nonce = crypto.randomBytes(12);
const frame = crypto.randomBytes(FRAME_BYTES);
const sealed = nobleAead.seal(key, nonce, frame);

const aes256gcm: Aead = {
  seal(k, n, p) {
    const c = crypto.createCipheriv('aes-256-gcm', k, n);
    const out = Buffer.concat([c.update(p), c.final(), c.getAuthTag()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  open(k, n, s) {
    const d = crypto.createDecipheriv('aes-256-gcm', k, n);
    d.setAuthTag(s.subarray(s.length - 16));
    try {
      return Buffer.concat([d.update(s.subarray(0, s.length - 16)), d.final()]);
    } catch {
      return null;
    }
  },
};
const gcmSealed = aes256gcm.seal(key, nonce, frame);

const subjects: [string, Aead, Uint8Array][] = [
  ['noble', nobleAead, sealed],
  ['web', webAead, sealed],
  ['node', nodeAead, sealed],
  ['aes256gcm', aes256gcm, gcmSealed],
];
for (const [name, aead, s] of subjects) {
  if (!Buffer.from(aead.open(key, nonce, s) ?? []).equals(frame)) throw new Error(`${name} does not open`);
  if (name !== 'aes256gcm' && !Buffer.from(aead.seal(key, nonce, frame)).equals(sealed))
    throw new Error(`${name} seals other bytes than noble`);
}

/** CPU microseconds per operation (a seal or an open) over one round. */
function round(aead: Aead, s: Uint8Array, ops: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    aead.seal(key, nonce, frame);
    aead.open(key, nonce, s);
  }
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / (2 * ops);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [, aead, s] of subjects) round(aead, s, 50); // warm-up: JIT and wasm tier-up
const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < subjects.length; i++) {
    const [name, aead, s] = subjects[(r + i) % subjects.length];
    times.get(name)!.push(round(aead, s, name === 'noble' ? OPS / 4 : OPS));
  }
}
const us = Object.fromEntries([...times].map(([name, xs]) => [name, Number(median(xs).toFixed(1))]));
const ratio = (a: string, b: string) => Number((us[a] / us[b]).toFixed(2));
console.log(
  JSON.stringify({
    bench: 'aead',
    frame_bytes: FRAME_BYTES,
    cpu_us_per_op: us,
    node_speedup_over_noble: ratio('noble', 'node'),
    web_speedup_over_noble: ratio('noble', 'web'),
    node_over_aes256gcm: ratio('node', 'aes256gcm'),
    rounds: ROUNDS,
    load_average_1m: Number(os.loadavg()[0].toFixed(2)),
  }),
);
