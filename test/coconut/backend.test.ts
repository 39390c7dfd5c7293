import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { loadBackend, type GroupBackend, type G1, type G2 } from '../../src/coconut/backend.js';
import { InvalidLengthError, InvalidPointError } from '../../src/coconut/errors.js';
import * as fr from '../../src/coconut/fr.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const DST = 'QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_';

let noble: GroupBackend;
let mcl: GroupBackend;
beforeAll(async () => {
  noble = await loadBackend('noble');
  mcl = await loadBackend('mcl');
});

describe('coconut backends agree', () => {
  it('generators, encodings and affine bytes match', () => {
    expect(hex(noble.g1.toBytes(noble.g1.generator))).toBe(hex(mcl.g1.toBytes(mcl.g1.generator)));
    expect(hex(noble.g2.toBytes(noble.g2.generator))).toBe(hex(mcl.g2.toBytes(mcl.g2.generator)));
    const s = 0x1234567890abcdefn;
    const a1 = noble.g1.mul(noble.g1.generator, s);
    const b1 = mcl.g1.mul(mcl.g1.generator, s);
    expect(hex(noble.g1.toBytes(a1))).toBe(hex(mcl.g1.toBytes(b1)));
    expect(hex(noble.g1.affineBytes(a1))).toBe(hex(mcl.g1.affineBytes(b1)));
    const a2 = noble.g2.mul(noble.g2.generator, s);
    const b2 = mcl.g2.mul(mcl.g2.generator, s);
    expect(hex(noble.g2.toBytes(a2))).toBe(hex(mcl.g2.toBytes(b2)));
    expect(hex(noble.g2.affineBytes(a2))).toBe(hex(mcl.g2.affineBytes(b2)));
    expect(hex(noble.g1.affineBytes(noble.g1.identity))).toBe(hex(mcl.g1.affineBytes(mcl.g1.identity)));
    expect(hex(noble.g1.toBytes(noble.g1.identity))).toBe(hex(mcl.g1.toBytes(mcl.g1.identity)));
  });

  it('hash-to-G1 matches the RFC 9380 vector in both', () => {
    // RFC 9380 J.9.1, msg "abc".
    const want =
      '03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903';
    for (const b of [noble, mcl]) {
      const p = b.hashToG1(new TextEncoder().encode('abc'), DST);
      expect(hex(b.g1.affineBytes(p)).slice(0, 96)).toBe(want);
    }
  });

  it('constant-time and variable-time multiplications and MSM agree', () => {
    for (const b of [noble, mcl]) {
      const s = [3n, fr.FR_ORDER - 5n, 0n, 77n];
      const pts = s.map((_, i) => b.g1.mul(b.g1.generator, BigInt(i + 2)));
      const want = pts.reduce((acc, p, i) => b.g1.add(acc, b.g1.mul(p, s[i])), b.g1.identity);
      expect(b.g1.equals(b.g1.msmPublic(pts, s), want)).toBe(true);
      expect(b.g1.equals(b.g1.mulPublic(pts[1], s[1]), b.g1.mul(pts[1], s[1]))).toBe(true);
      const q = s.map((_, i) => b.g2.mul(b.g2.generator, BigInt(i + 9)));
      const w2 = q.reduce((acc, p, i) => b.g2.add(acc, b.g2.mul(p, s[i])), b.g2.identity);
      expect(b.g2.equals(b.g2.msmPublic(q, s), w2)).toBe(true);
    }
  });

  it('pairing product checks', () => {
    for (const b of [noble, mcl]) {
      const a = 1234567n;
      const P = b.g1.mul(b.g1.generator, a);
      const Q = b.g2.mul(b.g2.generator, 99n);
      const aQ = b.g2.mul(Q, a);
      const g = b.g1.generator;
      expect(
        b.pairingProductIsOne([
          [P, Q],
          [b.g1.neg(g), aQ],
        ]),
      ).toBe(true);
      expect(
        b.pairingProductIsOne([
          [P, Q],
          [g, aQ],
        ]),
      ).toBe(false);
      const pre = b.prepareG2(aQ);
      expect(
        b.pairingProductIsOne([
          [P, Q],
          [b.g1.neg(g), pre],
        ]),
      ).toBe(true);
      expect(
        b.pairingProductIsOne([
          [P, b.prepareG2(Q)],
          [b.g1.neg(g), pre],
        ]),
      ).toBe(true);
      expect(
        b.pairingProductIsOne([
          [P, b.prepareG2(Q)],
          [g, pre],
        ]),
      ).toBe(false);
    }
  });

  it('decode rejects the same malformed encodings in both (property)', () => {
    const base1 = noble.g1.toBytes(noble.g1.mul(noble.g1.generator, 42n));
    const base2 = noble.g2.toBytes(noble.g2.mul(noble.g2.generator, 42n));
    const outcome = (b: GroupBackend, g: 'g1' | 'g2', bytes: Uint8Array): string => {
      try {
        const p = (b[g] as { fromBytes(x: Uint8Array): G1 | G2 }).fromBytes(bytes);
        return 'ok:' + hex((b[g] as { toBytes(x: G1 | G2): Uint8Array }).toBytes(p));
      } catch (e) {
        expect(e instanceof InvalidPointError || e instanceof InvalidLengthError).toBe(true);
        return 'err';
      }
    };
    fc.assert(
      fc.property(fc.nat(47), fc.integer({ min: 1, max: 255 }), fc.nat(95), (i, x, j) => {
        const m1 = base1.slice();
        m1[i] ^= x;
        expect(outcome(noble, 'g1', m1)).toBe(outcome(mcl, 'g1', m1));
        const m2 = base2.slice();
        m2[j] ^= x;
        expect(outcome(noble, 'g2', m2)).toBe(outcome(mcl, 'g2', m2));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects off-subgroup points, wrong lengths and uncompressed forms', () => {
    // Small x with x^3 + 4 a square give curve points outside the prime-order subgroup
    // (G1 has cofactor > 1): both backends must reject them.
    let found = 0;
    for (let x = 1n; x < 40n && found < 2; x++) {
      const bytes = new Uint8Array(48);
      bytes[47] = Number(x);
      bytes[0] |= 0x80;
      let nobleOut: string;
      try {
        noble.g1.fromBytes(bytes);
        nobleOut = 'ok';
      } catch (e) {
        nobleOut = (e as Error).message;
      }
      if (/subgroup/i.test(nobleOut)) {
        expect(() => mcl.g1.fromBytes(bytes)).toThrow(InvalidPointError);
        found++;
      }
      expect(nobleOut).not.toBe('ok');
    }
    expect(found).toBeGreaterThan(0);
    for (const b of [noble, mcl]) {
      expect(() => b.g1.fromBytes(new Uint8Array(47))).toThrow(InvalidLengthError);
      expect(() => b.g2.fromBytes(new Uint8Array(48))).toThrow(InvalidLengthError);
      const un = b.g1.toBytes(b.g1.generator);
      un[0] &= 0x7f;
      expect(() => b.g1.fromBytes(un)).toThrow(InvalidPointError);
    }
  });
});
