/**
 * AES-GCM-SIV (RFC 8452) and its POLYVAL: every implementation against the RFC's vectors
 * (test/vectors/crypto/aes256-gcm-siv-rfc8452.json: appendix A, C.2 #1-#24, C.3 #1-#2) and
 * against @noble/ciphers on random inputs.
 *   node   OpenSSL's AES + the wasm POLYVAL (src/crypto/node.ts; gateways and Node clients)
 *   web    noble's AES + the wasm POLYVAL (src/crypto/web.ts; browsers)
 *   noble  noble's gcmsiv alone (src/crypto/aead.ts; pages that refuse wasm)
 * Tampered messages do not open (`open` gives null) and the protocol turns that into its
 * `DecryptionError` (code `decryption_failed`); bad key and nonce sizes throw typed errors.
 */
import { createCipheriv } from 'node:crypto';
import { gcmsiv } from '@noble/ciphers/aes.js';
import { polyval as noblePolyval } from '@noble/ciphers/_polyval.js';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  AEAD_NONCE_SIZE,
  AEAD_TAG_SIZE,
  AeadKeySizeError,
  AeadNonceSizeError,
  nobleAead,
  type GcmSivAead,
} from '../../src/crypto/aead.js';
import { defaultAead } from '../../src/crypto/index.js';
import { nodeAead } from '../../src/crypto/node.js';
import { POLYVAL_CHUNK, POLYVAL_LAYOUT, polyval, polyvalWasm } from '../../src/crypto/polyval-wasm.js';
import { webAead } from '../../src/crypto/web.js';
import { DecryptionError, decodePushedFrame, encodePushedFrame } from '../../src/gateway/protocol/index.js';
import { fromHex, GcmSivFile, loadVectors, toHex } from './vectors.js';

const file = loadVectors('aes256-gcm-siv-rfc8452.json', GcmSivFile);
const cases = [...file.vectors.map((c) => ({ ...c, aad: '' })), ...file.withAad];
const aeads: readonly GcmSivAead[] = [nodeAead, webAead, nobleAead];

/** RFC 8452 section 4's POLYVAL input: A and P zero-padded, then LE64 of each length in bits. */
function polyvalInput(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const padded = (n: number) => (n + 15) & ~15;
  const out = new Uint8Array(padded(aad.length) + padded(plaintext.length) + 16);
  out.set(aad, 0);
  out.set(plaintext, padded(aad.length));
  const lengths = new DataView(out.buffer, out.length - 16);
  lengths.setBigUint64(0, BigInt(aad.length) * 8n, true);
  lengths.setBigUint64(8, BigInt(plaintext.length) * 8n, true);
  return out;
}

const noble = (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) =>
  toHex(gcmsiv(key, nonce, aad).encrypt(plaintext));

describe('the RFC 8452 vector file', () => {
  it('holds appendix A, C.2 #1-#24 and C.3 #1-#2, every key 32 bytes', () => {
    expect(file.polyval.map((p) => p.name)).toEqual(['appendix A']);
    const names = cases.map((c) => c.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(names).toEqual([...Array.from({ length: 24 }, (_, i) => `C.2 #${i + 1}`), 'C.3 #1', 'C.3 #2']);
    expect(cases.every((c) => c.key.length === 64 && c.nonce.length === 24)).toBe(true);
    expect(file.withAad.every((c) => c.aad !== '')).toBe(true);
  });

  it("each case's tag is AES_E of its POLYVAL result xor nonce (node:crypto checks the file's keys)", () => {
    for (const c of cases) {
      const s = fromHex(c.polyvalResult);
      const nonce = fromHex(c.nonce);
      for (let i = 0; i < AEAD_NONCE_SIZE; i++) s[i] ^= nonce[i];
      s[15] &= 0x7f;
      const aes = createCipheriv('aes-256-ecb', fromHex(c.encKey), null).setAutoPadding(false);
      expect(toHex(aes.update(s)), c.name).toBe(c.result.slice(-2 * AEAD_TAG_SIZE));
    }
  });
});

describe('POLYVAL', () => {
  const implementations: [string, (h: Uint8Array, data: Uint8Array) => Uint8Array][] = [
    ['wasm', polyval],
    ['noble', (h, data) => noblePolyval(data, h)],
  ];
  for (const [name, hash] of implementations) {
    it(`${name}: appendix A's worked example and every case's POLYVAL result`, () => {
      for (const p of file.polyval)
        expect(toHex(hash(fromHex(p.h), fromHex(p.input))), p.name).toBe(p.result);
      for (const c of cases) {
        const input = polyvalInput(fromHex(c.aad), fromHex(c.plaintext));
        expect(toHex(hash(fromHex(c.authKey), input)), c.name).toBe(c.polyvalResult);
      }
    });
  }

  it('wasm agrees with noble on all-ones operands (the most bit-products at each position)', () => {
    const ones = new Uint8Array(16).fill(0xff);
    for (const blocks of [1, 2, 3, 64]) {
      const data = new Uint8Array(16 * blocks).fill(0xff);
      expect(toHex(polyval(ones, data))).toBe(toHex(noblePolyval(data, ones)));
    }
    const top = new Uint8Array(16);
    top[15] = 0x80; // x^127: every reduction step carries
    expect(toHex(polyval(top, top))).toBe(toHex(noblePolyval(top, top)));
    expect(toHex(polyval(new Uint8Array(16), ones))).toBe('00'.repeat(16));
  });

  it('wasm agrees with noble on random keys and data, across the chunk boundary too', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.uint8Array({ minLength: POLYVAL_CHUNK - 20, maxLength: POLYVAL_CHUNK + 40 }),
        ),
        (h, data) => {
          expect(toHex(polyval(h, data))).toBe(toHex(noblePolyval(data, h)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the wasm POLYVAL rejects a key that is not 16 bytes (RangeError)', () => {
    for (const n of [0, 15, 17, 32])
      expect(() => polyval(new Uint8Array(n), new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('AES-GCM-SIV', () => {
  it('defaultAead is nodeAead under Node', () => {
    expect(defaultAead).toBe(nodeAead);
  });

  for (const aead of aeads) {
    describe(aead.name, () => {
      it('seals every RFC case to its result and opens it back (C.3: the 32-bit counter wraps)', () => {
        for (const c of cases) {
          const [key, nonce, aad, plaintext] = [c.key, c.nonce, c.aad, c.plaintext].map(fromHex);
          const sealed =
            c.aad === '' ? aead.seal(key, nonce, plaintext) : aead.seal(key, nonce, plaintext, aad);
          expect(toHex(sealed), c.name).toBe(c.result);
          const opened = c.aad === '' ? aead.open(key, nonce, sealed) : aead.open(key, nonce, sealed, aad);
          expect(toHex(opened!), c.name).toBe(c.plaintext);
        }
      });

      it('gives noble gcmsiv bytes on random keys, nonces, messages and associated data', () => {
        fc.assert(
          fc.property(
            fc.oneof(
              fc.uint8Array({ minLength: 32, maxLength: 32 }),
              fc.uint8Array({ minLength: 16, maxLength: 16 }),
            ),
            fc.uint8Array({ minLength: 12, maxLength: 12 }),
            fc.oneof(fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ minLength: 2440, maxLength: 2440 })),
            fc.uint8Array({ maxLength: 70 }),
            (key, nonce, plaintext, aad) => {
              const sealed = aead.seal(key, nonce, plaintext, aad);
              expect(toHex(sealed)).toBe(noble(key, nonce, plaintext, aad));
              expect(toHex(aead.open(key, nonce, sealed, aad)!)).toBe(toHex(plaintext));
            },
          ),
          { numRuns: 150 },
        );
      });

      it('handles a message over several wasm chunks (70,000 bytes) like noble', () => {
        const key = Uint8Array.from({ length: 32 }, (_, i) => i);
        const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xf0 + i);
        const plaintext = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff);
        const aad = Uint8Array.from({ length: POLYVAL_CHUNK + 5 }, (_, i) => i & 0xff);
        const sealed = aead.seal(key, nonce, plaintext, aad);
        expect(toHex(sealed)).toBe(noble(key, nonce, plaintext, aad));
        expect(aead.open(key, nonce, sealed, aad)).toEqual(plaintext);
      });

      it('does not open a message with any bit flipped in ciphertext or tag, or under another nonce, key or AAD', () => {
        fc.assert(
          fc.property(
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
            fc.uint8Array({ minLength: 12, maxLength: 12 }),
            fc.uint8Array({ maxLength: 300 }),
            fc.nat(),
            fc.integer({ min: 0, max: 7 }),
            (key, nonce, plaintext, at, bit) => {
              const sealed = aead.seal(key, nonce, plaintext);
              const flip = (bytes: Uint8Array, i: number) => {
                const out = bytes.slice();
                out[i % out.length] ^= 1 << bit;
                return out;
              };
              expect(aead.open(key, nonce, flip(sealed, at))).toBeNull(); // ciphertext or tag
              expect(aead.open(key, nonce, flip(sealed, plaintext.length + (at % AEAD_TAG_SIZE)))).toBeNull();
              expect(aead.open(key, flip(nonce, at), sealed)).toBeNull();
              expect(aead.open(flip(key, at), nonce, sealed)).toBeNull();
              expect(aead.open(key, nonce, sealed, Uint8Array.of(bit))).toBeNull();
            },
          ),
          { numRuns: 100 },
        );
      });

      it('refuses bad sizes: seal throws AeadKeySizeError / AeadNonceSizeError, open gives null', () => {
        const [key, nonce, text] = [new Uint8Array(32), new Uint8Array(12), new Uint8Array(5)];
        const sealed = aead.seal(key, nonce, text);
        for (const n of [0, 24, 31, 33]) {
          const bad = new Uint8Array(n);
          expect(() => aead.seal(bad, nonce, text)).toThrow(AeadKeySizeError);
          expect(() => aead.seal(bad, nonce, text)).toThrow(
            expect.objectContaining({ code: 'aead_key_size' }),
          );
          expect(aead.open(bad, nonce, sealed)).toBeNull();
        }
        for (const n of [0, 8, 11, 13, 16]) {
          const bad = new Uint8Array(n);
          expect(() => aead.seal(key, bad, text)).toThrow(AeadNonceSizeError);
          expect(() => aead.seal(key, bad, text)).toThrow(
            expect.objectContaining({ code: 'aead_nonce_size' }),
          );
          expect(aead.open(key, bad, sealed)).toBeNull();
        }
        for (const n of [0, 1, 15]) expect(aead.open(key, nonce, new Uint8Array(n))).toBeNull();
        expect(aead.open(key, nonce, sealed)).toEqual(text);
      });

      it('a key array changed in place seals under its new bytes', () => {
        const key = new Uint8Array(32).fill(7);
        const nonce = new Uint8Array(12);
        const text = Uint8Array.of(1, 2, 3);
        const first = toHex(aead.seal(key, nonce, text));
        key[31] ^= 1;
        expect(toHex(aead.seal(key, nonce, text))).toBe(noble(key, nonce, text, new Uint8Array(0)));
        expect(toHex(aead.seal(key, nonce, text))).not.toBe(first);
      });

      it('a tampered pushed frame is refused by the protocol with DecryptionError (decryption_failed)', () => {
        const key = Uint8Array.from({ length: 32 }, (_, i) => 3 * i);
        const nonce = Uint8Array.from({ length: 12 }, (_, i) => 100 + i);
        const message = Uint8Array.from({ length: 2440 }, (_, i) => i & 0xff);
        const frame = encodePushedFrame(key, nonce, message, aead);
        expect(decodePushedFrame(frame, key, aead)).toEqual(message);
        // frame = kind, flag, nonce (12), ciphertext, tag (16)
        for (const at of [2, 13, 14, 1000, frame.length - 16, frame.length - 1]) {
          const bad = frame.slice();
          bad[at] ^= 0x01;
          expect(() => decodePushedFrame(bad, key, aead), `byte ${at}`).toThrow(DecryptionError);
          expect(() => decodePushedFrame(bad, key, aead)).toThrow(
            expect.objectContaining({ code: 'decryption_failed' }),
          );
        }
      });
    });
  }

  it('leaves no key material in the wasm memory after sealing or opening', () => {
    const key = new Uint8Array(32).fill(0xaa);
    const nonce = new Uint8Array(12).fill(0x55);
    for (const aead of [nodeAead, webAead]) {
      const sealed = aead.seal(key, nonce, new Uint8Array(100));
      const mem = new Uint8Array(polyvalWasm().memory.buffer, 0, POLYVAL_LAYOUT.buffer);
      expect(mem.every((b) => b === 0)).toBe(true);
      aead.open(key, nonce, sealed);
      expect(mem.every((b) => b === 0)).toBe(true);
    }
  });
});

describe('web AEAD where WebAssembly may not be compiled (a strict CSP)', () => {
  it('falls back to the noble AEAD, and is the wasm one again where wasm compiles', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', {
      ...WebAssembly,
      Module: function refused() {
        throw new WebAssembly.CompileError("Refused to compile: 'wasm-unsafe-eval' is not allowed");
      },
    });
    try {
      const web = await import('../../src/crypto/web.js');
      const fallback = web.webAeadIfAvailable();
      expect(fallback.name).toBe('noble');
      const c = file.vectors[4];
      expect(toHex(fallback.seal(fromHex(c.key), fromHex(c.nonce), fromHex(c.plaintext)))).toBe(c.result);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
    const again = await import('../../src/crypto/web.js');
    expect(again.webAeadIfAvailable().name).toBe('web');
  });
});
