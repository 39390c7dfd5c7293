/**
 * Delivery receipts (a Nymph extension, src/gateway/protocol/messages.ts): the gateway keeps
 * what it pushed until the client's cumulative `received {count}` covers it; a client that
 * does not ask (Nym's) is drained as before. Driven without sockets (memory-session.ts) with
 * the real SQLite store; bad receipts are answered with typed errors and the session goes on.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ClientKeys } from '../../src/client/identity.js';
import { GatewaySession } from '../../src/client/gateway-session.js';
import { nodeWebSocketFactory } from '../../src/client/node.js';
import {
  DELIVERY_RECEIPTS_VERSION,
  PROTOCOL_VERSION,
  ReceiptOutOfRangeError,
  createAuthenticateRequest,
  GATEWAY_ERROR_TEXTS,
  encodeClientRequest,
  encodeGatewayResponse,
  encodePushedFrame,
  errorCodeOfMessage,
  identityFromSeed,
  parseClientRequest,
  parseGatewayResponse,
  sealSensitiveRequest,
  type GatewayResponse,
  type IdentityKeys,
  withSurbAck,
} from '../../src/gateway/protocol/index.js';
import { encodeNodeAddress } from '../../src/sphinx/index.js';
import { ClientRegistry } from '../../src/gateway/context.js';
import { PushLedger } from '../../src/gateway/receipts.js';
import { finalHop, random, registerClient, sessionRig, type SessionRig } from './memory-session.js';

const codeOf = (m: GatewayResponse) => (m.type === 'error' ? errorCodeOfMessage(m.message) : m.type);
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

let rig: SessionRig;
afterEach(async () => rig?.close());

/** A registered client, gone offline: its identity and shared key. */
async function registered(r: SessionRig) {
  const { socket, identity, key } = await registerClient(r);
  socket.close(1000, 'offline');
  await tick();
  return { identity, key };
}

/** Authenticates again; with `receipts`, asks for them before showing the key (as Nymph's client does). */
/** authenticateV2 timestamps are whole seconds and must grow: each session a second later */
let authAt = Date.now();
async function back(r: SessionRig, identity: IdentityKeys, key: Uint8Array, receipts: boolean) {
  const s = r.connect();
  authAt = Math.max(authAt + 1000, Date.now());
  s.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: authAt, random }));
  expect(await s.next()).toMatchObject({ type: 'authenticate', status: true });
  if (receipts) {
    s.request({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
    expect(await s.next()).toEqual({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
  }
  s.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, key, random));
  expect(await s.next()).toMatchObject({ type: 'encryptedResponse' });
  return s;
}

function storeN(r: SessionRig, identity: IdentityKeys, n: number): void {
  for (let i = 0; i < n; i++)
    r.store.storeMessage(identity.publicKey, Uint8Array.of(i >> 8, i & 0xff), Date.now());
}

describe('the receipt wire', () => {
  it('round-trips, and refuses a negative or fractional count', () => {
    const req = encodeClientRequest({ type: 'received', count: 7 });
    expect(req).toBe('{"type":"received","count":7}');
    expect(parseClientRequest(req)).toEqual({ type: 'received', count: 7 });
    expect(parseClientRequest('{"type":"deliveryReceipts","version":1}')).toEqual({
      type: 'deliveryReceipts',
      version: 1,
    });
    expect(parseGatewayResponse('{"type":"deliveryReceipts","version":1}')).toEqual({
      type: 'deliveryReceipts',
      version: 1,
    });
    for (const bad of [
      '{"type":"received","count":-1}',
      '{"type":"received","count":1.5}',
      '{"type":"received"}',
    ])
      expect(() => parseClientRequest(bad)).toThrow(expect.objectContaining({ code: 'malformed_request' }));
  });
});

describe('PushLedger', () => {
  it('confirms frames in order by cumulative count, and refuses a count out of range', () => {
    const l = new PushLedger();
    l.push({ kind: 'stored', id: 10 });
    l.push({ kind: 'stored', id: 12 });
    l.push({ kind: 'stored', id: 11 });
    expect(l.confirm(2)).toEqual([
      { kind: 'stored', id: 10 },
      { kind: 'stored', id: 12 },
    ]);
    expect(l.confirm(2)).toEqual([]);
    expect(() => l.confirm(1)).toThrow(ReceiptOutOfRangeError);
    expect(() => l.confirm(4)).toThrow(expect.objectContaining({ code: 'receipt_out_of_range' }));
    expect(l.unconfirmed).toBe(1);
    expect(l.takeUnconfirmed()).toEqual([{ kind: 'stored', id: 11 }]);
    expect(l.unconfirmed).toBe(0);
  });
});

describe('a session with delivery receipts', () => {
  it('deletes pushed messages only when confirmed, and starts a batch only while fewer than two are unconfirmed', async () => {
    rig = sessionRig({ limits: { inboxBatch: 10 } });
    const { identity, key } = await registered(rig);
    storeN(rig, identity, 45);
    const s = await back(rig, identity, key, true);
    await tick();
    // the window: 2 batches of 10 pushed, none deleted yet
    expect(s.binaries).toHaveLength(20);
    expect(rig.store.countMessages(identity.publicKey)).toBe(45);
    s.request({ type: 'received', count: 15 });
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(30);
    expect(s.binaries).toHaveLength(40);
    s.request({ type: 'received', count: 35 });
    await tick();
    expect(s.binaries).toHaveLength(45);
    s.request({ type: 'received', count: 45 });
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    expect(s.pushed(key).map((m) => (m[0] << 8) | m[1])).toEqual(Array.from({ length: 45 }, (_, i) => i));
  });

  it('stores a live message before it is pushed; unconfirmed when the session ends, the next session pushes it', async () => {
    rig = sessionRig({ limits: { inboxBatch: 10 } });
    const { identity, key } = await registered(rig);
    storeN(rig, identity, 5);
    const s = await back(rig, identity, key, true);
    await tick();
    expect(s.binaries).toHaveLength(5);
    const deliver = finalHop(rig);
    deliver([{ destination: identity.publicKey, payload: Uint8Array.of(0xaa, 0xbb) }]);
    // written at the end of the turn, then pushed from the store
    expect(s.binaries).toHaveLength(5);
    await tick();
    expect(s.binaries).toHaveLength(6);
    expect(rig.store.countMessages(identity.publicKey)).toBe(6);
    s.request({ type: 'received', count: 3 });
    await tick();
    // the client dies: the 2 stored ones and the live one stay
    s.close(1006, 'gone');
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(3);
    const again = await back(rig, identity, key, false);
    await tick();
    expect(again.pushed(key).map((m) => Array.from(m))).toEqual([
      [0, 3],
      [0, 4],
      [0xaa, 0xbb],
    ]);
    // without receipts (as for Nym's clients) written means delivered
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
  });

  it('stores live messages in one transaction per turn and sends their SURB-acks only after it commits', async () => {
    rig = sessionRig({ limits: { inboxBatch: 10 } });
    const { identity, key } = await registered(rig);
    const s = await back(rig, identity, key, true);
    await tick();
    const events: string[] = [];
    const deliver = finalHop(
      rig,
      () => (events.push(`ack with ${rig.store.countMessages(identity.publicKey)} stored`), true),
    );
    const ackAt = encodeNodeAddress({ host: '127.0.0.1', port: 9 });
    const live = (i: number) => ({
      destination: identity.publicKey,
      payload: withSurbAck({ firstHop: ackAt, ackPacket: random(386) }, Uint8Array.of(i)),
    });
    // two calls in one turn: one transaction, three acks after it
    deliver([live(1), live(2)]);
    deliver([live(3)]);
    expect(events).toEqual([]);
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    await tick();
    expect(events).toEqual(['ack with 3 stored', 'ack with 3 stored', 'ack with 3 stored']);
    expect(s.pushed(key).map((m) => m[0])).toEqual([1, 2, 3]);
    // 25 more, unconfirmed: the window (2 batches of 10) is pushed, the rest waits stored
    for (let i = 4; i <= 28; i++) deliver([live(i)]);
    await tick();
    expect(s.binaries).toHaveLength(20);
    expect(rig.store.countMessages(identity.publicKey)).toBe(28);
    // a receipt: the drain pushes what waited, in order, once each
    s.request({ type: 'received', count: 20 });
    await tick();
    expect(s.binaries).toHaveLength(28);
    s.request({ type: 'received', count: 28 });
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    expect(s.pushed(key).map((m) => m[0])).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
  });

  it('live messages arriving during the drain are pushed after the stored ones, once each', async () => {
    rig = sessionRig({ limits: { inboxBatch: 10 } });
    const { identity, key } = await registered(rig);
    storeN(rig, identity, 45);
    const deliver = finalHop(rig);
    const s = await back(rig, identity, key, true);
    await tick();
    // the drain waits for a receipt after its window of 20
    expect(s.binaries).toHaveLength(20);
    expect(rig.ctx.clients.get(ClientRegistry.id(identity.publicKey))?.holdsLive).toBe(true);
    deliver([{ destination: identity.publicKey, payload: Uint8Array.of(0xee, 0xee) }]);
    await tick();
    expect(s.binaries).toHaveLength(20);
    s.request({ type: 'received', count: 20 });
    await tick();
    deliver([{ destination: identity.publicKey, payload: Uint8Array.of(0xff, 0xff) }]);
    await tick();
    s.request({ type: 'received', count: 40 });
    await tick();
    s.request({ type: 'received', count: 47 });
    await tick();
    const got = s.pushed(key).map((m) => (m[0] << 8) | m[1]);
    expect(got).toEqual([...Array.from({ length: 45 }, (_, i) => i), 0xeeee, 0xffff]);
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
  });

  it("without receipts (Nym's clients) a live message is pushed and acked at once, never stored", async () => {
    rig = sessionRig();
    const { identity, key } = await registered(rig);
    const s = await back(rig, identity, key, false);
    await tick();
    let acks = 0;
    const deliver = finalHop(rig, () => (acks++, true));
    const ackAt = encodeNodeAddress({ host: '127.0.0.1', port: 9 });
    deliver([
      {
        destination: identity.publicKey,
        payload: withSurbAck({ firstHop: ackAt, ackPacket: random(386) }, Uint8Array.of(7)),
      },
    ]);
    expect(acks).toBe(1);
    expect(s.pushed(key).map((m) => Array.from(m))).toEqual([[7]]);
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
  });

  it('answers a receipt out of range, or without receipts on, with a typed error and carries on', async () => {
    rig = sessionRig();
    const { identity, key } = await registered(rig);
    storeN(rig, identity, 3);
    const plain = await back(rig, identity, key, false);
    plain.request({ type: 'received', count: 1 });
    expect(codeOf(await plain.next())).toBe('receipts_not_enabled');
    plain.close(1000, 'bye');
    await tick();

    storeN(rig, identity, 3);
    const s = await back(rig, identity, key, true);
    await tick();
    s.request({ type: 'received', count: 4 });
    expect(codeOf(await s.next())).toBe('receipt_out_of_range');
    s.request({ type: 'deliveryReceipts', version: 0 });
    expect(codeOf(await s.next())).toBe('receipts_version');
    s.request({ type: 'received', count: 3 });
    await tick();
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    s.request({ type: 'received', count: 2 });
    expect(codeOf(await s.next())).toBe('receipt_out_of_range');
  });
});

describe("Nymph's client at a gateway without receipts (as Nym's)", () => {
  it('takes the error answer, goes on without receipts, and never sends one', async () => {
    // a gateway that answers as Nym's does: deliveryReceipts is an unknown variant
    const key = random(32);
    const texts: string[] = [];
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const t = data.toString();
        texts.push(t);
        const req = parseClientRequest(t);
        if (req.type === 'supportedProtocol')
          ws.send(encodeGatewayResponse({ type: 'supportedProtocol', version: PROTOCOL_VERSION }));
        else if (req.type === 'authenticateV2')
          ws.send(
            encodeGatewayResponse({
              type: 'authenticate',
              protocolVersion: PROTOCOL_VERSION,
              status: true,
              bandwidthRemaining: 1 << 30,
            }),
          );
        else if (req.type === 'deliveryReceipts') {
          ws.send(
            encodeGatewayResponse({
              type: 'error',
              message: `${GATEWAY_ERROR_TEXTS.unknown_request}\`deliveryReceipts\``,
            }),
          );
          ws.send(encodePushedFrame(key, random(12), Uint8Array.of(1, 2, 3)));
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const identity = identityFromSeed(random(32));
    try {
      const session = await GatewaySession.connect({
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
        gatewayIdentity: random(32),
        keys: { identitySecret: identity.secretKey, identityPublic: identity.publicKey } as ClientKeys,
        sharedKey: key,
        wsFactory: nodeWebSocketFactory,
        rng: random,
        timeoutMs: 5_000,
        now: () => Date.now(),
        receipts: true,
      });
      expect(session.receipts).toBe(false);
      const got: Uint8Array[] = [];
      session.attach({ onReceived: (p) => got.push(p), onText: () => undefined, onClose: () => undefined });
      await tick(100);
      expect(got).toEqual([Uint8Array.of(1, 2, 3)]);
      expect(texts.map((t) => (JSON.parse(t) as { type: string }).type)).toEqual([
        'supportedProtocol',
        'authenticateV2',
        'deliveryReceipts',
        'encryptedRequest', // RememberMe
      ]);
      session.close();
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });
});
