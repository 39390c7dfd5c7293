/**
 * Keyed BLAKE2b (RFC 7693) on the wasm compression of ./blake2b-wasm.ts: with a 32-byte digest,
 * the Lioness hash of the node and web backends. Any digest length 1..64 is available (the
 * published vectors use 64). Tests run RFC 7693 and the reference known-answer vectors and
 * compare with libsodium and @noble/hashes. Not thread-shared: each worker has its own module
 * (and wasm) instance.
 */
import { BLAKE2B_IV, BLAKE2B_LAYOUT, blake2bWasm, type Blake2bWasm } from './blake2b-wasm.js';

const BLOCK = 128;
const H = BLAKE2B_LAYOUT.h;
const BUF = BLAKE2B_LAYOUT.buffer;
/** Whole blocks the buffer holds. */
const CHUNK = (BLAKE2B_LAYOUT.end - BUF) & ~(BLOCK - 1);

// Bound on first use, as in ./sha256.ts: importing must not fail where wasm is refused.
let blocks: Blake2bWasm['blocks'];
let heap: Uint8Array | undefined;

function bind(): Uint8Array {
  const w = blake2bWasm();
  blocks = w.blocks;
  return (heap = new Uint8Array(w.memory.buffer));
}

/** Initial chaining values: IV with h0 ^= 0x0101kknn (RFC 7693 2.5), cached per (nn, kk). */
const initialStates = new Array<Uint8Array | undefined>(65 * 65).fill(undefined);

function initialState(kk: number, nn: number): Uint8Array {
  let h = initialStates[nn * 65 + kk];
  if (h === undefined) {
    h = new Uint8Array(64);
    const view = new DataView(h.buffer);
    BLAKE2B_IV.forEach((w, i) => view.setBigUint64(8 * i, w, true));
    view.setBigUint64(0, BLAKE2B_IV[0] ^ BigInt(0x01010000 | (kk << 8) | nn), true);
    initialStates[nn * 65 + kk] = h;
  }
  return h;
}

/** BLAKE2b-256 of `data` keyed with `key` (0..64 bytes; 0 = unkeyed). */
export function blake2b256Keyed(key: Uint8Array, data: Uint8Array): Uint8Array {
  return blake2bKeyed(key, data, 32);
}

/** BLAKE2b of `data` keyed with `key` (0..64 bytes; 0 = unkeyed), digest of `outLength` 1..64 bytes. */
export function blake2bKeyed(key: Uint8Array, data: Uint8Array, outLength: number): Uint8Array {
  const kk = key.length;
  if (kk > 64) throw new RangeError('BLAKE2b key longer than 64 bytes');
  if (!Number.isInteger(outLength) || outLength < 1 || outLength > 64)
    throw new RangeError('BLAKE2b digest length must be 1..64 bytes');
  if (data.length > 0xffffff00) throw new RangeError('BLAKE2b input too long');
  const HEAP = heap ?? bind();
  HEAP.set(initialState(kk, outLength), H);
  let t = 0;
  let at = BUF;
  if (kk > 0) {
    // the key, zero-padded, is the first block (the final one if there is no data)
    HEAP.set(key, BUF);
    HEAP.fill(0, BUF + kk, BUF + BLOCK);
    if (data.length === 0) {
      blocks(H, BUF, 1, 0, BLOCK);
      return HEAP.slice(H, H + outLength);
    }
    at += BLOCK;
  }
  let off = 0;
  // long input: whole chunks first, always keeping at least one byte for the final block
  if (data.length + (at - BUF) > CHUNK) {
    if (at !== BUF) {
      blocks(H, BUF, 1, 0, -1);
      t = BLOCK;
      at = BUF;
    }
    for (; data.length - off > CHUNK; off += CHUNK, t += CHUNK) {
      HEAP.set(data.subarray(off, off + CHUNK), BUF);
      blocks(H, BUF, CHUNK / BLOCK, t, -1);
    }
  }
  const rest = data.length - off;
  HEAP.set(off === 0 ? data : data.subarray(off), at);
  const total = at - BUF + rest;
  const n = Math.max(1, Math.ceil(total / BLOCK));
  HEAP.fill(0, BUF + total, BUF + n * BLOCK);
  blocks(H, BUF, n, t, total - (n - 1) * BLOCK);
  return HEAP.slice(H, H + outLength);
}
