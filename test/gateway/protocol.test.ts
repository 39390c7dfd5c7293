/** The pure client <-> gateway codecs: round trips, handshake both ways, typed rejections. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeAead } from '../../src/gateway/node-aead.js';
import {
  ACK_PACKET_SIZE,
  BadSignatureError,
  DecryptionError,
  FRAME_KIND_FORWARD,
  FRAME_KIND_RECEIVED,
  MalformedMessageError,
  StaleRequestError,
  SURB_ACK_SIZE,
  UnknownMessageTypeError,
  UnsupportedProtocolError,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodeCredentialPayload,
  decodeFrame,
  decodeMixPacket,
  encodeCredentialPayload,
  encodeFrame,
  encodeMessage,
  encodeMixPacket,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  nobleAead,
  openCredential,
  parseClientRequest,
  parseGatewayResponse,
  sealCredential,
  splitSurbAck,
  verifyAuthenticateRequest,
  withSurbAck,
  GatewayProtocolError,
} from '../../src/gateway/protocol/index.js';
import { newIdentity, random } from './client.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

describe('gateway protocol codecs', () => {
  it('binary frames round-trip, and node:crypto and noble AEADs agree', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(12, 12), bytes(0, 3000), fc.boolean(), (key, nonce, pt, fwd) => {
        const kind = fwd ? FRAME_KIND_FORWARD : FRAME_KIND_RECEIVED;
        const a = encodeFrame(kind, key, nonce, pt, nobleAead);
        expect(encodeFrame(kind, key, nonce, pt, nodeAead)).toEqual(a);
        expect(decodeFrame(a, key, nodeAead)).toEqual({ kind, plaintext: pt });
        expect(decodeFrame(a, key)).toEqual({ kind, plaintext: pt });
      }),
      { numRuns: 50 },
    );
  });

  it('rejects tampered, truncated, unknown-kind and clear frames with typed errors', () => {
    const key = random(32);
    const f = encodeFrame(FRAME_KIND_FORWARD, key, random(12), random(100));
    const flipped = f.slice();
    flipped[40] ^= 1;
    expect(() => decodeFrame(flipped, key)).toThrow(DecryptionError);
    const kind = f.slice();
    kind[0] = FRAME_KIND_RECEIVED; // the kind is authenticated
    expect(() => decodeFrame(kind, key, nodeAead)).toThrow(DecryptionError);
    expect(() => decodeFrame(f.subarray(0, 20), key)).toThrow(MalformedMessageError);
    const k9 = f.slice();
    k9[0] = 9;
    expect(() => decodeFrame(k9, key)).toThrow(MalformedMessageError);
    const clear = f.slice();
    clear[1] = 0;
    expect(() => decodeFrame(clear, key)).toThrow(MalformedMessageError);
    fc.assert(
      fc.property(bytes(0, 200), (junk) => {
        try {
          decodeFrame(junk, key);
        } catch (e) {
          expect(e).toBeInstanceOf(GatewayProtocolError);
        }
      }),
    );
  });

  it('mix packets and SURB-acks split back into their parts', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(1, 3000), bytes(ACK_PACKET_SIZE, ACK_PACKET_SIZE), (hop, pkt, ack) => {
        const mp = decodeMixPacket(encodeMixPacket({ packetType: 0, nextHop: hop, packet: pkt }));
        expect(mp).toEqual({ packetType: 0, nextHop: hop, packet: pkt });
        const payload = withSurbAck({ firstHop: hop, ackPacket: ack }, pkt);
        expect(payload.length).toBe(SURB_ACK_SIZE + pkt.length);
        const s = splitSurbAck(payload);
        expect(s.ack).toEqual({ firstHop: hop, ackPacket: ack });
        expect(s.message).toEqual(pkt);
      }),
      { numRuns: 50 },
    );
    expect(() => splitSurbAck(random(SURB_ACK_SIZE - 1))).toThrow(MalformedMessageError);
    expect(() =>
      withSurbAck({ firstHop: random(31), ackPacket: random(ACK_PACKET_SIZE) }, random(1)),
    ).toThrow(MalformedMessageError);
  });

  it('JSON messages round-trip and bad ones are typed', () => {
    const msgs = [
      { type: 'supportedProtocol' },
      { type: 'handshakeFinish', nonce: 'AAAA', ciphertext: 'BBBB' },
      { type: 'bandwidthCredential', nonce: 'AAAA', ciphertext: 'BBBB' },
    ] as const;
    for (const m of msgs) expect(parseClientRequest(encodeMessage(m))).toEqual(m);
    const resp = [
      { type: 'register', status: 'ok', protocolVersion: 1, bandwidthRemaining: 5 },
      { type: 'bandwidth', availableTotal: 1024 },
      { type: 'error', code: 'out_of_bandwidth', message: 'x' },
    ] as const;
    for (const r of resp) expect(parseGatewayResponse(encodeMessage(r))).toEqual(r);
    expect(() => parseClientRequest('{')).toThrow(MalformedMessageError);
    expect(() => parseClientRequest('[]')).toThrow(MalformedMessageError);
    expect(() => parseClientRequest('{"type":"warp"}')).toThrow(UnknownMessageTypeError);
    expect(() => parseClientRequest('{"type":"authenticate","protocolVersion":1}')).toThrow(
      MalformedMessageError,
    );
    expect(() => parseGatewayResponse('{"type":"error","code":"nope","message":""}')).toThrow(
      MalformedMessageError,
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseClientRequest(s);
        } catch (e) {
          expect(e).toBeInstanceOf(GatewayProtocolError);
        }
      }),
    );
  });

  it('the handshake gives both sides the same key and checks both signatures', () => {
    const client = newIdentity();
    const gateway = newIdentity();
    const start = clientHandshakeStart({ identity: client, gatewayIdentity: gateway.publicKey, random });
    const init = parseClientRequest(encodeMessage(start.message));
    if (init.type !== 'handshakeInit') throw new Error('bad type');
    const resp = gatewayHandshakeRespond({ identity: gateway, init, random });
    const fin = clientHandshakeFinish(start.state, resp.message, random);
    const done = gatewayHandshakeComplete(resp.state, fin.message, nodeAead);
    expect(done.sharedKey).toEqual(fin.sharedKey);
    expect(done.clientIdentity).toEqual(client.publicKey);

    // a different gateway answering (man in the middle) derives another key (the gateway
    // identity is in the HKDF info), so its sealed signature does not even open
    const mitm = gatewayHandshakeRespond({ identity: newIdentity(), init, random });
    expect(() => clientHandshakeFinish(start.state, mitm.message, random)).toThrow(DecryptionError);
    // a client signing with another identity than it claimed fails the gateway's check
    const liar = clientHandshakeFinish(
      { ...start.state, identity: { ...newIdentity(), publicKey: client.publicKey } },
      resp.message,
      random,
    );
    expect(() => gatewayHandshakeComplete(resp.state, liar.message)).toThrow(BadSignatureError);
    expect(() =>
      gatewayHandshakeRespond({ identity: gateway, init: { ...init, protocolVersion: 9 }, random }),
    ).toThrow(UnsupportedProtocolError);
  });

  it('re-authentication needs the signature, the key, and a fresh timestamp', () => {
    const id = newIdentity();
    const key = random(32);
    const now = 1_800_000_000_000;
    const req = createAuthenticateRequest({ identity: id, sharedKey: key, nowMs: now, random });
    expect(verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now + 1000 }).timestamp).toBe(
      now,
    );
    expect(() => verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now + 121_000 })).toThrow(
      StaleRequestError,
    );
    expect(() =>
      verifyAuthenticateRequest({ request: req, sharedKey: key, nowMs: now, lastTimestamp: now }),
    ).toThrow(StaleRequestError);
    expect(() => verifyAuthenticateRequest({ request: req, sharedKey: random(32), nowMs: now })).toThrow(
      DecryptionError,
    );
    expect(() =>
      verifyAuthenticateRequest({ request: { ...req, timestamp: now + 1 }, sharedKey: key, nowMs: now }),
    ).toThrow(BadSignatureError);
  });

  it('credential payloads are sealed with the session key and validated', () => {
    const key = random(32);
    const payload = { theta: '3xyz', value: '100', info: 'BandwidthVoucher' };
    const req = sealCredential({ sharedKey: key, credential: encodeCredentialPayload(payload), random });
    expect(decodeCredentialPayload(openCredential(req, key, nodeAead))).toEqual(payload);
    expect(() => openCredential(req, random(32))).toThrow(DecryptionError);
    expect(() => decodeCredentialPayload(encodeCredentialPayload({ ...payload, value: '-1' }))).toThrow(
      MalformedMessageError,
    );
    expect(() => decodeCredentialPayload(new Uint8Array([0xff, 0xfe]))).toThrow(MalformedMessageError);
  });
});
