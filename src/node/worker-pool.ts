/**
 * A pool of unwrap workers, one per core by default. Packets are copied into a batch
 * buffer as they arrive; a batch goes to the least busy worker when it reaches
 * `batchSize` packets or at the end of the current event-loop turn, whichever is first,
 * so under load every postMessage carries many packets (buffers transferred both ways),
 * and at low load latency stays one turn.
 *
 * `workers: -1` (INLINE_WORKERS) runs no threads: each batch is unwrapped on the calling
 * thread where it would have been posted, with the same batching and the same result
 * records. For many nodes on few cores (a local network): a worker costs its own event
 * loop, a postMessage each way, a copy of every batch and a thread wake-up per batch, which
 * on a busy machine came to as much CPU as the Sphinx work itself, and buys no parallelism
 * when every core is taken anyway.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundledTwin } from './worker-bundle.js';
import { WorkerPoolError } from './errors.js';
import { MAX_PACKET_SIZE } from './framing.js';
import { createKeyedUnwrapper, type WorkerKey } from './sphinx-adapter.js';
import { unwrapBatch, type KeyedUnwrapper } from './unwrap-batch.js';
import type { BatchRequest, BatchResponse, KeysMessage } from './unwrap-records.js';

/** `workers` value for no worker threads: batches are unwrapped on the calling thread. */
export const INLINE_WORKERS = -1;

export interface WorkerPoolOptions {
  /** The node's Sphinx keys: [primary, secondary?] (see sphinx-adapter's createKeyedUnwrapper). */
  keys: readonly WorkerKey[];
  /** Threads: 0 or absent one per core, -1 (INLINE_WORKERS) none. */
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
  /** Packets in the batches in flight. */
  packets: number;
  ready: boolean;
}

/**
 * Starts a worker on a TypeScript module: its bundled twin where there is one (./worker-bundle.ts),
 * otherwise through tsx's ESM hooks, so the same code runs under `tsx`, under vitest, and
 * from `bin/nymph.js`.
 */
export function startTsWorker(moduleUrl: URL, workerData: unknown): Worker {
  const twin = bundledTwin(moduleUrl);
  if (twin) return new Worker(twin, { workerData });
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
  private markers: number[] = [];
  private keys: readonly WorkerKey[];
  private used = 0;
  private flushScheduled = false;
  private queued: BatchRequest[] = [];
  private nextId = 1;
  private stopped = false;
  /** Set when running without threads (INLINE_WORKERS). */
  private inline: KeyedUnwrapper | null = null;

  constructor(private readonly o: WorkerPoolOptions) {
    this.batchSize = o.batchSize ?? 32;
    this.maxInFlight = o.maxInFlightPerWorker ?? 4;
    this.maxQueued = o.maxQueuedBatches ?? 256;
    this.buf = new Uint8Array(this.batchSize * 2413 + MAX_PACKET_SIZE);
    this.keys = o.keys;
    const w = o.workers ?? 0;
    if (!Number.isInteger(w) || w < INLINE_WORKERS)
      throw new WorkerPoolError(`workers must be an integer >= ${INLINE_WORKERS}, got ${w}`);
  }

  /** True when batches are unwrapped on the calling thread (no worker threads). */
  get isInline(): boolean {
    return this.o.workers === INLINE_WORKERS;
  }

  /** Gives every worker (and any restarted later) new keys; batches after this use them. */
  setKeys(keys: readonly WorkerKey[]): void {
    this.keys = keys;
    this.inline?.setKeys(keys);
    const m: KeysMessage = { keys: keys.map((k) => ({ rotationId: k.rotationId, secret: k.secret })) };
    for (const s of this.slots) s.worker.postMessage(m);
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
    if (this.isInline) {
      if (signal?.aborted) throw new WorkerPoolError('start aborted');
      this.inline = createKeyedUnwrapper(this.keys);
      return;
    }
    const n = this.o.workers && this.o.workers > 0 ? this.o.workers : Math.max(1, os.availableParallelism());
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const slot: Slot = { worker: null as unknown as Worker, inFlight: 0, packets: 0, ready: false };
      this.slots.push(slot);
      ready.push(this.spawn(slot, signal));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Starts (or restarts) the worker of a slot; resolves when it has loaded. */
  private spawn(slot: Slot, signal?: AbortSignal): Promise<void> {
    const worker = startTsWorker(new URL('./unwrap-worker.ts', import.meta.url), {
      keys: this.keys.map((k) => ({ rotationId: k.rotationId, secret: k.secret })),
    });
    slot.worker = worker;
    slot.ready = false;
    worker.on('error', (e) => this.o.onError?.(new WorkerPoolError(e.message)));
    worker.once('exit', (code) => {
      slot.ready = false;
      if (this.stopped) return;
      // a worker that dies takes its batches with it; count them and start a new one
      this.o.onError?.(new WorkerPoolError(`worker exited with code ${code}; restarting`));
      if (slot.packets > 0) this.o.onDrop?.(slot.packets);
      slot.inFlight = 0;
      slot.packets = 0;
      setTimeout(() => {
        if (!this.stopped) void this.spawn(slot).catch((e: Error) => this.o.onError?.(e));
      }, 200);
    });
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new WorkerPoolError('start aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('error', (e) => reject(new WorkerPoolError(`worker failed to start: ${e.message}`)));
      worker.on('message', (m: BatchResponse | { ready: true }) => {
        if ('ready' in m) {
          signal?.removeEventListener('abort', onAbort);
          slot.ready = true;
          resolve();
          this.pump();
          return;
        }
        slot.inFlight--;
        slot.packets -= m.count;
        this.o.onResult(m);
        this.pump();
      });
    });
  }

  /** Copies one packet (with its frame's key-rotation marker) into the current batch. */
  submit(packet: Uint8Array, marker = 0): void {
    if (this.stopped) return;
    if (this.used + packet.length > this.buf.length) this.cut();
    this.buf.set(packet, this.used);
    this.used += packet.length;
    this.lens.push(packet.length);
    this.markers.push(marker);
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
    if (this.inline) return this.unwrapHere();
    const batch: BatchRequest = {
      id: this.nextId++,
      buf: this.buf.buffer.slice(0, this.used) as ArrayBuffer,
      lens: Uint32Array.from(this.lens),
      markers: Uint8Array.from(this.markers),
    };
    this.lens = [];
    this.markers = [];
    this.used = 0;
    if (this.queued.length >= this.maxQueued) {
      this.o.onDrop?.(batch.lens.length);
      return;
    }
    this.queued.push(batch);
    this.pump();
  }

  /** The current batch, unwrapped now on this thread (INLINE_WORKERS). */
  private unwrapHere(): void {
    const r = unwrapBatch(this.inline!, this.buf.subarray(0, this.used), this.lens, this.markers);
    this.lens = [];
    this.markers = [];
    this.used = 0;
    this.o.onResult({ id: this.nextId++, ...r });
  }

  private pump(): void {
    while (this.queued.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (s.ready && s.inFlight < this.maxInFlight && (!best || s.inFlight < best.inFlight)) best = s;
      if (!best) return;
      const b = this.queued.shift()!;
      best.inFlight++;
      best.packets += b.lens.length;
      best.worker.postMessage(b, [b.buf, b.lens.buffer as ArrayBuffer, b.markers.buffer as ArrayBuffer]);
    }
  }
}
