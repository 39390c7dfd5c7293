/**
 * Three mix nodes and a gateway in-process on real loopback sockets; clients speak the
 * gateway protocol through the pure codecs over a real websocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import {
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  encodeForwardFrame,
  encodeMixPacket,
  errorCodeOfMessage,
} from '../../src/gateway/protocol/index.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import { createPacket } from '../../src/sphinx/index.js';
import { connectTo, frame, until } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';
import { threeMixRig } from './three-mix-rig.js';

const enc = new TextEncoder();

describe('gateway with three mix nodes', () => {
  const nodes = threeMixRig('gw', {
    maxMessageBytes: 40_000,
    initialMessageTimeoutMs: 3_000,
    handshakeTimeoutMs: 3_000,
  });
  const { gwKeys, messageWithAck } = nodes;
  let mixes: Mixnode[] = [];
  let gw: Gateway;
  const alice = newIdentity();
  const bob = newIdentity();
  let a: TestClient;
  let b: TestClient;
  let bobKey: Uint8Array;

  beforeAll(async () => {
    await nodes.start();
    ({ mixes, gw } = nodes);
    a = await TestClient.register(gw.clientsUrl, alice, gwKeys.identityPublic, { claim: true });
    b = await TestClient.register(gw.clientsUrl, bob, gwKeys.identityPublic, { claim: true });
    bobKey = b.sharedKey!;
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await nodes.stop();
  });

  it('delivers a message through three layers to an online client and returns its SURB-ack', async () => {
    const msg = enc.encode('hello bob, through three layers');
    const ackId = random(21);
    a.sendPacket(mixes[0].nodeAddress, messageWithAck(alice, bob, msg, ackId));
    await b.waitReceived(1);
    expect(b.received[0]).toEqual(msg);
    await a.waitReceived(1);
    expect(a.received[0]).toEqual(ackId);
    expect(
      (await gw.registry.getSingleMetric('nymph_gateway_surb_acks_sent_total')!.get()).values[0].value,
    ).toBe(1);
  });

  it('stores messages for an offline client and delivers them on re-authentication', async () => {
    b.close();
    await until(() => gw.connectedClients === 1, 5000, 'bob offline');
    const msgs = Array.from({ length: 5 }, (_, i) => enc.encode(`stored ${i}`));
    for (const m of msgs) a.sendPacket(mixes[0].nodeAddress, messageWithAck(alice, bob, m, random(21)));
    await until(() => gw.storedMessages(bob.publicKey) === 5, 10_000, 'five stored');
    const { client, response } = await TestClient.authenticate(gw.clientsUrl, bob, bobKey);
    b = client;
    expect(response).toMatchObject({ type: 'authenticate', status: true });
    // nothing is pushed until the socket shows the key (a captured frame gets nothing)
    await new Promise((r) => setTimeout(r, 200));
    expect(b.received).toHaveLength(0);
    await b.prove();
    await b.waitReceived(5);
    expect(b.received.map((r) => new TextDecoder().decode(r)).sort()).toEqual(
      msgs.map((m) => new TextDecoder().decode(m)).sort(),
    );
    await until(() => gw.storedMessages(bob.publicKey) === 0, 5000, 'inbox emptied');
  });

  it('refuses a stale or replayed authentication, keeps a live session, replaces a dead one', async () => {
    const authAt = (ms: number) =>
      createAuthenticateRequest({ identity: bob, sharedKey: bobKey, nowMs: ms, random });
    // 10 minutes old: outside the 120 s skew; the gateway answers and closes
    const stale = await TestClient.connect(gw.clientsUrl);
    stale.request(authAt(Date.now() - 600_000));
    const r = await stale.next();
    expect(r.type === 'error' && errorCodeOfMessage(r.message)).toBe('stale_request');
    expect(await stale.waitClosed()).toBe(4003);

    // bob is connected and answers pings: a newer authentication is refused, bob keeps his session
    const t1 = Date.now() + 1000;
    const dup = await TestClient.connect(gw.clientsUrl);
    dup.request(authAt(t1));
    const d = await dup.next();
    expect(d.type === 'error' && errorCodeOfMessage(d.message)).toBe('duplicate_connection');
    await dup.waitClosed();
    expect(b.closeCode).toBeNull();

    // a session that no longer answers pings is replaced (4001) by a newer one
    b.close();
    const deaf = (await TestClient.authenticate(gw.clientsUrl, bob, bobKey, t1 + 1000, { autoPong: false }))
      .client;
    expect(deaf.responses[0]).toMatchObject({ type: 'authenticate', status: true });
    const req = authAt(t1 + 2000);
    const c1 = await TestClient.connect(gw.clientsUrl);
    c1.sharedKey = bobKey;
    c1.request(req);
    expect(await c1.next()).toMatchObject({ type: 'authenticate', status: true, protocolVersion: 4 });
    expect(await deaf.waitClosed()).toBe(4001);
    await c1.prove();
    b = c1;

    // the same request again (a captured one): not newer than the last accepted
    const c2 = await TestClient.connect(gw.clientsUrl);
    c2.request(req);
    const rr = await c2.next();
    expect(rr.type === 'error' && errorCodeOfMessage(rr.message)).toBe('replayed_request');
    await c2.waitClosed();

    const stranger = newIdentity();
    const c3 = await TestClient.connect(gw.clientsUrl);
    c3.request(
      createAuthenticateRequest({ identity: stranger, sharedKey: random(32), nowMs: Date.now(), random }),
    );
    expect(await c3.next()).toEqual({ type: 'error', message: 'the client is not registered' });
    await c3.waitClosed();
  });

  it("closes a fresh connection after bad input, with Nym's errors", async () => {
    const fresh = async (send: (c: TestClient) => void): Promise<string> => {
      const c = await TestClient.connect(gw.clientsUrl);
      send(c);
      const m = await c.next();
      expect(await c.waitClosed()).toBe(4003);
      return m.type === 'error' ? m.message : JSON.stringify(m);
    };
    const invalid = "Only 'Register' or 'Authenticate' requests are allowed";
    expect(await fresh((c) => c.ws.send('not json'))).toBe(invalid);
    expect(await fresh((c) => c.ws.send(JSON.stringify({ type: 'teleport' })))).toBe(invalid);
    expect(await fresh((c) => c.request({ type: 'claimFreeTestnetBandwidth' }))).toBe(invalid);
    expect(await fresh((c) => c.ws.send(new Uint8Array(100)))).toBe(
      'possibly received a sphinx packet without prior authentication. Request is going to be ignored',
    );
    expect(errorCodeOfMessage(await fresh((c) => c.ws.send('x'.repeat(50_000))))).toBe('message_too_large');
    // a truncated init: no identity at all is refused at once; a cut salt by the handshake
    const malformed = 'Failed to perform registration handshake: sent request was malformed';
    expect(
      await fresh((c) => c.request({ type: 'handshakePayload', protocolVersion: 5, data: random(20) })),
    ).toBe(malformed);
    const { init } = clientHandshakeStart({
      identity: newIdentity(),
      gatewayIdentity: gwKeys.identityPublic,
      random,
    });
    const cut = await TestClient.connect(gw.clientsUrl);
    cut.request({ type: 'handshakePayload', protocolVersion: 5, data: init.subarray(0, 70) });
    expect(await cut.next()).toEqual({ type: 'handshakeError', message: 'sent request was malformed' });
    expect(await cut.next()).toEqual({ type: 'error', message: malformed });
    expect(await cut.waitClosed()).toBe(4003);
  });

  it('refuses a handshake whose client signature is wrong, and one whose material does not open', async () => {
    // the client claims one identity and signs with another
    const h = await TestClient.connect(gw.clientsUrl);
    const claimed = newIdentity();
    const start = clientHandshakeStart({ identity: claimed, gatewayIdentity: gwKeys.identityPublic, random });
    h.request({ type: 'handshakePayload', protocolVersion: 5, data: start.init });
    const material = await h.next();
    if (material.type !== 'handshakePayload') throw new Error('no material');
    const liar = clientHandshakeFinish(
      { ...start.state, identity: { ...newIdentity(), publicKey: claimed.publicKey } },
      material.data,
      random,
    );
    h.request({ type: 'handshakePayload', protocolVersion: 5, data: liar.material });
    expect(await h.next()).toEqual({ type: 'handshakeError', message: 'received invalid signature' });
    expect(await h.next()).toEqual({
      type: 'error',
      message: 'Failed to perform registration handshake: received invalid signature',
    });
    expect(await h.waitClosed()).toBe(4003);

    const g = await TestClient.connect(gw.clientsUrl);
    const s2 = clientHandshakeStart({
      identity: newIdentity(),
      gatewayIdentity: gwKeys.identityPublic,
      random,
    });
    g.request({ type: 'handshakePayload', protocolVersion: 5, data: s2.init });
    await g.next();
    g.request({ type: 'handshakePayload', protocolVersion: 5, data: random(92) });
    expect(await g.next()).toMatchObject({ type: 'handshakeError' });
    const e = await g.next();
    expect(e.type === 'error' && errorCodeOfMessage(e.message)).toBe('handshake_decryption_failed');
    await g.waitClosed();
  });

  it('answers bad frames after authentication and keeps serving', async () => {
    // a packet of a wrong size, and a frame sealed with another key: answered, not closed
    b.ws.send(
      encodeForwardFrame(
        bobKey,
        random(12),
        encodeMixPacket({ packetType: 0, nextHop: mixes[0].nodeAddress, packet: random(1000) }),
      ),
    );
    const e1 = await b.next();
    expect(e1.type === 'error' && errorCodeOfMessage(e1.message)).toBe('bad_packet');
    b.ws.send(encodeForwardFrame(random(32), random(12), random(100)));
    expect(await b.next()).toEqual({
      type: 'error',
      message: 'Provided binary request was malformed - failed to either encrypt or decrypt provided message',
    });
    b.request({ type: 'authenticate', protocolVersion: 1, address: 'x', encAddress: 'y', iv: 'z' });
    const e3 = await b.next();
    expect(e3.type === 'error' && errorCodeOfMessage(e3.message)).toBe('illegal_request');
    expect(b.closeCode).toBeNull();

    // garbage on the mix port is dropped and counted; the gateway still delivers
    const s = await connectTo(gw.address.port);
    s.write(frame(random(2413)));
    await until(async () => (await gw.packetMetrics.dropCount('malformed')) === 1, 5000, 'malformed drop');
    s.destroy();
    a.sendPacket(mixes[0].nodeAddress, messageWithAck(alice, bob, enc.encode('still here'), random(21)));
    await b.waitReceived(b.received.length + 1);
    expect(new TextDecoder().decode(b.received.at(-1))).toBe('still here');
  });

  it('closes a connection that sends nothing in time', async () => {
    const c = await TestClient.connect(gw.clientsUrl);
    expect(await c.waitClosed(10_000)).toBe(4008);
    expect(c.responses).toEqual([{ type: 'error', message: 'timed out while waiting for initial data' }]);
  });

  it('drops a packet replayed into the gateway', async () => {
    const pkt = createPacket({
      route: [{ address: gw.nodeAddress, publicKey: gwKeys.sphinxPublic }],
      delaysNs: [0n],
      destination: { address: bob.publicKey, surbId: new Uint8Array(16) },
      payload: enc.encode('once'),
      size: 'regular',
      random,
    });
    const before = b.received.length;
    const s = await connectTo(gw.address.port);
    s.write(frame(pkt));
    s.write(frame(pkt));
    await until(async () => (await gw.packetMetrics.dropCount('replay')) === 1, 5000, 'replay drop');
    await b.waitReceived(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.received.length).toBe(before + 1);
    s.destroy();
  });
});
