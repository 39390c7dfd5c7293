import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdfSha256, hmacSha256, sha256 } from '../../src/crypto/sha256.js';
import { nodeBackend, pureBackend, toHex } from './helpers.js';

describe('TypeScript SHA-256 / HMAC / HKDF (used by the node backend for short HKDFs)', () => {
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
});
