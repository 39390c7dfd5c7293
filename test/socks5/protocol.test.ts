/**
 * The SOCKS-over-mixnet codecs (src/socks5/protocol): Nym's own byte vectors (the tests of
 * common/socks5/requests at the release commit, quoted), property round trips for every
 * message, and each kind of bad input rejected with its typed error and code.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecipient, recipientToBytes, type Recipient } from '../../src/nymsphinx/addressing.js';
import {
  BincodeReader,
  ControlInLegacyModeError,
  EmptyMessageError,
  FieldTooLongError,
  LegacyMismatchError,
  MalformedBincodeError,
  MalformedJsonError,
  MalformedReturnAddressError,
  MalformedTextError,
  OPEN_EXIT_POLICY,
  TruncatedError,
  UnknownTagError,
  UnsupportedVersionError,
  decodeControlResponse,
  decodeProviderRequest,
  decodeProviderResponse,
  decodeQueryRequest,
  decodeQueryResponse,
  decodeRequestContent,
  decodeResponseContent,
  decodeSocketDataRequest,
  decodeSocketDataResponse,
  encodeControlResponse,
  encodeProviderRequest,
  encodeProviderResponse,
  encodeQueryResponse,
  encodeRequestContent,
  encodeResponseContent,
  encodeSocketDataRequest,
  encodeSocketDataResponse,
  encodeSocks5ProviderRequest,
  versionFromByte,
  versionToJson,
  type ControlResponse,
  type ProviderRequest,
  type ProviderResponse,
  type QueryResponse,
  type SocketData,
  type Socks5RequestContent,
  type Socks5ResponseContent,
  type Version,
} from '../../src/socks5/protocol/index.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const version: fc.Arbitrary<Version> = fc.oneof(
  fc.constant('legacy' as const),
  fc.integer({ min: 3, max: 255 }),
);
const recipientArb: fc.Arbitrary<Recipient> = fc
  .tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
  )
  .map(([a, enc, c]) => ({
    identity: ed25519.getPublicKey(a),
    encryptionKey: enc,
    gateway: ed25519.getPublicKey(c),
  }));
const socketData: fc.Arbitrary<SocketData> = fc.record({
  connectionId: u64,
  seq: u64,
  localClosed: fc.boolean(),
  data: fc.uint8Array({ maxLength: 300 }),
});

// Nym's test recipients (common/socks5/requests/src/{lib,request}.rs tests)
const NYM_RECIPIENT =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
const NYM_RETURN =
  '3KRydEpanwjFhq5GAraVjRUF1Tno7w7oc4EwJYTGNo5J.RgZ7uMJHruBQqD5hC9Ghi3sqiTn6NycfM5qCfJz6yoM@9Byd9VAtyYMnbVAcqdoQxJnq76XEg2dbxbiF5Aa5Jj9J';

describe("Nym's vectors", () => {
  it('socket data: request and response orders (lib.rs socket_data_serialization)', () => {
    const req = decodeSocketDataRequest(
      bytes(6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 255, 255, 255),
    );
    expect(req.connectionId).toBe(0x0606060606060606n);
    expect(req.seq).toBe(0x0001020304050607n);
    expect(req.localClosed).toBe(false);
    expect([...req.data]).toEqual([255, 255, 255]);
    const res = decodeSocketDataResponse(
      bytes(0, 6, 6, 6, 6, 6, 6, 6, 6, 0, 1, 2, 3, 4, 5, 6, 7, 255, 255, 255),
    );
    expect(res).toEqual(req);
    const d: SocketData = { connectionId: 12345n, seq: 42n, localClosed: false, data: bytes(2, 3) };
    // the same bytes read in the other order give something else (Nym: assert_ne)
    expect(decodeSocketDataResponse(encodeSocketDataRequest(d))).not.toEqual(d);
  });

  it('too short socket data: received / expected as Nym reports them', () => {
    for (const b of [bytes(), bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)]) {
      const e = catchError(() => decodeSocketDataRequest(b));
      expect(e).toBeInstanceOf(TruncatedError);
      expect(e).toMatchObject({ code: 'truncated', expected: 17, received: b.length });
    }
  });

  it('legacy Connect and Send from an old client (interface_backwards_compatibility)', () => {
    // prettier-ignore
    const oldConnect = bytes(0, 0, 2, 254, 34, 100, 192, 20, 13, 171, 0, 16, 56, 48, 46, 50, 52, 57, 46, 57, 57,
      46, 49, 52, 56, 58, 56, 48, 34, 112, 17, 182, 225, 6, 174, 216, 160, 41, 72, 236,
      160, 90, 156, 3, 250, 41, 243, 53, 191, 178, 218, 53, 170, 14, 185, 33, 94, 153,
      25, 41, 6, 82, 169, 187, 88, 246, 211, 57, 68, 225, 228, 231, 116, 29, 119, 235,
      160, 14, 156, 205, 66, 1, 75, 204, 204, 220, 14, 150, 191, 203, 174, 88, 121, 173,
      83, 219, 188, 164, 194, 212, 238, 228, 4, 128, 48, 105, 224, 83, 17, 246, 233, 16,
      235, 223, 68, 87, 13, 40, 34, 186, 218, 204, 126, 145);
    const r = decodeProviderRequest(oldConnect);
    expect(r.interfaceVersion).toBe('legacy');
    if (r.content.kind !== 'providerData') throw new Error('expected provider data');
    expect(r.content.request.protocolVersion).toBe('legacy');
    const c = r.content.request.content;
    if (c.kind !== 'connect') throw new Error('expected connect');
    expect(c.remoteAddress).toBe('80.249.99.148:80');
    expect(c.connectionId).toBe(215647648274976171n);
    expect([...recipientToBytes(c.returnAddress!)]).toEqual([
      ...recipientToBytes(parseRecipient(NYM_RETURN)),
    ]);
    // and a new client in legacy mode writes exactly these bytes
    expect([...encodeProviderRequest(r)]).toEqual([...oldConnect]);

    // prettier-ignore
    const oldSend = bytes(0, 1, 108, 102, 28, 19, 50, 178, 37, 241, 0, 0, 0, 0, 0, 0, 0, 0, 0, 71, 69, 84,
      32, 47, 49, 77, 66, 46, 122, 105, 112, 32, 72, 84, 84, 80, 47, 49, 46, 49, 13, 10,
      72, 111, 115, 116, 58, 32, 105, 112, 118, 52, 46, 100, 111, 119, 110, 108, 111, 97,
      100, 46, 116, 104, 105, 110, 107, 98, 114, 111, 97, 100, 98, 97, 110, 100, 46, 99,
      111, 109, 13, 10, 85, 115, 101, 114, 45, 65, 103, 101, 110, 116, 58, 32, 99, 117,
      114, 108, 47, 55, 46, 54, 56, 46, 48, 13, 10, 65, 99, 99, 101, 112, 116, 58, 32,
      42, 47, 42, 13, 10, 13, 10);
    const s = decodeProviderRequest(oldSend);
    if (s.content.kind !== 'providerData' || s.content.request.content.kind !== 'send')
      throw new Error('send');
    const data = s.content.request.content.data;
    expect(data.connectionId).toBe(7810961472501196273n);
    expect(data.seq).toBe(0n);
    expect(data.data.length).toBe(103);
    expect(data.localClosed).toBe(false);
  });

  it('Connect and Send contents (request_deserialization_tests)', () => {
    const foo = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 7, 102, 111, 111, 46, 99, 111, 109];
    const rcpt = recipientToBytes(parseRecipient(NYM_RECIPIENT));
    const c = decodeRequestContent(Uint8Array.from([...foo, ...rcpt]));
    expect(c).toMatchObject({ kind: 'connect', remoteAddress: 'foo.com', connectionId: 0x0102030405060708n });
    const send = decodeRequestContent(
      bytes(1, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 255),
    );
    expect(send).toMatchObject({
      kind: 'send',
      data: { connectionId: 0x0102030405060708n, seq: 1n, localClosed: true },
    });
  });

  it('queries (serialize_query_request / serialize_query_response)', () => {
    expect([...encodeRequestContent({ kind: 'query', query: 'openProxy' })]).toEqual([2, 0]);
    expect([...encodeRequestContent({ kind: 'query', query: 'description' })]).toEqual([2, 1]);
    const cases: [QueryResponse, number[]][] = [
      [{ kind: 'openProxy', open: true }, [3, 0, 1]],
      [{ kind: 'description', description: 'foo' }, [3, 1, 3, 102, 111, 111]],
      [
        { kind: 'error', message: 'this is an error' },
        [3, 3, 16, 116, 104, 105, 115, 32, 105, 115, 32, 97, 110, 32, 101, 114, 114, 111, 114],
      ],
      [
        { kind: 'exitPolicy', enabled: false, upstream: 'http://foo.bar', policy: OPEN_EXIT_POLICY },
        [
          3, 2, 0, 14, 104, 116, 116, 112, 58, 47, 47, 102, 111, 111, 46, 98, 97, 114, 1, 1, 0, 1, 42, 1, 251,
          255, 255,
        ],
      ],
    ];
    for (const [q, wire] of cases) {
      expect([...encodeResponseContent({ kind: 'query', response: q })]).toEqual(wire);
      expect(decodeResponseContent(Uint8Array.from(wire))).toEqual({ kind: 'query', response: q });
    }
  });

  it('connection errors (connection_error_response_serde_tests)', () => {
    const e1 = catchError(() => decodeResponseContent(bytes(2)));
    expect(e1).toBeInstanceOf(EmptyMessageError);
    const e2 = catchError(() => decodeResponseContent(bytes(2, 1, 2, 3, 4, 5)));
    expect(e2).toBeInstanceOf(TruncatedError);
    const e3 = catchError(() => decodeResponseContent(bytes(2, 0, 0, 0, 0, 0, 0, 0, 42, 0, 159, 146, 150)));
    expect(e3).toBeInstanceOf(MalformedTextError);
    expect(e3).toMatchObject({ code: 'malformed_text' });
  });

  it('versions: below 3 is legacy; Display as serde_json', () => {
    expect(versionFromByte(0)).toBe('legacy');
    expect(versionFromByte(2)).toBe('legacy');
    expect(versionFromByte(3)).toBe(3);
    expect(versionToJson(3)).toBe('{"type":"Versioned","version":3}');
  });
});

describe('round trips', () => {
  const requestContent: fc.Arbitrary<Socks5RequestContent> = fc.oneof(
    fc.record(
      {
        kind: fc.constant('connect' as const),
        connectionId: u64,
        remoteAddress: fc.string({ maxLength: 300 }),
        returnAddress: recipientArb,
      },
      { requiredKeys: ['kind', 'connectionId', 'remoteAddress'] },
    ),
    fc.record({ kind: fc.constant('send' as const), data: socketData }),
    fc.record({
      kind: fc.constant('query' as const),
      query: fc.constantFrom('openProxy', 'description', 'exitPolicy'),
    }),
  );
  const policy = fc.record({
    rules: fc.array(
      fc.record({
        action: fc.constantFrom('accept', 'reject', 'accept6', 'reject6'),
        ipPattern: fc.constantFrom('*', '*4', '*6', '10.0.0.0/8', '::1', '2001:db8::/32', '127.0.0.1'),
        ports: fc.record({
          start: fc.integer({ min: 0, max: 65535 }),
          end: fc.integer({ min: 0, max: 65535 }),
        }),
      }),
      { maxLength: 5 },
    ),
  });
  const queryResponse: fc.Arbitrary<QueryResponse> = fc.oneof(
    fc.record({ kind: fc.constant('openProxy' as const), open: fc.boolean() }),
    fc.record({ kind: fc.constant('description' as const), description: fc.string({ maxLength: 400 }) }),
    fc.record(
      { kind: fc.constant('exitPolicy' as const), enabled: fc.boolean(), upstream: fc.string(), policy },
      { requiredKeys: ['kind', 'enabled', 'upstream'] },
    ),
    fc.record({ kind: fc.constant('error' as const), message: fc.string() }),
  );
  const responseContent: fc.Arbitrary<Socks5ResponseContent> = fc.oneof(
    fc.record({ kind: fc.constant('networkData' as const), data: socketData }),
    fc.record({ kind: fc.constant('connectionError' as const), connectionId: u64, message: fc.string() }),
    fc.record({ kind: fc.constant('query' as const), response: queryResponse }),
  );

  it('socket data, both orders', () => {
    fc.assert(
      fc.property(socketData, (d) => {
        expect(decodeSocketDataRequest(encodeSocketDataRequest(d))).toEqual(d);
        expect(decodeSocketDataResponse(encodeSocketDataResponse(d))).toEqual(d);
      }),
    );
  });

  it('provider requests at every version, control and provider data', () => {
    // a legacy interface carries a legacy body; a socks5 protocol above 3 is refused (below)
    const versions = fc.oneof(
      fc.constant(['legacy', 'legacy'] as const),
      fc.tuple(fc.integer({ min: 3, max: 255 }), fc.constantFrom<Version>('legacy', 3)),
    );
    const req: fc.Arbitrary<ProviderRequest> = fc.oneof(
      fc.tuple(versions, requestContent).map(([[iv, pv], content]) => ({
        interfaceVersion: iv,
        content: { kind: 'providerData' as const, request: { protocolVersion: pv, content } },
      })),
      fc.record({
        interfaceVersion: fc.integer({ min: 3, max: 255 }),
        content: fc.record({
          kind: fc.constant('control' as const),
          request: fc.constantFrom('health', 'binaryInfo', 'supportedRequestVersions'),
        }),
      }),
    );
    fc.assert(
      fc.property(req, (r) => {
        const back = decodeProviderRequest(encodeProviderRequest(r));
        // remote addresses are read lossily, like Nym: compare through one more round
        expect(decodeProviderRequest(encodeProviderRequest(back))).toEqual(back);
        if (r.content.kind === 'providerData' && r.content.request.content.kind === 'connect') {
          const c = r.content.request.content;
          if (!/[\uD800-\uDFFF]/.test(c.remoteAddress)) expect(back).toEqual(r);
        } else expect(back).toEqual(r);
      }),
    );
  });

  it('provider responses at every version', () => {
    const control: fc.Arbitrary<ControlResponse> = fc.oneof(
      fc.constant({ kind: 'health' as const }),
      fc.record({ kind: fc.constant('error' as const), message: fc.string() }),
      fc.record({
        kind: fc.constant('supportedRequestVersions' as const),
        versions: fc.record({ interface_version: fc.string(), provider_version: fc.string() }),
      }),
    );
    const versions = fc.oneof(
      fc.constant(['legacy', 'legacy'] as const),
      fc.tuple(fc.integer({ min: 3, max: 255 }), version),
    );
    const res: fc.Arbitrary<ProviderResponse> = fc.oneof(
      fc.tuple(versions, responseContent).map(([[iv, pv], content]) => ({
        interfaceVersion: iv,
        content: { kind: 'providerData' as const, response: { protocolVersion: pv, content } },
      })),
      fc.record({
        interfaceVersion: fc.integer({ min: 3, max: 255 }),
        content: fc.record({ kind: fc.constant('control' as const), response: control }),
      }),
    );
    fc.assert(
      fc.property(res, (r) => {
        // Nym's legacy format cannot tell a legacy query response (flag 3) from a versioned message
        fc.pre(
          !(
            r.content.kind === 'providerData' &&
            r.content.response.protocolVersion === 'legacy' &&
            r.content.response.content.kind === 'query'
          ),
        );
        const text = JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        fc.pre(!/\\ud[89a-f]/i.test(text)); // lone surrogates do not survive UTF-8
        expect(decodeProviderResponse(encodeProviderResponse(r))).toEqual(r);
      }),
    );
  });

  it('binary info control response (JSON body)', () => {
    const info = {
      binary_name: 'nymph-requester',
      build_information: {
        binary_name: 'nymph-requester',
        build_timestamp: 't',
        build_version: '0.1.0',
        commit_sha: 'x',
        commit_timestamp: 't',
        commit_branch: 'main',
        rustc_version: 'n/a',
        rustc_channel: 'n/a',
        cargo_profile: 'release',
        cargo_triple: 'node',
      },
    };
    const r: ControlResponse = { kind: 'binaryInfo', info };
    expect(decodeControlResponse(encodeControlResponse(r))).toEqual(r);
  });
});

describe('bad input: a typed error for each, never a crash', () => {
  it('any bytes either decode or throw a typed error (requests and responses)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        for (const decode of [decodeProviderRequest, decodeProviderResponse]) {
          try {
            decode(b);
          } catch (e) {
            expect((e as { module?: string }).module).toBe('socks5-protocol');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('empty messages', () => {
    expect(catchError(() => decodeProviderRequest(bytes()))).toBeInstanceOf(EmptyMessageError);
    expect(catchError(() => decodeProviderResponse(bytes()))).toBeInstanceOf(EmptyMessageError);
    expect(catchError(() => decodeRequestContent(bytes()))).toMatchObject({ code: 'empty' });
  });

  it('unknown tags: request flag, provider tag, response flag, control tag, query variant', () => {
    const e = [
      catchError(() => decodeRequestContent(bytes(9))),
      catchError(() => decodeProviderRequest(bytes(3, 7, 3, 0))),
      catchError(() => decodeResponseContent(bytes(0))),
      catchError(() => decodeProviderRequest(bytes(3, 0, 9))),
      catchError(() => decodeQueryRequest(bytes(3))),
      catchError(() => decodeQueryResponse(bytes(4))),
    ];
    for (const x of e) expect(x).toBeInstanceOf(UnknownTagError);
    expect(e[0]).toMatchObject({ code: 'unknown_tag', value: 9 });
  });

  it('a socks5 protocol version above 3 is refused', () => {
    const e = catchError(() => decodeProviderRequest(bytes(3, 1, 4, 2, 0)));
    expect(e).toBeInstanceOf(UnsupportedVersionError);
    expect(e).toMatchObject({ version: 4, max: 3 });
  });

  it('truncated connects: connection id, address length, address', () => {
    expect(catchError(() => decodeRequestContent(bytes(0, 1, 2, 3, 4, 5, 6, 7)))).toMatchObject({
      field: 'connection id',
    });
    expect(catchError(() => decodeRequestContent(bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 0)))).toMatchObject({
      field: 'address length',
    });
    expect(catchError(() => decodeRequestContent(bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1)))).toMatchObject({
      field: 'remote address',
    });
  });

  it('return addresses: too short, or keys not on the curve (Nym flips bytes 0, 15, 31)', () => {
    const prefix = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 7, 102, 111, 111, 46, 99, 111, 109];
    const good = recipientToBytes(parseRecipient(NYM_RECIPIENT));
    const short = catchError(() => decodeRequestContent(Uint8Array.from([...prefix, ...good.slice(0, 40)])));
    expect(short).toBeInstanceOf(MalformedReturnAddressError);
    const bad = good.slice();
    bad[0] = 255;
    bad[15] ^= 1;
    bad[31] ^= 1;
    const malformed = catchError(() => decodeRequestContent(Uint8Array.from([...prefix, ...bad])));
    expect(malformed).toBeInstanceOf(MalformedReturnAddressError);
    expect(malformed).toMatchObject({ code: 'malformed_return_address' });
  });

  it('bincode: trailing bytes, bad bool, bad option, truncated string, bad ip pattern, bad varint', () => {
    const cases = [
      bytes(0, 1, 0), // OpenProxy(true) then a trailing byte
      bytes(0, 2), // bool 2
      bytes(2, 0, 0, 2), // Option tag 2
      bytes(1, 5, 102), // string of 5 with 1 byte
      bytes(2, 0, 0, 1, 1, 0, 3, 120, 120, 120, 1, 1), // ip pattern "xxx"
      bytes(1, 255), // varint tag 255
      bytes(2, 0, 0, 1, 1, 0, 1, 42, 252, 0, 1, 0, 0, 1), // u16 port of 65536
    ];
    for (const c of cases)
      expect(catchError(() => decodeQueryResponse(c))).toBeInstanceOf(MalformedBincodeError);
    expect(() => new BincodeReader(bytes()).bool('x')).toThrow(MalformedBincodeError);
  });

  it('control responses with bad JSON bodies', () => {
    for (const body of ['{', '{"message": 3}', '[]'])
      expect(
        catchError(() => decodeControlResponse(Uint8Array.from([0xff, ...new TextEncoder().encode(body)]))),
      ).toBeInstanceOf(MalformedJsonError);
  });

  it('encoding what the wire cannot say', () => {
    expect(
      catchError(() =>
        encodeSocks5ProviderRequest(
          { interface: 'legacy', protocol: 3 },
          { kind: 'query', query: 'openProxy' },
        ),
      ),
    ).toBeInstanceOf(LegacyMismatchError);
    expect(
      catchError(() =>
        encodeProviderRequest({
          interfaceVersion: 'legacy',
          content: { kind: 'control', request: 'health' },
        }),
      ),
    ).toBeInstanceOf(ControlInLegacyModeError);
    expect(
      catchError(() =>
        encodeSocks5ProviderRequest(
          { interface: 3, protocol: 3 },
          { kind: 'connect', connectionId: 1n, remoteAddress: 'a'.repeat(70_000) },
        ),
      ),
    ).toBeInstanceOf(FieldTooLongError);
    expect(() =>
      encodeSocketDataRequest({ connectionId: -1n, seq: 0n, localClosed: false, data: bytes() }),
    ).toThrow(/u64/);
    expect(() => encodeQueryResponse({ kind: 'openProxy', open: true })).not.toThrow();
  });
});

function catchError(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}
