/**
 * The session AEAD (AES-256-GCM-SIV, RFC 8452) on Node, byte-identical to the pure one in
 * protocol/aead.ts. node:crypto (OpenSSL 3.0) has no GCM-SIV, so the AES block work runs
 * in OpenSSL (AES-256-ECB over the derivation, tag and counter blocks) and POLYVAL in
 * noble: about twice as fast as noble alone on a 2.4 KB frame (scripts/bench-gateway-aead.ts).
 *
 * RFC 8452 with a 32-byte key K, a 12-byte nonce N and no associated data:
 *   derivation blocks  LE32(i) ‖ N, i = 0..5, encrypted under K; the first 8 bytes of each
 *                      give the auth key (blocks 0,1) and the encryption key E (blocks 2..5)
 *   S                  POLYVAL(auth key, P padded ‖ LE64(0) ‖ LE64(bits of P))
 *   tag                AES_E((S xor N) with the top bit of byte 15 cleared)
 *   ciphertext         P xor AES-CTR_E(tag with the top bit of byte 15 set; the first
 *                      32 bits count up, little-endian)
 */
import crypto from 'node:crypto';
import { polyval } from '@noble/ciphers/_polyval.js';
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, bytesEqual, type Aead } from './protocol/index.js';

function ecb(key: Uint8Array): crypto.Cipher {
  const c = crypto.createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return c;
}

function deriveKeys(key: Uint8Array, nonce: Uint8Array): { authKey: Uint8Array; encKey: Uint8Array } {
  const blocks = Buffer.alloc(6 * 16);
  for (let i = 0; i < 6; i++) {
    blocks.writeUInt32LE(i, 16 * i);
    blocks.set(nonce, 16 * i + 4);
  }
  const d = ecb(key).update(blocks);
  const authKey = new Uint8Array(16);
  const encKey = new Uint8Array(32);
  for (let i = 0; i < 2; i++) authKey.set(d.subarray(16 * i, 16 * i + 8), 8 * i);
  for (let i = 0; i < 4; i++) encKey.set(d.subarray(16 * (i + 2), 16 * (i + 2) + 8), 8 * i);
  return { authKey, encKey };
}

function computeTag(
  aes: crypto.Cipher,
  authKey: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const lengths = Buffer.alloc(16);
  lengths.writeBigUInt64LE(BigInt(plaintext.length) * 8n, 8);
  const h = polyval.create(authKey);
  h.update(plaintext);
  h.update(lengths);
  const s = h.digest();
  for (let i = 0; i < AEAD_NONCE_SIZE; i++) s[i] ^= nonce[i];
  s[15] &= 0x7f;
  return aes.update(s);
}

function ctr(aes: crypto.Cipher, tag: Uint8Array, input: Uint8Array): Uint8Array {
  const n = Math.ceil(input.length / 16);
  const counters = Buffer.alloc(n * 16);
  const first = Buffer.from(tag);
  first[15] |= 0x80;
  const c0 = first.readUInt32LE(0);
  for (let i = 0; i < n; i++) {
    counters.set(first, 16 * i);
    counters.writeUInt32LE((c0 + i) >>> 0, 16 * i);
  }
  const ks = aes.update(counters);
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i] ^ ks[i];
  return out;
}

export const nodeAead: Aead = {
  seal(key, nonce, plaintext) {
    if (nonce.length !== AEAD_NONCE_SIZE) throw new RangeError('nonce must be 12 bytes');
    const { authKey, encKey } = deriveKeys(key, nonce);
    const aes = ecb(encKey);
    const tag = computeTag(aes, authKey, nonce, plaintext);
    const out = new Uint8Array(plaintext.length + AEAD_TAG_SIZE);
    out.set(ctr(aes, tag, plaintext), 0);
    out.set(tag, plaintext.length);
    return out;
  },
  open(key, nonce, ciphertext) {
    if (ciphertext.length < AEAD_TAG_SIZE || nonce.length !== AEAD_NONCE_SIZE) return null;
    const tag = ciphertext.subarray(ciphertext.length - AEAD_TAG_SIZE);
    const { authKey, encKey } = deriveKeys(key, nonce);
    const aes = ecb(encKey);
    const plaintext = ctr(aes, tag, ciphertext.subarray(0, ciphertext.length - AEAD_TAG_SIZE));
    return bytesEqual(computeTag(aes, authKey, nonce, plaintext), tag) ? plaintext : null;
  },
};
