/**
 * The portable backend: @noble/hashes, @noble/ciphers, @noble/curves. Safe for browsers (no
 * node:crypto, no native modules, no wasm). Roughly 30x slower than the node backend for
 * X25519; browsers use ./web.ts where they may compile wasm, and this where they may not.
 */
import { ctr } from '@noble/ciphers/aes.js';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoBackend } from './backend.js';

const ZERO_IV_16 = new Uint8Array(16);
const ZERO_NONCE_8 = new Uint8Array(8);

/** Constant-time test for the all-zero X25519 output (a small-order input). */
export function isAllZero(a: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i];
  return acc === 0;
}

export const pureBackend: CryptoBackend = {
  name: 'pure',

  x25519(scalar, u) {
    // noble throws on an all-zero result; report it as null like the node backend.
    try {
      const out = x25519.scalarMult(scalar, u);
      return isAllZero(out) ? null : out;
    } catch {
      return null;
    }
  },

  x25519Base(scalar) {
    return x25519.scalarMultBase(scalar);
  },

  hkdfSha256(ikm, salt, info, length) {
    return hkdf(sha256, ikm, salt, info, length);
  },

  hmacSha256(key, data) {
    return hmac(sha256, key, data);
  },

  aes128CtrKeystream(key, length) {
    return ctr(key, ZERO_IV_16).encrypt(new Uint8Array(length));
  },

  aes128CtrXor(key, iv, data) {
    return ctr(key, iv).encrypt(data);
  },

  chacha20XorInPlace(key, data) {
    chacha20orig(key, ZERO_NONCE_8, data, data);
  },

  blake2b256Keyed(key, data) {
    return blake2b(data, { key, dkLen: 32 });
  },

  equalConstantTime(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  },
};
