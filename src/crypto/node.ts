/**
 * The Node backend: sodium-native for X25519 on raw bytes (no per-packet key import) and
 * ChaCha20; node:crypto (OpenSSL) for AES-CTR; HKDF, HMAC and keyed BLAKE2b on the wasm
 * hashes of ./sha256.ts and ./blake2b.ts. Each choice is the faster side of
 * `npm run bench:crypto` at Sphinx's sizes, per-call overhead included (CPU us per call on
 * the 2-core dev machine, wasm vs native): HKDF-SHA256 to 256 bytes 10.6 vs hkdfSync 15.4
 * (48 bytes: 5.5 vs 13.5); HMAC of 300 bytes 2.5 vs createHmac 2.9; BLAKE2b-256 of 2016 bytes
 * 2.6 vs crypto_generichash 3.1. The other way round, libsodium's ChaCha20 (2016 bytes: 1.6
 * vs the wasm 3.7) and X25519 (37 vs 121) win, so the wasm versions of those serve browsers
 * only (./web.ts).
 * Also `nodeAead`, the protocol's AES-GCM-SIV: OpenSSL's AES-ECB does the block work (key
 * derivation, tag, counter blocks) and the wasm POLYVAL of ./polyval-wasm.ts the hashing,
 * since OpenSSL 3.0 has no GCM-SIV (`npm run bench:aead`).
 * Node only: the browser entry never imports this file (see `#crypto-default-backend`).
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto';
import sodium from 'sodium-native';
import type { GcmSivAead } from './aead.js';
import type { CryptoBackend } from './backend.js';
import { blake2b256Keyed } from './blake2b.js';
import { gcmSivAead, type AesEcb } from './gcm-siv.js';
import { hkdfSha256, hmacSha256 } from './sha256.js';

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

  hkdfSha256,

  hmacSha256,

  aes128CtrKeystream(key, length) {
    const c = createCipheriv('aes-128-ctr', key, ZERO_IV_16);
    const out = c.update(zeroBuffer(length));
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },

  aes128CtrXor(key, iv, data) {
    const out = createCipheriv('aes-128-ctr', key, iv).update(data);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },

  chacha20XorInPlace(key, data) {
    sodium.crypto_stream_chacha20_xor(data, data, ZERO_NONCE_8, key);
  },

  blake2b256Keyed,

  equalConstantTime(a, b) {
    return a.length === b.length && timingSafeEqual(a, b);
  },
};

/** OpenSSL's AES-ECB without padding: the cipher copies the key, and `update` takes whole blocks. */
function opensslEcb(key: Uint8Array): AesEcb {
  const cipher = createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return (input, output) => output.set(cipher.update(input));
}

/** AES-GCM-SIV (RFC 8452) on OpenSSL's AES and the wasm POLYVAL: the Node session AEAD. */
export const nodeAead: GcmSivAead = gcmSivAead('node', opensslEcb);
