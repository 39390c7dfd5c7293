/**
 * BLAKE3 for short inputs, and HMAC and HKDF over it, as Nym's message layer uses them per
 * packet (common/nymsphinx/params `PacketHkdfAlgorithm = blake3`, `SimpleHmac<blake3::Hasher>`;
 * crypto/src/hkdf.rs): a packet key is HKDF-BLAKE3 of an X25519 result, a reply key's
 * digest is BLAKE3 of 16 bytes. Inputs of one chunk (1024 bytes) are hashed here with plain
 * 32-bit arithmetic, allocation-free but for the result; longer ones go to @noble/hashes
 * (same bytes, tests compare the two). @noble's generic hasher objects cost ~45 us per
 * HKDF; this does the same 8 compressions in a few.
 *
 * BLAKE3 (the BLAKE3 paper, section 2): one chunk of up to 16 64-byte blocks, each
 * compressed into the chaining value with flags CHUNK_START (first), CHUNK_END | ROOT
 * (last); block counter 0; output = the first 8 words of the last compression, little-endian.
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';

const IV = Uint32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);
const CHUNK_START = 1;
const CHUNK_END = 2;
const ROOT = 8;
const BLOCK = 64;
const CHUNK = 1024;
export const BLAKE3_OUT_LEN = 32;
/** The HMAC block size of `SimpleHmac<blake3::Hasher>`. */
const HMAC_BLOCK = 64;

/** Message word order of each of the 7 rounds (MSG_PERMUTATION applied round after round). */
const SCHEDULE: Uint8Array = (() => {
  const perm = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
  const out = new Uint8Array(7 * 16);
  let order = Array.from({ length: 16 }, (_, i) => i);
  for (let r = 0; r < 7; r++) {
    out.set(order, r * 16);
    order = perm.map((p) => order[p]);
  }
  return out;
})();

// scratch: the message block, the chaining value
const m = new Uint32Array(16);
const cv = new Uint32Array(8);
const blockBytes = new Uint8Array(BLOCK);
const blockView = new DataView(blockBytes.buffer);

/** Compress `m` into `cv` (block counter 0): cv = first half of the output. */
function compress(blockLen: number, flags: number): void {
  // the 16 state words in locals, each G written out: several times faster than array slots
  let v0 = cv[0],
    v1 = cv[1],
    v2 = cv[2],
    v3 = cv[3],
    v4 = cv[4],
    v5 = cv[5],
    v6 = cv[6],
    v7 = cv[7];
  let v8 = IV[0],
    v9 = IV[1],
    v10 = IV[2],
    v11 = IV[3],
    v12 = 0,
    v13 = 0,
    v14 = blockLen,
    v15 = flags;
  let t: number;
  const S = SCHEDULE;
  for (let s = 0; s < 7 * 16; s += 16) {
    v0 = (v0 + v4 + m[S[s]]) | 0;
    t = v12 ^ v0;
    v12 = (t >>> 16) | (t << 16);
    v8 = (v8 + v12) | 0;
    t = v4 ^ v8;
    v4 = (t >>> 12) | (t << 20);
    v0 = (v0 + v4 + m[S[s + 1]]) | 0;
    t = v12 ^ v0;
    v12 = (t >>> 8) | (t << 24);
    v8 = (v8 + v12) | 0;
    t = v4 ^ v8;
    v4 = (t >>> 7) | (t << 25);
    v1 = (v1 + v5 + m[S[s + 2]]) | 0;
    t = v13 ^ v1;
    v13 = (t >>> 16) | (t << 16);
    v9 = (v9 + v13) | 0;
    t = v5 ^ v9;
    v5 = (t >>> 12) | (t << 20);
    v1 = (v1 + v5 + m[S[s + 3]]) | 0;
    t = v13 ^ v1;
    v13 = (t >>> 8) | (t << 24);
    v9 = (v9 + v13) | 0;
    t = v5 ^ v9;
    v5 = (t >>> 7) | (t << 25);
    v2 = (v2 + v6 + m[S[s + 4]]) | 0;
    t = v14 ^ v2;
    v14 = (t >>> 16) | (t << 16);
    v10 = (v10 + v14) | 0;
    t = v6 ^ v10;
    v6 = (t >>> 12) | (t << 20);
    v2 = (v2 + v6 + m[S[s + 5]]) | 0;
    t = v14 ^ v2;
    v14 = (t >>> 8) | (t << 24);
    v10 = (v10 + v14) | 0;
    t = v6 ^ v10;
    v6 = (t >>> 7) | (t << 25);
    v3 = (v3 + v7 + m[S[s + 6]]) | 0;
    t = v15 ^ v3;
    v15 = (t >>> 16) | (t << 16);
    v11 = (v11 + v15) | 0;
    t = v7 ^ v11;
    v7 = (t >>> 12) | (t << 20);
    v3 = (v3 + v7 + m[S[s + 7]]) | 0;
    t = v15 ^ v3;
    v15 = (t >>> 8) | (t << 24);
    v11 = (v11 + v15) | 0;
    t = v7 ^ v11;
    v7 = (t >>> 7) | (t << 25);
    v0 = (v0 + v5 + m[S[s + 8]]) | 0;
    t = v15 ^ v0;
    v15 = (t >>> 16) | (t << 16);
    v10 = (v10 + v15) | 0;
    t = v5 ^ v10;
    v5 = (t >>> 12) | (t << 20);
    v0 = (v0 + v5 + m[S[s + 9]]) | 0;
    t = v15 ^ v0;
    v15 = (t >>> 8) | (t << 24);
    v10 = (v10 + v15) | 0;
    t = v5 ^ v10;
    v5 = (t >>> 7) | (t << 25);
    v1 = (v1 + v6 + m[S[s + 10]]) | 0;
    t = v12 ^ v1;
    v12 = (t >>> 16) | (t << 16);
    v11 = (v11 + v12) | 0;
    t = v6 ^ v11;
    v6 = (t >>> 12) | (t << 20);
    v1 = (v1 + v6 + m[S[s + 11]]) | 0;
    t = v12 ^ v1;
    v12 = (t >>> 8) | (t << 24);
    v11 = (v11 + v12) | 0;
    t = v6 ^ v11;
    v6 = (t >>> 7) | (t << 25);
    v2 = (v2 + v7 + m[S[s + 12]]) | 0;
    t = v13 ^ v2;
    v13 = (t >>> 16) | (t << 16);
    v8 = (v8 + v13) | 0;
    t = v7 ^ v8;
    v7 = (t >>> 12) | (t << 20);
    v2 = (v2 + v7 + m[S[s + 13]]) | 0;
    t = v13 ^ v2;
    v13 = (t >>> 8) | (t << 24);
    v8 = (v8 + v13) | 0;
    t = v7 ^ v8;
    v7 = (t >>> 7) | (t << 25);
    v3 = (v3 + v4 + m[S[s + 14]]) | 0;
    t = v14 ^ v3;
    v14 = (t >>> 16) | (t << 16);
    v9 = (v9 + v14) | 0;
    t = v4 ^ v9;
    v4 = (t >>> 12) | (t << 20);
    v3 = (v3 + v4 + m[S[s + 15]]) | 0;
    t = v14 ^ v3;
    v14 = (t >>> 8) | (t << 24);
    v9 = (v9 + v14) | 0;
    t = v4 ^ v9;
    v4 = (t >>> 7) | (t << 25);
  }
  cv[0] = v0 ^ v8;
  cv[1] = v1 ^ v9;
  cv[2] = v2 ^ v10;
  cv[3] = v3 ^ v11;
  cv[4] = v4 ^ v12;
  cv[5] = v5 ^ v13;
  cv[6] = v6 ^ v14;
  cv[7] = v7 ^ v15;
}

/** Load block `index` of the virtual input `prefix ‖ data` (zero padded) into `m`; its length. */
function loadBlock(prefix: Uint8Array | undefined, data: Uint8Array, index: number): number {
  const p = prefix?.length ?? 0;
  const total = p + data.length;
  const start = index * BLOCK;
  const len = Math.min(BLOCK, total - start);
  blockBytes.fill(0);
  for (let i = 0; i < len; i++) {
    const at = start + i;
    blockBytes[i] = at < p ? prefix![at] : data[at - p];
  }
  for (let i = 0; i < 16; i++) m[i] = blockView.getUint32(4 * i, true);
  return len;
}

/** BLAKE3 of `prefix ‖ data` (at most one chunk) into `cv`. */
function hashChunk(prefix: Uint8Array | undefined, data: Uint8Array): void {
  const total = (prefix?.length ?? 0) + data.length;
  const blocks = Math.max(1, Math.ceil(total / BLOCK));
  cv.set(IV);
  for (let b = 0; b < blocks; b++) {
    const len = loadBlock(prefix, data, b);
    const flags = (b === 0 ? CHUNK_START : 0) | (b === blocks - 1 ? CHUNK_END | ROOT : 0);
    compress(len, flags);
  }
}

function cvBytes(): Uint8Array {
  const out = new Uint8Array(BLAKE3_OUT_LEN);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) view.setUint32(4 * i, cv[i], true);
  return out;
}

/** BLAKE3-256 of `data`. */
export function blake3(data: Uint8Array): Uint8Array {
  if (data.length > CHUNK) return nobleBlake3(data);
  hashChunk(undefined, data);
  return cvBytes();
}

/** HMAC-BLAKE3 (RFC 2104 with a 64-byte block, as `SimpleHmac<blake3::Hasher>`). */
export function hmacBlake3(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length > CHUNK - HMAC_BLOCK) return hmacSlow(key, data);
  const k = key.length > HMAC_BLOCK ? blake3(key) : key;
  const pad = new Uint8Array(HMAC_BLOCK);
  for (let i = 0; i < HMAC_BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x36;
  hashChunk(pad, data);
  const inner = cvBytes();
  for (let i = 0; i < HMAC_BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x5c;
  hashChunk(pad, inner);
  return cvBytes();
}

function hmacSlow(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > HMAC_BLOCK ? nobleBlake3(key) : key;
  const pad = (x: number) => {
    const p = new Uint8Array(HMAC_BLOCK);
    for (let i = 0; i < HMAC_BLOCK; i++) p[i] = (k[i] ?? 0) ^ x;
    return p;
  };
  const inner = nobleBlake3.create().update(pad(0x36)).update(data).digest();
  return nobleBlake3.create().update(pad(0x5c)).update(inner).digest();
}

/**
 * HKDF-BLAKE3 (RFC 5869): extract with `salt` (absent = 32 zero bytes, as Nym's "no salt"),
 * expand with `info` to `length` bytes (at most 255 × 32).
 */
export function hkdfBlake3(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array | undefined,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * BLAKE3_OUT_LEN)
    throw new RangeError(`HKDF-BLAKE3 output of ${length} bytes`);
  const inf = info ?? new Uint8Array(0);
  if (inf.length + BLAKE3_OUT_LEN + 1 > CHUNK - HMAC_BLOCK)
    return nobleHkdf(nobleBlake3, ikm, salt, info, length);
  const prk = hmacBlake3(salt ?? new Uint8Array(BLAKE3_OUT_LEN), ikm);
  const out = new Uint8Array(length);
  const step = new Uint8Array(BLAKE3_OUT_LEN + inf.length + 1);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++, at += BLAKE3_OUT_LEN) {
    step.set(t, 0);
    step.set(inf, t.length);
    step[t.length + inf.length] = i;
    t = hmacBlake3(prk, step.subarray(0, t.length + inf.length + 1));
    out.set(t.subarray(0, Math.min(BLAKE3_OUT_LEN, length - at)), at);
  }
  return out;
}
