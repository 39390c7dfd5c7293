import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReplySurb,
  InvalidArgumentError,
  InvalidNodeAddressError,
  keyRotationFromId,
  NymSphinxError,
  readSurbList,
  replySurbFromBytes,
  replySurbFromString,
  replySurbToBytes,
  replySurbToString,
  ReplySurbMaterialError,
  ReplySurbTooShortError,
  SphinxKeyRotation,
  surbListLength,
  TruncatedMessageError,
  V1_REPLY_SURB_LEN,
  v2ReplySurbLen,
  writeSurbList,
} from '../../src/nymsphinx/index.js';
import { client, gatewayIdentity, nodes, random } from './helpers.js';

describe('reply SURBs (reply_surb.rs, sphinx-packet SURB)', () => {
  const gw = gatewayIdentity();
  const alice = client(gw);
  const all = nodes(5);

  it('encode → decode → encode keeps every byte, legacy and seeded, 1..5 hops (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), (hops, legacy) => {
        const route = all.slice(0, hops).map((n) => n.route);
        const surb = createReplySurb({
          route,
          delaysNs: route.map(() => 1000n),
          self: alice.recipient,
          random,
          legacy,
        });
        const b = replySurbToBytes(surb);
        expect(b.length).toBe(396 + hops * (legacy ? 192 : 16));
        const back = replySurbFromBytes(b);
        expect(back.version).toBe(legacy ? 258 : 259);
        expect(back.payloadKeyMaterial.length).toBe(hops);
        expect(replySurbToBytes(back)).toEqual(b);
        expect(replySurbToBytes(replySurbFromString(replySurbToString(surb)))).toEqual(b);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects truncated, oversized and misshapen SURBs with typed errors', () => {
    const route = all.slice(0, 4).map((n) => n.route);
    const seeded = replySurbToBytes(
      createReplySurb({ route, delaysNs: [1n, 1n, 1n, 1n], self: alice.recipient, random, legacy: false }),
    );
    const legacy = replySurbToBytes(
      createReplySurb({ route, delaysNs: [1n, 1n, 1n, 1n], self: alice.recipient, random, legacy: true }),
    );
    expect(() => replySurbFromBytes(seeded.subarray(0, 411))).toThrow(ReplySurbTooShortError);
    expect(() => replySurbFromBytes(new Uint8Array(0))).toThrow(ReplySurbTooShortError);
    expect(() => replySurbFromBytes(seeded.subarray(0, seeded.length - 1))).toThrow(ReplySurbMaterialError);
    expect(() => replySurbFromBytes(legacy.subarray(0, legacy.length - 1))).toThrow(ReplySurbMaterialError);
    // six seeds still fit Nym's parser; Sphinx cannot use more than five hops
    const sixSeeds = new Uint8Array(396 + 96);
    sixSeeds.set(seeded.subarray(0, 396));
    expect(() => replySurbFromBytes(sixSeeds)).toThrow(ReplySurbMaterialError);
    const bigLegacy = new Uint8Array(396 + 6 * 192);
    bigLegacy.set(legacy.subarray(0, 396));
    expect(() => replySurbFromBytes(bigLegacy)).toThrow(ReplySurbMaterialError);
    const badHop = seeded.slice();
    badHop[364] = 9;
    expect(() => replySurbFromBytes(badHop)).toThrow(InvalidNodeAddressError);
    expect(() => replySurbFromString('0OIl')).toThrow(InvalidArgumentError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), (b) => {
        try {
          replySurbFromBytes(b);
        } catch (e) {
          expect(e).toBeInstanceOf(NymSphinxError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('SURB lists: v1 fixed 1164-byte SURBs, v2 with hops and key rotation', () => {
    const route = all.slice(0, 4).map((n) => n.route);
    const make = (legacy: boolean) =>
      createReplySurb({ route, delaysNs: [1n, 1n, 1n, 1n], self: alice.recipient, random, legacy });
    const v1 = [make(true), make(true)].map((surb) => ({ surb, keyRotation: SphinxKeyRotation.Unknown }));
    const v2 = [make(false), make(false)].map((surb) => ({ surb, keyRotation: SphinxKeyRotation.Even }));
    for (const [version, list, each] of [
      [1, v1, V1_REPLY_SURB_LEN],
      [2, v2, v2ReplySurbLen(4)],
    ] as const) {
      const out = new Uint8Array(surbListLength(version, list));
      expect(out.length).toBe(4 + 2 * each);
      expect(writeSurbList(out, 0, version, list)).toBe(out.length);
      const [back, end] = readSurbList(out, 0, version);
      expect(end).toBe(out.length);
      expect(back.map((s) => replySurbToBytes(s.surb))).toEqual(list.map((s) => replySurbToBytes(s.surb)));
      expect(back.map((s) => s.keyRotation)).toEqual(list.map((s) => s.keyRotation));
      expect(() => readSurbList(out.subarray(0, out.length - 1), 0, version)).toThrow(TruncatedMessageError);
    }
  });

  it('key rotations from a topology rotation id', () => {
    expect(keyRotationFromId(0)).toBe(SphinxKeyRotation.Unknown);
    expect(keyRotationFromId(0xffffffff)).toBe(SphinxKeyRotation.Unknown);
    expect(keyRotationFromId(7)).toBe(SphinxKeyRotation.Odd);
    expect(keyRotationFromId(8)).toBe(SphinxKeyRotation.Even);
    expect(() => keyRotationFromId(-1)).toThrow(InvalidArgumentError);
  });
});
