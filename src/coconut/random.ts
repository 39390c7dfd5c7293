/**
 * Sources of randomness for the coconut functions, which take a {@link RandomBytes}
 * parameter instead of reaching for a global.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import type { RandomBytes } from './fr.js';

/** Cryptographically secure randomness (WebCrypto, in Node 20 and browsers). */
export const secureRandom: RandomBytes = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let o = 0; o < length; o += 65536)
    globalThis.crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)));
  return out;
};

/**
 * A deterministic stream from a seed: SHA-512(seed ‖ counter(8, big-endian)) blocks.
 * For test vectors and reproducible tests only; never for real credentials.
 */
export function seededRandom(seed: Uint8Array | string): RandomBytes {
  const s = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed.slice();
  let counter = 0n;
  let buffer = new Uint8Array(0);
  return (length) => {
    const out = new Uint8Array(length);
    let o = 0;
    while (o < length) {
      if (buffer.length === 0) {
        const c = new Uint8Array(8);
        new DataView(c.buffer).setBigUint64(0, counter++, false);
        buffer = sha512.create().update(s).update(c).digest();
      }
      const n = Math.min(buffer.length, length - o);
      out.set(buffer.subarray(0, n), o);
      buffer = buffer.subarray(n);
      o += n;
    }
    return out;
  };
}
