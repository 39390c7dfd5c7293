/**
 * AES-GCM-SIV (RFC 8452) on the wasm POLYVAL of ./polyval-wasm.ts, with the AES block work
 * given by the caller: OpenSSL for Node (./node.ts), @noble/ciphers for browsers (./web.ts).
 * No node:crypto here, so browsers load it too.
 *
 * RFC 8452 with key K (16 or 32 bytes), 12-byte nonce N, plaintext P, associated data A:
 *   derivation blocks  LE32(i) ‖ N, i = 0..3 (AES-128) or 0..5 (AES-256), under K; the
 *                      first 8 bytes of each give the auth key H (blocks 0, 1) and the
 *                      encryption key E (the others)                            (section 4)
 *   S                  POLYVAL(H, A padded ‖ P padded ‖ LE64(bits of A) ‖ LE64(bits of P))
 *   tag                AES_E((S xor N) with the top bit of byte 15 cleared)
 *   ciphertext         P xor AES-CTR_E(tag with the top bit of byte 15 set; the first
 *                      32 bits count up, little-endian, mod 2^32)
 * Opening runs the CTR on the ciphertext, recomputes the tag over the plaintext and returns
 * nothing unless the two tags match (compared in constant time)         (section 5)
 *
 * Both AES jobs (tag and CTR) and all of POLYVAL run over the wasm module's memory: the
 * message is copied in (a chunk at a time past `POLYVAL_CHUNK` bytes), the counter blocks are
 * written there by the module, encrypted by the caller's AES into the keystream area, and
 * XORed by the module.
 */
import { checkSealInputs, openable, AEAD_NONCE_SIZE, AEAD_TAG_SIZE, type GcmSivAead } from './aead.js';
import {
  POLYVAL_CHUNK,
  POLYVAL_LAYOUT as L,
  polyvalAbsorb,
  polyvalWasm,
  type PolyvalWasm,
} from './polyval-wasm.js';

/**
 * AES under one key (16 or 32 bytes): encrypts the whole 16-byte blocks of `input` into
 * `output` (same length; both may be views on the wasm memory, never overlapping).
 */
export type AesEcb = (input: Uint8Array, output: Uint8Array) => void;
/** Makes an `AesEcb`; it keeps its own copy or expansion of `key`, which the caller then wipes. */
export type AesEcbFactory = (key: Uint8Array) => AesEcb;

const EMPTY = new Uint8Array(0);

interface Memory {
  w: PolyvalWasm;
  bytes: Uint8Array;
  view: DataView;
}
let memory: Memory | undefined;
function wasmMemory(): Memory {
  if (!memory) {
    const w = polyvalWasm(); // throws where wasm may not be compiled
    memory = { w, bytes: new Uint8Array(w.memory.buffer), view: new DataView(w.memory.buffer) };
  }
  return memory;
}

/** Constant-time equality of two arrays of the same length (tags, keys). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * AES-GCM-SIV with `aes` for the block cipher. The key-generating key's cipher is kept per
 * key array (checked against a copy of its bytes on each use): a session seals every frame
 * under the same key array, and OpenSSL's cipher setup costs about as much as a frame's AES.
 */
export function gcmSivAead(name: string, aes: AesEcbFactory): GcmSivAead {
  const keyCiphers = new WeakMap<Uint8Array, { copy: Uint8Array; ecb: AesEcb }>();

  function keyCipher(key: Uint8Array): AesEcb {
    const hit = keyCiphers.get(key);
    if (hit && hit.copy.length === key.length && sameBytes(hit.copy, key)) return hit.ecb;
    const entry = { copy: Uint8Array.from(key), ecb: aes(key) };
    keyCiphers.set(key, entry);
    return entry.ecb;
  }

  /** Derives H into wasm memory and returns AES under E (RFC 8452 section 4). */
  function deriveKeys(m: Memory, key: Uint8Array, nonce: Uint8Array): AesEcb {
    const n = key.length === 32 ? 6 : 4;
    const blocks = m.bytes.subarray(L.scratch, L.scratch + 16 * n);
    const derived = m.bytes.subarray(L.scratch + 96, L.scratch + 96 + 16 * n);
    for (let i = 0; i < n; i++) {
      m.view.setUint32(L.scratch + 16 * i, i, true);
      blocks.set(nonce, 16 * i + 4);
    }
    keyCipher(key)(blocks, derived);
    m.bytes.copyWithin(L.key, L.scratch + 96, L.scratch + 96 + 8);
    m.bytes.copyWithin(L.key + 8, L.scratch + 96 + 16, L.scratch + 96 + 24);
    const encKey = new Uint8Array(key.length);
    for (let i = 2; i < n; i++) encKey.set(derived.subarray(16 * i, 16 * i + 8), 8 * (i - 2));
    derived.fill(0);
    const ecb = aes(encKey);
    encKey.fill(0); // an `AesEcbFactory` keeps its own copy or expansion of the key
    return ecb;
  }

  /** S over A and P (both zero-padded) and the length block, into wasm memory. */
  function polyvalOf(m: Memory, aad: Uint8Array, text: Uint8Array): void {
    m.bytes.fill(0, L.state, L.state + 16);
    polyvalAbsorb(m.w, m.bytes, aad);
    polyvalAbsorb(m.w, m.bytes, text);
    // LE64 of each length in bits, written as two 32-bit halves (lengths may pass 2^29 bytes)
    for (const [at, length] of [
      [L.lengths, aad.length],
      [L.lengths + 8, text.length],
    ]) {
      m.view.setUint32(at, (length % 0x20000000) * 8, true);
      m.view.setUint32(at + 4, Math.floor(length / 0x20000000), true);
    }
    m.w.polyval(L.key, L.state, L.lengths, 1);
  }

  /** AES_E((S xor N) with bit 127 cleared), into a fresh array. */
  function tagOf(m: Memory, ecb: AesEcb, nonce: Uint8Array): Uint8Array {
    const s = m.bytes.subarray(L.state, L.state + 16);
    for (let i = 0; i < AEAD_NONCE_SIZE; i++) s[i] ^= nonce[i];
    s[15] &= 0x7f;
    const tag = new Uint8Array(16);
    ecb(s, tag);
    return tag;
  }

  /** out = input xor AES-CTR_E from the tag (RFC 8452 section 4), a chunk at a time. */
  function ctr(m: Memory, ecb: AesEcb, tag: Uint8Array, input: Uint8Array, out: Uint8Array): void {
    m.bytes.set(tag, L.iv);
    m.bytes[L.iv + 15] |= 0x80;
    for (let off = 0; off < input.length; off += POLYVAL_CHUNK) {
      const n = Math.min(POLYVAL_CHUNK, input.length - off);
      const blocks = (n + 15) >>> 4;
      m.bytes.set(input.subarray(off, off + n), L.buffer);
      m.w.counters(L.iv, L.counters, (off / 16) >>> 0, blocks); // the counter runs mod 2^32
      ecb(
        m.bytes.subarray(L.counters, L.counters + 16 * blocks),
        m.bytes.subarray(L.keystream, L.keystream + 16 * blocks),
      );
      m.w.xor(L.buffer, L.keystream, 2 * blocks);
      out.set(m.bytes.subarray(L.buffer, L.buffer + n), off);
    }
  }

  /** Leave no key material in wasm memory between calls. */
  const wipe = (m: Memory) => m.bytes.fill(0, 0, L.buffer);

  return {
    name,
    seal(key, nonce, plaintext, aad = EMPTY) {
      checkSealInputs(key, nonce);
      const m = wasmMemory();
      try {
        const ecb = deriveKeys(m, key, nonce);
        polyvalOf(m, aad, plaintext);
        const tag = tagOf(m, ecb, nonce);
        const out = new Uint8Array(plaintext.length + AEAD_TAG_SIZE);
        ctr(m, ecb, tag, plaintext, out);
        out.set(tag, plaintext.length);
        return out;
      } finally {
        wipe(m);
      }
    },
    open(key, nonce, sealed, aad = EMPTY) {
      if (!openable(key, nonce, sealed)) return null;
      const m = wasmMemory();
      try {
        const length = sealed.length - AEAD_TAG_SIZE;
        const tag = sealed.slice(length);
        const ecb = deriveKeys(m, key, nonce);
        const plaintext = new Uint8Array(length);
        ctr(m, ecb, tag, sealed.subarray(0, length), plaintext);
        polyvalOf(m, aad, plaintext);
        if (sameBytes(tagOf(m, ecb, nonce), tag)) return plaintext;
        plaintext.fill(0); // RFC 8452 section 5: no plaintext from a message that fails
        return null;
      } finally {
        wipe(m);
      }
    },
  };
}
