/**
 * The pure protocol codecs: every round trip as a property (fast-check), both sides of
 * the handshake and of authenticateV2, and each kind of bad input rejected with its typed
 * error (never anything else).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeAead } from '../../src/crypto/node.js';
import { encodeNodeAddress } from '../../src/sphinx/index.js';
import {
  ACK_PACKET_SIZE,
  BadCiphertextError,
  BadEncryptionFlagError,
  BadPacketError,
  BadSignatureError,
  DecryptionError,
  EncryptedRequestError,
  GATEWAY_ERROR_TEXTS,
  GatewayProtocolError,
  HandshakeBadResponseError,
  HandshakeDecryptionError,
  HandshakeLegacyKeyError,
  HandshakeMalformedError,
  HandshakeSignatureError,
  MalformedFrameError,
  MalformedMessageError,
  ReplayedRequestError,
  StaleRequestError,
  SURB_ACK_SIZE,
  UnknownFrameKindError,
  UnknownMessageTypeError,
  clientHandshakeFinalized,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodeCredentialPayload,
  decodeForwardFrame,
  decodeMixPacket,
  decodePushedFrame,
  encodeClientRequest,
  encodeCredentialPayload,
  encodeForwardFrame,
  encodeForwardFrameV1,
  encodeGatewayResponse,
  encodeMixPacket,
  encodeMixPacketV1,
  encodePushedFrame,
  errorCodeOfMessage,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  keyRotationOf,
  nobleAead,
  nymAddressOf,
  openCredential,
  openSensitiveRequest,
  openSensitiveResponse,
  parseClientRequest,
  parseGatewayResponse,
  readNymAddress,
  sealCredential,
  sealSensitiveRequest,
  sealSensitiveResponse,
  sphinxLengthOf,
  splitSurbAck,
  verifyAuthenticateRequest,
  withSurbAck,
  type ClientRequest,
  type GatewayErrorCode,
  type GatewayResponse,
  type SensitiveRequest,
} from '../../src/gateway/protocol/index.js';
import * as protocolErrors from '../../src/gateway/protocol/errors.js';
import { newIdentity, random } from './client.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const fixed = (n: number) => bytes(n, n);
const SPHINX_SIZES = [386, 2413, 8557, 16749, 33133];
const nodeAddress = fc.oneof(
  fc
    .tuple(fixed(4), fc.integer({ min: 0, max: 65535 }))
    .map(([ip, port]) => encodeNodeAddress({ host: Array.from(ip).join('.'), port })),
  fc.tuple(fixed(16), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => {
    const a = new Uint8Array(32);
    a[0] = 6;
    a[1] = port >> 8;
    a[2] = port & 255;
    a.set(ip, 3);
    return a;
  }),
);
/** Every thrown error is one of the protocol's typed errors. */
function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayProtocolError);
  }
}

describe('AES-256-GCM-SIV', () => {
  it('node:crypto + POLYVAL and noble agree, and neither opens a tampered ciphertext', () => {
    fc.assert(
      fc.property(fixed(32), fixed(12), bytes(0, 3000), fc.nat(), (key, nonce, pt, flip) => {
        const a = nobleAead.seal(key, nonce, pt);
        expect(nodeAead.seal(key, nonce, pt)).toEqual(a);
        expect(nodeAead.open(key, nonce, a)).toEqual(pt);
        const bad = a.slice();
        bad[flip % bad.length] ^= 1;
        expect(nobleAead.open(key, nonce, bad)).toBeNull();
        expect(nodeAead.open(key, nonce, bad)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });
});

describe('node addresses, mix packets and frames', () => {
  it("Nym's short address round-trips to the 32-byte Sphinx one", () => {
    fc.assert(
      fc.property(nodeAddress, bytes(0, 20), (addr, tail) => {
        const short = nymAddressOf(addr);
        expect(short.length).toBe(addr[0] === 4 ? 7 : 19);
        const r = readNymAddress(new Uint8Array([...short, ...tail]));
        expect(r).toEqual({ nodeAddress: addr, length: short.length });
      }),
    );
    expect(() => readNymAddress(new Uint8Array([5, 0, 1]))).toThrow(BadPacketError);
    expect(() => readNymAddress(new Uint8Array([6, 0, 1, 2]))).toThrow(BadPacketError);
    expect(() => nymAddressOf(new Uint8Array(31))).toThrow(BadPacketError);
  });

  it('ForwardSphinxV2 and ForwardSphinx frames and pushed messages round-trip', () => {
    fc.assert(
      fc.property(
        fixed(32),
        fixed(12),
        nodeAddress,
        fc.constantFrom(...SPHINX_SIZES),
        fc.integer({ min: 0, max: 2 }),
        (key, nonce, hop, size, rotation) => {
          const packet = random(size);
          const v2 = encodeMixPacket({ packetType: 0, keyRotation: rotation, nextHop: hop, packet });
          expect(sphinxLengthOf(v2)).toBe(size);
          expect(decodeMixPacket(v2, 2)).toEqual({
            packetType: 0,
            keyRotation: rotation,
            nextHop: hop,
            packet,
          });
          const frame = encodeForwardFrame(key, nonce, v2);
          expect(frame[0]).toBe(2);
          expect(frame[1]).toBe(1);
          expect(decodeForwardFrame(frame, key, nodeAead)).toEqual({
            packetType: 0,
            keyRotation: rotation,
            nextHop: hop,
            packet,
          });
          const v1 = encodeForwardFrameV1(
            key,
            nonce,
            encodeMixPacketV1({ packetType: 0, nextHop: hop, packet }),
          );
          expect(decodeForwardFrame(v1, key)).toEqual({
            packetType: 0,
            keyRotation: 0,
            nextHop: hop,
            packet,
          });
          const msg = random(size % 1000);
          expect(decodePushedFrame(encodePushedFrame(key, nonce, msg, nodeAead), key)).toEqual(msg);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('rejects bad frames and packets with typed errors', () => {
    const key = random(32);
    const hop = encodeNodeAddress({ host: '10.0.0.1', port: 1789 });
    const good = encodeForwardFrame(
      key,
      random(12),
      encodeMixPacket({ packetType: 0, nextHop: hop, packet: random(2413) }),
    );
    expect(() => decodeForwardFrame(good.subarray(0, 1), key)).toThrow(MalformedFrameError);
    expect(() => decodeForwardFrame(good.subarray(0, 10), key)).toThrow(MalformedFrameError);
    const clear = good.slice();
    clear[1] = 0;
    expect(() => decodeForwardFrame(clear, key)).toThrow(BadEncryptionFlagError);
    const kind = good.slice();
    kind[0] = 9;
    expect(() => decodeForwardFrame(kind, key)).toThrow(UnknownFrameKindError);
    const tampered = good.slice();
    tampered[100] ^= 1;
    expect(() => decodeForwardFrame(tampered, key)).toThrow(DecryptionError);
    expect(() => decodeForwardFrame(good, random(32))).toThrow(DecryptionError);
    // a pushed frame is kind 1 in the other direction: a client does not take kind 2
    expect(() => decodePushedFrame(good, key)).toThrow(UnknownFrameKindError);
    const mp = (p: Uint8Array) => () => decodeMixPacket(p, 2);
    const base = [...nymAddressOf(hop), ...random(2413)];
    expect(mp(new Uint8Array([0, 0, ...base.slice(0, 7), ...random(1000)]))).toThrow(BadPacketError);
    expect(mp(new Uint8Array([2, 0, ...base]))).toThrow(/outfox/);
    expect(mp(new Uint8Array([1, 0, ...base]))).toThrow(BadPacketError);
    expect(mp(new Uint8Array([0, 3, ...base]))).toThrow(/key rotation/);
    expect(mp(new Uint8Array([0, 0, 9, ...base.slice(1)]))).toThrow(/address/);
    expect(mp(new Uint8Array([0]))).toThrow(BadPacketError);
    fc.assert(fc.property(bytes(0, 3000), (junk) => onlyTyped(() => decodeForwardFrame(junk, key))));
    fc.assert(
      fc.property(bytes(0, 300), fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>, (junk, v) =>
        onlyTyped(() => decodeMixPacket(junk, v)),
      ),
    );
    expect([keyRotationOf(0), keyRotationOf(0xffffffff), keyRotationOf(7), keyRotationOf(8)]).toEqual([
      0, 0, 1, 2,
    ]);
  });
});

describe('SURB-acks', () => {
  it('are 405 bytes (19-byte first hop ‖ 386-byte ack) and split back', () => {
    expect(SURB_ACK_SIZE).toBe(405);
    fc.assert(
      fc.property(nodeAddress, fixed(ACK_PACKET_SIZE), bytes(0, 2000), (hop, ack, rest) => {
        const payload = withSurbAck({ firstHop: hop, ackPacket: ack }, rest);
        expect(payload.length).toBe(405 + rest.length);
        expect(Array.from(payload.subarray(0, 19))).toEqual([
          ...nymAddressOf(hop),
          ...new Array(19 - nymAddressOf(hop).length).fill(0),
        ]);
        expect(splitSurbAck(payload)).toEqual({ ack: { firstHop: hop, ackPacket: ack }, message: rest });
      }),
      { numRuns: 50 },
    );
    expect(() => splitSurbAck(random(404))).toThrow(MalformedMessageError);
    expect(() => splitSurbAck(new Uint8Array(405))).toThrow(MalformedMessageError);
    expect(() => withSurbAck({ firstHop: random(31), ackPacket: random(386) }, random(1))).toThrow(
      MalformedMessageError,
    );
    expect(() =>
      withSurbAck(
        { firstHop: encodeNodeAddress({ host: '1.2.3.4', port: 1 }), ackPacket: random(385) },
        random(1),
      ),
    ).toThrow(MalformedMessageError);
  });
});

describe('JSON messages', () => {
  const b = (n: number) => fixed(n);
  const u8 = fc.integer({ min: 0, max: 255 });
  const opt = fc.option(u8, { nil: undefined });
  const safe = fc.integer({ min: -(2 ** 52), max: 2 ** 52 });
  const requests: fc.Arbitrary<ClientRequest> = fc.oneof(
    fc.constant<ClientRequest>({ type: 'supportedProtocol' }),
    fc.constant<ClientRequest>({ type: 'claimFreeTestnetBandwidth' }),
    fc.record({ type: fc.constant('handshakePayload' as const), protocolVersion: opt, data: bytes(0, 200) }),
    fc.record({ type: fc.constant('handshakeError' as const), message: fc.string({ maxLength: 100 }) }),
    fc.record({
      type: fc.constant('authenticate' as const),
      protocolVersion: opt,
      address: fc.string({ maxLength: 50 }),
      encAddress: fc.string({ maxLength: 50 }),
      iv: fc.string({ maxLength: 50 }),
    }),
    fc.record({
      type: fc.constant('authenticateV2' as const),
      protocolVersion: u8,
      clientIdentity: b(32),
      addressCiphertext: bytes(0, 64),
      nonce: bytes(0, 16),
      requestUnixTimestamp: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
      requestSignature: b(64),
    }),
    fc.record({
      type: fc.constantFrom(
        'bandwidthCredential' as const,
        'bandwidthCredentialV2' as const,
        'ecashCredential' as const,
      ),
      encCredential: bytes(0, 500),
      iv: bytes(0, 16),
    }),
    fc.record({
      type: fc.constant('encryptedRequest' as const),
      ciphertext: bytes(0, 200),
      nonce: bytes(0, 16),
    }),
  );
  const responses: fc.Arbitrary<GatewayResponse> = fc.oneof(
    fc.record({ type: fc.constant('handshakePayload' as const), protocolVersion: opt, data: bytes(0, 200) }),
    fc.record({ type: fc.constant('handshakeError' as const), message: fc.string({ maxLength: 100 }) }),
    fc.record({
      type: fc.constant('authenticate' as const),
      protocolVersion: opt,
      status: fc.boolean(),
      bandwidthRemaining: safe,
    }),
    fc.record({ type: fc.constant('register' as const), protocolVersion: opt, status: fc.boolean() }),
    fc.record({
      type: fc.constant('encryptedResponse' as const),
      ciphertext: bytes(0, 200),
      nonce: bytes(0, 16),
    }),
    fc.record({ type: fc.constant('bandwidth' as const), availableTotal: safe }),
    fc.record({ type: fc.constant('send' as const), remainingBandwidth: safe }),
    fc.record({ type: fc.constant('supportedProtocol' as const), version: u8 }),
    fc.record({ type: fc.constant('error' as const), message: fc.string({ maxLength: 200 }) }),
    fc.record({
      type: fc.constant('typedError' as const),
      error: fc.oneof(
        fc.constant({ kind: 'ticketReplay' as const }),
        fc.record({ kind: fc.constant('outOfBandwidth' as const), required: safe, available: safe }),
      ),
    }),
  );

  it("every request and response round-trips through Nym's JSON", () => {
    fc.assert(
      fc.property(requests, (m) => {
        expect(parseClientRequest(encodeClientRequest(m))).toEqual(m);
      }),
      {
        numRuns: 300,
      },
    );
    fc.assert(
      fc.property(responses, (m) => {
        expect(parseGatewayResponse(encodeGatewayResponse(m))).toEqual(m);
      }),
      {
        numRuns: 300,
      },
    );
  });

  it("speaks Nym's field names and tags", () => {
    expect(encodeGatewayResponse({ type: 'bandwidth', availableTotal: 5 })).toBe(
      '{"type":"bandwidth","available_total":5}',
    );
    expect(encodeGatewayResponse({ type: 'register', protocolVersion: undefined, status: true })).toBe(
      '{"type":"register","protocol_version":null,"status":true}',
    );
    expect(encodeClientRequest({ type: 'supportedProtocol' })).toBe('{"type":"supportedProtocol"}');
    // Nym's RegisterHandshakeInitRequest alias, an absent Option, and unknown fields (ignored by serde)
    expect(parseClientRequest('{"type":"registerHandshakeInitRequest","data":[1,2],"extra":1}')).toEqual({
      type: 'handshakePayload',
      protocolVersion: undefined,
      data: Uint8Array.of(1, 2),
    });
    expect(parseGatewayResponse('{"type":"typedError","error":"ticket_replay"}')).toEqual({
      type: 'typedError',
      error: { kind: 'ticketReplay' },
    });
  });

  it('rejects bad JSON with typed errors', () => {
    expect(() => parseClientRequest('{')).toThrow(MalformedMessageError);
    expect(() => parseClientRequest('[]')).toThrow(MalformedMessageError);
    expect(() => parseClientRequest('{"type":3}')).toThrow(MalformedMessageError);
    expect(() => parseClientRequest('{"type":"warp"}')).toThrow(UnknownMessageTypeError);
    expect(() => parseClientRequest('{"type":"toString"}')).toThrow(UnknownMessageTypeError);
    expect(() => parseClientRequest('{"type":"handshakePayload","data":[256]}')).toThrow(
      MalformedMessageError,
    );
    expect(() =>
      parseClientRequest(
        encodeClientRequest({
          type: 'authenticateV2',
          protocolVersion: 4,
          clientIdentity: random(32),
          addressCiphertext: random(48),
          nonce: random(12),
          requestUnixTimestamp: 1,
          requestSignature: random(64),
        }).replace(/"nonce":"[^"]*"/, '"nonce":"%%%"'),
      ),
    ).toThrow(MalformedMessageError);
    expect(() => parseClientRequest(`{"type":"supportedProtocol","x":"${'a'.repeat(70_000)}"}`)).toThrow(
      MalformedMessageError,
    );
    fc.assert(fc.property(fc.string(), (s) => onlyTyped(() => parseClientRequest(s))));
    fc.assert(fc.property(fc.json(), (s) => onlyTyped(() => parseGatewayResponse(s))));
  });
});

describe('registration handshake', () => {
  it('gives both sides the same key, for any identities and randomness', () => {
    fc.assert(
      fc.property(fixed(32), fixed(32), fc.integer(), (cs, gs, salt) => {
        const client = { secretKey: cs, publicKey: ed25519.getPublicKey(cs) };
        const gateway = { secretKey: gs, publicKey: ed25519.getPublicKey(gs) };
        let i = salt;
        const rnd = (n: number) => {
          const out = new Uint8Array(n);
          for (let k = 0; k < n; k++) out[k] = (i++ * 2654435761) >>> 24;
          return out;
        };
        const start = clientHandshakeStart({
          identity: client,
          gatewayIdentity: gateway.publicKey,
          random: rnd,
        });
        expect(start.init.length).toBe(80);
        const resp = gatewayHandshakeRespond({ identity: gateway, init: start.init, random: rnd });
        expect(resp.material.length).toBe(124);
        const fin = clientHandshakeFinish(start.state, resp.material, rnd);
        expect(fin.material.length).toBe(92);
        const done = gatewayHandshakeComplete(resp.state, fin.material, nodeAead);
        expect(done.sharedKey).toEqual(fin.sharedKey);
        expect(done.clientIdentity).toEqual(client.publicKey);
        expect(Array.from(done.finalization)).toEqual([1]);
      }),
      { numRuns: 20 },
    );
  });

  it('a man in the middle cannot answer; a tampered or truncated step is refused, typed', () => {
    const client = newIdentity();
    const gateway = newIdentity();
    const start = clientHandshakeStart({ identity: client, gatewayIdentity: gateway.publicKey, random });
    // another key pair answering for the gateway: its key opens (it did the DH), its signature does not verify
    const mitm = gatewayHandshakeRespond({ identity: newIdentity(), init: start.init, random });
    expect(() => clientHandshakeFinish(start.state, mitm.material, random)).toThrow(HandshakeSignatureError);
    const resp = gatewayHandshakeRespond({ identity: gateway, init: start.init, random });
    const tampered = resp.material.slice();
    tampered[40] ^= 1;
    expect(() => clientHandshakeFinish(start.state, tampered, random)).toThrow(HandshakeDecryptionError);
    expect(() => clientHandshakeFinish(start.state, resp.material.subarray(0, 123), random)).toThrow(
      HandshakeBadResponseError,
    );
    const lowOrder = resp.material.slice();
    lowOrder.fill(0, 0, 32);
    expect(() => clientHandshakeFinish(start.state, lowOrder, random)).toThrow(HandshakeBadResponseError);
    // a client signing with another identity than it claimed
    const liar = clientHandshakeFinish(
      { ...start.state, identity: { ...newIdentity(), publicKey: client.publicKey } },
      resp.material,
      random,
    );
    expect(() => gatewayHandshakeComplete(resp.state, liar.material)).toThrow(HandshakeSignatureError);
    const fin = clientHandshakeFinish(start.state, resp.material, random);
    expect(() => gatewayHandshakeComplete(resp.state, fin.material.subarray(0, 91))).toThrow(
      HandshakeMalformedError,
    );
    const flipped = fin.material.slice();
    flipped[3] ^= 1;
    expect(() => gatewayHandshakeComplete(resp.state, flipped)).toThrow(HandshakeDecryptionError);
    // the init: truncated, legacy (no salt), not a key, low-order ephemeral
    const respond = (init: Uint8Array) => () => gatewayHandshakeRespond({ identity: gateway, init, random });
    expect(respond(start.init.subarray(0, 79))).toThrow(HandshakeMalformedError);
    expect(respond(start.init.subarray(0, 64))).toThrow(HandshakeLegacyKeyError);
    const notKey = start.init.slice();
    notKey.fill(0xff, 0, 32);
    expect(respond(notKey)).toThrow(HandshakeMalformedError);
    const zeroEph = start.init.slice();
    zeroEph.fill(0, 32, 64);
    expect(respond(zeroEph)).toThrow(HandshakeMalformedError);
    expect(() => clientHandshakeFinalized(Uint8Array.of(0))).toThrow(HandshakeBadResponseError);
    expect(() => clientHandshakeFinalized(Uint8Array.of(1, 1))).toThrow(HandshakeBadResponseError);
    fc.assert(fc.property(bytes(0, 200), (junk) => onlyTyped(respond(junk))));
    fc.assert(
      fc.property(bytes(0, 200), (junk) => onlyTyped(() => clientHandshakeFinish(start.state, junk, random))),
    );
  });
});

describe('authenticateV2', () => {
  const id = newIdentity();
  const key = random(32);
  const now = 1_800_000_000_000;
  const req = createAuthenticateRequest({ identity: id, sharedKey: key, nowMs: now, random });

  it('carries whole seconds and passes every check with the right key', () => {
    expect(req.requestUnixTimestamp).toBe(1_800_000_000);
    expect(req.protocolVersion).toBe(4);
    expect(verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now + 1000 })).toEqual({
      clientIdentity: id.publicKey,
      timestampSeconds: 1_800_000_000,
    });
  });

  it('refuses stale, future, replayed, forged and keyless requests', () => {
    // 10 minutes old, or from the future beyond the skew
    expect(() => verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now + 600_000 })).toThrow(
      StaleRequestError,
    );
    expect(() => verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now - 121_000 })).toThrow(
      StaleRequestError,
    );
    expect(() =>
      verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now + 119_000 }),
    ).not.toThrow();
    // the same timestamp again, or an older one
    expect(() =>
      verifyAuthenticateRequest({
        request: req,
        sharedKey: key,
        nowMs: now,
        lastTimestampSeconds: 1_800_000_000,
      }),
    ).toThrow(ReplayedRequestError);
    expect(() =>
      verifyAuthenticateRequest({
        request: req,
        sharedKey: key,
        nowMs: now,
        lastTimestampSeconds: 1_799_999_999,
      }),
    ).not.toThrow();
    // a changed timestamp breaks the signature; another key does not produce the ciphertext
    expect(() =>
      verifyAuthenticateRequest({
        request: { ...req, requestUnixTimestamp: 1_800_000_001 },
        sharedKey: key,
        nowMs: now,
      }),
    ).toThrow(BadSignatureError);
    expect(() => verifyAuthenticateRequest({ request: req, sharedKey: random(32), nowMs: now })).toThrow(
      BadCiphertextError,
    );
    const other = createAuthenticateRequest({ identity: newIdentity(), sharedKey: key, nowMs: now, random });
    expect(() =>
      verifyAuthenticateRequest({
        request: { ...other, clientIdentity: id.publicKey },
        sharedKey: key,
        nowMs: now,
      }),
    ).toThrow(BadSignatureError);
  });
});

describe('Coconut credential and sealed requests', () => {
  it("credential bytes in Nym's Coconut-era layout round-trip, sealed with the session key", () => {
    fc.assert(
      fc.property(
        bytes(1, 2000),
        fc.bigInt({ min: 1n, max: 10n ** 16n - 1n }),
        fc.string({ maxLength: 60 }),
        fc.nat(),
        (theta, value, info, epochId) => {
          const p = { theta: base58.encode(theta), value: value.toString(), info, epochId };
          const enc = encodeCredentialPayload(p);
          expect(decodeCredentialPayload(enc)).toEqual(p);
          const key = random(32);
          const req = sealCredential({ sharedKey: key, credential: enc, random });
          expect(openCredential(req, key, nodeAead)).toEqual(enc);
          expect(() => openCredential(req, random(32))).toThrow(DecryptionError);
        },
      ),
      { numRuns: 50 },
    );
    const p = encodeCredentialPayload({
      theta: base58.encode(random(100)),
      value: '5',
      info: 'BandwidthVoucher',
    });
    const wrongParams = p.slice();
    wrongParams[3] = 5;
    expect(() => decodeCredentialPayload(wrongParams)).toThrow(/parameters/);
    expect(() => decodeCredentialPayload(p.subarray(0, 20))).toThrow(MalformedMessageError);
    const zeroValue = encodeCredentialPayload({ theta: base58.encode(random(10)), value: '0', info: '' });
    expect(() => decodeCredentialPayload(zeroValue)).toThrow(/value/);
    const badUtf8 = new Uint8Array([...p.subarray(0, p.length - 16), 0xff, 0xfe]);
    expect(() => decodeCredentialPayload(badUtf8)).toThrow(/UTF-8/);
    fc.assert(fc.property(bytes(0, 300), (junk) => onlyTyped(() => decodeCredentialPayload(junk))));
  });

  it('ForgetMe, RememberMe and UpgradeKey seal and open; a wrong key is typed', () => {
    const key = random(32);
    const reqs: SensitiveRequest[] = [
      { kind: 'forgetMe', client: true, stats: true },
      { kind: 'rememberMe', sessionType: 'Native' },
      { kind: 'upgradeKey', hkdfSalt: random(16), derivedKeyDigest: random(32) },
    ];
    for (const r of reqs) {
      const sealed = sealSensitiveRequest(r, key, random);
      expect(
        openSensitiveRequest(parseClientRequest(encodeClientRequest(sealed)) as typeof sealed, key, nodeAead),
      ).toEqual(r);
      expect(() => openSensitiveRequest(sealed, random(32))).toThrow(EncryptedRequestError);
    }
    for (const a of ['ForgetMeAck', 'RememberMeAck', 'KeyUpgradeAck'] as const)
      expect(openSensitiveResponse(sealSensitiveResponse(a, key, random), key)).toBe(a);
  });
});

describe('errors', () => {
  it('every error class carries its code, and its text reads back to that code', () => {
    const seen = new Set<GatewayErrorCode>();
    for (const [name, Cls] of Object.entries(protocolErrors)) {
      if (typeof Cls !== 'function' || !(Cls.prototype instanceof GatewayProtocolError)) continue;
      if (name === 'HandshakeError') continue;
      // constructor arguments only fill the detail part of the text
      const e = new (Cls as new (...a: unknown[]) => GatewayProtocolError)('x', 'y');
      expect(errorCodeOfMessage(e.wireMessage)).toBe(e.code);
      seen.add(e.code);
    }
    for (const [code, text] of Object.entries(GATEWAY_ERROR_TEXTS))
      expect(errorCodeOfMessage(text)).toBe(code);
    expect(seen.size).toBeGreaterThan(30);
    expect(errorCodeOfMessage('something only another gateway says')).toBe('gateway_error');
  });
});
