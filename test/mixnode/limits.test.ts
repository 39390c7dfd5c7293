/**
 * Inbound connection caps and timeouts on a mix port, and the sender closing idle
 * connections first (so a receiver's idle timeout never cuts a packet in flight).
 * Bad input here is a connection that holds a socket without sending frames: it is refused
 * over the caps (total, per host) or closed at the first-frame / idle deadline, and counted.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../src/node/connection-pool.js';
import { encodeFrame } from '../../src/node/framing.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import { random, startMixnode, startSink, tempHome } from './helpers.js';

const open = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });

const closed = (s: net.Socket): Promise<void> =>
  new Promise((r) => (s.destroyed || s.readyState === 'closed' ? r() : s.once('close', () => r())));

async function metric(node: Mixnode, reason: string): Promise<number> {
  const text = await (await fetch(node.metricsUrl!)).text();
  const m = text.match(
    new RegExp(`nymph_mixnode_inbound_connections_closed_total\\{reason="${reason}"\\} (\\d+)`),
  );
  return m ? Number(m[1]) : 0;
}

describe('mix port connection limits', () => {
  const nodes: Mixnode[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const n of nodes.splice(0)) await n.stop();
  });

  it('refuses sockets over the per-host cap and closes silent ones at the first-frame deadline', async () => {
    const node = await startMixnode(tempHome('limits'), undefined, 0, {
      metrics: { host: '127.0.0.1', port: 0 },
      inbound: { maxConnectionsPerHost: 5, firstFrameTimeoutMs: 400 },
    });
    nodes.push(node);
    for (let i = 0; i < 20; i++) sockets.push(await open(node.address.port));
    // 15 over the cap are closed at once by the node.
    await Promise.all(sockets.slice(5).map(closed));
    expect(await metric(node, 'host_limit')).toBe(15);
    expect(sockets.slice(0, 5).every((s) => !s.destroyed)).toBe(true);
    // The 5 held ones never send a frame: gone after the deadline.
    await Promise.all(sockets.slice(0, 5).map(closed));
    expect(await metric(node, 'no_frame')).toBe(5);
  });

  it('keeps a socket that sends frames past the first-frame deadline, then closes it when idle', async () => {
    const node = await startMixnode(tempHome('limits'), undefined, 0, {
      metrics: { host: '127.0.0.1', port: 0 },
      inbound: { firstFrameTimeoutMs: 300, idleTimeoutMs: 900 },
    });
    nodes.push(node);
    const s = await open(node.address.port);
    sockets.push(s);
    s.write(encodeFrame(random(2413))); // undecryptable, but a whole frame
    await new Promise((r) => setTimeout(r, 600));
    expect(s.destroyed).toBe(false);
    await closed(s);
    expect(await metric(node, 'idle')).toBe(1);
  });

  it('refuses sockets over the total cap', async () => {
    const node = await startMixnode(tempHome('limits'), undefined, 0, {
      metrics: { host: '127.0.0.1', port: 0 },
      inbound: { maxConnections: 3 },
    });
    nodes.push(node);
    for (let i = 0; i < 6; i++) sockets.push(await open(node.address.port));
    await Promise.all(sockets.slice(3).map(closed));
    expect(await metric(node, 'total_limit')).toBe(3);
  });
});

describe('connection pool idle close', () => {
  it('closes a connection with nothing to send, and reconnects for the next packet', async () => {
    const sink = await startSink();
    const pool = new ConnectionPool({ idleCloseMs: 200 });
    try {
      const dest = { host: '127.0.0.1', port: sink.port };
      pool.send(dest, random(2413));
      await sink.waitFor(1);
      expect(pool.connectedPeers).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      expect(pool.connectedPeers).toBe(0);
      pool.send(dest, random(2413));
      await sink.waitFor(2);
    } finally {
      await pool.close();
      await sink.close();
    }
  });
});
