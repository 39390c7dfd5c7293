/**
 * BLAKE2b: RFC 7693 appendix A ("abc", BLAKE2b-512) and the reference implementation's
 * known-answer tests (512 cases: inputs 00..n-1 for n in 0..255, unkeyed and keyed with 00..3f,
 * 64-byte digests) against the wasm BLAKE2b (the node and web backends' Lioness hash), noble
 * (the pure backend's) and libsodium. The backends expose only the 32-byte keyed digest Sphinx
 * uses, which no published file lists; they are held to noble and libsodium on the KAT inputs
 * and on random ones, including Lioness's 2016-byte halves.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { blake2b256Keyed, blake2bKeyed } from '../../src/crypto/blake2b.js';
import {
  backends,
  Blake2bFile,
  Blake2KatFile,
  fromHex,
  loadUpstream,
  loadVectors,
  toHex,
  upstreamMissing,
} from './vectors.js';

const rfc = loadVectors('blake2b-rfc7693.json', Blake2bFile).vectors;
// The reference KAT file (upstream, unchanged: see loadUpstream), its BLAKE2b entries.
const katFile = loadUpstream('blake2-kat.json', Blake2KatFile);
const kat = (katFile ?? [])
  .filter((e) => e.hash === 'blake2b')
  .map((e) => ({ key: e.key, input: e.in, outLength: e.out.length / 2, hash: e.out }));

function libsodium(key: Uint8Array, input: Uint8Array, outLength: number): string {
  const out = new Uint8Array(outLength);
  sodium.crypto_generichash(out, input, key.length > 0 ? key : undefined);
  return toHex(out);
}

function noble(key: Uint8Array, input: Uint8Array, outLength: number): string {
  return toHex(blake2b(input, { key: key.length > 0 ? key : undefined, dkLen: outLength }));
}

describe('BLAKE2b published vectors', () => {
  it.skipIf(!katFile)(
    katFile
      ? 'the KAT file is the full reference set: 256 unkeyed and 256 keyed cases'
      : upstreamMissing('blake2-kat.json'),
    () => {
      expect(kat).toHaveLength(512);
      const keyed = kat.filter((v) => v.key !== '');
      expect(keyed).toHaveLength(256);
      const key = Array.from({ length: 64 }, (_, i) => i);
      for (const [n, v] of keyed.entries()) {
        expect(v.key).toBe(toHex(Uint8Array.from(key)));
        expect(v.input).toBe(toHex(Uint8Array.from({ length: n }, (_, i) => i)));
        expect(v.outLength).toBe(64);
      }
    },
  );

  const implementations: [string, (key: Uint8Array, input: Uint8Array, n: number) => string][] = [
    ['wasm (node and web backends)', (k, m, n) => toHex(blake2bKeyed(k, m, n))],
    ['noble (pure backend)', noble],
    ['libsodium', libsodium],
  ];
  for (const [name, hash] of implementations) {
    it(`${name}: RFC 7693 appendix A, BLAKE2b-512("abc")`, () => {
      expect(rfc).toHaveLength(1);
      for (const v of rfc) expect(hash(fromHex(v.key), fromHex(v.input), v.outLength)).toBe(v.hash);
    });

    it.skipIf(!katFile)(`${name}: every reference KAT case`, () => {
      const failures: string[] = [];
      for (const v of kat) {
        const got = hash(fromHex(v.key), fromHex(v.input), v.outLength);
        if (got !== v.hash)
          failures.push(`key ${v.key ? 'set' : 'none'}, ${v.input.length / 2} bytes: ${got}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('the wasm BLAKE2b rejects a digest length outside 1..64 and a key over 64 bytes (RangeError)', () => {
    const m = new Uint8Array(3);
    for (const bad of [0, 65, 1.5, -1])
      expect(() => blake2bKeyed(new Uint8Array(0), m, bad)).toThrow(RangeError);
    expect(() => blake2bKeyed(new Uint8Array(65), m, 32)).toThrow(RangeError);
  });
});

describe('keyed BLAKE2b-256 of every backend (the Sphinx / Lioness digest)', () => {
  it('agrees with libsodium on every KAT input and key (00..n-1, key 00..3f), at 32 bytes', () => {
    const katKey = Uint8Array.from({ length: 64 }, (_, i) => i);
    for (let n = 0; n < 256; n++) {
      const [key, input] = [katKey, Uint8Array.from({ length: n }, (_, i) => i)];
      const want = libsodium(key, input, 32);
      for (const backend of backends) {
        if (key.length === 0) continue; // the backend interface is keyed only (1..64-byte keys)
        expect(toHex(backend.blake2b256Keyed(key, input)), `${backend.name}, ${input.length} bytes`).toBe(
          want,
        );
      }
      expect(toHex(blake2b256Keyed(key, input))).toBe(want);
    }
  });

  it('agrees with noble and libsodium on random keys and inputs, Lioness sizes included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 2016, maxLength: 2016 })),
        (key, data) => {
          const want = noble(key, data, 32);
          if (key.length >= 16) expect(libsodium(key, data, 32)).toBe(want); // libsodium: 16..64-byte keys
          for (const backend of backends) expect(toHex(backend.blake2b256Keyed(key, data))).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
