import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeNodeAddress } from '../../src/sphinx/index.js';
import {
  additionalSurbsMessage,
  decodeNymMessage,
  EmptyMessageError,
  encodeFragment,
  encodeNymMessage,
  fragmentCapacity,
  InvalidArgumentError,
  InvalidKeyRotationError,
  InvalidNodeAddressError,
  messageFromReassembled,
  messageToFragments,
  MissingPaddingMarkerError,
  NymSphinxError,
  PaddingNotZeroError,
  padToFullPacketLengths,
  parseRecipient,
  plainMessage,
  Reassembler,
  decodeFragment,
  receivedMessage,
  removePadding,
  repliableMessage,
  replyMessage,
  replySurbFromBytes,
  requiredPackets,
  surbRequestMessage,
  TrailingBytesError,
  TruncatedMessageError,
  UnknownMessageKindError,
  UnknownRepliableContentError,
  UnknownReplyContentError,
  type NymMessage,
  type ReplySurbWithRotation,
  type SphinxKeyRotation,
} from '../../src/nymsphinx/index.js';
import { countingSetIds, readVectors, seededRandom } from './helpers.js';

const F = readVectors('nym-fixtures.json');
const someRecipient = parseRecipient(F.recipients.strings[0].string);

/** A reply SURB in Nym's byte layout with random contents (not a usable route). */
function fakeSurb(rnd: (n: number) => Uint8Array, legacy: boolean, hops: number): Uint8Array {
  const material = rnd((legacy ? 192 : 16) * hops);
  const out = new Uint8Array(396 + material.length);
  out.set(rnd(16 + 348), 0);
  out.set(encodeNodeAddress({ host: '10.0.0.1', port: 1789 }), 364);
  out.set(material, 396);
  return out;
}

function surbs(
  seed: number,
  n: number,
  version: 1 | 2,
  hops: number,
  rot: SphinxKeyRotation,
): ReplySurbWithRotation[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => ({
    surb: replySurbFromBytes(fakeSurb(rnd, version === 1, version === 1 ? 4 : hops)),
    keyRotation: version === 1 ? 0 : rot,
  }));
}

const bytes = (max = 300) => fc.uint8Array({ maxLength: max });
const nonEmpty = (max = 300) => fc.uint8Array({ minLength: 1, maxLength: max });
const tag = fc.uint8Array({ minLength: 16, maxLength: 16 });
const surbList = fc
  .record({
    seed: fc.integer(),
    n: fc.integer({ min: 0, max: 4 }),
    version: fc.constantFrom(1 as const, 2 as const),
    hops: fc.integer({ min: 1, max: 5 }),
    rot: fc.constantFrom(0 as const, 1 as const, 2 as const),
  })
  .map((r) => ({ version: r.version, list: surbs(r.seed, r.n, r.version, r.hops, r.rot) }));

const nymMessage: fc.Arbitrary<NymMessage> = fc.oneof(
  bytes().map(plainMessage),
  fc.tuple(bytes(), tag, surbList).map(([d, t, s]) => repliableMessage(d, t, s.list, s.version)),
  fc.tuple(tag, surbList).map(([t, s]) => additionalSurbsMessage(t, s.list, s.version)),
  fc.tuple(tag, surbList).map(([t, s]): NymMessage => ({
    kind: 'repliable',
    senderTag: t,
    content: { type: 'heartbeat', version: s.version, replySurbs: s.list },
  })),
  nonEmpty().map(replyMessage),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => surbRequestMessage(someRecipient, n)),
);

describe('NymMessage', () => {
  it('encode → decode → encode gives the same bytes (property)', () => {
    fc.assert(
      fc.property(nymMessage, (m) => {
        const b = encodeNymMessage(m);
        expect(encodeNymMessage(decodeNymMessage(b))).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it('through padding, fragments and reassembly, any message comes back whole (property)', () => {
    fc.assert(
      fc.property(nymMessage, fc.constantFrom('regular' as const, 'extended8' as const), (m, size) => {
        const frags = messageToFragments(m, size, countingSetIds(7)).map(encodeFragment);
        expect(frags.length).toBe(requiredPackets(m, size));
        expect(frags.every((f) => f.length === fragmentCapacity(size))).toBe(true);
        const r = new Reassembler();
        let out: Uint8Array | undefined;
        for (const f of frags.reverse()) {
          const res = r.insert(decodeFragment(f), 0);
          if (res.kind === 'complete') out = res.data;
        }
        expect(encodeNymMessage(messageFromReassembled(out!))).toEqual(encodeNymMessage(m));
      }),
      { numRuns: 100 },
    );
  });

  it('hands apps what Nym hands them: data with a tag only for repliable data', () => {
    const t = new Uint8Array(16).fill(3);
    expect(receivedMessage(plainMessage(new Uint8Array([1])))).toEqual({ message: new Uint8Array([1]) });
    expect(receivedMessage(repliableMessage(new Uint8Array([2]), t, [], 1))).toEqual({
      message: new Uint8Array([2]),
      senderTag: t,
    });
    expect(receivedMessage(replyMessage(new Uint8Array([3])))).toEqual({ message: new Uint8Array([3]) });
    expect(receivedMessage(additionalSurbsMessage(t, [], 2))).toBeUndefined();
    expect(receivedMessage(surbRequestMessage(someRecipient, 5))).toBeUndefined();
  });

  it('refuses to build what Nym could not read back', () => {
    const v2 = surbs(1, 1, 2, 3, 1);
    const v1 = surbs(2, 1, 1, 4, 0);
    expect(() => encodeNymMessage(repliableMessage(new Uint8Array(1), new Uint8Array(16), v2, 1))).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeNymMessage(repliableMessage(new Uint8Array(1), new Uint8Array(16), v1, 2))).toThrow(
      InvalidArgumentError,
    );
    const mixed = [...surbs(3, 1, 2, 3, 1), ...surbs(4, 1, 2, 4, 1)];
    expect(() => encodeNymMessage(additionalSurbsMessage(new Uint8Array(16), mixed, 2))).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeNymMessage(repliableMessage(new Uint8Array(1), new Uint8Array(15), [], 2))).toThrow(
      InvalidArgumentError,
    );
    expect(() => surbRequestMessage(someRecipient, -1)).toThrow(InvalidArgumentError);
  });
});

describe('bad message bytes are rejected with typed errors', () => {
  const t = new Uint8Array(16).fill(0xaa);
  const cat = (...p: (Uint8Array | number[])[]) => Uint8Array.from(p.flatMap((x) => [...x]));
  const v1 = surbs(9, 1, 1, 4, 0);
  const oneV1 = encodeNymMessage(additionalSurbsMessage(t, v1, 1)).subarray(22);

  it.each([
    ['empty', new Uint8Array(0), EmptyMessageError],
    ['unknown kind', cat([3, 1]), UnknownMessageKindError],
    ['repliable without content tag', cat([1], t), TruncatedMessageError],
    ['repliable content 6', cat([1], t, [6, 0, 0, 0, 0]), UnknownRepliableContentError],
    ['repliable without content', cat([1], t, [0]), TruncatedMessageError],
    ['v1 count cut short', cat([1], t, [0, 0, 0]), TruncatedMessageError],
    ['v1 count beyond the data', cat([1], t, [0, 0, 0, 0, 2], oneV1), TruncatedMessageError],
    ['v1 SURB cut short', cat([1], t, [0, 0, 0, 0, 1], oneV1.subarray(0, 1000)), TruncatedMessageError],
    ['additional SURBs with trailing garbage', cat([1], t, [1, 0, 0, 0, 1], oneV1, [9]), TrailingBytesError],
    ['heartbeat with trailing garbage', cat([1], t, [5, 0, 0, 0, 0, 7]), TrailingBytesError],
    ['v2 key rotation 3', cat([1], t, [4, 0, 0, 4, 3]), InvalidKeyRotationError],
    ['reply without content tag', cat([2]), TruncatedMessageError],
    ['reply content 2', cat([2, 2, 0]), UnknownReplyContentError],
    ['empty reply data', cat([2, 0]), TruncatedMessageError],
    ['SURB request cut short', cat([2, 1], new Uint8Array(99)), TruncatedMessageError],
    ['SURB request with trailing garbage', cat([2, 1], new Uint8Array(101)), TrailingBytesError],
  ])('%s', (_name, b, cls) => {
    expect(() => decodeNymMessage(b)).toThrow(cls);
  });

  it('a SURB whose first hop is not a node address', () => {
    const bad = oneV1.slice();
    bad[364] = 5;
    expect(() => decodeNymMessage(cat([1], t, [1, 0, 0, 0, 1], bad))).toThrow(InvalidNodeAddressError);
    expect(() => decodeNymMessage(cat([1], t, [1, 0, 0, 0, 1], oneV1))).not.toThrow();
  });

  it('padding without marker, or with garbage after it', () => {
    expect(() => removePadding(new Uint8Array(5))).toThrow(MissingPaddingMarkerError);
    expect(() => removePadding(new Uint8Array([0, 1, 0, 2, 0]))).toThrow(PaddingNotZeroError);
    expect(removePadding(padToFullPacketLengths(new Uint8Array([1, 1, 0]), 1611))).toEqual(
      new Uint8Array([1, 1, 0]),
    );
  });

  it('random bytes never crash the decoder (property)', () => {
    const prefixed = fc
      .tuple(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2, 3, 4, 5, 6), bytes(1300))
      .map(([k, c, rest]) => {
        const b = new Uint8Array(2 + 16 + rest.length);
        b[0] = k;
        b[k === 1 ? 17 : 1] = c;
        b.set(rest, 18);
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(bytes(200), prefixed), (b) => {
        try {
          decodeNymMessage(b);
        } catch (e) {
          expect(e).toBeInstanceOf(NymSphinxError);
        }
        try {
          messageFromReassembled(b);
        } catch (e) {
          expect(e).toBeInstanceOf(NymSphinxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
