import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pureBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import {
  ACK_PAYLOAD_LEN,
  KEY_SLOT_LEN,
  openAckId,
  openRegular,
  openReply,
  replyKeyDigest,
  sealAckId,
  sealPayload,
  sealReplyPayload,
  splitPayload,
} from '../../src/client/payload.js';
import { MalformedPayloadError } from '../../src/client/errors.js';
import { secureRandom } from '../../src/client/crypto.js';

describe('payload layout', () => {
  const sk = secureRandom(32);
  const pk = pureBackend.x25519Base(sk);

  it.each([pureBackend, nodeBackend])('seals and opens a regular payload ($name)', (crypto) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 50 }), (frag, ack) => {
        const p = sealPayload(crypto, secureRandom, ack, pk, frag);
        expect(p.length).toBe(ack.length + KEY_SLOT_LEN + frag.length);
        expect(p.subarray(0, ack.length)).toEqual(ack);
        const opened = splitPayload(p, ack.length);
        expect(openRegular(crypto, opened, sk, pk)).toEqual(frag);
        // the gateway strips the SURB-ack before delivery: the rest opens the same way
        expect(openRegular(crypto, splitPayload(p.subarray(ack.length), 0), sk, pk)).toEqual(frag);
      }),
      { numRuns: 30 },
    );
  });

  it('is byte-identical across backends for the same randomness', () => {
    const eph = secureRandom(32);
    const frag = secureRandom(100);
    const a = sealPayload(pureBackend, () => eph, new Uint8Array(0), pk, frag);
    const b = sealPayload(nodeBackend, () => eph, new Uint8Array(0), pk, frag);
    expect(a).toEqual(b);
  });

  it('does not open under a different key', () => {
    const frag = new Uint8Array(64).fill(7);
    const p = splitPayload(sealPayload(pureBackend, secureRandom, new Uint8Array(0), pk, frag), 0);
    const other = secureRandom(32);
    expect(openRegular(pureBackend, p, other, pureBackend.x25519Base(other))).not.toEqual(frag);
  });

  it('seals replies under the SURB key, found by its digest', () => {
    const key = secureRandom(16);
    const frag = secureRandom(300);
    const p = sealReplyPayload(nodeBackend, new Uint8Array(3), key, frag);
    const opened = splitPayload(p, 3);
    expect(opened.keySlot).toEqual(replyKeyDigest(key));
    expect(openReply(nodeBackend, opened, key)).toEqual(frag);
    expect(() => sealReplyPayload(nodeBackend, new Uint8Array(0), new Uint8Array(15), frag)).toThrow(
      MalformedPayloadError,
    );
  });

  it('rejects payloads too short for the key slot, and small-order keys', () => {
    expect(() => splitPayload(new Uint8Array(31), 0)).toThrow(MalformedPayloadError);
    const zero = splitPayload(new Uint8Array(40), 0);
    expect(() => openRegular(pureBackend, zero, sk, pk)).toThrow(MalformedPayloadError);
  });

  it('encrypts ack ids (21 bytes) that only the ack key opens', () => {
    const ackKey = secureRandom(16);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 255 }),
        (setId, index) => {
          const b = sealAckId(nodeBackend, secureRandom, ackKey, { setId, index });
          expect(b.length).toBe(ACK_PAYLOAD_LEN);
          expect(openAckId(pureBackend, ackKey, b)).toEqual({ setId, index });
        },
      ),
      { numRuns: 50 },
    );
    expect(() => openAckId(pureBackend, ackKey, new Uint8Array(20))).toThrow(MalformedPayloadError);
  });
});
