/**
 * The per-packet primitives of Nym's message layer on their fast paths, against the
 * reference implementations they replace:
 *   BLAKE3, HMAC-BLAKE3 and HKDF-BLAKE3 (src/crypto/blake3.ts) against @noble/hashes, at
 *   every length around the one-chunk fast path (and past it, where noble takes over);
 *   `aes128CtrXor` of every backend (node: OpenSSL in one call; pure and web: noble) against
 *   OpenSSL's AES-128-CTR, with IVs whose counter carries across 32- and 64-bit words;
 *   nymsphinx's `aesCtr64Be` against a counter-block construction of `ctr::Ctr64BE`, its low
 *   half wrapping included.
 * Bad input: an HKDF output length out of range is a RangeError.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { ecb } from '@noble/ciphers/aes.js';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { describe, expect, it } from 'vitest';
import { blake3, hkdfBlake3, hmacBlake3 } from '../../src/crypto/blake3.js';
import { pureBackend, webBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { aesCtr64Be, aesCtrZeroIv, packetKeyFromSharedSecret } from '../../src/nymsphinx/crypto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe('BLAKE3 on the one-chunk fast path', () => {
  it('equals @noble/hashes for every input length 0..1100', () => {
    for (let n = 0; n <= 1100; n++) {
      const d = rnd(n);
      expect(hex(blake3(d)), `length ${n}`).toBe(hex(nobleBlake3(d)));
    }
  });

  it('HMAC-BLAKE3 equals noble for short, block-sized and long keys and data', () => {
    for (const kl of [0, 1, 16, 32, 63, 64, 65, 200])
      for (const dl of [0, 1, 32, 63, 64, 65, 959, 960, 961, 3000]) {
        const k = rnd(kl);
        const d = rnd(dl);
        expect(hex(hmacBlake3(k, d)), `key ${kl}, data ${dl}`).toBe(hex(nobleHmac(nobleBlake3, k, d)));
      }
  });

  it('HKDF-BLAKE3 equals noble with and without salt and info, to several blocks', () => {
    for (const length of [0, 1, 16, 32, 33, 100, 1000])
      for (const salt of [undefined, rnd(0), rnd(32), rnd(80)])
        for (const info of [undefined, rnd(0), rnd(7), rnd(1000)]) {
          const ikm = rnd(32);
          expect(hex(hkdfBlake3(ikm, salt, info, length))).toBe(
            hex(nobleHkdf(nobleBlake3, ikm, salt, info, length)),
          );
        }
  });

  it("is Nym's packet key derivation (HKDF-BLAKE3, no salt, no info, 16 bytes)", () => {
    for (let i = 0; i < 50; i++) {
      const shared = rnd(32);
      expect(hex(packetKeyFromSharedSecret(shared))).toBe(
        hex(nobleHkdf(nobleBlake3, shared, undefined, undefined, 16)),
      );
    }
  });

  it('rejects an HKDF output length out of range with a RangeError', () => {
    expect(() => hkdfBlake3(rnd(32), undefined, undefined, -1)).toThrow(RangeError);
    expect(() => hkdfBlake3(rnd(32), undefined, undefined, 255 * 32 + 1)).toThrow(RangeError);
    expect(() => hkdfBlake3(rnd(32), undefined, undefined, 1.5)).toThrow(RangeError);
  });
});

/** OpenSSL's AES-128-CTR: a 128-bit big-endian counter from the IV. */
const opensslCtr = (key: Uint8Array, iv: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createCipheriv('aes-128-ctr', key, iv).update(data));

/** An IV whose counter is `below` blocks short of carrying out of its low `bits` bits. */
function ivNearCarry(bits: 32 | 64, below: number): Uint8Array {
  const iv = rnd(16);
  const v = new DataView(iv.buffer);
  if (bits === 32) v.setUint32(12, 2 ** 32 - below);
  else v.setBigUint64(8, 2n ** 64n - BigInt(below));
  return iv;
}

describe('aes128CtrXor', () => {
  const backends = [nodeBackend, pureBackend, webBackend];
  it.each(backends.map((b) => [b.name, b] as const))(
    '%s backend equals OpenSSL AES-128-CTR, counter carries included',
    (_name, b) => {
      for (const n of [0, 1, 5, 15, 16, 17, 1611, 32 * 1024]) {
        for (const iv of [new Uint8Array(16), rnd(16), ivNearCarry(32, 2), ivNearCarry(64, 1)]) {
          const key = rnd(16);
          const data = rnd(n);
          const before = hex(data);
          expect(hex(b.aes128CtrXor(key, iv, data)), `${n} bytes`).toBe(hex(opensslCtr(key, iv, data)));
          expect(hex(data)).toBe(before); // the input is left alone
        }
      }
    },
  );

  it('with a zero IV is the old keystream-and-XOR (payloads, replies, cover)', () => {
    const key = rnd(16);
    const data = rnd(3000);
    const ks = nodeBackend.aes128CtrKeystream(key, data.length);
    expect(hex(aesCtrZeroIv(nodeBackend, key, data))).toBe(hex(ks.map((k, i) => k ^ data[i])));
  });
});

/** `ctr::Ctr64BE<Aes128>` built block by block: the low 64 bits count and wrap alone. */
function ctr64BeReference(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const v = new DataView(counters.buffer);
  const low = new DataView(iv.buffer, iv.byteOffset).getBigUint64(8);
  for (let i = 0; i < blocks; i++) {
    counters.set(iv.subarray(0, 8), i * 16);
    v.setBigUint64(i * 16 + 8, (low + BigInt(i)) % 2n ** 64n);
  }
  const ks = ecb(key, { disablePadding: true }).encrypt(counters);
  return data.map((d, i) => d ^ ks[i]);
}

describe("aesCtr64Be (Nym's ack cipher)", () => {
  it('equals Ctr64BE for the 5-byte ack ids and for longer data, wrapping low half included', () => {
    for (const n of [5, 16, 40, 100])
      for (const iv of [rnd(16), ivNearCarry(64, 1), ivNearCarry(64, 3), ivNearCarry(32, 1)])
        for (const b of [nodeBackend, pureBackend]) {
          const key = rnd(16);
          const data = rnd(n);
          expect(hex(aesCtr64Be(key, iv, data, b)), `${n} bytes`).toBe(hex(ctr64BeReference(key, iv, data)));
        }
  });

  it('differs from a 128-bit counter exactly when the low half wraps (the case kept in JS)', () => {
    const key = rnd(16);
    const iv = ivNearCarry(64, 1);
    const data = rnd(48);
    expect(hex(aesCtr64Be(key, iv, data))).not.toBe(hex(opensslCtr(key, iv, data)));
  });
});
