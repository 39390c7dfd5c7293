import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createPacket, SphinxNodeKey, unwrapPacket } from '../../src/sphinx/index.js';
import { network, nodeBackend, random, toHex } from './helpers.js';

describe('worker_threads', () => {
  it('unwraps a batch of packets inside a worker exactly as on the main thread', async () => {
    const net = network(3, nodeBackend);
    const packets = Array.from({ length: 16 }, () =>
      createPacket({
        route: net.route,
        delaysNs: [1n, 2n, 3n],
        destination: { address: random(32), surbId: random(16) },
        payload: random(100),
        size: 'regular',
        random,
      }),
    );
    const worker = new Worker(new URL('./fixtures/unwrap-worker.mjs', import.meta.url), {
      workerData: { secret: net.keys[0].secret },
    });
    try {
      const reply = await new Promise<{
        backend: string;
        results: { kind: string; tag: Uint8Array; packet: Uint8Array }[];
      }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(packets);
      });
      expect(reply.backend).toBe('node');
      const local = SphinxNodeKey.fromSecret(net.keys[0].secret);
      reply.results.forEach((r, i) => {
        const want = unwrapPacket(local, packets[i]);
        expect(r.kind).toBe('forward');
        expect(toHex(r.tag)).toBe(toHex(want.replayTag));
        if (want.kind === 'forward') expect(toHex(r.packet)).toBe(toHex(want.packet));
      });
    } finally {
      await worker.terminate();
    }
  });
});
