/**
 * The page's handle on an SDK client running in a Web Worker (./worker.ts): the same calls
 * as `MixnetClient` (address, send, sendAnonymous, reply, onMessage, nextMessage, setIdle,
 * disconnect), each a message to the worker. The page creates the worker itself, from
 * wherever it serves the worker bundle:
 *
 *   const client = await connectInWorker(new Worker('/sdk-worker.js', { type: 'module' }), { nymApi });
 *
 * Errors thrown in the worker come back as `WorkerCallError` with the original `code`
 * (`no_bandwidth`, `delivery_failed`, ...) and class name.
 */
import { ClientError } from '../client/errors.js';
import type { CryptoBackendKind } from './browser.js';
import type { WireError, WorkerConnectOptions, WorkerEvent, WorkerRequest } from './worker-protocol.js';

export type { WorkerConnectOptions } from './worker-protocol.js';

/** An error thrown by the client in the worker; `code` is the original error's code. */
export class WorkerCallError extends ClientError {
  override readonly code: string;
  readonly remoteName: string;
  constructor(e: WireError) {
    super(`worker: ${e.message}`);
    this.code = e.code ?? 'worker_error';
    this.remoteName = e.name;
  }
}

/** The worker itself failed (its script did not load, or it threw outside a call). */
export class WorkerFailedError extends ClientError {
  override readonly code = 'worker_failed';
  constructor(readonly reason: string) {
    super(`worker failed: ${reason}`);
  }
}

export interface WorkerMessage {
  readonly message: Uint8Array;
  readonly senderTagString?: string;
  text(): string;
}

interface WorkerLike {
  postMessage(m: WorkerRequest): void;
  addEventListener(type: 'message' | 'error', l: (ev: MessageEvent | ErrorEvent) => void): void;
  terminate(): void;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const bytes = (m: Uint8Array | string) => (typeof m === 'string' ? utf8.encode(m) : m);

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type Call = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

export class WorkerMixnetClient {
  address = '';
  backend: CryptoBackendKind = 'wasm';
  backendName = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(m: WorkerMessage) => void>();
  private readonly queue: WorkerMessage[] = [];
  private readonly waiters: ((m: WorkerMessage) => void)[] = [];
  private readonly noBandwidthListeners = new Set<(e: WorkerCallError) => void>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (ev) => this.event((ev as MessageEvent<WorkerEvent>).data));
    worker.addEventListener('error', (ev) => {
      const err = new WorkerFailedError((ev as ErrorEvent).message || 'the worker script failed');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private event(e: WorkerEvent): void {
    if ('id' in e) {
      const p = this.pending.get(e.id);
      this.pending.delete(e.id);
      if (e.ok) p?.resolve(e.value);
      else p?.reject(new WorkerCallError(e.error));
      return;
    }
    if (e.event === 'connected') {
      this.address = e.address;
      this.backend = e.backend;
      this.backendName = e.backendName;
    } else if (e.event === 'message') {
      const m: WorkerMessage = {
        message: e.message,
        senderTagString: e.senderTag,
        text: () => utf8d.decode(e.message),
      };
      if (this.listeners.size) for (const l of this.listeners) l(m);
      else {
        const w = this.waiters.shift();
        if (w) w(m);
        else this.queue.push(m);
      }
    } else if (e.event === 'noBandwidth') {
      const err = new WorkerCallError(e.error);
      for (const l of this.noBandwidthListeners) l(err);
    }
  }

  call(req: Call): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  async send(recipient: string, message: Uint8Array | string): Promise<void> {
    await this.call({ op: 'send', recipient, message: bytes(message) });
  }

  async sendAnonymous(recipient: string, message: Uint8Array | string, opts: { replySurbs?: number } = {}) {
    await this.call({
      op: 'sendAnonymous',
      recipient,
      message: bytes(message),
      replySurbs: opts.replySurbs ?? 20,
    });
  }

  async reply(senderTag: string, message: Uint8Array | string): Promise<void> {
    await this.call({ op: 'reply', senderTag, message: bytes(message) });
  }

  async setIdle(idle: boolean): Promise<void> {
    await this.call({ op: 'idle', idle });
  }

  onMessage(cb: (m: WorkerMessage) => void): () => void {
    this.listeners.add(cb);
    for (const m of this.queue.splice(0)) cb(m);
    return () => this.listeners.delete(cb);
  }

  onNoBandwidth(cb: (e: WorkerCallError) => void): () => void {
    this.noBandwidthListeners.add(cb);
    return () => this.noBandwidthListeners.delete(cb);
  }

  nextMessage(): Promise<WorkerMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Disconnects the client and ends the worker. */
  async disconnect(): Promise<void> {
    try {
      await this.call({ op: 'disconnect' });
    } finally {
      this.worker.terminate();
    }
  }
}

/** Start the client in `worker` (running ./worker.ts's bundle) and connect it. */
export async function connectInWorker(
  worker: WorkerLike,
  opts: WorkerConnectOptions,
): Promise<WorkerMixnetClient> {
  const c = new WorkerMixnetClient(worker);
  try {
    await c.call({ op: 'connect', opts });
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return c;
}
