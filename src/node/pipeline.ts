/**
 * The packet path shared by mix nodes and gateways: TCP listener -> frame decoder ->
 * unwrap workers -> replay store -> delay queue -> connection pool. A mix node forwards;
 * a gateway (final hop) hands final payloads to its `onFinal`. The main thread does only
 * framing, replay lookups, the heap and batched writes: everything per packet is an
 * index into a transferred result buffer. (With `workers: -1` the unwrapping too, in the
 * same batches: worker-pool.ts says when that is cheaper.)
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { ConnectionPool, type ConnectionPoolOptions, type Destination } from './connection-pool.js';
import { DelayQueue } from './delay-queue.js';
import { BadFrameError } from './errors.js';
import { FrameDecoder, isAllowedPacketSize } from './framing.js';
import { PacketMetrics, type DropCause } from './metrics.js';
import type { ReplayFilters } from './replay-store.js';
import { decodeAddress, type WorkerKey } from './sphinx-adapter.js';
import {
  REC_ERR_EXPIRED_KEY,
  REC_HEADER_SIZE,
  REC_OFF_ADDRESS,
  REC_OFF_ERROR,
  REC_OFF_MARKER,
  REC_OFF_ROTATION,
  REC_OFF_DELAY,
  REC_OFF_LEN,
  REC_OFF_STATUS,
  REC_OFF_SURB_ID,
  REC_OFF_TAG,
  REC_STATUS_FINAL,
  REC_STATUS_FORWARD,
  type BatchResponse,
} from './unwrap-records.js';
import { WorkerPool } from './worker-pool.js';

export interface FinalPacket {
  /** 32-byte destination address from the final routing block. */
  destination: Uint8Array;
  surbId: Uint8Array;
  /** The final payload (views into a result buffer: copy what you keep). */
  payload: Uint8Array;
}

export interface InboundLimits {
  /** Inbound connections held at once (default 4096); more are refused. */
  maxConnections?: number;
  /** Inbound connections from one IP address (default 64); more are refused. */
  maxConnectionsPerHost?: number;
  /** A connection that has not sent one whole frame by then is closed (default 10 s). */
  firstFrameTimeoutMs?: number;
  /** A connection silent for this long is closed (default 10 min; senders close theirs at 5). */
  idleTimeoutMs?: number;
}

export interface PipelineOptions {
  host: string;
  port: number;
  /** The Sphinx keys held: [primary, secondary?] (the rotation controller changes them). */
  keys: readonly WorkerKey[];
  /** One replay filter per key rotation; closed when the pipeline stops. */
  replay: ReplayFilters;
  workers?: number;
  batchSize?: number;
  /** Largest per-hop delay honoured; longer ones are dropped (a memory bound). */
  maxDelayMs?: number;
  /** Packets waiting for unwrap above which inbound sockets are paused (default 4096). */
  maxUnwrapBacklog?: number;
  /** Caps and timeouts on inbound connections (issue: idle sockets held without limit). */
  inbound?: InboundLimits;
  /** Outbound connection pool settings (queue bound, reconnect backoff). */
  pool?: ConnectionPoolOptions;
  metricsPrefix: string;
  logger: Logger;
  /** Final-hop packets; absent on a mix node, where they are dropped. */
  onFinal?: (packets: FinalPacket[]) => void;
  /** Forward packets; absent on a gateway's mix port, where they are dropped. */
  acceptForward?: boolean;
}

interface Held {
  dest: Destination;
  packet: Uint8Array;
  /** Frame key-rotation marker for the next hop: the one the packet came with, as Nym's. */
  mark: number;
}

export class PacketPipeline {
  readonly metrics: PacketMetrics;
  readonly outbound: ConnectionPool;
  private readonly workers: WorkerPool;
  private readonly replay: ReplayFilters;
  private readonly delays: DelayQueue<Held>;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly perHost = new Map<string, number>();
  private readonly paused = new Set<net.Socket>();
  private readonly pauseAbove: number;
  private readonly destCache = new Map<number, Destination>();
  private readonly loggedDrops = new Set<DropCause>();
  private readonly loggedOnce = new Set<string>();
  private boundPort = 0;

  constructor(private readonly o: PipelineOptions) {
    this.pauseAbove = o.maxUnwrapBacklog ?? 4096;
    this.replay = o.replay;
    this.outbound = new ConnectionPool({
      ...o.pool,
      onDrop: (cause, n) => this.drop(cause, n),
      onError: (dest, err) => o.logger.debug({ dest, err: err.message }, 'next hop connection error'),
    });
    this.delays = new DelayQueue<Held>((items) => this.sendAll(items));
    this.workers = new WorkerPool({
      keys: o.keys,
      workers: o.workers,
      batchSize: o.batchSize,
      onResult: (r) => this.onResult(r),
      onDrop: (n) => this.drop('workers_busy', n),
      onError: (err) => o.logger.error({ err: err.message }, 'unwrap worker error'),
    });
    this.metrics = new PacketMetrics(o.metricsPrefix, {
      delayQueue: () => this.delays.size,
      outbound: () => this.outbound.queuedPackets,
      unwrapBacklog: () => this.workers.backlog,
      replayTags: () => this.replayTags,
      keyRotation: () => this.primaryRotation,
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Tags recorded under every rotation held. */
  get replayTags(): number {
    let n = 0;
    for (const r of this.replay.rotations) n += this.replay.count(r);
    return n;
  }

  private primaryRotation = 0;

  /** New keys for the unwrap workers ([primary, secondary?]); their replay filters must be open. */
  setKeys(keys: readonly WorkerKey[]): void {
    this.primaryRotation = keys[0]?.rotationId ?? 0;
    this.workers.setKeys(keys);
  }

  async start(signal?: AbortSignal): Promise<void> {
    await this.workers.start(signal);
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const a = server.address();
    this.boundPort = typeof a === 'object' && a ? a.port : this.o.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
    this.delays.close();
    await this.workers.stop();
    await this.outbound.close();
    this.replay.close();
  }

  /** Sends a packet straight to a next hop (a gateway's client traffic, SURB-acks). */
  sendTo(dest: Destination, packet: Uint8Array, keyRotation = 0): boolean {
    const ok = this.outbound.send(dest, packet, keyRotation);
    if (ok) this.metrics.forwarded.inc();
    return ok;
  }

  /** Refuses a connection beyond the total or per-host cap; true if it was refused. */
  private refuse(s: net.Socket, host: string): boolean {
    const reason =
      this.sockets.size >= (this.o.inbound?.maxConnections ?? 4096)
        ? 'total_limit'
        : (this.perHost.get(host) ?? 0) >= (this.o.inbound?.maxConnectionsPerHost ?? 64)
          ? 'host_limit'
          : null;
    if (!reason) return false;
    this.metrics.connectionsClosed.inc({ reason });
    this.logOnce(
      `refused_${reason}`,
      { remote: host, reason },
      'refusing inbound connections over the limit',
    );
    s.on('error', () => {});
    s.destroy();
    return true;
  }

  private accept(s: net.Socket): void {
    const host = s.remoteAddress ?? '?';
    if (this.refuse(s, host)) return;
    this.sockets.add(s);
    this.perHost.set(host, (this.perHost.get(host) ?? 0) + 1);
    this.metrics.connections.inc();
    s.setNoDelay(true);
    let received = 0;
    let framed = false;
    const decoder = new FrameDecoder((pkt, marker) => {
      received++;
      this.workers.submit(pkt, marker);
    });
    // Until its first whole frame a socket gets a short deadline; then the idle timeout.
    s.setTimeout(this.o.inbound?.firstFrameTimeoutMs ?? 10_000, () => {
      const reason = framed ? 'idle' : 'no_frame';
      this.metrics.connectionsClosed.inc({ reason });
      s.destroy();
    });
    s.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (e) {
        if (e instanceof BadFrameError) {
          this.drop('bad_frame');
          this.o.logger.debug(
            { remote: s.remoteAddress, field: e.field, value: e.value },
            'bad frame, closing',
          );
          s.destroy();
        } else throw e;
      } finally {
        if (received > 0) {
          this.metrics.received.inc(received);
          received = 0;
          if (!framed) {
            framed = true;
            s.setTimeout(this.o.inbound?.idleTimeoutMs ?? 10 * 60_000);
          }
        }
      }
      // Backpressure: stop reading while the workers are behind, so senders slow down
      // through TCP instead of the node dropping their packets.
      if (this.workers.backlog > this.pauseAbove && !s.isPaused()) {
        s.pause();
        this.paused.add(s);
      }
    });
    s.on('error', () => {});
    s.once('close', () => {
      this.sockets.delete(s);
      const left = (this.perHost.get(host) ?? 1) - 1;
      if (left > 0) this.perHost.set(host, left);
      else this.perHost.delete(host);
      this.paused.delete(s);
      this.metrics.connections.dec();
    });
  }

  private onResult(r: BatchResponse): void {
    if (this.paused.size > 0 && this.workers.backlog <= this.pauseAbove / 2) {
      for (const p of this.paused) p.resume();
      this.paused.clear();
    }
    const out = new Uint8Array(r.out);
    const view = new DataView(r.out);
    if (r.count > 0) this.metrics.unwrapSeconds.observe(r.unwrapNs / 1e9 / r.count);
    const now: Held[] = [];
    const finals: FinalPacket[] = [];
    let malformed = 0;
    let expired = 0;
    let replays = 0;
    let o = 0;
    const maxDelayMs = this.o.maxDelayMs ?? 60_000;
    for (let i = 0; i < r.count; i++) {
      const status = out[o + REC_OFF_STATUS];
      const len = view.getUint32(o + REC_OFF_LEN, true);
      const rec = o;
      o += REC_HEADER_SIZE + len;
      if (status !== REC_STATUS_FORWARD && status !== REC_STATUS_FINAL) {
        if (out[rec + REC_OFF_ERROR] === REC_ERR_EXPIRED_KEY) expired++;
        else malformed++;
        continue;
      }
      const rotation = view.getUint32(rec + REC_OFF_ROTATION, true);
      if (!this.replay.has(rotation)) {
        // unwrapped by a worker just before its key was purged
        expired++;
        continue;
      }
      if (!this.replay.check(rotation, out, rec + REC_OFF_TAG)) {
        replays++;
        continue;
      }
      const body = out.subarray(rec + REC_HEADER_SIZE, rec + REC_HEADER_SIZE + len);
      if (status === REC_STATUS_FINAL) {
        if (!this.o.onFinal) {
          this.drop('unexpected_final');
          continue;
        }
        finals.push({
          destination: out.subarray(rec + REC_OFF_ADDRESS, rec + REC_OFF_ADDRESS + 32),
          surbId: out.subarray(rec + REC_OFF_SURB_ID, rec + REC_OFF_SURB_ID + 16),
          payload: body,
        });
        continue;
      }
      if (this.o.acceptForward === false) {
        this.drop('unexpected_forward');
        continue;
      }
      const dest = this.destination(out, rec + REC_OFF_ADDRESS);
      if (!dest || !isAllowedPacketSize(len)) {
        this.drop('bad_address');
        continue;
      }
      const delayMs = Number(view.getBigUint64(rec + REC_OFF_DELAY, true)) / 1e6;
      const mark = out[rec + REC_OFF_MARKER];
      if (delayMs <= 0) now.push({ dest, packet: body, mark });
      else if (delayMs > maxDelayMs) this.drop('delay_too_long');
      else this.delays.push({ dest, packet: body, mark }, delayMs);
    }
    // tags reach the file before any packet of the batch leaves
    this.replay.flush();
    if (malformed) this.drop('malformed', malformed);
    if (expired) this.drop('expired_key', expired);
    if (replays) this.drop('replay', replays);
    if (now.length) this.sendAll(now);
    if (finals.length) this.o.onFinal!(finals);
  }

  private sendAll(items: Held[]): void {
    let sent = 0;
    for (const it of items) if (this.outbound.send(it.dest, it.packet, it.mark)) sent++;
    if (sent) this.metrics.forwarded.inc(sent);
  }

  /** Next-hop address -> socket address, cached by a numeric key for IPv4. */
  private destination(buf: Uint8Array, off: number): Destination | undefined {
    if (buf[off] === 4) {
      const key = (buf[off + 1] << 8) | buf[off + 2] | 0;
      const ip = ((buf[off + 3] << 24) | (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6]) >>> 0;
      const k = ip * 65536 + key;
      let d = this.destCache.get(k);
      if (!d) {
        d = decodeAddress(buf.subarray(off, off + 32));
        if (d && this.destCache.size < 100_000) this.destCache.set(k, d);
      }
      return d;
    }
    return decodeAddress(buf.subarray(off, off + 32));
  }

  private logOnce(key: string, fields: Record<string, unknown>, msg: string): void {
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.o.logger.warn(fields, `${msg} (logged once; see metrics)`);
  }

  /** Counts a drop; logs the first of each cause once, with context. */
  drop(cause: DropCause, n = 1): void {
    this.metrics.drop(cause, n);
    if (!this.loggedDrops.has(cause)) {
      this.loggedDrops.add(cause);
      this.o.logger.warn({ cause, count: n }, 'dropping packets (logged once per cause; see metrics)');
    }
  }
}
