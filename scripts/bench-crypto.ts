/**
 * Hand-written crypto against its library / native alternative, in the same run, at the sizes
 * Nymph calls it with:
 *
 *   hkdf_48     HKDF-SHA256 to 48 bytes, a fresh 64-byte salt per call (nym-api envelope,
 *               client payload keys)                      wasm ./sha256.ts   vs node:crypto hkdfSync
 *   hkdf_192    to 192 bytes, constant salt (Sphinx 259 Lioness key from a 16-byte seed)
 *   hkdf_224    to 224 / 256 / 288 bytes, empty salt and Nym's 97-byte info (a Sphinx hop's
 *   hkdf_256    expanded shared secret: 224 and 256 when building, 288 when unwrapping)
 *   hkdf_288
 *   hmac_300    HMAC-SHA256, a 16-byte key per call, over the 300-byte routing info
 *                                                          wasm ./sha256.ts   vs createHmac
 *   sha256_300  SHA-256 of 300 bytes (inside HMAC/HKDF)     wasm ./sha256.ts   vs createHash
 *   blake2b_2016  keyed BLAKE2b-256, 64-byte key, over a Lioness half (2016 bytes)
 *                                                          wasm ./blake2b.ts  vs sodium crypto_generichash
 *   chacha20_1024 original ChaCha20 XOR, zero nonce, over 1024 / 2016 bytes
 *   chacha20_2016                                          wasm               vs sodium crypto_stream_chacha20_xor
 *   x25519      one scalar multiplication                  wasm ladder        vs sodium crypto_scalarmult
 *               (and @noble/curves, the pure backend's, for reference)
 *
 * Every pair is first checked to give identical bytes. Each round interleaves short slices of
 * the two sides (alternating which goes first). The machine is shared, so the figures are the
 * process's CPU time per call (process.cpuUsage), which time spent descheduled does not
 * inflate; wall-clock medians are printed beside them. `*_us` are medians over all slices,
 * `*_ratio` the median of the wasm / native ratios of adjacent slices (above 1, the native call
 * is faster). `node backend` says which side src/crypto/node.ts uses now. Prints a table, then
 * one JSON line last with `<name>_wasm_us`, `<name>_native_us` and `<name>_ratio`.
 *
 *   npm run bench:crypto                 # default: 7 rounds
 *   NYMPH_BENCH_ROUNDS=3 npm run bench:crypto
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import sodium from 'sodium-native';
import { blake2b256Keyed } from '../src/crypto/blake2b.js';
import { chacha20XorInPlaceWasm } from '../src/crypto/chacha20-wasm.js';
import { nodeBackend } from '../src/crypto/node.js';
import { hkdfSha256, hmacSha256, sha256 } from '../src/crypto/sha256.js';
import { x25519Wasm } from '../src/crypto/x25519-wasm.js';
import {
  EXPANDED_SHARED_SECRET_HKDF_INFO,
  EXPANDED_SHARED_SECRET_HKDF_SALT,
  PAYLOAD_KEY_HKDF_INFO,
  PAYLOAD_KEY_HKDF_SALT,
} from '../src/sphinx/keys.js';

const rounds = Number(process.env.NYMPH_BENCH_ROUNDS ?? 7);
const SLICES = 8;
/** Target duration of one slice of one side, in microseconds. */
const SLICE_US = 4000;

const bytes = (n: number) => new Uint8Array(randomBytes(n));
/** `count` distinct random inputs of `n` bytes, cycled through by call index. */
const ring = (count: number, n: number) => Array.from({ length: count }, () => bytes(n));
const asBytes = (b: ArrayBuffer | Buffer) => (b instanceof ArrayBuffer ? new Uint8Array(b) : b);

type Op = (i: number) => Uint8Array;

interface Row {
  name: string;
  wasm: Op;
  native: Op;
  nativeLabel: string;
  /** The side src/crypto/node.ts uses now ('internal': not a backend call of its own). */
  node: 'wasm' | 'native' | 'internal';
  /** A third implementation timed for reference only. */
  reference?: { label: string; op: Op };
}

const rows: Row[] = [];

// HKDF with a one-time salt (nym-api envelope: ephemeral || recipient key)
{
  const ikm = ring(64, 32);
  const salts = ring(1024, 64); // more distinct salts than the wasm HKDF's salt cache keeps
  const info = new TextEncoder().encode('nymph-bench-hkdf-48');
  rows.push({
    name: 'hkdf_48',
    wasm: (i) => hkdfSha256(ikm[i & 63], salts[i & 1023], info, 48),
    native: (i) => asBytes(hkdfSync('sha256', ikm[i & 63], salts[i & 1023], info, 48)),
    nativeLabel: 'hkdfSync',
    node: nodeBackend.hkdfSha256 === hkdfSha256 ? 'wasm' : 'native',
  });
}
{
  const seeds = ring(64, 16);
  rows.push({
    name: 'hkdf_192',
    wasm: (i) => hkdfSha256(seeds[i & 63], PAYLOAD_KEY_HKDF_SALT, PAYLOAD_KEY_HKDF_INFO, 192),
    native: (i) =>
      asBytes(hkdfSync('sha256', seeds[i & 63], PAYLOAD_KEY_HKDF_SALT, PAYLOAD_KEY_HKDF_INFO, 192)),
    nativeLabel: 'hkdfSync',
    node: nodeBackend.hkdfSha256 === hkdfSha256 ? 'wasm' : 'native',
  });
}
for (const length of [224, 256, 288]) {
  const secrets = ring(64, 32);
  const [salt, info] = [EXPANDED_SHARED_SECRET_HKDF_SALT, EXPANDED_SHARED_SECRET_HKDF_INFO];
  rows.push({
    name: `hkdf_${length}`,
    wasm: (i) => hkdfSha256(secrets[i & 63], salt, info, length),
    native: (i) => asBytes(hkdfSync('sha256', secrets[i & 63], salt, info, length)),
    nativeLabel: 'hkdfSync',
    node: nodeBackend.hkdfSha256 === hkdfSha256 ? 'wasm' : 'native',
  });
}
{
  const keys = ring(64, 16);
  const betas = ring(64, 300);
  rows.push({
    name: 'hmac_300',
    wasm: (i) => hmacSha256(keys[i & 63], betas[(i >> 6) & 63]),
    native: (i) =>
      createHmac('sha256', keys[i & 63])
        .update(betas[(i >> 6) & 63])
        .digest(),
    nativeLabel: 'createHmac',
    node: nodeBackend.hmacSha256 === hmacSha256 ? 'wasm' : 'native',
  });
}
{
  const msgs = ring(64, 300);
  rows.push({
    name: 'sha256_300',
    wasm: (i) => sha256(msgs[i & 63]),
    native: (i) =>
      createHash('sha256')
        .update(msgs[i & 63])
        .digest(),
    nativeLabel: 'createHash',
    node: 'internal', // only inside the wasm HMAC and HKDF
  });
}
{
  const keys = ring(16, 64);
  const halves = ring(16, 2016);
  rows.push({
    name: 'blake2b_2016',
    wasm: (i) => blake2b256Keyed(keys[i & 15], halves[(i >> 4) & 15]),
    native: (i) => {
      const out = new Uint8Array(32);
      sodium.crypto_generichash(out, halves[(i >> 4) & 15], keys[i & 15]);
      return out;
    },
    nativeLabel: 'crypto_generichash',
    node: nodeBackend.blake2b256Keyed === blake2b256Keyed ? 'wasm' : 'native',
  });
}
for (const n of [1024, 2016]) {
  const keys = ring(16, 32);
  const zeroNonce = new Uint8Array(8);
  // in place, as Lioness does: each call XORs the keystream over the previous output
  const wasmData = bytes(n);
  const nativeData = wasmData.slice();
  rows.push({
    name: `chacha20_${n}`,
    wasm: (i) => {
      chacha20XorInPlaceWasm(keys[i & 15], wasmData);
      return wasmData;
    },
    native: (i) => {
      sodium.crypto_stream_chacha20_xor(nativeData, nativeData, zeroNonce, keys[i & 15]);
      return nativeData;
    },
    nativeLabel: 'crypto_stream_chacha20_xor',
    node: nodeBackend.chacha20XorInPlace === chacha20XorInPlaceWasm ? 'wasm' : 'native',
  });
}
{
  const scalars = ring(64, 32);
  const points = scalars.map((k) => nodeBackend.x25519Base(k));
  rows.push({
    name: 'x25519',
    wasm: (i) => x25519Wasm(scalars[i & 63], points[(i >> 6) & 63]),
    native: (i) => {
      const out = new Uint8Array(32);
      sodium.crypto_scalarmult(out, scalars[i & 63], points[(i >> 6) & 63]);
      return out;
    },
    nativeLabel: 'crypto_scalarmult',
    node: 'native', // nodeBackend.x25519 wraps crypto_scalarmult
    reference: { label: 'noble', op: (i) => x25519.scalarMult(scalars[i & 63], points[(i >> 6) & 63]) },
  });
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

// Same bytes from both sides before any timing (the in-place ChaCha20 rows: from equal buffers).
for (const row of rows) {
  for (let i = 0; i < 200; i += 37) {
    const [a, b] = [hex(row.wasm(i)), hex(row.native(i))];
    if (a !== b) throw new Error(`${row.name}: wasm and ${row.nativeLabel} disagree at call ${i}`);
    if (row.reference && hex(row.reference.op(i)) !== a)
      throw new Error(`${row.name}: ${row.reference.label} disagrees`);
  }
}

let sink = 0;
/** Microseconds per call of one slice: wall-clock, and this process's CPU time (user + system). */
interface Sample {
  wall: number;
  cpu: number;
}
function timeUs(iterations: number, op: Op): Sample {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink ^= op(i)[0];
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / iterations;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / iterations };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Calls per slice for an op, from a warm-up that also settles the JIT. */
function calibrate(op: Op): number {
  timeUs(2000, op);
  const { wall } = timeUs(2000, op);
  return Math.max(20, Math.round(SLICE_US / wall));
}

interface Result {
  wasm: Sample[];
  native: Sample[];
  /** CPU-time wasm / native of each pair of adjacent slices. */
  ratios: number[];
  reference: Sample[];
}
const results = new Map<string, Result>();
const plans = rows.map((row) => ({
  row,
  nWasm: calibrate(row.wasm),
  nNative: calibrate(row.native),
  nReference: row.reference ? Math.max(5, Math.round(calibrate(row.reference.op) / 4)) : 0,
}));
for (const { row } of plans) results.set(row.name, { wasm: [], native: [], ratios: [], reference: [] });

for (let r = 0; r < rounds; r++) {
  for (const { row, nWasm, nNative, nReference } of plans) {
    const res = results.get(row.name)!;
    for (let s = 0; s < SLICES; s++) {
      // alternate which side goes first, so neither always follows the other's cache footprint
      const wasmFirst = s % 2 === 0;
      const a = wasmFirst ? timeUs(nWasm, row.wasm) : timeUs(nNative, row.native);
      const b = wasmFirst ? timeUs(nNative, row.native) : timeUs(nWasm, row.wasm);
      const [w, n] = wasmFirst ? [a, b] : [b, a];
      res.wasm.push(w);
      res.native.push(n);
      res.ratios.push(w.cpu / n.cpu);
    }
    if (row.reference) res.reference.push(timeUs(nReference, row.reference.op));
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const cpu = (xs: Sample[]) => median(xs.map((x) => x.cpu));
const wall = (xs: Sample[]) => median(xs.map((x) => x.wall));
const json: Record<string, number | string> = { bench: 'crypto', rounds, slices: SLICES };
const table: string[][] = [
  [
    'primitive',
    'wasm us',
    'native us',
    'native call',
    'wasm/native',
    'faster',
    'node backend',
    'wall wasm/native us',
  ],
];
for (const { row } of plans) {
  const res = results.get(row.name)!;
  const [w, n, ratio] = [cpu(res.wasm), cpu(res.native), median(res.ratios)];
  json[`${row.name}_wasm_us`] = round2(w);
  json[`${row.name}_native_us`] = round2(n);
  json[`${row.name}_ratio`] = round2(ratio);
  json[`${row.name}_wasm_wall_us`] = round2(wall(res.wasm));
  json[`${row.name}_native_wall_us`] = round2(wall(res.native));
  json[`${row.name}_node_backend`] = row.node;
  if (row.reference) json[`${row.name}_${row.reference.label}_us`] = round2(cpu(res.reference));
  table.push([
    row.name,
    w.toFixed(2),
    n.toFixed(2),
    row.nativeLabel,
    ratio.toFixed(2),
    ratio < 1 ? 'wasm' : 'native',
    row.node,
    `${wall(res.wasm).toFixed(2)} / ${wall(res.native).toFixed(2)}`,
  ]);
  if (row.reference)
    table.push([`  (${row.reference.label})`, cpu(res.reference).toFixed(2), '', '', '', '', '', '']);
}
const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
for (const line of table) console.log(line.map((cell, c) => cell.padEnd(widths[c])).join('  '));
if (sink === 0.5) console.log(); // keeps the results observable to the optimizer
console.log(JSON.stringify(json));
