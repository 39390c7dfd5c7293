/**
 * ChaCha20 vectors against the project's original-ChaCha20 implementations (64-bit nonce, 64-bit
 * counter; Sphinx's Lioness uses it with a zero nonce and counter 0):
 *
 * - RFC 8439 section 2.3.2, 2.4.2 and appendix A.1 / A.2 (96-bit nonce n, 32-bit counter c):
 *   the same blocks as the original cipher with nonce n[4..12] and counter c + 2^32 * le32(n[0..4]),
 *   since both put state words 12..15 in the same places;
 * - draft-strombergson-chacha-test-vectors-01 TC1-TC8 (256-bit keys, 20 rounds), which are the
 *   original cipher with 8-byte IVs.
 *
 * The wasm cipher (the web backend's) takes a nonce and counter and runs all of them; libsodium
 * (the node backend's) and noble (the pure backend's) check the files. Through the backend
 * interface itself (zero nonce, counter from 0) every backend runs the vectors with a zero
 * original nonce, reading block c at offset 64c of the stream.
 */
import { chacha20, chacha20orig } from '@noble/ciphers/chacha.js';
import sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { chacha20OrigXorInPlaceWasm, chacha20XorInPlaceWasm } from '../../src/crypto/chacha20-wasm.js';
import { backends, fromHex, loadVectors, Rfc8439File, StrombergsonFile, toHex } from './vectors.js';

interface OriginalCase {
  name: string;
  key: Uint8Array;
  nonce: Uint8Array; // 8 bytes
  counter: bigint; // 64-bit
  input: Uint8Array;
  output: string;
}

const rfc = loadVectors('chacha20-rfc8439.json', Rfc8439File);
const strombergson = loadVectors('chacha20-original-strombergson.json', StrombergsonFile).vectors;
type RfcVector = Pick<(typeof rfc.block)[number], 'name' | 'key' | 'nonce' | 'counter'>;

/** An RFC 8439 (96-bit nonce, 32-bit counter) case as the original cipher computes it. */
function fromRfc(v: RfcVector, input: string, output: string): OriginalCase & { ietfNonce: Uint8Array } {
  const nonce = fromHex(v.nonce);
  const high = BigInt(new DataView(nonce.buffer).getUint32(0, true));
  return {
    name: `RFC 8439 ${v.name}`,
    key: fromHex(v.key),
    nonce: nonce.slice(4),
    counter: BigInt(v.counter) + (high << 32n),
    input: fromHex(input),
    output,
    ietfNonce: nonce,
  };
}

const rfcCases = [
  ...rfc.block.map((v) => fromRfc(v, '00'.repeat(64), v.keystream)),
  ...rfc.encryption.map((v) => fromRfc(v, v.plaintext, v.ciphertext)),
];
const draftCases: OriginalCase[] = strombergson.map((v) => ({
  name: `draft-strombergson ${v.name}`,
  key: fromHex(v.key),
  nonce: fromHex(v.iv),
  counter: 0n,
  input: new Uint8Array(v.keystream.length / 2),
  output: v.keystream,
}));
const allCases: OriginalCase[] = [...rfcCases, ...draftCases];

function xorWith(f: (data: Uint8Array) => void, input: Uint8Array): string {
  const data = input.slice();
  f(data);
  return toHex(data);
}

describe('ChaCha20 vector files', () => {
  it('hold RFC 8439 2.3.2, A.1 #1-#5, 2.4.2, A.2 #1-#3 and the draft TC1-TC8 (256-bit key, 20 rounds)', () => {
    expect(rfc.block.map((v) => v.name)).toEqual([
      'section 2.3.2',
      'A.1 #1',
      'A.1 #2',
      'A.1 #3',
      'A.1 #4',
      'A.1 #5',
    ]);
    expect(rfc.encryption.map((v) => v.name)).toEqual(['section 2.4.2', 'A.2 #1', 'A.2 #2', 'A.2 #3']);
    expect(strombergson.map((v) => v.name)).toEqual(['TC1', 'TC2', 'TC3', 'TC4', 'TC5', 'TC6', 'TC7', 'TC8']);
    expect(
      strombergson.every((v) => v.rounds === 20 && v.key.length === 64 && v.keystream.length === 256),
    ).toBe(true);
    // section 2.3.2 has a non-zero first nonce word: the original counter's high half
    expect(rfcCases[0].counter).toBe(0x0900000000000001n);
  });

  it('libsodium agrees with the RFC 8439 vectors in their own form (96-bit nonce, 32-bit counter)', () => {
    for (const c of rfcCases) {
      const got = xorWith(
        (d) =>
          sodium.crypto_stream_chacha20_ietf_xor_ic(
            d,
            d,
            c.ietfNonce,
            Number(c.counter & 0xffffffffn),
            c.key,
          ),
        c.input,
      );
      expect(got, c.name).toBe(c.output);
    }
  });

  it('noble agrees with the RFC 8439 vectors in their own form', () => {
    for (const c of rfcCases) {
      const got = toHex(chacha20(c.key, c.ietfNonce, c.input, undefined, Number(c.counter & 0xffffffffn)));
      expect(got, c.name).toBe(c.output);
    }
  });

  it('libsodium and noble original ChaCha20 agree with every case the mapping and the draft give', () => {
    for (const c of allCases) {
      // both take the counter as a JS number: the 2^59 counter of section 2.3.2 is past noble's 2^32
      if (c.counter < 2n ** 32n) {
        const got = toHex(chacha20orig(c.key, c.nonce, c.input, undefined, Number(c.counter)));
        expect(got, `noble ${c.name}`).toBe(c.output);
      }
      if (c.counter <= BigInt(Number.MAX_SAFE_INTEGER)) {
        const got = xorWith(
          (d) => sodium.crypto_stream_chacha20_xor_ic(d, d, c.nonce, Number(c.counter), c.key),
          c.input,
        );
        expect(got, `libsodium ${c.name}`).toBe(c.output);
      }
    }
  });
});

describe('wasm original ChaCha20 (the web backend Lioness cipher)', () => {
  it('reproduces every RFC 8439 and draft-strombergson case', () => {
    const failures: string[] = [];
    for (const c of allCases) {
      const got = xorWith((d) => chacha20OrigXorInPlaceWasm(c.key, c.nonce, c.counter, d), c.input);
      if (got !== c.output) failures.push(`${c.name}: ${got}`);
    }
    expect(failures).toEqual([]);
  });

  it('is its own inverse on the encryption vectors', () => {
    for (const c of rfcCases) {
      const data = fromHex(c.output);
      chacha20OrigXorInPlaceWasm(c.key, c.nonce, c.counter, data);
      expect(toHex(data), c.name).toBe(toHex(c.input));
    }
  });

  it('carries the block counter from its low word into its high word as a 64-bit counter', () => {
    const key = fromHex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');
    const nonce = fromHex('0102030405060708');
    const data = new Uint8Array(64 * 4);
    chacha20OrigXorInPlaceWasm(key, nonce, 0xfffffffen, data);
    const want = new Uint8Array(64 * 4);
    sodium.crypto_stream_chacha20_xor_ic(want, want, nonce, 0xfffffffe, key);
    expect(toHex(data)).toBe(toHex(want));
  });

  it('rejects a bad key, nonce or counter with a RangeError', () => {
    const [key, nonce, data] = [new Uint8Array(32), new Uint8Array(8), new Uint8Array(4)];
    expect(() => chacha20OrigXorInPlaceWasm(new Uint8Array(31), nonce, 0n, data)).toThrow(RangeError);
    expect(() => chacha20OrigXorInPlaceWasm(key, new Uint8Array(12), 0n, data)).toThrow(RangeError);
    expect(() => chacha20OrigXorInPlaceWasm(key, nonce, -1n, data)).toThrow(RangeError);
    expect(() => chacha20OrigXorInPlaceWasm(key, nonce, 1n << 64n, data)).toThrow(RangeError);
    expect(() => chacha20OrigXorInPlaceWasm(key, nonce, 0 as unknown as bigint, data)).toThrow(RangeError);
    expect(() => chacha20XorInPlaceWasm(new Uint8Array(33), data)).toThrow(RangeError);
  });

  it('the zero-nonce entry point resets the counter and nonce a previous call left in wasm memory', () => {
    const c = draftCases.find((x) => x.name.endsWith('TC8'))!;
    chacha20OrigXorInPlaceWasm(c.key, c.nonce, 12345n, new Uint8Array(64));
    const tc1 = draftCases[0];
    expect(xorWith((d) => chacha20XorInPlaceWasm(tc1.key, d), tc1.input)).toBe(tc1.output);
  });
});

describe('every backend through its own interface (zero nonce, counter from 0)', () => {
  // the cases with an all-zero original nonce and a small counter: block c is at offset 64c
  const zeroNonce = allCases.filter((c) => c.nonce.every((b) => b === 0) && c.counter < 64n);

  it('covers RFC 8439 A.1 #1-#4, A.2 #1 and draft TC1, TC2', () => {
    expect(zeroNonce.map((c) => c.name)).toEqual([
      'RFC 8439 A.1 #1',
      'RFC 8439 A.1 #2',
      'RFC 8439 A.1 #3',
      'RFC 8439 A.1 #4',
      'RFC 8439 A.2 #1',
      'draft-strombergson TC1',
      'draft-strombergson TC2',
    ]);
  });

  for (const backend of backends) {
    it(`${backend.name} backend reproduces each of them`, () => {
      for (const c of zeroNonce) {
        const skip = Number(c.counter) * 64;
        const data = new Uint8Array(skip + c.input.length);
        data.set(c.input, skip);
        backend.chacha20XorInPlace(c.key, data);
        expect(toHex(data.subarray(skip)), c.name).toBe(c.output);
      }
    });
  }
});
