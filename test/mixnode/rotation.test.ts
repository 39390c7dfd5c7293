/**
 * Sphinx key rotation on real mix nodes (real sockets, workers, files), on a schedule of
 * one-second epochs kept by the clock (the `[sphinx] local_epoch_secs` source): packets
 * built for the previous rotation's key pass during the overlap epoch and are refused
 * after it; replays are refused within a rotation; the replay files stay bounded over many
 * rotations; a restart after a boundary loads the right keys; a client building packets
 * across boundaries from a topology refreshed with a lag loses none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SphinxNodeKey, unwrapPacket } from '../../src/sphinx/index.js';
import { encodeFrame } from '../../src/node/framing.js';
import { generateNodeKeys, type NodeKeys } from '../../src/node/keys.js';
import { localRotationInfo } from '../../src/node/rotation-schedule.js';
import type { Mixnode } from '../../src/mixnode/node.js';
import {
  connectTo,
  makePacket,
  random,
  startMixnode,
  startSink,
  tempHome,
  until,
  type Hop,
} from './helpers.js';

const MARK_ODD = 1;
const MARK_EVEN = 2;
const markerOf = (rotation: number) => (rotation % 2 === 0 ? MARK_EVEN : MARK_ODD);

/** A clock schedule: epochs of `epochMs`, `validity` a rotation, now `startEpoch` epochs in (+100 ms). */
function schedule(epochMs: number, validity: number, startEpoch: number) {
  const originMs = Date.now() - startEpoch * epochMs - 100;
  return {
    originMs,
    info: async () => localRotationInfo({ epochMs, validityEpochs: validity, originMs }, Date.now()),
    /** ms until epoch `e` starts */
    until: (e: number) => originMs + e * epochMs - Date.now(),
  };
}

const sphinxOptions = (s: ReturnType<typeof schedule>) => ({
  info: s.info,
  pollMs: 250,
  replay: { packetsPerSecond: 50, falsePositiveRate: 1e-5 },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

describe('sphinx key rotation on a mix node', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function node(home: string, keys: NodeKeys, s: ReturnType<typeof schedule>): Promise<Mixnode> {
    const n = await startMixnode(home, keys, 0, { sphinx: sphinxOptions(s) });
    cleanup.push(() => n.stop());
    return n;
  }

  it('accepts the previous key during the overlap epoch, refuses it after, and refuses replays', async () => {
    const home = tempHome('rot-overlap');
    cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
    const sink = await startSink();
    cleanup.push(() => sink.close());
    const finalKey = SphinxNodeKey.generate(random);
    // epochs of 3 s, 3 a rotation; the steps below follow the node's own rotation id, so
    // a slow start on a loaded machine only shifts them
    const s = schedule(3000, 3, 3);
    const n = await node(home, generateNodeKeys(), s);
    const old = n.rotation!.primary;
    const r = old.rotationId;
    expect(r).toBeGreaterThanOrEqual(1);
    const viaOld = (): Hop[] => [
      { address: n.nodeAddress, publicKey: old.publicKey },
      { address: sink.address, publicKey: finalKey.publicKey },
    ];
    const sock = await connectTo(n.address.port);
    cleanup.push(() => void sock.destroy());

    // within rotation r: a packet passes once; its replays are refused, marked or not
    const first = makePacket(viaOld(), random(32), new TextEncoder().encode('before'));
    sock.write(encodeFrame(first, markerOf(r)));
    await sink.waitFor(1);
    sock.write(encodeFrame(first, markerOf(r)));
    sock.write(encodeFrame(first, 0));
    await until(async () => (await n.metrics.dropCount('replay')) === 2, 5000, 'two replays refused');

    // the next key (announced in the rotation's last epoch) is swapped in at its end
    await until(() => n.rotation!.primary.rotationId === r + 1, 30_000, 'swapped');
    expect(n.rotation!.secondary?.rotationId).toBe(r);
    const gauge = await n.metrics.registry.getSingleMetricAsString('nymph_mixnode_sphinx_key_rotation');
    expect(gauge).toMatch(new RegExp(`^nymph_mixnode_sphinx_key_rotation ${r + 1}$`, 'm'));

    // overlap epoch: packets built for rotation r still pass, marked or not
    sock.write(encodeFrame(makePacket(viaOld(), random(32), random(40)), markerOf(r)));
    sock.write(encodeFrame(makePacket(viaOld(), random(32), random(40)), 0));
    await sink.waitFor(3);
    // and the new key works (what clients with a fresh topology use)
    const viaNew: Hop[] = [
      { address: n.nodeAddress, publicKey: n.rotation!.primary.publicKey },
      { address: sink.address, publicKey: finalKey.publicKey },
    ];
    sock.write(encodeFrame(makePacket(viaNew, random(32), random(40)), markerOf(r + 1)));
    await sink.waitFor(4);

    // after the overlap: rotation r's key and replay filter are gone
    await until(() => n.rotation!.secondary?.rotationId !== r, 10_000, 'purged');
    expect(
      fs.readdirSync(path.join(home, 'data', 'replay')).filter((f) => f.startsWith(`rot-${r}.`)),
    ).toEqual([]);
    const refused = async () =>
      (await n.metrics.dropCount('expired_key')) + (await n.metrics.dropCount('malformed'));
    const before = await refused();
    sock.write(encodeFrame(makePacket(viaOld(), random(32), random(40)), markerOf(r)));
    sock.write(encodeFrame(makePacket(viaOld(), random(32), random(40)), 0));
    await until(async () => (await refused()) === before + 2, 5000, 'old key refused');
    await sleep(200);
    expect(sink.packets.length).toBe(4);
    const got = sink.packets.map((p) => unwrapPacket(finalKey, p).kind);
    expect(got).toEqual(['final', 'final', 'final', 'final']);
    // forwarded frames keep the marker they came with (Nym's MixPacket key_rotation)
    expect(sink.markers).toEqual([markerOf(r), markerOf(r), 0, markerOf(r + 1)]);
  }, 60_000);

  it('keeps the replay files bounded over many rotations, deleting each old one', async () => {
    const home = tempHome('rot-files');
    cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
    const sink = await startSink();
    cleanup.push(() => sink.close());
    const finalKey = SphinxNodeKey.generate(random);
    // 2 s rotations, from rotation 1 (epochs long enough for a loaded machine's latency)
    const s = schedule(1500, 2, 2);
    const n = await node(home, generateNodeKeys(), s);
    const sock = await connectTo(n.address.port);
    cleanup.push(() => void sock.destroy());
    const dir = path.join(home, 'data', 'replay');
    const seen = new Set<number>();
    let maxFiles = 0;
    let maxBytes = 0;
    let sent = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 13_000) {
      const k = n.rotation!.primary;
      seen.add(k.rotationId);
      const route: Hop[] = [
        { address: n.nodeAddress, publicKey: k.publicKey },
        { address: sink.address, publicKey: finalKey.publicKey },
      ];
      for (let i = 0; i < 5; i++) sock.write(encodeFrame(makePacket(route, random(32), random(16)), 0));
      sent += 5;
      const files = fs.readdirSync(dir).filter((f) => f.startsWith('rot-'));
      maxFiles = Math.max(maxFiles, files.length);
      maxBytes = Math.max(
        maxBytes,
        files.reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0),
      );
      await sleep(50);
    }
    await sink.waitFor(sent, 10_000);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    // at most two rotations' filters (a snapshot and a journal each) at any time
    expect(maxFiles).toBeLessThanOrEqual(4);
    // each journal holds one rotation's tags at most: far below all tags ever sent
    expect(maxBytes).toBeLessThan(sent * 32);
    const held = [n.rotation!.primary.rotationId, n.rotation!.secondary?.rotationId].filter(
      (r) => r !== undefined,
    );
    const onDisk = new Set(fs.readdirSync(dir).map((f) => Number(/^rot-(\d+)\./.exec(f)?.[1])));
    for (const r of onDisk) expect(held).toContain(r);
  }, 40_000);

  it('loads its keys and replay filter after a restart, and the right keys after a boundary', async () => {
    const home = tempHome('rot-restart');
    cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
    const sink = await startSink();
    cleanup.push(() => sink.close());
    const finalKey = SphinxNodeKey.generate(random);
    const keys = generateNodeKeys();
    const s = schedule(4000, 3, 3); // 4 s epochs, 3 a rotation
    let n = await startMixnode(home, keys, 0, { sphinx: sphinxOptions(s) });
    const port = n.address.port;
    const k1 = n.rotation!.primary;
    const r = k1.rotationId;
    const route = (pub: Uint8Array): Hop[] => [
      { address: n.nodeAddress, publicKey: pub },
      { address: sink.address, publicKey: finalKey.publicKey },
    ];
    const pkt = makePacket(route(k1.publicKey), random(32), random(16));
    let sock = await connectTo(port);
    sock.write(encodeFrame(pkt, 0));
    await sink.waitFor(1);
    sock.destroy();
    await n.stop();

    // same rotation: same key, and the packet is still a replay
    n = await startMixnode(home, keys, port, { sphinx: sphinxOptions(s) });
    expect(n.rotation!.primary.rotationId).toBe(r);
    expect(n.rotation!.primary.publicKey).toEqual(k1.publicKey);
    sock = await connectTo(port);
    sock.write(encodeFrame(pkt, 0));
    await until(async () => (await n.metrics.dropCount('replay')) === 1, 5000, 'replay after restart');
    sock.destroy();
    await n.stop();

    // down across the boundary into the overlap epoch: up with rotation r + 1 as the
    // primary, rotation r kept for the overlap with its filter
    await sleep(s.until(3 * (r + 1)) + 300);
    n = await startMixnode(home, keys, port, { sphinx: sphinxOptions(s) });
    cleanup.push(() => n.stop());
    await until(() => n.rotation!.primary.rotationId === r + 1, 3000, 'next rotation primary');
    expect(n.rotation!.secondary?.rotationId).toBe(r);
    expect(n.rotation!.secondary?.publicKey).toEqual(k1.publicKey);
    sock = await connectTo(port);
    cleanup.push(() => void sock.destroy());
    sock.write(encodeFrame(pkt, 0));
    await until(async () => (await n.metrics.dropCount('replay')) === 1, 5000, 'replay in the overlap');
    sock.write(encodeFrame(makePacket(route(n.rotation!.primary.publicKey), random(32), random(16)), 0));
    await sink.waitFor(2);
    const files = fs.readdirSync(path.join(home, 'keys')).sort();
    expect(files).toContain('x25519_sphinx_primary.key');
    expect(files).toContain('x25519_sphinx_secondary.key');
  }, 60_000);

  it('loses no packet of a client building across rotation boundaries from a lagging topology', async () => {
    const homes = [0, 1, 2].map((i) => tempHome(`rot-net${i}`));
    cleanup.push(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
    const sink = await startSink();
    cleanup.push(() => sink.close());
    const finalKey = SphinxNodeKey.generate(random);
    const s = schedule(3000, 2, 2); // 6 s rotations
    const nodes = await Promise.all(homes.map((h) => node(h, generateNodeKeys(), s)));
    // the client's topology: what each node announced, re-read every 600 ms (under an epoch)
    let topology = nodes.map((n) => n.rotation!.announcement);
    const refresher = setInterval(() => (topology = nodes.map((n) => n.rotation!.announcement)), 600);
    cleanup.push(() => clearInterval(refresher));
    const sock = await connectTo(nodes[0].address.port);
    cleanup.push(() => void sock.destroy());
    const rotationsSeen = new Set<number>();
    let sent = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 14_000) {
      // Nym's current_sphinx_key: the key of the topology's rotation (the clock's here),
      // the pre-announced one once the rotation has moved on
      const rotation = Math.floor((Date.now() - s.originMs) / 3000 / 2);
      const route: Hop[] = nodes.map((n, i) => {
        const a = topology[i];
        const key = a.preAnnounced?.rotationId === rotation ? a.preAnnounced : a.primary;
        rotationsSeen.add(key.rotationId);
        return { address: n.nodeAddress, publicKey: key.publicKey };
      });
      route.push({ address: sink.address, publicKey: finalKey.publicKey });
      sock.write(encodeFrame(makePacket(route, random(32), random(16), [1, 1, 1]), 0));
      sent++;
      await sleep(20);
    }
    await sink.waitFor(sent, 15_000);
    await sleep(300);
    expect(sink.packets.length).toBe(sent);
    expect(rotationsSeen.size).toBeGreaterThanOrEqual(2);
    for (const n of nodes) {
      expect(await n.metrics.dropCount('malformed')).toBe(0);
      expect(await n.metrics.dropCount('replay')).toBe(0);
    }
  }, 60_000);
});
