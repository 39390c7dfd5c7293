/**
 * Project Wycheproof's X25519 vectors (upstream `x25519_test.json`, read unchanged from the
 * shared reference folder: see `loadUpstream` in vectors.ts; all 518, edge cases included) against every backend and the raw wasm ladder.
 *
 * Wycheproof marks a case "valid" (must compute `shared`) or "acceptable" (a library may compute
 * it or refuse it, per the flags: twist points, non-canonical u, small-order points giving an
 * all-zero secret). Nymph's backends compute every case per RFC 7748 and refuse exactly one
 * thing, the all-zero result (RFC 7748 section 6.1), by returning `null`. So each vector has one
 * right answer here: `null` where `shared` is all zero (which the file flags
 * "ZeroSharedSecret"), otherwise `shared` byte for byte, "acceptable" or not.
 */
import { describe, expect, it } from 'vitest';
import { x25519Wasm } from '../../src/crypto/x25519-wasm.js';
import { backends, fromHex, loadUpstream, toHex, upstreamMissing, WycheproofXdhFile } from './vectors.js';

const file = loadUpstream('x25519_test.json', WycheproofXdhFile);
const tests = file ? file.testGroups.flatMap((g) => g.tests) : [];
type XdhTest = (typeof tests)[number];
const ZERO = '00'.repeat(32);

function describeCase(t: XdhTest): string {
  return `tcId ${t.tcId} (${t.result}, ${t.flags.join('+')}: ${t.comment})`;
}

describe.skipIf(!file)(file ? 'Wycheproof X25519 vectors' : upstreamMissing('x25519_test.json'), () => {
  it('are the whole upstream set, with the edge cases this suite is meant to cover', () => {
    expect(file!.algorithm).toBe('XDH');
    expect(file!.testGroups.every((g) => g.type === 'XdhComp' && g.curve === 'curve25519')).toBe(true);
    expect(tests).toHaveLength(file!.numberOfTests);
    expect(tests).toHaveLength(518);
    const withFlag = (f: string) => tests.filter((t) => t.flags.includes(f)).length;
    for (const flag of [
      'Twist',
      'NonCanonicalPublic',
      'LowOrderPublic',
      'SmallPublicKey',
      'ZeroSharedSecret',
    ])
      expect(withFlag(flag), flag).toBeGreaterThan(0);
    // no "invalid" cases in this file: every input is one RFC 7748 defines an output for
    expect(tests.every((t) => t.result === 'valid' || t.result === 'acceptable')).toBe(true);
    // an all-zero secret is flagged and never "valid": the one output a backend may refuse
    for (const t of tests.filter((t) => t.shared === ZERO)) {
      expect(t.flags, describeCase(t)).toContain('ZeroSharedSecret');
      expect(t.result, describeCase(t)).toBe('acceptable');
    }
  });

  for (const backend of backends) {
    it(`${backend.name} backend: shared secret on every valid and acceptable case, null for the all-zero ones`, () => {
      const failures: string[] = [];
      for (const t of tests) {
        const got = backend.x25519(fromHex(t.private), fromHex(t.public));
        const want = t.shared === ZERO ? null : t.shared;
        const gotHex = got === null ? null : toHex(got);
        if (gotHex !== want) failures.push(`${describeCase(t)}: got ${gotHex}, want ${want}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('wasm ladder (the web backend curve) gives `shared` itself on every case, all-zero ones too', () => {
    const failures: string[] = [];
    for (const t of tests) {
      const got = toHex(x25519Wasm(fromHex(t.private), fromHex(t.public)));
      if (got !== t.shared) failures.push(`${describeCase(t)}: got ${got}, want ${t.shared}`);
    }
    expect(failures).toEqual([]);
  });

  it('a wrong byte is caught: the checks above fail for a flipped bit in the expected secret', () => {
    const t = tests.find((x) => x.result === 'valid')!;
    const shared = fromHex(t.shared);
    shared[17] ^= 0x01;
    for (const backend of backends) {
      expect(toHex(backend.x25519(fromHex(t.private), fromHex(t.public))!)).not.toBe(toHex(shared));
    }
  });
});
