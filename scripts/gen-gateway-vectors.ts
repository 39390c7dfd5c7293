/**
 * Generates test/vectors/gateway-protocol.json: byte-exact vectors of Nym's client <->
 * gateway protocol v5 as src/gateway/protocol implements it, from fixed keys and fixed
 * randomness: both sides of the registration handshake (each step's bytes and its
 * `handshakePayload` JSON), the derived key, an authenticateV2, forward and pushed frames,
 * a SURB-ack, a Coconut bandwidthCredential, a sealed ForgetMe and every error text.
 * test/gateway/vectors.test.ts replays them both ways. (That the layout is Nym's is shown
 * by Nym's own wasm client talking to a Nymph gateway: test/gateway/nym-wasm.test.ts.)
 *
 *   npx tsx scripts/gen-gateway-vectors.ts   # rewrites test/vectors/gateway-protocol.json
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { base58 } from '@scure/base';
import { encodeNodeAddress } from '../src/sphinx/index.js';
import {
  GATEWAY_ERROR_TEXTS,
  PROTOCOL_VERSION,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  encodeClientRequest,
  encodeCredentialPayload,
  encodeForwardFrame,
  encodeGatewayResponse,
  encodeMixPacket,
  encodePushedFrame,
  encodeSurbAck,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  identityFromSeed,
  sealCredential,
  sealSensitiveRequest,
} from '../src/gateway/protocol/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Deterministic bytes: SHA-256 in counter mode over a label. */
function det(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++) {
    const h = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - off)), off);
    off += 32;
  }
  return out;
}
/** A randomness source whose k-th call returns det("<label>#k", n). */
function stream(label: string) {
  let k = 0;
  return (n: number) => det(`${label}#${k++}`, n);
}

const client = identityFromSeed(det('client-identity', 32));
const gateway = identityFromSeed(det('gateway-identity', 32));

// ---- registration: client step 1, gateway step 2, client step 3, gateway step 4
const start = clientHandshakeStart({
  identity: client,
  gatewayIdentity: gateway.publicKey,
  random: stream('client'),
});
const respond = gatewayHandshakeRespond({ identity: gateway, init: start.init, random: stream('gateway') });
const finish = clientHandshakeFinish(start.state, respond.material, stream('client-finish'));
const complete = gatewayHandshakeComplete(respond.state, finish.material);
const payload = (data: Uint8Array) => ({
  type: 'handshakePayload' as const,
  protocolVersion: PROTOCOL_VERSION,
  data,
});

// ---- authenticateV2 with the registered key
const auth = createAuthenticateRequest({
  identity: client,
  sharedKey: finish.sharedKey,
  nowMs: 1_762_531_200_500,
  random: stream('auth'),
});

// ---- frames
const firstHop = encodeNodeAddress({ host: '10.1.2.3', port: 1789 });
const sphinx = det('sphinx-packet', 2413);
const mixPacket = encodeMixPacket({ packetType: 0, keyRotation: 2, nextHop: firstHop, packet: sphinx });
const forwardFrame = encodeForwardFrame(finish.sharedKey, det('forward-nonce', 12), mixPacket);
const pushed = det('pushed-message', 300);
const pushedFrame = encodePushedFrame(finish.sharedKey, det('pushed-nonce', 12), pushed);

// ---- SURB-ack (IPv6 first hop: the 19-byte form is full)
const ackHop = encodeNodeAddress({ host: '2001:db8::7', port: 9000 });
const ackPacket = det('ack-packet', 386);
const surbAck = encodeSurbAck({ firstHop: ackHop, ackPacket });

// ---- Coconut credential
const credentialPayload = {
  theta: base58.encode(det('theta', 480)),
  value: '1000',
  info: 'BandwidthVoucher',
  epochId: 3,
};
const credential = encodeCredentialPayload(credentialPayload);
const credentialRequest = sealCredential({
  sharedKey: finish.sharedKey,
  credential,
  random: stream('credential'),
});

// ---- sealed ForgetMe
const forgetMe = sealSensitiveRequest(
  { kind: 'forgetMe', client: true, stats: false },
  finish.sharedKey,
  stream('forget-me'),
);

const vectors = {
  description:
    'Nym\'s client <-> gateway protocol v5 vectors (scripts/gen-gateway-vectors.ts). Hex unless named otherwise. Keys are seeds SHA-256("<label>/0"); the k-th random call of a stream returns SHA-256("<label>#k/i") blocks.',
  handshake: {
    client_identity_seed: hex(client.secretKey),
    client_identity: hex(client.publicKey),
    gateway_identity_seed: hex(gateway.secretKey),
    gateway_identity: hex(gateway.publicKey),
    random_streams: { client: 'client', gateway: 'gateway', client_finish: 'client-finish' },
    init: hex(start.init),
    init_json: encodeClientRequest(payload(start.init)),
    gateway_material: hex(respond.material),
    gateway_material_json: encodeGatewayResponse({ ...payload(respond.material), protocolVersion: 3 }),
    client_material: hex(finish.material),
    finalization_json: encodeGatewayResponse({ ...payload(complete.finalization), protocolVersion: 3 }),
    shared_key: hex(finish.sharedKey),
    register_json: encodeGatewayResponse({ type: 'register', protocolVersion: 5, status: true }),
  },
  authenticate_v2: {
    random_stream: 'auth',
    now_ms: 1_762_531_200_500,
    json: encodeClientRequest(auth),
    response_json: encodeGatewayResponse({
      type: 'authenticate',
      protocolVersion: 4,
      status: true,
      bandwidthRemaining: 68_719_476_736,
    }),
  },
  frames: {
    first_hop: hex(firstHop),
    key_rotation: 2,
    sphinx_packet_label: 'sphinx-packet',
    mix_packet_v2: hex(mixPacket),
    forward_nonce: hex(det('forward-nonce', 12)),
    forward_frame: hex(forwardFrame),
    pushed_message: hex(pushed),
    pushed_nonce: hex(det('pushed-nonce', 12)),
    pushed_frame: hex(pushedFrame),
  },
  surb_ack: { first_hop: hex(ackHop), ack_packet_label: 'ack-packet', bytes: hex(surbAck) },
  credential: {
    payload: credentialPayload,
    bytes: hex(credential),
    random_stream: 'credential',
    request_json: encodeClientRequest(credentialRequest),
  },
  forget_me: { random_stream: 'forget-me', json: encodeClientRequest(forgetMe) },
  bandwidth: {
    claim_json: encodeClientRequest({ type: 'claimFreeTestnetBandwidth' }),
    bandwidth_json: encodeGatewayResponse({ type: 'bandwidth', availableTotal: 68_719_476_736 }),
    send_json: encodeGatewayResponse({ type: 'send', remainingBandwidth: 68_719_474_323 }),
    out_of_bandwidth_json: encodeGatewayResponse({
      type: 'typedError',
      error: { kind: 'outOfBandwidth', required: 2413, available: 1000 },
    }),
  },
  error_texts: GATEWAY_ERROR_TEXTS,
};

writeFileSync(
  new URL('../test/vectors/gateway-protocol.json', import.meta.url),
  `${JSON.stringify(vectors, null, 2)}\n`,
);
console.log('wrote test/vectors/gateway-protocol.json');
