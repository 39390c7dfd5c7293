/**
 * Fixed vectors: RFC 8452's AES-256-GCM-SIV (both AEADs), and the protocol's own vectors
 * (scripts/gen-gateway-vectors.ts) replayed both ways: each side rebuilds the bytes from
 * the same keys and randomness, and the other side reads them back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { nodeAead } from '../../src/crypto/node.js';
import {
  GATEWAY_ERROR_TEXTS,
  clientHandshakeFinalized,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodeCredentialPayload,
  decodeForwardFrame,
  decodePushedFrame,
  encodeClientRequest,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  identityFromSeed,
  nobleAead,
  openCredential,
  openSensitiveRequest,
  parseClientRequest,
  parseGatewayResponse,
  splitSurbAck,
  verifyAuthenticateRequest,
  type Aead,
} from '../../src/gateway/protocol/index.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
function det(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++) {
    const h = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - off)), off);
    off += 32;
  }
  return out;
}
function stream(label: string) {
  let k = 0;
  return (n: number) => det(`${label}#${k++}`, n);
}
const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));

describe('RFC 8452 AES-256-GCM-SIV', () => {
  const rfc = read('crypto/aes256-gcm-siv-rfc8452.json') as {
    vectors: { key: string; nonce: string; plaintext: string; result: string }[];
  };
  for (const [name, aead] of [
    ['noble', nobleAead],
    ['node', nodeAead],
  ] as [string, Aead][]) {
    it(`${name}: every vector seals and opens, and a flipped bit does not open`, () => {
      for (const v of rfc.vectors) {
        const sealed = aead.seal(hex(v.key), hex(v.nonce), hex(v.plaintext));
        expect(toHex(sealed)).toBe(v.result);
        expect(toHex(aead.open(hex(v.key), hex(v.nonce), hex(v.result))!)).toBe(v.plaintext);
        const bad = hex(v.result);
        bad[bad.length - 1] ^= 1;
        expect(aead.open(hex(v.key), hex(v.nonce), bad)).toBeNull();
      }
    });
  }
});

describe('gateway protocol vectors', () => {
  const v = read('gateway-protocol.json');
  const client = identityFromSeed(hex(v.handshake.client_identity_seed));
  const gateway = identityFromSeed(hex(v.handshake.gateway_identity_seed));

  it('the handshake, step by step, on both sides', () => {
    expect(toHex(client.publicKey)).toBe(v.handshake.client_identity);
    const start = clientHandshakeStart({
      identity: client,
      gatewayIdentity: gateway.publicKey,
      random: stream('client'),
    });
    expect(toHex(start.init)).toBe(v.handshake.init);
    const init = parseClientRequest(v.handshake.init_json);
    expect(init).toEqual({ type: 'handshakePayload', protocolVersion: 5, data: start.init });
    const respond = gatewayHandshakeRespond({
      identity: gateway,
      init: start.init,
      random: stream('gateway'),
    });
    expect(toHex(respond.material)).toBe(v.handshake.gateway_material);
    const material = parseGatewayResponse(v.handshake.gateway_material_json);
    expect(material).toEqual({ type: 'handshakePayload', protocolVersion: 3, data: respond.material });
    const finish = clientHandshakeFinish(start.state, respond.material, stream('client-finish'));
    expect(toHex(finish.material)).toBe(v.handshake.client_material);
    expect(toHex(finish.sharedKey)).toBe(v.handshake.shared_key);
    for (const aead of [nobleAead, nodeAead]) {
      const done = gatewayHandshakeComplete(respond.state, hex(v.handshake.client_material), aead);
      expect(toHex(done.sharedKey)).toBe(v.handshake.shared_key);
      expect(toHex(done.clientIdentity)).toBe(v.handshake.client_identity);
    }
    const fin = parseGatewayResponse(v.handshake.finalization_json);
    expect(fin.type === 'handshakePayload' && Array.from(fin.data)).toEqual([1]);
    expect(() => clientHandshakeFinalized(Uint8Array.of(1))).not.toThrow();
    expect(parseGatewayResponse(v.handshake.register_json)).toEqual({
      type: 'register',
      protocolVersion: 5,
      status: true,
    });
  });

  it('authenticateV2: the same bytes, accepted by the gateway checks', () => {
    const key = hex(v.handshake.shared_key);
    const req = createAuthenticateRequest({
      identity: client,
      sharedKey: key,
      nowMs: v.authenticate_v2.now_ms,
      random: stream('auth'),
    });
    expect(encodeClientRequest(req)).toBe(v.authenticate_v2.json);
    const parsed = parseClientRequest(v.authenticate_v2.json);
    expect(parsed).toEqual(req);
    if (parsed.type !== 'authenticateV2') throw new Error('type');
    for (const aead of [nobleAead, nodeAead])
      expect(
        verifyAuthenticateRequest({ request: parsed, sharedKey: key, nowMs: v.authenticate_v2.now_ms, aead })
          .timestampSeconds,
      ).toBe(Math.floor(v.authenticate_v2.now_ms / 1000));
    expect(parseGatewayResponse(v.authenticate_v2.response_json)).toEqual({
      type: 'authenticate',
      protocolVersion: 4,
      status: true,
      bandwidthRemaining: 68_719_476_736,
    });
  });

  it('frames, SURB-ack, credential and ForgetMe read back', () => {
    const key = hex(v.handshake.shared_key);
    for (const aead of [nobleAead, nodeAead]) {
      const mp = decodeForwardFrame(hex(v.frames.forward_frame), key, aead);
      expect(toHex(mp.nextHop)).toBe(v.frames.first_hop);
      expect(mp.keyRotation).toBe(2);
      expect(toHex(mp.packet)).toBe(toHex(det('sphinx-packet', 2413)));
      expect(toHex(decodePushedFrame(hex(v.frames.pushed_frame), key, aead))).toBe(v.frames.pushed_message);
    }
    const ack = splitSurbAck(new Uint8Array([...hex(v.surb_ack.bytes), 7]));
    expect(toHex(ack.ack.firstHop)).toBe(v.surb_ack.first_hop);
    expect(toHex(ack.ack.ackPacket)).toBe(toHex(det('ack-packet', 386)));
    expect(Array.from(ack.message)).toEqual([7]);

    const cred = parseClientRequest(v.credential.request_json);
    if (cred.type !== 'bandwidthCredential') throw new Error('type');
    const bytes = openCredential(cred, key, nodeAead);
    expect(toHex(bytes)).toBe(v.credential.bytes);
    expect(decodeCredentialPayload(bytes)).toEqual(v.credential.payload);
    expect(base58.decode(v.credential.payload.theta)).toEqual(det('theta', 480));

    const forget = parseClientRequest(v.forget_me.json);
    if (forget.type !== 'encryptedRequest') throw new Error('type');
    expect(openSensitiveRequest(forget, key)).toEqual({ kind: 'forgetMe', client: true, stats: false });
  });

  it('bandwidth messages and the error table', () => {
    expect(parseClientRequest(v.bandwidth.claim_json)).toEqual({ type: 'claimFreeTestnetBandwidth' });
    expect(parseGatewayResponse(v.bandwidth.out_of_bandwidth_json)).toEqual({
      type: 'typedError',
      error: { kind: 'outOfBandwidth', required: 2413, available: 1000 },
    });
    expect(v.error_texts).toEqual(GATEWAY_ERROR_TEXTS);
  });
});
