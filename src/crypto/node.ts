/**
 * The Node backend: sodium-native for X25519 on raw bytes (no per-packet key import),
 * keyed BLAKE2b and ChaCha20; node:crypto (OpenSSL) for HKDF, HMAC and AES-CTR.
 * Short HKDFs use the TypeScript implementation in ./sha256.ts (faster there, see below).
 * Node only: the browser entry never imports this file (see `#crypto-default-backend`).
 */
import { createCipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import sodium from 'sodium-native';
import type { CryptoBackend } from './backend.js';
import { hkdfSha256 as hkdfSha256Js } from './sha256.js';

// Below this output length the TypeScript HKDF (cached salt states, no per-call setup) beats
// hkdfSync, whose cost is mostly fixed overhead; above it OpenSSL's SHA-256 wins.
const JS_HKDF_MAX_LENGTH = 192;

const ZERO_IV_16 = new Uint8Array(16);
const ZERO_NONCE_8 = new Uint8Array(8);
// Reused zero plaintext for keystream generation; AES-CTR keystreams are at most a few KiB.
let zeros = new Uint8Array(1024);

function zeroBuffer(length: number): Uint8Array {
  if (zeros.length < length) zeros = new Uint8Array(length);
  return zeros.subarray(0, length);
}

export const nodeBackend: CryptoBackend = {
  name: 'node',

  x25519(scalar, u) {
    const out = new Uint8Array(32);
    try {
      sodium.crypto_scalarmult(out, scalar, u);
    } catch {
      return null; // libsodium refuses an all-zero result
    }
    return out;
  },

  x25519Base(scalar) {
    const out = new Uint8Array(32);
    sodium.crypto_scalarmult_base(out, scalar);
    return out;
  },

  hkdfSha256(ikm, salt, info, length) {
    if (length <= JS_HKDF_MAX_LENGTH) return hkdfSha256Js(ikm, salt, info, length);
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
  },

  hmacSha256(key, data) {
    const d = createHmac('sha256', key).update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  },

  aes128CtrKeystream(key, length) {
    const c = createCipheriv('aes-128-ctr', key, ZERO_IV_16);
    const out = c.update(zeroBuffer(length));
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },

  chacha20XorInPlace(key, data) {
    sodium.crypto_stream_chacha20_xor(data, data, ZERO_NONCE_8, key);
  },

  blake2b256Keyed(key, data) {
    const out = new Uint8Array(32);
    sodium.crypto_generichash(out, data, key);
    return out;
  },

  equalConstantTime(a, b) {
    return a.length === b.length && timingSafeEqual(a, b);
  },
};
