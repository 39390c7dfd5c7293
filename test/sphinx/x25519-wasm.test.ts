import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import sodium from 'sodium-native';
import { describe, expect, it, vi } from 'vitest';
import { x25519BaseWasm, x25519Wasm } from '../../src/crypto/x25519-wasm.js';
import { fromHex, toHex, webBackend } from './helpers.js';

describe("wasm X25519 (the web backend's curve)", () => {
  it('reproduces the RFC 7748 section 5.2 vectors', () => {
    expect(
      toHex(
        x25519Wasm(
          fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
          fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
        ),
      ),
    ).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    // this u-coordinate has its top bit set: it must be ignored
    expect(
      toHex(
        x25519Wasm(
          fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
          fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
        ),
      ),
    ).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });

  it('reproduces the RFC 7748 iterated test (1 and 1,000 iterations)', () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const r = x25519Wasm(k, u);
      u = k;
      k = r;
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('reproduces the RFC 7748 section 6.1 Diffie-Hellman keys', () => {
    const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const pa = x25519BaseWasm(a);
    const pb = x25519BaseWasm(b);
    expect(toHex(pa)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(pb)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(x25519Wasm(a, pb))).toBe(shared);
    expect(toHex(x25519Wasm(b, pa))).toBe(shared);
  });

  it('matches libsodium and noble on random scalars and arbitrary 32-byte u (non-canonical too)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (k, u) => {
          const got = toHex(x25519Wasm(k, u));
          let want: string;
          try {
            want = toHex(x25519.scalarMult(k, u));
          } catch {
            want = '00'.repeat(32); // noble refuses an all-zero result
          }
          expect(got).toBe(want);
        },
      ),
      { numRuns: 150 },
    );
    for (let i = 0; i < 50; i++) {
      const k = new Uint8Array(randomBytes(32));
      const u = new Uint8Array(randomBytes(32));
      u[31] = 0xff; // top bit set and the value >= p: both reduced as RFC 7748 says
      const native = new Uint8Array(32);
      let nativeHex = '00'.repeat(32);
      try {
        sodium.crypto_scalarmult(native, k, u);
        nativeHex = toHex(native);
      } catch {
        // libsodium refuses an all-zero result
      }
      expect(toHex(x25519Wasm(k, u))).toBe(nativeHex);
    }
  });

  it('rejects a scalar or u-coordinate that is not 32 bytes with a RangeError', () => {
    const ok = new Uint8Array(32);
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      expect(() => x25519Wasm(bad, ok)).toThrow(RangeError);
      expect(() => x25519Wasm(ok, bad)).toThrow(RangeError);
    }
    expect(() => x25519Wasm([1, 2, 3] as unknown as Uint8Array, ok)).toThrow(RangeError);
  });

  it('gives the all-zero output for small-order points, which the web backend reports as null', () => {
    const smallOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    const k = new Uint8Array(randomBytes(32));
    for (const p of smallOrder) {
      expect(toHex(x25519Wasm(k, fromHex(p)))).toBe('00'.repeat(32));
      expect(webBackend.x25519(k, fromHex(p))).toBeNull();
    }
  });
});

describe('web backend where WebAssembly may not be compiled (a strict CSP)', () => {
  it('imports without error and falls back to the pure backend', async () => {
    vi.resetModules();
    const original = WebAssembly.Module;
    vi.stubGlobal('WebAssembly', {
      ...WebAssembly,
      Module: function refused() {
        throw new WebAssembly.CompileError("Refused to compile: 'wasm-unsafe-eval' is not allowed");
      },
    });
    try {
      const web = await import('../../src/crypto/web.js');
      expect(web.webBackendIfAvailable().name).toBe('pure');
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
    expect(WebAssembly.Module).toBe(original);
    const again = await import('../../src/crypto/web.js');
    expect(again.webBackendIfAvailable().name).toBe('web');
  });
});
