import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake2b } from '@noble/hashes/blake2.js';
import sodium from 'sodium-native';
import { blake2b256Keyed } from '../../src/crypto/blake2b.js';
import { blake2bModuleBytes } from '../../src/crypto/blake2b-wasm.js';
import { chacha20XorInPlaceWasm, chachaModuleBytes } from '../../src/crypto/chacha20-wasm.js';
import { sha256ModuleBytes } from '../../src/crypto/sha256-wasm.js';
import { i32, sleb, uleb } from '../../src/crypto/wasm-emit.js';
import { x25519ModuleBytes } from '../../src/crypto/x25519-wasm.js';
import { hkdfSha256, hmacSha256, sha256 } from '../../src/crypto/sha256.js';
import { nodeBackend, pureBackend, toHex } from './helpers.js';

describe("wasm SHA-256 / HMAC / HKDF (the node backend's HKDF and HMAC)", () => {
  it('matches node:crypto on every length around the block boundaries', () => {
    for (let n = 0; n < 300; n++) {
      const m = randomBytes(n);
      expect(toHex(sha256(m))).toBe(createHash('sha256').update(m).digest('hex'));
      const k = randomBytes(n % 100);
      expect(toHex(hmacSha256(k, m))).toBe(createHmac('sha256', k).update(m).digest('hex'));
    }
  });

  it('HKDF matches node:crypto and the pure backend for random inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 90 }),
        fc.uint8Array({ maxLength: 130 }),
        fc.integer({ min: 1, max: 400 }),
        (ikm, salt, info, len) => {
          const want = toHex(new Uint8Array(hkdfSync('sha256', ikm, salt, info, len)));
          expect(toHex(hkdfSha256(ikm, salt, info, len))).toBe(want);
          expect(toHex(nodeBackend.hkdfSha256(ikm, salt, info, len))).toBe(want);
          expect(toHex(pureBackend.hkdfSha256(ikm, salt, info, len))).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles inputs longer than its wasm message buffer (chunked paths)', () => {
    for (const n of [54_000, 65_536, 200_001]) {
      const m = randomBytes(n);
      expect(toHex(sha256(m))).toBe(createHash('sha256').update(m).digest('hex'));
      const k = randomBytes(100); // longer than a block: hashed first
      expect(toHex(hmacSha256(k, m))).toBe(createHmac('sha256', k).update(m).digest('hex'));
      // info this long does not fit `T(i-1) || info || i` in place (node:crypto caps info at
      // 1024 bytes, so noble is the reference here)
      const want = toHex(pureBackend.hkdfSha256(m.subarray(0, 40), k, m, 100));
      expect(toHex(hkdfSha256(m.subarray(0, 40), k, m, 100))).toBe(want);
    }
  });

  it('keeps giving right answers after its salt cache is full', () => {
    const ikm = randomBytes(32);
    const info = randomBytes(20);
    for (let i = 0; i < 60; i++) {
      const salt = randomBytes(i % 70);
      const want = toHex(new Uint8Array(hkdfSync('sha256', ikm, salt, info, 80)));
      expect(toHex(hkdfSha256(ikm, salt, info, 80))).toBe(want);
      // the same salt again, from the cache (by content) and by identity
      expect(toHex(hkdfSha256(ikm, Uint8Array.from(salt), info, 80))).toBe(want);
      expect(toHex(hkdfSha256(ikm, salt, info, 80))).toBe(want);
    }
  });

  it('rejects an HKDF length outside 0..8160 with a RangeError', () => {
    expect(() => hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 8161)).toThrow(
      RangeError,
    );
    expect(() => hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), -1)).toThrow(
      RangeError,
    );
    expect(() => hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 1.5)).toThrow(
      RangeError,
    );
    expect(hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 0)).toHaveLength(0);
  });
});

describe("wasm keyed BLAKE2b-256 (the node backend's Lioness hash)", () => {
  it('matches noble and libsodium on every length around block and buffer edges', () => {
    const lengths = [
      0, 1, 111, 127, 128, 129, 255, 256, 257, 2016, 65_279, 65_280, 65_281, 65_408, 65_409, 200_000,
    ];
    for (const n of lengths) {
      for (const kk of [0, 1, 32, 63, 64]) {
        const key = new Uint8Array(randomBytes(kk));
        const m = new Uint8Array(randomBytes(n));
        const want = toHex(blake2b(m, { key: kk ? key : undefined, dkLen: 32 }));
        expect(toHex(blake2b256Keyed(key, m)), `${n} bytes, ${kk}-byte key`).toBe(want);
        if (kk === 0 || kk >= 16) {
          // libsodium takes keys of 16..64 bytes
          const native = new Uint8Array(32);
          sodium.crypto_generichash(native, m, kk ? key : undefined);
          expect(toHex(native)).toBe(want);
        }
      }
    }
  });

  it('reproduces the RFC 7693 appendix-style vector for "abc" (BLAKE2b-256, unkeyed)', () => {
    // BLAKE2b-256("abc"), as published with the reference implementation's test vectors
    expect(toHex(blake2b256Keyed(new Uint8Array(0), new TextEncoder().encode('abc')))).toBe(
      'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
    );
  });

  it('rejects a key longer than 64 bytes with a RangeError', () => {
    expect(() => blake2b256Keyed(new Uint8Array(65), new Uint8Array(1))).toThrow(RangeError);
  });
});

describe('wasm encoder', () => {
  it('encodes LEB128 as the WebAssembly spec does (5.2.2)', () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(0n)).toEqual([0x00]);
    expect(sleb(-1n)).toEqual([0x7f]);
    expect(sleb(63n)).toEqual([0x3f]);
    expect(sleb(64n)).toEqual([0xc0, 0x00]);
    expect(sleb(-64n)).toEqual([0x40]);
    expect(sleb(-65n)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456n)).toEqual([0xc0, 0xbb, 0x78]);
    // i32.const of 0xff00ff00 is the signed value -16711936
    expect(i32(0xff00ff00)).toEqual([0x41, ...sleb(-16711936n)]);
  });

  it('emits modules that validate', () => {
    for (const bytes of [
      sha256ModuleBytes(),
      blake2bModuleBytes(),
      x25519ModuleBytes(),
      chachaModuleBytes(),
    ]) {
      expect(WebAssembly.validate(bytes)).toBe(true);
    }
  });
});

describe("wasm ChaCha20 (the web backend's Lioness stream cipher)", () => {
  it('gives the all-zero key and nonce keystream of the original ChaCha20 test vectors', () => {
    const block = new Uint8Array(64);
    chacha20XorInPlaceWasm(new Uint8Array(32), block);
    expect(toHex(block)).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
        'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
    );
  });

  it('matches libsodium and noble on lengths around block and buffer edges', () => {
    for (const n of [0, 1, 63, 64, 65, 2016, 65_471, 65_472, 65_473, 150_000]) {
      const key = new Uint8Array(randomBytes(32));
      const data = new Uint8Array(randomBytes(n));
      const native = data.slice();
      sodium.crypto_stream_chacha20_xor(native, native, new Uint8Array(8), key);
      const wasm = data.slice();
      chacha20XorInPlaceWasm(key, wasm);
      expect(toHex(wasm), `${n} bytes`).toBe(toHex(native));
      if (n <= 4096) {
        const noble = data.slice();
        pureBackend.chacha20XorInPlace(key, noble);
        expect(toHex(noble)).toBe(toHex(native));
      }
    }
  });

  it('rejects a key that is not 32 bytes with a RangeError', () => {
    expect(() => chacha20XorInPlaceWasm(new Uint8Array(16), new Uint8Array(8))).toThrow(RangeError);
  });
});
