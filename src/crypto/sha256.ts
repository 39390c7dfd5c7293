/**
 * Allocation-light SHA-256 / HMAC-SHA256 / HKDF-SHA256 for the node and web backends, on the
 * wasm functions of ./sha256-wasm.ts.
 *
 * Why: each Sphinx hop runs short HKDFs, and node:crypto's one-shot `hkdfSync` spends most of
 * its ~8 us in fixed per-call overhead (EVP fetch, context setup) for 20-35 SHA-256 blocks
 * of work. Here HMAC key states (key^ipad, key^opad already absorbed) are cached for constant
 * salts, HMACs finish inside wasm, the HKDF expand loop builds each `T(i-1) || info || i` in
 * place in wasm memory (only the counter byte changes between rounds), and nothing is
 * allocated but the output. Standard output (RFC 6234, 2104, 5869); tests compare it with
 * node:crypto and @noble/hashes. Not thread-shared: each worker has its own module (and
 * wasm) instance.
 */
import { LAYOUT, sha256Wasm, type Sha256Wasm } from './sha256-wasm.js';

const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const BUF = LAYOUT.buffer;
const BUF_CAPACITY = LAYOUT.end - LAYOUT.buffer;
/** Longest message `padBuffered` takes: room for the 0x80 byte and the 8-byte length. */
const BUF_MESSAGE_MAX = BUF_CAPACITY - 72;

// Bound on first use: compiling wasm can be refused (a web page's CSP without
// 'wasm-unsafe-eval'), and importing this module must not fail because of that.
let compress: Sha256Wasm['compress'];
let keyState: Sha256Wasm['keyState'];
let hmacTail: Sha256Wasm['hmacTail'];
let expand: Sha256Wasm['expand'];
let HEAP: Uint8Array;
let VIEW: DataView;
let ST: Int32Array;
let bound = false;

function bind(): void {
  const w = sha256Wasm();
  ({ compress, keyState, hmacTail, expand } = w);
  HEAP = new Uint8Array(w.memory.buffer);
  VIEW = new DataView(w.memory.buffer);
  ST = new Int32Array(w.memory.buffer, LAYOUT.state, 8);
  HEAP.fill(0, LAYOUT.outer, LAYOUT.outer + 64);
  HEAP[LAYOUT.outer + 32] = 0x80;
  VIEW.setUint32(LAYOUT.outer + 60, (64 + 32) * 8);
  bound = true;
}

/**
 * Pad the message at BUF[0..len) in place (it follows `prefix` bytes already absorbed, a
 * multiple of 64) and return its number of blocks.
 */
function padBuffered(prefix: number, len: number): number {
  const blocks = (len + 9 + 63) >>> 6;
  const end = BUF + 64 * blocks;
  HEAP[BUF + len] = 0x80;
  HEAP.fill(0, BUF + len + 1, end - 8);
  const bits = (prefix + len) * 8;
  VIEW.setUint32(end - 8, Math.floor(bits / 0x100000000));
  VIEW.setUint32(end - 4, bits >>> 0);
  return blocks;
}

/**
 * Stage msg[0..len] for hashing after `prefix` bytes: whole chunks of a long message are
 * absorbed into the state at `state` here; the rest lands padded in the buffer. Returns the
 * number of buffered blocks still to absorb.
 */
function stageMessage(state: number, prefix: number, msg: Uint8Array, len: number): number {
  let off = 0;
  const chunk = BUF_CAPACITY & ~63;
  for (; len - off > BUF_MESSAGE_MAX; off += chunk) {
    HEAP.set(msg.subarray(off, off + chunk), BUF);
    compress(state, BUF, chunk >>> 6);
  }
  HEAP.set(off === 0 && len === msg.length ? msg : msg.subarray(off, len), BUF);
  return padBuffered(prefix + off, len - off);
}

/** SHA-256 of `msg`. */
export function sha256(msg: Uint8Array): Uint8Array {
  if (!bound) bind();
  ST.set(IV);
  compress(LAYOUT.state, BUF, stageMessage(LAYOUT.state, 0, msg, msg.length));
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = ST[i >>> 2] >>> (24 - 8 * (i & 3));
  return out;
}

/** Key state slots: 0 for HKDF's PRK, 1 for one-off HMAC keys, the rest cache constant salts. */
const PRK_SLOT = LAYOUT.slots;
const TEMP_SLOT = LAYOUT.slots + 64;
let nextSaltSlot = 2;

/** Compute the key states of `key` into `slot`. */
function keyStateInto(key: Uint8Array, slot: number): number {
  const k = key.length > 64 ? sha256(key) : key;
  HEAP.set(k, LAYOUT.key);
  HEAP.fill(0, LAYOUT.key + k.length, LAYOUT.key + 64);
  keyState(LAYOUT.key, slot);
  return slot;
}

/** HMAC with the key states in `slot` over msg; the 32-byte tag lands at `out` in wasm memory. */
function hmacAt(slot: number, msg: Uint8Array, out: number): void {
  // a message longer than the buffer is absorbed in chunks into the state copied from the slot
  if (msg.length > BUF_MESSAGE_MAX) {
    const staged = LAYOUT.slots + 64 * (LAYOUT.slotCount - 1);
    HEAP.copyWithin(staged, slot, slot + 64);
    hmacTail(staged, BUF, stageMessage(staged, 64, msg, msg.length), out);
    return;
  }
  HEAP.set(msg, BUF);
  hmacTail(slot, BUF, padBuffered(64, msg.length), out);
}

/** HMAC-SHA256, full 32-byte tag. */
export function hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (!bound) bind();
  hmacAt(keyStateInto(key, TEMP_SLOT), msg, LAYOUT.okm);
  return HEAP.slice(LAYOUT.okm, LAYOUT.okm + 32);
}

// Slots of constant HKDF salts: looked up by array identity first (module constants), then by
// content. A salt gets a slot the second time its content is seen, so that one-time salts
// (an ephemeral key in the salt, as in client payloads) do not use the slots up; once they
// are all taken, further salts are keyed per call.
const saltByRef = new WeakMap<Uint8Array, number>();
const saltByContent = new Map<string, number>();
const seenOnce = new Set<string>();
const SEEN_ONCE_MAX = 256;

function saltSlot(salt: Uint8Array): number {
  const cached = saltByRef.get(salt);
  if (cached !== undefined) return cached;
  if (salt.length > 64) return keyStateInto(salt, TEMP_SLOT);
  let id = '';
  for (let i = 0; i < salt.length; i++) id += String.fromCharCode(salt[i]);
  let slot = saltByContent.get(id);
  if (slot === undefined) {
    if (!seenOnce.has(id) || nextSaltSlot >= LAYOUT.slotCount - 1) {
      if (seenOnce.size >= SEEN_ONCE_MAX) seenOnce.clear();
      seenOnce.add(id);
      return keyStateInto(salt, TEMP_SLOT);
    }
    seenOnce.delete(id);
    slot = keyStateInto(salt, LAYOUT.slots + 64 * nextSaltSlot++);
    saltByContent.set(id, slot);
  }
  saltByRef.set(salt, slot);
  return slot;
}

/** Longest info expanded in place: `T(i-1) || info || i` must fit the message buffer. */
const INFO_IN_PLACE_MAX = BUF_MESSAGE_MAX - 33;

/**
 * HKDF-SHA256 (RFC 5869) into `okm` (its length is the output length, at most 255 * 32);
 * an empty salt means 32 zero bytes, as the RFC says.
 */
function hkdfSha256Into(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, okm: Uint8Array): void {
  const length = okm.length;
  if (length > 255 * 32) throw new RangeError('bad HKDF length');
  if (!bound) bind();
  // extract: PRK = HMAC(salt, ikm), written straight into the key block
  hmacAt(saltSlot(salt), ikm, LAYOUT.key);
  HEAP.fill(0, LAYOUT.key + 32, LAYOUT.key + 64);
  keyState(LAYOUT.key, PRK_SLOT);
  const blocks = Math.ceil(length / 32);
  if (blocks === 0) return;
  const L = info.length;
  const OKM = LAYOUT.okm;
  if (L > INFO_IN_PLACE_MAX) {
    // far beyond what Nymph uses: concatenate per round, as the RFC writes it
    const m = new Uint8Array(32 + L + 1);
    m.set(info, 32);
    for (let i = 1; i <= blocks; i++) {
      m[32 + L] = i;
      hmacAt(PRK_SLOT, i === 1 ? m.subarray(32) : m, OKM + 32 * (i - 1));
      m.set(HEAP.subarray(OKM + 32 * (i - 1), OKM + 32 * i), 0);
    }
  } else {
    // T(1) = HMAC(PRK, info || 1)
    HEAP.set(info, BUF);
    HEAP[BUF + L] = 1;
    hmacTail(PRK_SLOT, BUF, padBuffered(64, L + 1), OKM);
    if (blocks > 1) {
      // T(i) = HMAC(PRK, T(i-1) || info || i), in wasm: info and padding stay in place
      HEAP.set(info, BUF + 32);
      expand(PRK_SLOT, BUF, padBuffered(64, 32 + L + 1), L, blocks, OKM);
    }
  }
  okm.set(HEAP.subarray(OKM, OKM + length));
}

/** HKDF-SHA256 (RFC 5869); an empty salt means 32 zero bytes, as the RFC says. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new RangeError('bad HKDF length');
  const okm = new Uint8Array(length);
  hkdfSha256Into(ikm, salt, info, okm);
  return okm;
}
