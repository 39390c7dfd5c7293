import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createPacket, encodeNodeAddress, type PacketSize } from '../../src/sphinx/index.js';
import { FrameDecoder, encodeFrame } from '../../src/node/framing.js';
import { generateNodeKeys, type NodeKeys } from '../../src/node/keys.js';
import { createMixnode, type Mixnode } from '../../src/mixnode/node.js';

export const random = (n: number): Uint8Array => new Uint8Array(crypto.randomBytes(n));
export const quiet = pino({ level: 'silent' });

export function tempHome(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nymph-${prefix}-`));
}

export async function startMixnode(
  home: string,
  keys: NodeKeys = generateNodeKeys(),
  port = 0,
  extra: Partial<Parameters<typeof createMixnode>[0]> = {},
): Promise<Mixnode> {
  const node = createMixnode({ home, host: '127.0.0.1', port, keys, workers: 1, logger: quiet, ...extra });
  await node.start();
  return node;
}

/** A TCP server that decodes node-to-node frames and collects the packets. */
export async function startSink(listenPort = 0): Promise<{
  port: number;
  address: Uint8Array;
  packets: Uint8Array[];
  /** Each packet's frame key-rotation marker. */
  markers: number[];
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}> {
  const packets: Uint8Array[] = [];
  const markers: number[] = [];
  const sockets = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    const d = new FrameDecoder((p, marker) => {
      packets.push(p.slice());
      markers.push(marker);
      for (const w of waiters) w();
    });
    s.on('data', (c) => d.push(c));
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: encodeNodeAddress({ host: '127.0.0.1', port }),
    packets,
    markers,
    async waitFor(n, timeoutMs = 10_000) {
      const t0 = Date.now();
      while (packets.length < n) {
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`sink: ${packets.length}/${n} packets after ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
        waiters = [];
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Hop {
  address: Uint8Array;
  publicKey: Uint8Array;
}

export function hopOf(node: Mixnode, keys: NodeKeys): Hop {
  return { address: node.nodeAddress, publicKey: keys.sphinxPublic };
}

export function makePacket(
  route: Hop[],
  destination: Uint8Array,
  payload: Uint8Array,
  delaysMs: number[] = [],
  size: PacketSize = 'regular',
): Uint8Array {
  return createPacket({
    route,
    delaysNs: route.map((_, i) => BigInt(Math.round((delaysMs[i] ?? 0) * 1e6))),
    destination: { address: destination, surbId: new Uint8Array(16) },
    payload,
    size,
    random,
  });
}

/** Opens a TCP connection to a node and writes frames. */
export async function connectTo(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => {
    s.once('connect', () => r());
    s.once('error', j);
  });
  s.on('error', () => {});
  return s;
}

export function frame(packet: Uint8Array): Uint8Array {
  return encodeFrame(packet);
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
