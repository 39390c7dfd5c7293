/**
 * Mix nodes on loopback with real sockets, real workers and real Sphinx packets: three
 * nodes in a row, the last hop a test sink that unwraps with its own key.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SphinxNodeKey, unwrapPacket } from '../../src/sphinx/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import {
  connectTo,
  frame,
  hopOf,
  makePacket,
  random,
  startMixnode,
  startSink,
  tempHome,
  until,
  type Hop,
} from './helpers.js';

describe('three mix nodes on loopback', () => {
  const keys = [generateNodeKeys(), generateNodeKeys(), generateNodeKeys()];
  const homes = keys.map((_, i) => tempHome(`mix${i}`));
  const finalKey = SphinxNodeKey.generate(random);
  let nodes: Mixnode[] = [];
  let sink: Awaited<ReturnType<typeof startSink>>;
  let route: Hop[];

  beforeAll(async () => {
    sink = await startSink();
    nodes = await Promise.all(
      homes.map((h, i) =>
        startMixnode(h, keys[i], 0, i === 0 ? { metrics: { host: '127.0.0.1', port: 0 } } : {}),
      ),
    );
    route = [
      ...nodes.map((n, i) => hopOf(n, keys[i])),
      { address: sink.address, publicKey: finalKey.publicKey },
    ];
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await sink.close();
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });

  it('carries packets through all three layers to the final hop', async () => {
    const dest = random(32);
    const s = await connectTo(nodes[0].address.port);
    const msgs = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`hello ${i}`));
    for (const m of msgs) s.write(frame(makePacket(route, dest, m)));
    await sink.waitFor(20);
    s.destroy();
    const got = sink.packets.map((p) => {
      const r = unwrapPacket(finalKey, p);
      if (r.kind !== 'final') throw new Error('expected a final hop');
      expect(r.destinationAddress).toEqual(dest);
      return new TextDecoder().decode(r.payload);
    });
    expect(got.sort()).toEqual(msgs.map((m) => new TextDecoder().decode(m)).sort());
    for (const n of nodes) expect(await n.metrics.forwarded.get()).toMatchObject({ values: [{ value: 20 }] });
  });

  it('serves Prometheus metrics over HTTP', async () => {
    const text = await (await fetch(nodes[0].metricsUrl!)).text();
    expect(text).toMatch(/^nymph_mixnode_packets_received_total 20$/m);
    expect(text).toMatch(/^nymph_mixnode_packets_forwarded_total 20$/m);
    expect(text).toMatch(/^nymph_mixnode_delay_queue_packets 0$/m);
    expect(text).toMatch(/nymph_mixnode_unwrap_seconds_count/);
    expect((await fetch(nodes[0].metricsUrl!.replace('/metrics', '/health'))).status).toBe(200);
  });

  it('drops a replayed packet and counts it', async () => {
    const before = sink.packets.length;
    const pkt = makePacket(route, random(32), new Uint8Array([1, 2, 3]));
    const s = await connectTo(nodes[0].address.port);
    s.write(frame(pkt));
    await sink.waitFor(before + 1);
    s.write(frame(pkt));
    await until(async () => (await nodes[0].metrics.dropCount('replay')) === 1, 5000, 'replay drop');
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.packets.length).toBe(before + 1);
    s.destroy();
  });

  it('holds a packet for the delay in its header', async () => {
    const before = sink.packets.length;
    const s = await connectTo(nodes[0].address.port);
    const t0 = performance.now();
    s.write(frame(makePacket(route, random(32), new Uint8Array([9]), [150, 100, 50])));
    await sink.waitFor(before + 1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    s.destroy();
  });

  it('rejects bad frames and garbage packets without falling over', async () => {
    // a header with an unknown size tag: the connection is closed, the drop counted
    const bad = await connectTo(nodes[0].address.port);
    const closed = new Promise<void>((r) => bad.once('close', () => r()));
    bad.write(new Uint8Array([1, 9, 0, 0, 1, 2, 3]));
    await closed;
    expect(await nodes[0].metrics.dropCount('bad_frame')).toBe(1);
    // a well-framed packet of random bytes: unwrap fails (MAC), counted as malformed
    const s = await connectTo(nodes[0].address.port);
    s.write(frame(random(2413)));
    await until(async () => (await nodes[0].metrics.dropCount('malformed')) === 1, 5000, 'malformed drop');
    // the node still forwards
    const before = sink.packets.length;
    s.write(frame(makePacket(route, random(32), new Uint8Array([7]))));
    await sink.waitFor(before + 1);
    s.destroy();
  });

  it('reconnects to a next hop that went away and delivers what it queued', async () => {
    const port = sink.port;
    await sink.close();
    const s = await connectTo(nodes[0].address.port);
    s.write(frame(makePacket(route, random(32), new Uint8Array([1]))));
    await new Promise((r) => setTimeout(r, 150)); // the last node now retries with backoff
    sink = await startSink(port);
    await sink.waitFor(1);
    s.destroy();
  });

  it('remembers replay tags across a restart', async () => {
    const pkt = makePacket(route, random(32), new Uint8Array([4, 5, 6]));
    const before = sink.packets.length;
    let s = await connectTo(nodes[0].address.port);
    s.write(frame(pkt));
    await sink.waitFor(before + 1);
    s.destroy();
    const port = nodes[0].address.port;
    await nodes[0].stop();
    nodes[0] = await startMixnode(homes[0], keys[0], port);
    s = await connectTo(port);
    s.write(frame(pkt));
    await until(
      async () => (await nodes[0].metrics.dropCount('replay')) === 1,
      5000,
      'replay drop after restart',
    );
    s.destroy();
    expect(sink.packets.length).toBe(before + 1);
  });
});
