/**
 * Outbound connections to next hops: one TCP connection per destination, opened on first
 * use, reconnected with exponential backoff, each with a bounded packet queue. Writes
 * are gathered per event-loop turn and copied behind their shared 4-byte headers into
 * one buffer per write (up to 256 KiB), so many packets cost one syscall. Packets beyond the queue bound, or queued for a peer that stays unreachable,
 * are dropped and reported to `onDrop`.
 */
import net from 'node:net';
import { FRAME_HEADER_SIZE, sharedFrameHeader } from './framing.js';

/** Byte of the frame header that holds the key-rotation marker. */
const KEY_ROTATION_OFFSET = 3;

const WRITE_CHUNK_BYTES = 256 * 1024;
const EMPTY = new Uint8Array(0);

export interface ConnectionPoolOptions {
  /** Packets queued per destination before new ones are dropped. */
  maxQueuedPackets?: number;
  /** Stop writing into the socket above this many buffered bytes and wait for 'drain'. */
  socketHighWaterBytes?: number;
  connectTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** Drop the queue of a destination after this many failed connection attempts in a row. */
  maxFailedAttempts?: number;
  /**
   * Close a connection that has had nothing to send for this long (default 5 min; 0 = never).
   * The sender closes first, with an empty queue, so nothing is in flight; receivers time
   * idle sockets out later (src/node/pipeline.ts, 10 min) to bound what idle peers hold.
   */
  idleCloseMs?: number;
  onDrop?: (cause: 'queue_full' | 'unreachable', count: number) => void;
  onError?: (destination: string, err: Error) => void;
}

export interface Destination {
  host: string;
  port: number;
}

class Peer {
  socket: net.Socket | null = null;
  connected = false;
  queue: Uint8Array[] = [];
  /** Each queued packet's key-rotation marker (framing.ts), in step with `queue`. */
  marks: number[] = [];
  head = 0;
  flushScheduled = false;
  failures = 0;
  retryTimer: ReturnType<typeof setTimeout> | null = null;
  closed = false;
  /** performance.now() of the last packet queued for this peer. */
  lastUsed = performance.now();

  constructor(
    readonly key: string,
    readonly dest: Destination,
    readonly pool: ConnectionPool,
  ) {}

  get depth(): number {
    return this.queue.length - this.head;
  }
}

export class ConnectionPool {
  private readonly peers = new Map<string, Peer>();
  private readonly o: Required<Omit<ConnectionPoolOptions, 'onDrop' | 'onError'>> &
    Pick<ConnectionPoolOptions, 'onDrop' | 'onError'>;
  private closed = false;
  private idleSweep: ReturnType<typeof setInterval> | null = null;

  constructor(opts: ConnectionPoolOptions = {}) {
    this.o = {
      maxQueuedPackets: opts.maxQueuedPackets ?? 20_000,
      socketHighWaterBytes: opts.socketHighWaterBytes ?? 4 * 1024 * 1024,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3_000,
      reconnectInitialMs: opts.reconnectInitialMs ?? 100,
      reconnectMaxMs: opts.reconnectMaxMs ?? 5_000,
      maxFailedAttempts: opts.maxFailedAttempts ?? 5,
      idleCloseMs: opts.idleCloseMs ?? 5 * 60_000,
      onDrop: opts.onDrop,
      onError: opts.onError,
    };
    if (this.o.idleCloseMs > 0) {
      this.idleSweep = setInterval(() => this.closeIdle(), Math.max(50, this.o.idleCloseMs / 4));
      this.idleSweep.unref();
    }
  }

  /** Packets waiting in all queues. */
  get queuedPackets(): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.depth;
    return n;
  }

  get connectedPeers(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.connected) n++;
    return n;
  }

  /**
   * Queues one whole Sphinx packet (allowed size; the caller checked) for `dest`, its frame
   * marked with `keyRotation` (0 unknown, 1 odd, 2 even: the key it was built for). The
   * buffer must stay untouched until written. Returns false if it was dropped.
   */
  send(dest: Destination, packet: Uint8Array, keyRotation = 0): boolean {
    if (this.closed) return false;
    const key = `${dest.host}|${dest.port}`;
    let peer = this.peers.get(key);
    if (!peer) {
      peer = new Peer(key, dest, this);
      this.peers.set(key, peer);
      this.connect(peer);
    }
    peer.lastUsed = performance.now();
    if (peer.depth >= this.o.maxQueuedPackets) {
      this.o.onDrop?.('queue_full', 1);
      return false;
    }
    peer.queue.push(packet);
    peer.marks.push(keyRotation);
    if (peer.connected && !peer.flushScheduled) {
      peer.flushScheduled = true;
      setImmediate(() => this.flush(peer));
    }
    return true;
  }

  /** Forgets peers with nothing queued and nothing sent for `idleCloseMs`. */
  private closeIdle(): void {
    const cutoff = performance.now() - this.o.idleCloseMs;
    for (const peer of this.peers.values()) {
      const s = peer.socket;
      if (peer.depth > 0 || peer.lastUsed > cutoff || (s && s.writableLength > 0)) continue;
      peer.closed = true;
      this.peers.delete(peer.key);
      if (peer.retryTimer) clearTimeout(peer.retryTimer);
      s?.end();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleSweep) clearInterval(this.idleSweep);
    const waits: Promise<void>[] = [];
    for (const p of this.peers.values()) {
      p.closed = true;
      if (p.retryTimer) clearTimeout(p.retryTimer);
      const s = p.socket;
      if (s && !s.destroyed) {
        waits.push(new Promise((r) => s.once('close', () => r())));
        s.destroy();
      }
    }
    this.peers.clear();
    await Promise.all(waits);
  }

  private connect(peer: Peer): void {
    if (peer.closed) return;
    const s = net.connect({ host: peer.dest.host, port: peer.dest.port, noDelay: true });
    peer.socket = s;
    s.setTimeout(this.o.connectTimeoutMs, () => {
      if (!peer.connected) s.destroy(new Error('connect timeout'));
    });
    s.once('connect', () => {
      s.setTimeout(0);
      peer.connected = true;
      peer.failures = 0;
      this.flush(peer);
    });
    s.on('drain', () => this.flush(peer));
    // We never expect data from a next hop; read and discard to keep the socket healthy.
    s.on('data', () => {});
    s.on('error', (err) => this.o.onError?.(`${peer.dest.host}:${peer.dest.port}`, err));
    s.once('close', () => {
      peer.connected = false;
      peer.socket = null;
      if (peer.closed || this.closed) return;
      peer.failures++;
      if (peer.failures >= this.o.maxFailedAttempts && peer.depth > 0) {
        this.o.onDrop?.('unreachable', peer.depth);
        peer.queue = [];
        peer.marks = [];
        peer.head = 0;
      }
      if (peer.depth === 0 && peer.failures >= this.o.maxFailedAttempts) {
        // forget an unreachable idle peer; the next packet starts over
        this.peers.delete(peer.key);
        peer.closed = true;
        return;
      }
      const backoff = Math.min(this.o.reconnectMaxMs, this.o.reconnectInitialMs * 2 ** (peer.failures - 1));
      peer.retryTimer = setTimeout(() => {
        peer.retryTimer = null;
        this.connect(peer);
      }, backoff);
    });
  }

  private flush(peer: Peer): void {
    peer.flushScheduled = false;
    const s = peer.socket;
    if (!s || !peer.connected || s.destroyed) return;
    if (peer.depth === 0) return;
    // Copy the frames into one buffer per write: one syscall and one write request for
    // many packets (a write per packet costs more than the copy).
    const q = peer.queue;
    let i = peer.head;
    while (i < q.length && s.writableLength < this.o.socketHighWaterBytes) {
      let bytes = 0;
      let j = i;
      while (j < q.length && bytes < WRITE_CHUNK_BYTES) bytes += FRAME_HEADER_SIZE + q[j++].length;
      const out = Buffer.allocUnsafe(bytes);
      let o = 0;
      for (let k = i; k < j; k++) {
        const pkt = q[k];
        out.set(sharedFrameHeader(pkt.length)!, o);
        out[o + KEY_ROTATION_OFFSET] = peer.marks[k];
        out.set(pkt, o + FRAME_HEADER_SIZE);
        o += FRAME_HEADER_SIZE + pkt.length;
        q[k] = EMPTY;
      }
      s.write(out);
      i = j;
    }
    if (i >= q.length) {
      peer.queue = [];
      peer.marks = [];
      peer.head = 0;
    } else {
      peer.head = i;
      if (peer.head > 4096) {
        peer.queue = q.slice(peer.head);
        peer.marks = peer.marks.slice(peer.head);
        peer.head = 0;
      }
      // the rest goes out on 'drain'
    }
  }
}
