/** Mix node building blocks: framing, the delay queue, the unwrap workers (replay filters: test/node). */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadFrameError } from '../../src/node/errors.js';
import { DelayQueue } from '../../src/node/delay-queue.js';
import { FrameDecoder, PACKET_SIZES, encodeFrame } from '../../src/node/framing.js';
import { packetLengthFor } from '../../src/sphinx/index.js';
import { random, tempHome, until } from './helpers.js';

const sizes = [...PACKET_SIZES.values()];

describe('node-to-node framing', () => {
  it('size tags match the Sphinx geometry', () => {
    expect(PACKET_SIZES.get(1)).toBe(packetLengthFor('regular'));
    expect(PACKET_SIZES.get(2)).toBe(386);
    expect(sizes.sort((a, b) => a - b)).toEqual([386, 2413, 8557, 16749, 33133]);
  });

  it('decodes any chunking of a stream of frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(386, 2413, 8557), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        (lens, cuts) => {
          const packets = lens.map((n) => random(n));
          const stream = Buffer.concat(packets.map((p) => encodeFrame(p)));
          const got: Uint8Array[] = [];
          const d = new FrameDecoder((p) => got.push(new Uint8Array(p)));
          let off = 0;
          let i = 0;
          while (off < stream.length) {
            const n = Math.min(cuts[i++ % cuts.length], stream.length - off);
            d.push(stream.subarray(off, off + n));
            off += n;
          }
          expect(got).toEqual(packets);
          expect(d.buffered).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects bad headers with BadFrameError and stays failed', () => {
    const d = new FrameDecoder(() => {});
    expect(() => d.push(new Uint8Array([2, 1, 0, 0]))).toThrow(BadFrameError);
    expect(() => d.push(encodeFrame(random(386)))).toThrow(BadFrameError);
    for (const h of [
      [1, 0, 0, 0],
      [1, 6, 0, 0],
      [1, 1, 2, 0],
    ])
      expect(() => new FrameDecoder(() => {}).push(new Uint8Array(h))).toThrow(BadFrameError);
    expect(() => encodeFrame(random(1000))).toThrow(BadFrameError);
  });
});

describe('delay queue', () => {
  it('releases items in delay order, batched per timer', async () => {
    const out: number[] = [];
    const batches: number[] = [];
    const q = new DelayQueue<number>((items) => {
      batches.push(items.length);
      out.push(...items);
    });
    const delays = [60, 10, 30, 10, 45, 0.2];
    delays.forEach((d, i) => q.push(i, d));
    expect(q.size).toBe(6);
    await new Promise((r) => setTimeout(r, 120));
    expect(out).toEqual([5, 1, 3, 2, 4, 0]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(6);
    expect(q.close()).toEqual([]);
  });
});

describe('unwrap worker pool', () => {
  it('answers every packet in batches, and replaces a worker that dies', async () => {
    const { WorkerPool } = await import('../../src/node/worker-pool.js');
    const results: number[] = [];
    const errors: string[] = [];
    const pool = new WorkerPool({
      keys: [{ rotationId: 0, secret: random(32) }],
      workers: 1,
      onResult: (r) => results.push(r.count),
      onError: (e) => errors.push(e.message),
    });
    await pool.start();
    try {
      for (let i = 0; i < 40; i++) pool.submit(random(2413));
      await until(() => results.reduce((a, b) => a + b, 0) === 40, 10_000, '40 results');
      expect(Math.max(...results)).toBeGreaterThanOrEqual(16); // batched
      const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
      await slots[0].worker.terminate();
      await until(() => errors.some((m) => /restarting/.test(m)), 5000, 'restart');
      pool.submit(random(386)); // queued until the new worker is up
      await until(() => results.reduce((a, b) => a + b, 0) === 41, 15_000, 'result after restart');
    } finally {
      await pool.stop();
    }
  });

  it('with workers = -1 unwraps on the calling thread, giving the records a worker gives', async () => {
    const { WorkerPool, INLINE_WORKERS } = await import('../../src/node/worker-pool.js');
    const { SphinxNodeKey, createPacket, encodeNodeAddress } = await import('../../src/sphinx/index.js');
    const { REC_HEADER_SIZE, REC_OFF_LEN, REC_OFF_STATUS, REC_STATUS_FORWARD, REC_STATUS_ERROR } =
      await import('../../src/node/unwrap-records.js');
    const key = SphinxNodeKey.generate(random);
    const next = SphinxNodeKey.generate(random);
    const route = [key, next].map((k, i) => ({
      address: encodeNodeAddress({ host: `10.0.0.${i + 1}`, port: 1789 }),
      publicKey: k.publicKey,
    }));
    const packets = Array.from({ length: 5 }, () =>
      createPacket({
        route,
        delaysNs: [0n, 0n],
        destination: { address: random(32), surbId: random(16) },
        payload: random(100),
        size: 'regular',
        random,
      }),
    );
    const keys = [{ rotationId: 0, secret: key.secret }];
    const records = async (workers: number) => {
      const got: Uint8Array[] = [];
      const pool = new WorkerPool({ keys, workers, onResult: (r) => got.push(new Uint8Array(r.out)) });
      await pool.start();
      try {
        for (const p of packets) pool.submit(p);
        pool.submit(random(2413)); // garbage: an error record, not a throw
        await until(() => got.length > 0, 10_000, 'a batch');
        return got[0];
      } finally {
        await pool.stop();
      }
    };
    const inline = await records(INLINE_WORKERS);
    const threaded = await records(1);
    expect(inline).toEqual(threaded);
    const view = new DataView(inline.buffer);
    let o = 0;
    for (let i = 0; i < 5; i++) {
      expect(inline[o + REC_OFF_STATUS]).toBe(REC_STATUS_FORWARD);
      o += REC_HEADER_SIZE + view.getUint32(o + REC_OFF_LEN, true);
    }
    expect(inline[o + REC_OFF_STATUS]).toBe(REC_STATUS_ERROR);
    expect(() => new WorkerPool({ keys, workers: -2, onResult: () => {} })).toThrow(/workers must be/);
  });

  it('starts a worker from its bundled twin when NYMPH_WORKER_BUNDLE_DIR has one, else through tsx', async () => {
    const { startTsWorker } = await import('../../src/node/worker-pool.js');
    const { WORKER_BUNDLE_ENV } = await import('../../src/node/worker-bundle.js');
    const dir = tempHome('twins');
    // a stand-in twin that says where it came from
    fs.writeFileSync(
      path.join(dir, 'unwrap-worker.mjs'),
      "import { parentPort } from 'node:worker_threads'; parentPort.postMessage({ ready: true, twin: true });",
    );
    const firstMessage = (w: import('node:worker_threads').Worker) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    const source = new URL('../../src/node/unwrap-worker.ts', import.meta.url);
    const before = process.env[WORKER_BUNDLE_ENV];
    try {
      process.env[WORKER_BUNDLE_ENV] = dir;
      const twin = startTsWorker(source, { keys: [{ rotationId: 0, secret: random(32) }] });
      expect(await firstMessage(twin)).toEqual({ ready: true, twin: true });
      await twin.terminate();
      // no twin of that name there: the TypeScript module itself, through tsx
      fs.rmSync(path.join(dir, 'unwrap-worker.mjs'));
      const ts = startTsWorker(source, { keys: [{ rotationId: 0, secret: random(32) }] });
      expect(await firstMessage(ts)).toEqual({ ready: true });
      await ts.terminate();
    } finally {
      if (before === undefined) delete process.env[WORKER_BUNDLE_ENV];
      else process.env[WORKER_BUNDLE_ENV] = before;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
