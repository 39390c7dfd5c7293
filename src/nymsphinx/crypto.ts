/**
 * The primitives Nym composes for its message layer (params/src/lib.rs, crypto/src):
 *
 *   packet key   = HKDF-BLAKE3(salt = none, ikm = X25519(e, B), info = none)[0..16]
 *                  (crypto/src/shared_key.rs over hkdf.rs `extract_then_expand`; HMAC is
 *                  `SimpleHmac<blake3::Hasher>`, block 64, and "no salt" is 32 zero bytes)
 *   key digest   = BLAKE3(reply key)   (32 bytes)
 *   AES-128-CTR  = ctr::Ctr64BE<Aes128>: the IV's last 8 bytes are a big-endian block counter
 *
 * Ctr64BE equals the backend's 128-bit big-endian counter mode whenever the low 64 bits of
 * the IV do not wrap within the data: always with a zero IV (payloads, replies, cover), and
 * for an ack's 5 bytes (one block) whatever its random IV. Those go to the backend in one
 * call (node:crypto's AES on Node, ~6x faster than a keystream and a JS XOR at 32 KB); only a
 * wrapping counter builds its blocks here. The BLAKE3 KDF and digest are ../crypto/blake3.ts
 * (about 4x faster per packet than @noble's generic hasher, same bytes).
 */
import { ecb } from '@noble/ciphers/aes.js';
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { blake3, hkdfBlake3 } from '../crypto/blake3.js';
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
  return hkdfBlake3(sharedSecret, undefined, undefined, AES_KEY_LEN);
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

const ZERO_IV = new Uint8Array(16);

/** AES-128-CTR with a zero IV, XORed over `data` into a fresh array. */
export function aesCtrZeroIv(backend: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBytes('AES key', key, AES_KEY_LEN);
  return backend.aes128CtrXor(key, ZERO_IV, data);
}

const U64_MAX = 0xffffffffffffffffn;

/** AES-128-CTR as `ctr::Ctr64BE` from an arbitrary 16-byte IV (the low 64 bits wrap). */
export function aesCtr64Be(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  backend: CryptoBackend = defaultBackend,
): Uint8Array {
  checkBytes('AES key', key, AES_KEY_LEN);
  checkBytes('IV', iv, 16);
  const blocks = Math.ceil(data.length / 16);
  const low = new DataView(iv.buffer, iv.byteOffset + 8, 8).getBigUint64(0);
  // no wrap of the low half: the same as a 128-bit counter
  if (blocks <= 1 || low + BigInt(blocks - 1) <= U64_MAX) return backend.aes128CtrXor(key, iv, data);
  const counters = new Uint8Array(blocks * 16);
  const dv = new DataView(counters.buffer);
  for (let b = 0; b < blocks; b++) {
    counters.set(iv.subarray(0, 8), b * 16);
    dv.setBigUint64(b * 16 + 8, (low + BigInt(b)) & U64_MAX);
  }
  const ks = ecb(key, { disablePadding: true }).encrypt(counters);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ ks[i];
  return out;
}
