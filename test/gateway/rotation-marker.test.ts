/**
 * The key-rotation marker of a client's ForwardSphinxV2 frame (Nym's SphinxKeyRotation, set
 * by Nym's clients from their topology's rotation id) goes on with the packet to the first
 * mix node, as Nym's gateways forward a MixPacket; an out-of-range marker is refused by the
 * frame decoder (`protocol.test.ts`) and never forwarded.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { SphinxNodeKey } from '../../src/sphinx/index.js';
import { makePacket, quiet, startSink, tempHome } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

describe('gateway forwarding a client packet', () => {
  const gwKeys = generateNodeKeys();
  const home = tempHome('gw-marker');
  let gw: Gateway;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let client: TestClient;

  beforeAll(async () => {
    sink = await startSink();
    gw = createGateway({
      home,
      host: '127.0.0.1',
      mixPort: 0,
      clientsPort: 0,
      keys: gwKeys,
      workers: 1,
      freeBandwidth: true,
      logger: quiet,
    });
    await gw.start();
    client = await TestClient.register(gw.clientsUrl, newIdentity(), gwKeys.identityPublic, { claim: true });
  });
  afterAll(async () => {
    client?.close();
    await gw?.stop();
    await sink?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('keeps the marker of each ForwardSphinxV2 frame on the frame to the first hop', async () => {
    const hopKey = SphinxNodeKey.generate(random);
    const packet = () =>
      makePacket([{ address: sink.address, publicKey: hopKey.publicKey }], random(32), random(8));
    client.sendPacket(sink.address, packet(), 2);
    client.sendPacket(sink.address, packet(), 1);
    client.sendPacket(sink.address, packet());
    await sink.waitFor(3);
    expect(sink.markers).toEqual([2, 1, 0]);
  });
});
