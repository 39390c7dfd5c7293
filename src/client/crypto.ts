/**
 * Randomness helpers of the client core. Primitives come from the shared backend
 * (src/crypto): node:crypto + sodium in Node, @noble in the browser.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoBackend } from '../crypto/index.js';

export type { CryptoBackend };
export type RandomBytes = (n: number) => Uint8Array;

/** Requests up to this size are served from the pool; larger ones fill their own array. */
const POOLED_MAX = 256;
const POOL_SIZE = 8192;
let pool: Uint8Array = new Uint8Array(0);
let poolAt = 0;

function fill(out: Uint8Array): Uint8Array {
  // crypto.getRandomValues takes at most 64 KiB at a time
  for (let off = 0; off < out.length; off += 65536)
    globalThis.crypto.getRandomValues(out.subarray(off, off + 65536));
  return out;
}

/**
 * crypto.getRandomValues, available in Node 20 and browsers. A packet draws a dozen small
 * values (ephemeral keys, IVs, delays, route choices), and each call into the CSPRNG costs
 * ~5 us, so small requests are cut from an 8 KiB buffer filled in one call; every byte is
 * handed out once, as a fresh array.
 */
export const secureRandom: RandomBytes = (n) => {
  if (n > POOLED_MAX) return fill(new Uint8Array(n));
  if (poolAt + n > pool.length) {
    pool = fill(new Uint8Array(POOL_SIZE));
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + n);
  // spent bytes are wiped, so the pool never holds handed-out secrets
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
};

/** A uniform integer in [1, 2^31 - 1] from 4 random bytes (rejection of 0). */
export function randomSetId(rng: RandomBytes): number {
  for (;;) {
    const b = rng(4);
    const v = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) & 0x7fffffff;
    if (v !== 0) return v;
  }
}

/** A uniform float in [0, 1) with 53 bits from the injected randomness. */
export function randomUnit(rng: RandomBytes): number {
  const b = rng(7);
  let hi = 0;
  for (let i = 0; i < 3; i++) hi = hi * 256 + b[i];
  let lo = 0;
  for (let i = 3; i < 7; i++) lo = lo * 256 + b[i];
  // 24 + 29 = 53 bits, each part exact in a double, so the result is below 1
  return (hi * 2 ** 29 + Math.floor(lo / 8)) / 2 ** 53;
}

/** AES-128-CTR with a zero IV: only ever used with single-use keys. */
export function aesCtrZeroIv(crypto: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  return crypto.aes128CtrXor(key, ZERO_IV, data);
}

const ZERO_IV = new Uint8Array(16);

export function sha256Digest(data: Uint8Array): Uint8Array {
  return sha256(data);
}
