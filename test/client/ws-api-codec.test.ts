import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorKind,
  WsApiError,
  decodeBinaryRequest,
  decodeBinaryResponse,
  decodeTextRequest,
  decodeTextResponse,
  encodeBinaryRequest,
  encodeBinaryResponse,
  encodeSenderTag,
  encodeTextRequest,
  encodeTextResponse,
  type WsRequest,
  type WsResponse,
} from '../../src/client/ws-api/codec.js';
import { recipientToBytes, recipientToString } from '../../src/client/address.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const recipient = fc.record({ identity: key, encryptionKey: key, gateway: key });
const tag = fc.uint8Array({ minLength: 16, maxLength: 16 });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const data = fc.uint8Array({ maxLength: 300 });

const request: fc.Arbitrary<WsRequest> = fc.oneof(
  fc.record({ type: fc.constant('send' as const), recipient, message: data, connectionId: u64 }),
  fc.record({
    type: fc.constant('sendAnonymous' as const),
    recipient,
    message: data,
    replySurbs: fc.integer({ min: 0, max: 0xffffffff }),
    connectionId: u64,
  }),
  fc.record({ type: fc.constant('reply' as const), senderTag: tag, message: data, connectionId: u64 }),
  fc.constant({ type: 'selfAddress' as const }),
  fc.record({ type: fc.constant('closedConnection' as const), connectionId: u64 }),
  fc.record({ type: fc.constant('getLaneQueueLength' as const), connectionId: u64 }),
);
const kinds = Object.values(ErrorKind);
const response: fc.Arbitrary<WsResponse> = fc.oneof(
  fc.record({ type: fc.constant('received' as const), message: data }),
  fc.record({ type: fc.constant('received' as const), message: data, senderTag: tag }),
  fc.record({ type: fc.constant('selfAddress' as const), address: recipient }),
  fc.record({
    type: fc.constant('laneQueueLength' as const),
    lane: u64,
    queueLength: fc.integer({ min: 0, max: 2 ** 40 }),
  }),
  fc.record({ type: fc.constant('error' as const), kind: fc.constantFrom(...kinds), message: fc.string() }),
);

describe('native websocket API: binary', () => {
  it('round-trips every request and response', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeBinaryRequest(encodeBinaryRequest(r))).toEqual(r);
      }),
    );
    fc.assert(
      fc.property(response, (r) => {
        expect(decodeBinaryResponse(encodeBinaryResponse(r))).toEqual(r);
      }),
    );
  });

  it("uses Nym's tags and field layout", () => {
    const r = {
      identity: new Uint8Array(32).fill(1),
      encryptionKey: new Uint8Array(32).fill(2),
      gateway: new Uint8Array(32).fill(3),
    };
    const send = encodeBinaryRequest({
      type: 'send',
      recipient: r,
      message: Uint8Array.of(7, 8),
      connectionId: 5n,
    });
    expect(send[0]).toBe(0x00);
    expect(send.subarray(1, 97)).toEqual(recipientToBytes(r));
    expect([...send.subarray(97, 105)]).toEqual([0, 0, 0, 0, 0, 0, 0, 5]);
    expect([...send.subarray(105, 113)]).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
    expect([...send.subarray(113)]).toEqual([7, 8]);
    const anon = encodeBinaryRequest({
      type: 'sendAnonymous',
      recipient: r,
      message: new Uint8Array(),
      replySurbs: 20,
    });
    expect([...anon.subarray(0, 5)]).toEqual([1, 0, 0, 0, 20]);
    expect(anon.subarray(5, 101)).toEqual(recipientToBytes(r));
    const recv = encodeBinaryResponse({
      type: 'received',
      message: Uint8Array.of(1),
      senderTag: new Uint8Array(16).fill(9),
    });
    expect([...recv.subarray(0, 3)]).toEqual([1, 1, 9]);
    expect(recv.length).toBe(2 + 16 + 8 + 1);
    expect([...encodeBinaryResponse({ type: 'received', message: new Uint8Array() })]).toEqual([
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const err = encodeBinaryResponse({ type: 'error', kind: ErrorKind.MalformedRequest, message: 'x' });
    expect([...err]).toEqual([0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 120]);
    expect(encodeBinaryRequest({ type: 'selfAddress' })).toEqual(Uint8Array.of(3));
  });

  it.each([
    ['empty', [], ErrorKind.EmptyRequest],
    ['unknown tag', [9], ErrorKind.UnknownRequest],
    ['short send', [0, 1, 2], ErrorKind.TooShortRequest],
    ['short closed connection', [4, 0, 0], ErrorKind.TooShortRequest],
    ['trailing self address', [3, 0], ErrorKind.MalformedRequest],
  ])('rejects %s with kind %s', (_n, bytes, kind) => {
    try {
      decodeBinaryRequest(Uint8Array.from(bytes));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WsApiError);
      expect((e as WsApiError).kind).toBe(kind);
    }
  });

  it('rejects a length field that disagrees with the data', () => {
    const ok = encodeBinaryRequest({
      type: 'reply',
      senderTag: new Uint8Array(16),
      message: Uint8Array.of(1, 2, 3),
    });
    for (const b of [ok.subarray(0, ok.length - 1), Uint8Array.from([...ok, 0])]) {
      expect(() => decodeBinaryRequest(b)).toThrow('data length field');
    }
  });

  it('throws only WsApiError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        for (const f of [decodeBinaryRequest, decodeBinaryResponse]) {
          try {
            f(b);
          } catch (e) {
            expect(e).toBeInstanceOf(WsApiError);
          }
        }
      }),
    );
  });
});

describe('native websocket API: text', () => {
  it('parses the JSON requests Nym apps send', () => {
    const r = {
      identity: new Uint8Array(32).fill(1),
      encryptionKey: new Uint8Array(32).fill(2),
      gateway: new Uint8Array(32).fill(3),
    };
    const addr = recipientToString(r);
    expect(decodeTextRequest(JSON.stringify({ type: 'send', message: 'hi', recipient: addr }))).toEqual({
      type: 'send',
      recipient: r,
      message: new TextEncoder().encode('hi'),
      connectionId: undefined,
    });
    const anon = decodeTextRequest(
      JSON.stringify({
        type: 'sendAnonymous',
        message: 'x',
        recipient: addr,
        replySurbs: 10,
        connectionId: 3,
      }),
    );
    expect(anon).toMatchObject({ type: 'sendAnonymous', replySurbs: 10, connectionId: 3n });
    const tag = new Uint8Array(16).fill(4);
    expect(
      decodeTextRequest(JSON.stringify({ type: 'reply', senderTag: encodeSenderTag(tag), message: 'r' })),
    ).toMatchObject({
      type: 'reply',
      senderTag: tag,
    });
    expect(decodeTextRequest('{"type":"selfAddress"}')).toEqual({ type: 'selfAddress' });
  });

  it('writes the JSON responses Nym apps read', () => {
    expect(
      JSON.parse(encodeTextResponse({ type: 'received', message: new TextEncoder().encode('hé') })),
    ).toEqual({
      type: 'received',
      message: 'hé',
      senderTag: null,
    });
    expect(JSON.parse(encodeTextResponse({ type: 'error', kind: ErrorKind.Other, message: 'boom' }))).toEqual(
      {
        type: 'error',
        message: 'boom',
      },
    );
  });

  it('round-trips text requests and responses', () => {
    const text = fc.string().map((s) => new TextEncoder().encode(s));
    const textRequest: fc.Arbitrary<WsRequest> = fc.oneof(
      fc.record({
        type: fc.constant('send' as const),
        recipient,
        message: text,
        connectionId: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
      }),
      fc.record({
        type: fc.constant('reply' as const),
        senderTag: tag,
        message: text,
        connectionId: fc.bigInt({ min: 0n, max: 1000n }),
      }),
      fc.constant({ type: 'selfAddress' as const }),
    );
    fc.assert(
      fc.property(textRequest, (r) => {
        expect(decodeTextRequest(encodeTextRequest(r))).toEqual(r);
      }),
    );
    const textResponse: fc.Arbitrary<WsResponse> = fc.oneof(
      fc.record({ type: fc.constant('received' as const), message: text, senderTag: tag }),
      fc.record({ type: fc.constant('selfAddress' as const), address: recipient }),
    );
    fc.assert(
      fc.property(textResponse, (r) => {
        expect(decodeTextResponse(encodeTextResponse(r))).toEqual(r);
      }),
    );
  });

  it.each([
    ['not json', '{', ErrorKind.MalformedRequest],
    ['array', '[]', ErrorKind.MalformedRequest],
    ['unknown type', '{"type":"frobnicate"}', ErrorKind.UnknownRequest],
    ['missing recipient', '{"type":"send","message":"x"}', ErrorKind.MalformedRequest],
    ['bad recipient', '{"type":"send","message":"x","recipient":"nope"}', ErrorKind.MalformedRequest],
    [
      'bad surbs',
      '{"type":"sendAnonymous","message":"x","recipient":"a.b@c","replySurbs":-1}',
      ErrorKind.MalformedRequest,
    ],
    ['bad tag', '{"type":"reply","message":"x","senderTag":"abc"}', ErrorKind.MalformedRequest],
    [
      'bad connection id',
      '{"type":"reply","message":"x","senderTag":"abc","connectionId":"7"}',
      ErrorKind.MalformedRequest,
    ],
  ])('rejects %s', (_n, s, kind) => {
    try {
      decodeTextRequest(s);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WsApiError);
      expect((e as WsApiError).kind).toBe(kind);
    }
  });

  it('throws only WsApiError on random strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        try {
          decodeTextRequest(s);
        } catch (e) {
          expect(e).toBeInstanceOf(WsApiError);
        }
      }),
    );
  });
});
