/**
 * RFC 4231 HMAC-SHA256 (test cases 1-7) and RFC 5869 HKDF-SHA256 (appendix A.1-A.3) against
 * every backend: the node and web backends run the wasm SHA-256 of src/crypto/sha256.ts, the
 * pure backend @noble/hashes. node:crypto checks the files themselves.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hkdfSha256, hmacSha256 } from '../../src/crypto/sha256.js';
import { backends, fromHex, HkdfFile, HmacFile, loadVectors, toHex } from './vectors.js';

const hmac = loadVectors('hmac-sha256-rfc4231.json', HmacFile).vectors;
const hkdf = loadVectors('hkdf-sha256-rfc5869.json', HkdfFile).vectors;
type HmacVector = (typeof hmac)[number];

/** The tag as the RFC prints it: test case 5 keeps only its first 16 bytes. */
const published = (tag: Uint8Array, v: HmacVector) => toHex(tag.subarray(0, v.truncateTo ?? 32));

describe('RFC 4231 HMAC-SHA256', () => {
  it('has test cases 1-7, case 5 truncated to 128 bits, and node:crypto agrees with every one', () => {
    expect(hmac.map((v) => v.name)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `Test Case ${i}`));
    expect(hmac.filter((v) => v.truncateTo !== undefined).map((v) => [v.name, v.truncateTo])).toEqual([
      ['Test Case 5', 16],
    ]);
    for (const v of hmac) {
      const tag = createHmac('sha256', fromHex(v.key)).update(fromHex(v.data)).digest();
      expect(published(tag, v), v.name).toBe(v.hmacSha256);
    }
  });

  for (const backend of backends) {
    it(`${backend.name} backend reproduces every tag`, () => {
      for (const v of hmac) {
        const tag = backend.hmacSha256(fromHex(v.key), fromHex(v.data));
        expect(tag, v.name).toHaveLength(32);
        expect(published(tag, v), v.name).toBe(v.hmacSha256);
      }
    });
  }

  it('the wasm HMAC gives the same tag on repeated calls and on subarray inputs', () => {
    for (const v of hmac) {
      const key = fromHex(v.key);
      const data = fromHex(v.data);
      const padded = new Uint8Array(data.length + 7);
      padded.set(data, 3);
      expect(published(hmacSha256(key, data), v)).toBe(v.hmacSha256);
      expect(published(hmacSha256(key, padded.subarray(3, 3 + data.length)), v)).toBe(v.hmacSha256);
    }
  });
});

describe('RFC 5869 HKDF-SHA256', () => {
  it('has test cases 1-3 and node:crypto agrees with every one', () => {
    expect(hkdf.map((v) => v.name)).toEqual(['A.1 Test Case 1', 'A.2 Test Case 2', 'A.3 Test Case 3']);
    for (const v of hkdf) {
      const okm = hkdfSync('sha256', fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length);
      expect(toHex(new Uint8Array(okm)), v.name).toBe(v.okm);
    }
  });

  for (const backend of backends) {
    it(`${backend.name} backend reproduces every OKM, and its HMAC the PRK`, () => {
      for (const v of hkdf) {
        const [ikm, salt, info] = [fromHex(v.ikm), fromHex(v.salt), fromHex(v.info)];
        // three times: the wasm HKDF caches a salt's HMAC key state from its second sighting on
        // (by content, then by array identity), and each path must give the same bytes
        for (let round = 0; round < 3; round++) {
          const s = round === 0 ? Uint8Array.from(salt) : salt;
          expect(toHex(backend.hkdfSha256(ikm, s, info, v.length)), `${v.name} round ${round}`).toBe(v.okm);
        }
        // an empty salt is HashLen zero bytes (RFC 5869 section 2.2)
        const extractKey = salt.length === 0 ? new Uint8Array(32) : salt;
        expect(toHex(backend.hmacSha256(extractKey, ikm)), v.name).toBe(v.prk);
        if (salt.length === 0) {
          expect(toHex(backend.hkdfSha256(ikm, new Uint8Array(32), info, v.length))).toBe(v.okm);
        }
        // every shorter output is a prefix of the published OKM
        for (const len of [1, 31, 32, 33]) {
          expect(toHex(backend.hkdfSha256(ikm, salt, info, len)), `${v.name} L=${len}`).toBe(
            v.okm.slice(0, 2 * len),
          );
        }
      }
    });
  }

  it('the wasm HKDF rejects an output length above 255 * 32 with a RangeError', () => {
    const v = hkdf[0];
    expect(() => hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), 255 * 32 + 1)).toThrow(
      RangeError,
    );
    expect(hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), 255 * 32)).toHaveLength(8160);
  });
});
