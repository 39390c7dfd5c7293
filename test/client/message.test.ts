import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, type ClientMessage } from '../../src/client/message.js';
import { MalformedMessageError } from '../../src/client/errors.js';

const tag = fc.uint8Array({ minLength: 16, maxLength: 16 });
const surbs = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 });
const data = fc.uint8Array({ maxLength: 500 });
const message: fc.Arbitrary<ClientMessage> = fc.oneof(
  data.map((d) => ({ kind: 'plain' as const, data: d })),
  fc.record({ kind: fc.constant('repliable' as const), senderTag: tag, surbs, data }),
  fc.record({ kind: fc.constant('additionalSurbs' as const), senderTag: tag, surbs }),
  data.map((d) => ({ kind: 'reply' as const, data: d })),
  fc.integer({ min: 1, max: 1000 }).map((amount) => ({ kind: 'surbRequest' as const, amount })),
);

describe('client message codec', () => {
  it('round-trips every kind', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });

  it('rejects malformed input with MalformedMessageError only', () => {
    for (const b of [[], [9], [1, 1, 2], [2], [2, 7], [2, 1, 0, 0, 0, 0], [2, 1, 0, 0]]) {
      expect(() => decodeMessage(Uint8Array.from(b))).toThrow(MalformedMessageError);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeMessage(b);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedMessageError);
        }
      }),
    );
  });

  it('rejects a SURB count beyond the limit without allocating', () => {
    const b = new Uint8Array(2 + 16 + 4);
    b[0] = 1;
    new DataView(b.buffer).setUint32(18, 0xffffffff);
    expect(() => decodeMessage(b)).toThrow('too many SURBs');
  });
});
