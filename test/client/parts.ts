/**
 * What the client's parts need to be tested alone, without sockets: a topology of mix
 * nodes and a gateway whose Sphinx secrets we hold (so a test can play every hop with the
 * real Sphinx code), a fake clock, and a deterministic byte source.
 */
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { GatewayBond, MixNodeBond } from '../../src/contracts/index.js';
import { SphinxNodeKey, encodeNodeAddress, unwrapPacket } from '../../src/sphinx/index.js';
import { Topology } from '../../src/topology/index.js';
import { splitSurbAck, decodeMixPacket, type MixPacket } from '../../src/gateway/protocol/index.js';
import type { Clock } from '../../src/client/clock.js';
import type { RandomBytes } from '../../src/client/crypto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A deterministic byte stream (counter-mode SHA-256), so runs are repeatable. */
export function seededRng(seed: string | number): RandomBytes {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}

export interface TestNetwork {
  readonly topology: Topology;
  /** Sphinx keys by the hex of the node's 32-byte Sphinx address. */
  readonly keys: Map<string, SphinxNodeKey>;
  /** mix ids by layer */
  readonly layers: number[][];
  readonly gatewayIdentity: string;
}

/** `perLayer` mix nodes per layer and `gateways` gateways, every Sphinx secret known. */
export function testNetwork(perLayer = 2, gateways = 1, seed = 'net'): TestNetwork {
  const rng = seededRng(seed);
  const keys = new Map<string, SphinxNodeKey>();
  const node = (host: string, port: number) => {
    const key = SphinxNodeKey.generate(rng);
    keys.set(hex(encodeNodeAddress({ host, port })), key);
    return {
      sphinx: base58.encode(key.publicKey),
      identity: base58.encode(ed25519.getPublicKey(rng(32))),
    };
  };
  const mixnodes: MixNodeBond[] = [];
  const layers: number[][] = [[], [], []];
  let id = 1;
  for (const layer of [1, 2, 3] as const)
    for (let i = 0; i < perLayer; i++, id++) {
      const host = `10.0.${layer}.${i + 1}`;
      const k = node(host, 1789);
      layers[layer - 1].push(id);
      mixnodes.push({
        mix_id: id,
        owner: `n1mix${id}`,
        original_pledge: { denom: 'unym', amount: '100000000' },
        layer,
        mix_node: {
          host,
          mix_port: 1789,
          verloc_port: 1790,
          http_api_port: 8000,
          sphinx_key: k.sphinx,
          identity_key: k.identity,
          version: '1.1.20',
        },
        proxy: null,
        bonding_height: 1,
        is_unbonding: false,
      });
    }
  const gws: GatewayBond[] = [];
  for (let i = 0; i < gateways; i++) {
    const host = `10.0.9.${i + 1}`;
    const k = node(host, 1789);
    gws.push({
      pledge_amount: { denom: 'unym', amount: '100000000' },
      owner: `n1gw${i}`,
      block_height: 1,
      gateway: {
        host,
        mix_port: 1789,
        clients_port: 9000,
        location: 'Earth',
        sphinx_key: k.sphinx,
        identity_key: k.identity,
        version: '1.1.20',
      },
      proxy: null,
    });
  }
  const { topology, skipped } = Topology.fromBonds(mixnodes, gws);
  if (skipped.length) throw new Error(`test network: ${JSON.stringify(skipped)}`);
  return { topology, keys, layers, gatewayIdentity: topology.gateways[0].identityKey };
}

/** The hops a packet took and what reached its destination. */
export interface Delivery {
  readonly hops: string[];
  readonly destination: Uint8Array;
  readonly payload: Uint8Array;
}

/** Play every hop of a Sphinx packet sent to `firstHop`, with the real Sphinx code. */
export function deliver(net: TestNetwork, firstHop: Uint8Array, packet: Uint8Array): Delivery {
  const hops: string[] = [];
  let address = firstHop;
  for (;;) {
    const key = net.keys.get(hex(address));
    if (!key) throw new Error(`no node at ${hex(address)}`);
    hops.push(hex(address));
    const r = unwrapPacket(key, packet);
    if (r.kind === 'final') return { hops, destination: r.destinationAddress, payload: r.payload };
    address = r.nextAddress;
    packet = r.packet;
  }
}

/** What the gateway does with a mix packet from a client: route it, split off the SURB-ack. */
export function deliverMixPacket(net: TestNetwork, mixPacket: Uint8Array) {
  // the client sends v2 mix packets (Nym's ForwardSphinxV2) where the protocol has them
  const mp = (decodeMixPacket as (b: Uint8Array, version?: 2) => MixPacket)(mixPacket, 2);
  const d = deliver(net, mp.nextHop, mp.packet);
  if (d.payload.length < 405) return { ...d, message: d.payload, ack: undefined };
  const { ack, message } = splitSurbAck(d.payload);
  return { ...d, message, ack: deliver(net, ack.firstHop, ack.ackPacket) };
}

/**
 * A clock whose time moves only when the test says so. Timers never fire early and, as
 * Node's do, never sooner than 1 ms; a timer callback may move time on (to model work).
 */
export class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers: { due: number; seq: number; fn: () => void }[] = [];

  now = (): number => this.t;

  setTimer = (fn: () => void, ms: number): unknown => {
    const timer = { due: this.t + Math.max(1, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return timer;
  };

  clearTimer = (h: unknown): void => {
    this.timers = this.timers.filter((t) => t !== h);
  };

  defer = (fn: () => void): void => void this.setTimer(fn, 0);

  get pending(): number {
    return this.timers.length;
  }

  /** Run timers in due order until `ms` from now; a late timer runs at the current time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = Math.max(this.t, end);
  }
}
