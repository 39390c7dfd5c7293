/**
 * A captured authenticate frame, over real sockets: presented by another socket it is
 * accepted (nothing in it binds it to a connection) but gets nothing, neither the victim's
 * stored messages nor live ones, and cannot keep the victim out; presented again it is a
 * replay. And the client port over TLS (`wss`) with the certificate `init` writes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createGateway,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
  type Gateway,
} from '../../src/gateway/index.js';
import { createAuthenticateRequest, errorCodeOfMessage } from '../../src/gateway/protocol/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { createPacket } from '../../src/sphinx/index.js';
import { connectTo, frame, quiet, tempHome, until } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

describe('a stolen authenticate frame, and wss', () => {
  const home = tempHome('stolen');
  const keys = generateNodeKeys();
  let gw: Gateway;
  let ca: string;

  beforeAll(async () => {
    // the config and certificate as `nymph gateway init` writes them, on free ports
    const t = defaultGatewayToml({ mixPort: 0, clientsPort: 0, httpApiPort: -1, freeBandwidth: true });
    expect(initGatewayTls(home, t)).toBe(path.join(home, 'tls/cert.pem'));
    ca = fs.readFileSync(path.join(home, 'tls/cert.pem'), 'utf8');
    gw = createGateway({ ...gatewayConfigFromToml(home, t, keys, quiet), workers: 1 });
    await gw.start();
  });
  afterAll(async () => {
    await gw?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** Messages for `to` through the gateway's mix port, as the last layer sends them. */
  async function sendFromMixnet(to: Uint8Array, texts: string[]): Promise<void> {
    const hop = { address: gw.nodeAddress, publicKey: keys.sphinxPublic };
    const sock = await connectTo(gw.address.port);
    for (const text of texts)
      sock.write(
        frame(
          createPacket({
            route: [hop],
            delaysNs: [0n],
            destination: { address: to, surbId: new Uint8Array(16) },
            payload: new TextEncoder().encode(text),
            size: 'regular',
            random,
          }),
        ),
      );
    sock.end();
  }

  it("gives a captured frame's socket nothing, and the victim everything", async () => {
    const victim = newIdentity();
    const reg = await TestClient.register(gw.clientsUrl, victim, keys.identityPublic);
    const key = reg.sharedKey!;
    reg.close();
    await until(() => gw.connectedClients === 0, 5_000, 'victim offline');
    await sendFromMixnet(victim.publicKey, ['one', 'two', 'three', 'four', 'five']);
    await until(() => gw.storedMessages(victim.publicKey) === 5, 10_000, 'five stored');

    // the victim's frame, captured on its way and not yet used
    const captured = createAuthenticateRequest({
      identity: victim,
      sharedKey: key,
      nowMs: Date.now(),
      random,
    });
    const thief = await TestClient.connect(gw.clientsUrl);
    thief.request(captured);
    expect(await thief.next()).toMatchObject({ type: 'authenticate', status: true });
    await sendFromMixnet(victim.publicKey, ['six']);
    await until(() => gw.storedMessages(victim.publicKey) === 6, 10_000, 'the live one stored');
    await new Promise((r) => setTimeout(r, 300));
    expect(thief.binaryFrames).toBe(0);

    // the same frame again is a replay
    const again = await TestClient.connect(gw.clientsUrl);
    again.request(captured);
    const r = await again.next();
    expect(r.type === 'error' && errorCodeOfMessage(r.message)).toBe('replayed_request');
    expect(await again.waitClosed()).toBe(4003);

    // the victim comes back with a newer frame: the thief's session goes (it answers pings,
    // but never showed the key), the victim shows the key and gets all six
    const back = await TestClient.authenticate(gw.clientsUrl, victim, key, Date.now() + 1000);
    expect(back.response).toMatchObject({ type: 'authenticate', status: true });
    expect(await thief.waitClosed()).toBe(4001);
    await back.client.prove();
    await back.client.waitReceived(6);
    expect(back.client.received.map((m) => new TextDecoder().decode(m)).sort()).toEqual([
      'five',
      'four',
      'one',
      'six',
      'three',
      'two',
    ]);
    expect(gw.storedMessages(victim.publicKey)).toBe(0);
    expect(thief.binaryFrames).toBe(0);
    back.client.close();
  });

  it('serves the client protocol over wss with the certificate init wrote, for the announced host', async () => {
    expect(gw.clientsWssUrl).toBe(`wss://127.0.0.1:${gw.clientsWssPort}`);
    const cert = new crypto.X509Certificate(ca);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.verify(cert.publicKey)).toBe(true);

    const alice = newIdentity();
    const reg = await TestClient.register(gw.clientsWssUrl!, alice, keys.identityPublic, { ca, claim: true });
    const key = reg.sharedKey!;
    reg.close();
    await until(() => gw.connectedClients === 0, 5_000, 'alice offline');
    await sendFromMixnet(alice.publicKey, ['over tls']);
    await until(() => gw.storedMessages(alice.publicKey) === 1, 10_000, 'stored');
    const { client } = await TestClient.authenticate(gw.clientsWssUrl!, alice, key, Date.now(), { ca });
    await client.prove();
    await client.waitReceived(1);
    expect(new TextDecoder().decode(client.received[0])).toBe('over tls');
    // past the upgrade deadline (1.5 s) the upgraded TLS connection stays
    await new Promise((r) => setTimeout(r, 2_000));
    expect(client.closeCode).toBeNull();
    expect(gw.clientConnections).toBe(1);
    client.close();

    // a client that does not trust the certificate does not connect
    await expect(TestClient.connect(gw.clientsWssUrl!)).rejects.toThrow(/self[- ]signed|certificate/i);
    // plain websocket on the TLS port is refused by TLS
    const plain = new WebSocket(`ws://127.0.0.1:${gw.clientsWssPort}`);
    await expect(
      new Promise((resolve, reject) => {
        plain.once('open', resolve);
        plain.once('error', reject);
      }),
    ).rejects.toThrow();
  });
});
