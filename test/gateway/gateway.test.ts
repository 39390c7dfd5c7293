/**
 * Three mix nodes and a gateway in-process on real loopback sockets; clients speak the
 * gateway protocol through the pure codecs over a real websocket.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import {
  FRAME_KIND_FORWARD,
  clientHandshakeStart,
  createAuthenticateRequest,
  encodeFrame,
  encodeMixPacket,
  withSurbAck,
  type IdentityKeys,
} from '../../src/gateway/protocol/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import { createPacket, type PacketSize } from '../../src/sphinx/index.js';
import { connectTo, frame, quiet, startMixnode, tempHome, until } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

const enc = new TextEncoder();

describe('gateway with three mix nodes', () => {
  const mixKeys = [generateNodeKeys(), generateNodeKeys(), generateNodeKeys()];
  const gwKeys = generateNodeKeys();
  const homes = [...mixKeys.map((_, i) => tempHome(`gwmix${i}`)), tempHome('gw')];
  let mixes: Mixnode[] = [];
  let gw: Gateway;
  const alice = newIdentity();
  const bob = newIdentity();
  let a: TestClient;
  let b: TestClient;
  let bobKey: Uint8Array;

  const route = () => [
    ...mixes.map((m, i) => ({ address: m.nodeAddress, publicKey: mixKeys[i].sphinxPublic })),
    { address: gw.nodeAddress, publicKey: gwKeys.sphinxPublic },
  ];
  const packetTo = (dest: IdentityKeys, payload: Uint8Array, size: PacketSize = 'regular') =>
    createPacket({
      route: route(),
      delaysNs: [0n, 0n, 0n, 0n],
      destination: { address: dest.publicKey, surbId: new Uint8Array(16) },
      payload,
      size,
      random,
    });
  /** A message for `to` carrying a SURB-ack that comes back to `from`. */
  const messageWithAck = (from: IdentityKeys, to: IdentityKeys, msg: Uint8Array, ackId: Uint8Array) =>
    packetTo(
      to,
      withSurbAck({ firstHop: mixes[0].nodeAddress, ackPacket: packetTo(from, ackId, 'ack') }, msg),
    );

  beforeAll(async () => {
    mixes = await Promise.all(mixKeys.map((k, i) => startMixnode(homes[i], k)));
    gw = createGateway({
      home: homes[3],
      host: '127.0.0.1',
      mixPort: 0,
      clientsPort: 0,
      keys: gwKeys,
      workers: 1,
      freeBandwidth: true,
      maxMessageBytes: 40_000,
      handshakeTimeoutMs: 3_000,
      logger: quiet,
    });
    await gw.start();
    a = await TestClient.register(gw.clientsUrl, alice, gwKeys.identityPublic);
    b = await TestClient.register(gw.clientsUrl, bob, gwKeys.identityPublic);
    bobKey = b.sharedKey!;
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await gw?.stop();
    await Promise.all(mixes.map((m) => m.stop()));
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
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
    expect(response).toMatchObject({ type: 'authenticate', status: 'ok' });
    await b.waitReceived(5);
    expect(b.received.map((r) => new TextDecoder().decode(r)).sort()).toEqual(
      msgs.map((m) => new TextDecoder().decode(m)).sort(),
    );
    await until(() => gw.storedMessages(bob.publicKey) === 0, 5000, 'inbox emptied');
  });

  it('rejects a replayed or stale authentication, and an unknown client', async () => {
    const req = createAuthenticateRequest({
      identity: bob,
      sharedKey: bobKey,
      nowMs: Date.now() - 200_000,
      random,
    });
    const stale = await TestClient.connect(gw.clientsUrl);
    stale.request(req);
    expect(await stale.next()).toMatchObject({ type: 'error', code: 'stale_request' });
    await stale.waitClosed();

    const fresh = createAuthenticateRequest({
      identity: bob,
      sharedKey: bobKey,
      nowMs: Date.now() + 1,
      random,
    });
    const c1 = await TestClient.connect(gw.clientsUrl);
    c1.sharedKey = bobKey;
    c1.request(fresh);
    expect(await c1.next()).toMatchObject({ type: 'authenticate' });
    // the same request again: not newer than the last accepted one
    const c2 = await TestClient.connect(gw.clientsUrl);
    c2.request(fresh);
    expect(await c2.next()).toMatchObject({ type: 'error', code: 'stale_request' });
    // c1 replaced the earlier session of bob
    expect(await b.waitClosed()).toBe(4001);
    b = c1;

    const stranger = newIdentity();
    const c3 = await TestClient.connect(gw.clientsUrl);
    c3.request(
      createAuthenticateRequest({ identity: stranger, sharedKey: random(32), nowMs: Date.now(), random }),
    );
    expect(await c3.next()).toMatchObject({ type: 'error', code: 'unknown_client' });
    for (const c of [c2, c3]) c.close();
  });

  it('answers bad input with typed errors and keeps serving', async () => {
    const c = await TestClient.connect(gw.clientsUrl);
    c.ws.send('not json');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'malformed_request' });
    c.ws.send(JSON.stringify({ type: 'teleport' }));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'unknown_request' });
    c.ws.send(new Uint8Array(100));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'not_authenticated' });
    c.ws.send(JSON.stringify({ type: 'bandwidthCredential', nonce: 'AAAA', ciphertext: 'AAAA' }));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'not_authenticated' });
    c.ws.send(new Uint8Array(50_000));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'message_too_large' });
    c.close();

    // a handshake whose finishing signature is garbage
    const h = await TestClient.connect(gw.clientsUrl);
    const { message } = clientHandshakeStart({
      identity: newIdentity(),
      gatewayIdentity: gwKeys.identityPublic,
      random,
    });
    h.request(message);
    expect(await h.next()).toMatchObject({ type: 'handshakeResponse' });
    h.request({
      type: 'handshakeFinish',
      nonce: 'AAAAAAAAAAAAAAAA',
      ciphertext: Buffer.from(random(80)).toString('base64'),
    });
    expect(await h.next()).toMatchObject({ type: 'error', code: 'decryption_failed' });
    await h.waitClosed();

    // an authenticated client sending a packet of a wrong size, and a frame it cannot have sealed
    b.ws.send(
      encodeFrame(
        FRAME_KIND_FORWARD,
        bobKey,
        random(12),
        encodeMixPacket({ packetType: 0, nextHop: mixes[0].nodeAddress, packet: random(1000) }),
      ),
    );
    expect(await b.next()).toMatchObject({ type: 'error', code: 'bad_packet' });
    b.ws.send(encodeFrame(FRAME_KIND_FORWARD, random(32), random(12), random(100)));
    expect(await b.next()).toMatchObject({ type: 'error', code: 'decryption_failed' });
    await b.waitClosed();

    // garbage on the mix port is dropped and counted; the gateway still delivers
    const s = await connectTo(gw.address.port);
    s.write(frame(random(2413)));
    await until(async () => (await gw.packetMetrics.dropCount('malformed')) === 1, 5000, 'malformed drop');
    s.destroy();
    const { client } = await TestClient.authenticate(gw.clientsUrl, bob, bobKey, Date.now() + 2);
    b = client;
    a.sendPacket(mixes[0].nodeAddress, messageWithAck(alice, bob, enc.encode('still here'), random(21)));
    await b.waitReceived(1);
    expect(new TextDecoder().decode(b.received[0])).toBe('still here');
  });

  it('closes a connection that does not authenticate in time', async () => {
    const c = await TestClient.connect(gw.clientsUrl);
    expect(await c.waitClosed(10_000)).toBe(4008);
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
