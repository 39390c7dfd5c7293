/**
 * A pool of unwrap workers, one per core by default. Packets are copied into a batch
 * buffer as they arrive; a batch goes to the least busy worker when it reaches
 * `batchSize` packets or at the end of the current event-loop turn, whichever is first,
 * so under load every postMessage carries many packets (buffers transferred both ways),
 * and at low load latency stays one turn.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { WorkerPoolError } from './errors.js';
import { MAX_PACKET_SIZE } from './framing.js';
import type { BatchRequest, BatchResponse } from './unwrap-records.js';

export interface WorkerPoolOptions {
  sphinxSecret: Uint8Array;
  workers?: number;
  batchSize?: number;
  /** Batches in flight per worker before batches queue on the main thread. */
  maxInFlightPerWorker?: number;
  /** Batches waiting for a worker before new packets are dropped. */
  maxQueuedBatches?: number;
  onResult: (res: BatchResponse) => void;
  onDrop?: (count: number) => void;
  onError?: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

/**
 * Starts a worker on a TypeScript module. The workers load tsx's ESM hooks first, so the
 * same code runs under `tsx`, under vitest, and from `bin/nymph.js`.
 */
export function startTsWorker(moduleUrl: URL, workerData: unknown): Worker {
  const req = createRequire(import.meta.url);
  const api = pathToFileURL(req.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true, workerData });
}

export class WorkerPool {
  private slots: Slot[] = [];
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private buf: Uint8Array;
  private lens: number[] = [];
  private used = 0;
  private flushScheduled = false;
  private queued: BatchRequest[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(private readonly o: WorkerPoolOptions) {
    this.batchSize = o.batchSize ?? 32;
    this.maxInFlight = o.maxInFlightPerWorker ?? 4;
    this.maxQueued = o.maxQueuedBatches ?? 256;
    this.buf = new Uint8Array(this.batchSize * 2413 + MAX_PACKET_SIZE);
  }

  get workers(): number {
    return this.slots.length;
  }

  /** Packets handed to workers and not yet answered, plus those waiting. */
  get backlog(): number {
    let n = this.lens.length;
    for (const b of this.queued) n += b.lens.length;
    return n;
  }

  get inFlightBatches(): number {
    let n = 0;
    for (const s of this.slots) n += s.inFlight;
    return n;
  }

  async start(signal?: AbortSignal): Promise<void> {
    const n = this.o.workers && this.o.workers > 0 ? this.o.workers : Math.max(1, os.availableParallelism());
    const url = new URL('./unwrap-worker.ts', import.meta.url);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const worker = startTsWorker(url, { sphinxSecret: this.o.sphinxSecret });
      const slot: Slot = { worker, inFlight: 0 };
      this.slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(new WorkerPoolError('start aborted'));
          signal?.addEventListener('abort', onAbort, { once: true });
          worker.once('error', (e) => reject(new WorkerPoolError(`worker failed to start: ${e.message}`)));
          worker.on('message', (m: BatchResponse | { ready: true }) => {
            if ('ready' in m) {
              signal?.removeEventListener('abort', onAbort);
              resolve();
              return;
            }
            slot.inFlight--;
            this.o.onResult(m);
            this.pump();
          });
        }),
      );
      worker.on('error', (e) => this.o.onError?.(new WorkerPoolError(e.message)));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Copies one packet into the current batch. */
  submit(packet: Uint8Array): void {
    if (this.stopped) return;
    if (this.used + packet.length > this.buf.length) this.cut();
    this.buf.set(packet, this.used);
    this.used += packet.length;
    this.lens.push(packet.length);
    if (this.lens.length >= this.batchSize) this.cut();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.cut();
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private cut(): void {
    if (this.lens.length === 0) return;
    const batch: BatchRequest = {
      id: this.nextId++,
      buf: this.buf.buffer.slice(0, this.used) as ArrayBuffer,
      lens: Uint32Array.from(this.lens),
    };
    this.lens = [];
    this.used = 0;
    if (this.queued.length >= this.maxQueued) {
      this.o.onDrop?.(batch.lens.length);
      return;
    }
    this.queued.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.queued.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (s.inFlight < this.maxInFlight && (!best || s.inFlight < best.inFlight)) best = s;
      if (!best) return;
      const b = this.queued.shift()!;
      best.inFlight++;
      best.worker.postMessage(b, [b.buf, b.lens.buffer as ArrayBuffer]);
    }
  }
}
