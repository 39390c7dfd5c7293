/**
 * A small allocation-light SHA-256 / HMAC-SHA256 / HKDF-SHA256 in plain TypeScript.
 *
 * Why: each Sphinx hop runs short HKDFs, and node:crypto's one-shot `hkdfSync` spends most of
 * its ~8 us in fixed per-call overhead (EVP fetch, context setup) for ~20 SHA-256 blocks of
 * work. Here HMAC key states (key^ipad, key^opad already absorbed) are cached for constant
 * salts, the outer hash is a single block built from words, and the expand loop runs on
 * scratch buffers. Standard output (RFC 6234, 2104, 5869); tests compare it with
 * node:crypto and @noble/hashes. Not thread-shared: each worker has its own module instance.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);

/** Absorb the block already loaded into W[0..16] into state `s`. */
function rounds(s: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  let e = s[4];
  let f = s[5];
  let g = s[6];
  let h = s[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + b) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0;
  s[5] = (s[5] + f) | 0;
  s[6] = (s[6] + g) | 0;
  s[7] = (s[7] + h) | 0;
}

function compress(s: Int32Array, m: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + 4 * i;
    W[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
  }
  rounds(s);
}

const TAIL = new Uint8Array(128);
const ST = new Int32Array(8);

/** ST = hash state after `init` (which absorbed `prefix` bytes) absorbs and pads msg[0..len]. */
function finishState(init: Int32Array, prefix: number, msg: Uint8Array, len: number): void {
  ST.set(init);
  let off = 0;
  for (; off + 64 <= len; off += 64) compress(ST, msg, off);
  const rest = len - off;
  const end = rest + 9 > 64 ? 128 : 64;
  TAIL.fill(0, 0, end);
  for (let i = 0; i < rest; i++) TAIL[i] = msg[off + i];
  TAIL[rest] = 0x80;
  const bits = (prefix + len) * 8;
  TAIL[end - 5] = Math.floor(bits / 0x100000000) & 0xff;
  TAIL[end - 4] = bits >>> 24;
  TAIL[end - 3] = (bits >>> 16) & 0xff;
  TAIL[end - 2] = (bits >>> 8) & 0xff;
  TAIL[end - 1] = bits & 0xff;
  compress(ST, TAIL, 0);
  if (end === 128) compress(ST, TAIL, 64);
}

function writeState(out: Uint8Array, outOff: number): void {
  for (let i = 0; i < 8; i++) {
    const w = ST[i];
    out[outOff + 4 * i] = w >>> 24;
    out[outOff + 4 * i + 1] = (w >>> 16) & 0xff;
    out[outOff + 4 * i + 2] = (w >>> 8) & 0xff;
    out[outOff + 4 * i + 3] = w & 0xff;
  }
}

/** SHA-256 of `msg`. */
export function sha256(msg: Uint8Array): Uint8Array {
  finishState(IV, 0, msg, msg.length);
  const out = new Uint8Array(32);
  writeState(out, 0);
  return out;
}

/** HMAC key states: hash states after absorbing key^ipad and key^opad. */
export interface HmacKeyState {
  inner: Int32Array;
  outer: Int32Array;
}

const PAD = new Uint8Array(64);

function keyStateInto(key: Uint8Array, st: HmacKeyState): HmacKeyState {
  const k = key.length > 64 ? sha256(key) : key;
  st.inner.set(IV);
  st.outer.set(IV);
  PAD.fill(0x36);
  for (let i = 0; i < k.length; i++) PAD[i] ^= k[i];
  compress(st.inner, PAD, 0);
  PAD.fill(0x5c);
  for (let i = 0; i < k.length; i++) PAD[i] ^= k[i];
  compress(st.outer, PAD, 0);
  return st;
}

export function hmacKeyState(key: Uint8Array): HmacKeyState {
  return keyStateInto(key, { inner: new Int32Array(8), outer: new Int32Array(8) });
}

/** HMAC with key states over msg[0..len]; 32 bytes into `out` at `outOff`. */
export function hmacWithState(
  st: HmacKeyState,
  msg: Uint8Array,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  finishState(st.inner, 64, msg, len);
  // outer hash input is key^opad (absorbed) || inner digest (32): one padded block of words
  for (let i = 0; i < 8; i++) W[i] = ST[i];
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = (64 + 32) * 8;
  ST.set(st.outer);
  rounds(ST);
  writeState(out, outOff);
}

export function hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  hmacWithState(hmacKeyState(key), msg, msg.length, out, 0);
  return out;
}

// Key states of constant HKDF salts: looked up by array identity first (module constants),
// then by content.
const saltByRef = new WeakMap<Uint8Array, HmacKeyState>();
const saltByContent = new Map<string, HmacKeyState>();

function saltState(salt: Uint8Array): HmacKeyState {
  const cached = saltByRef.get(salt);
  if (cached) return cached;
  if (salt.length > 64) return hmacKeyState(salt);
  let id = '';
  for (let i = 0; i < salt.length; i++) id += String.fromCharCode(salt[i]);
  let st = saltByContent.get(id);
  if (!st) {
    st = hmacKeyState(salt);
    if (saltByContent.size < 16) saltByContent.set(id, st);
  }
  saltByRef.set(salt, st);
  return st;
}

const PRK = new Uint8Array(32);
const PRK_STATE: HmacKeyState = { inner: new Int32Array(8), outer: new Int32Array(8) };
let EXPAND = new Uint8Array(32 + 128 + 1);

/** HKDF-SHA256 (RFC 5869); an empty salt means 32 zero bytes, as the RFC says. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new RangeError('bad HKDF length');
  hmacWithState(saltState(salt), ikm, ikm.length, PRK, 0);
  const prk = keyStateInto(PRK, PRK_STATE);
  if (EXPAND.length < 32 + info.length + 1) EXPAND = new Uint8Array(32 + info.length + 1);
  const blocks = Math.ceil(length / 32);
  const okm = new Uint8Array(blocks * 32);
  if (blocks === 0) return okm;
  // T(1) = HMAC(PRK, info || 1); T(i) = HMAC(PRK, T(i-1) || info || i)
  EXPAND.set(info, 0);
  EXPAND[info.length] = 1;
  hmacWithState(prk, EXPAND, info.length + 1, okm, 0);
  EXPAND.set(info, 32);
  for (let i = 2; i <= blocks; i++) {
    const prev = (i - 2) * 32;
    for (let j = 0; j < 32; j++) EXPAND[j] = okm[prev + j];
    EXPAND[32 + info.length] = i;
    hmacWithState(prk, EXPAND, 32 + info.length + 1, okm, (i - 1) * 32);
  }
  return blocks * 32 === length ? okm : okm.subarray(0, length);
}
