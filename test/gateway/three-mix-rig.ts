/**
 * Three mix nodes and a gateway in this process, on real loopback sockets, and Sphinx
 * packets routed through them (layer 1, 2, 3, then the gateway as the final hop): the set-up
 * the gateway tests share. `start` in `beforeAll`, `stop` in `afterAll`.
 */
import fs from 'node:fs';
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.js';
import { withSurbAck, type IdentityKeys } from '../../src/gateway/protocol/index.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { createPacket, type PacketSize } from '../../src/sphinx/index.js';
import { quiet, startMixnode, tempHome } from '../mixnode/helpers.js';
import { random } from './client.js';

export interface ThreeMixRig {
  readonly mixKeys: ReturnType<typeof generateNodeKeys>[];
  readonly gwKeys: ReturnType<typeof generateNodeKeys>;
  /** The running nodes (after `start`). */
  readonly mixes: Mixnode[];
  readonly gw: Gateway;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A Sphinx packet through the three layers to `dest` at the gateway. */
  packetTo(dest: IdentityKeys, payload: Uint8Array, size?: PacketSize): Uint8Array;
  /** A message for `to` carrying a SURB-ack that comes back to `from`. */
  messageWithAck(from: IdentityKeys, to: IdentityKeys, msg: Uint8Array, ackId: Uint8Array): Uint8Array;
}

/** `name` names the temporary homes; `gateway` overrides the gateway's config. */
export function threeMixRig(name: string, gateway: Partial<GatewayConfig> = {}): ThreeMixRig {
  const mixKeys = [generateNodeKeys(), generateNodeKeys(), generateNodeKeys()];
  const gwKeys = generateNodeKeys();
  const homes = [...mixKeys.map((_, i) => tempHome(`${name}mix${i}`)), tempHome(`${name}gw`)];
  let mixes: Mixnode[] = [];
  let gw: Gateway | undefined;

  const route = () => [
    ...mixes.map((m, i) => ({ address: m.nodeAddress, publicKey: mixKeys[i].sphinxPublic })),
    { address: gw!.nodeAddress, publicKey: gwKeys.sphinxPublic },
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

  return {
    mixKeys,
    gwKeys,
    get mixes() {
      return mixes;
    },
    get gw() {
      if (!gw) throw new Error('three-mix rig: not started');
      return gw;
    },
    async start() {
      mixes = await Promise.all(mixKeys.map((k, i) => startMixnode(homes[i], k)));
      gw = createGateway({
        home: homes[3],
        host: '127.0.0.1',
        mixPort: 0,
        clientsPort: 0,
        keys: gwKeys,
        workers: 1,
        freeBandwidth: true,
        logger: quiet,
        ...gateway,
      });
      await gw.start();
    },
    async stop() {
      await gw?.stop();
      await Promise.all(mixes.map((m) => m.stop()));
      for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
    },
    packetTo,
    messageWithAck: (from, to, msg, ackId) =>
      packetTo(
        to,
        withSurbAck({ firstHop: mixes[0].nodeAddress, ackPacket: packetTo(from, ackId, 'ack') }, msg),
      ),
  };
}
