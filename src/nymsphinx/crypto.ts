/**
 * The primitives Nym composes for its message layer (params/src/lib.rs, crypto/src):
 *
 *   packet key   = HKDF-BLAKE3(salt = none, ikm = X25519(e, B), info = none)[0..16]
 *                  (crypto/src/shared_key.rs over hkdf.rs `extract_then_expand`; HMAC is
 *                  `SimpleHmac<blake3::Hasher>`, block 64, and "no salt" is 32 zero bytes)
 *   key digest   = BLAKE3(reply key)   (32 bytes)
 *   AES-128-CTR  = ctr::Ctr64BE<Aes128>: the IV's last 8 bytes are a big-endian block counter
 *
 * With a zero IV (payloads, replies, cover) Ctr64BE equals the backend's 128-bit counter
 * keystream for any length below 2^64 blocks, so those use the (native) backend; acks, with a
 * random IV, build their counter blocks here.
 */
import { ecb } from '@noble/ciphers/aes.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import type { CryptoBackend } from '../crypto/index.js';
import { InvalidArgumentError, SmallOrderKeyError } from './errors.js';
import { AES_KEY_LEN, X25519_KEY_LEN } from './params.js';

export type RandomBytes = (n: number) => Uint8Array;

export function checkBytes(what: string, v: unknown, length?: number): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array`);
  if (length !== undefined && v.length !== length)
    throw new InvalidArgumentError(`${what} has ${v.length} bytes, expected ${length}`);
}

export function randomBytes(random: RandomBytes, n: number, what = 'random output'): Uint8Array {
  if (typeof random !== 'function') throw new InvalidArgumentError('random must be a function');
  const r = random(n);
  checkBytes(what, r, n);
  return r;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Nym's per-packet key from an X25519 result (PacketHkdfAlgorithm = blake3). */
export function packetKeyFromSharedSecret(sharedSecret: Uint8Array): Uint8Array {
  return hkdf(blake3, sharedSecret, undefined, undefined, AES_KEY_LEN);
}

/** X25519 then the KDF; a small-order peer key is `SmallOrderKeyError`. */
export function packetKey(backend: CryptoBackend, secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  checkBytes('x25519 public key', peerPublic, X25519_KEY_LEN);
  const shared = backend.x25519(secret, peerPublic);
  if (!shared) throw new SmallOrderKeyError();
  return packetKeyFromSharedSecret(shared);
}

/** ReplySurbKeyDigestAlgorithm: BLAKE3 of the 16-byte reply key. */
export function replyKeyDigest(key: Uint8Array): Uint8Array {
  checkBytes('reply key', key, AES_KEY_LEN);
  return blake3(key);
}

/** AES-128-CTR with a zero IV, XORed over `data` into a fresh array. */
export function aesCtrZeroIv(backend: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBytes('AES key', key, AES_KEY_LEN);
  const ks = backend.aes128CtrKeystream(key, data.length);
  for (let i = 0; i < data.length; i++) ks[i] ^= data[i];
  return ks;
}

/** AES-128-CTR as `ctr::Ctr64BE` from an arbitrary 16-byte IV (the low 64 bits wrap). */
export function aesCtr64Be(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkBytes('AES key', key, AES_KEY_LEN);
  checkBytes('IV', iv, 16);
  const blocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const dv = new DataView(counters.buffer);
  const low = new DataView(iv.buffer, iv.byteOffset + 8, 8).getBigUint64(0);
  for (let b = 0; b < blocks; b++) {
    counters.set(iv.subarray(0, 8), b * 16);
    dv.setBigUint64(b * 16 + 8, (low + BigInt(b)) & 0xffffffffffffffffn);
  }
  const ks = ecb(key, { disablePadding: true }).encrypt(counters);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ ks[i];
  return out;
}
