/**
 * One TCP connection the requester opened for a client, both directions (Nym:
 * common/socks5/proxy-helpers: `ProxyRunner`'s inbound and outbound halves,
 * `OrderedMessageSender`, and the connection controller's ordered buffer per connection).
 *
 *   client -> remote  Send messages go through an ordered buffer (reordering, bounded) and
 *                     are written to the socket in sequence order; the client's `local
 *                     closed` flag at sequence s half-closes the socket once s is written.
 *   remote -> client  what the socket reads goes out as NetworkData with sequence numbers
 *                     from 0, each at most one chunk; the remote's end is a closing message
 *                     at the next sequence number.
 *
 * Limits: at most `windowBytes` read from the remote and not yet acknowledged by the
 * client's gateway (above it the socket is paused: the remote waits, the requester does not
 * buffer); at most `maxBufferedBytes` out of order from the client, and the same waiting
 * in the socket's write buffer for a slow remote (beyond either the connection is closed
 * with a "requester limit" error rather than buffering without bound).
 *
 * Once connected, the requester sends an empty NetworkData at sequence 0: Nym's clients
 * take it as a keep-alive; Nymph's client answers the app's CONNECT on it (so a refused or
 * failed connect gets its own SOCKS reply code, not a success and a closed stream).
 */
import { connect as netConnect, type Socket } from 'node:net';
import {
  OrderedMessageBuffer,
  connectionErrorMessage,
  formatRemoteAddress,
  type ConnectionErrorKind,
  type RemoteAddress,
  type SocketData,
  type Socks5ResponseContent,
} from '../socks5/protocol/index.js';
import type { DropCounter, RequesterLogger } from '../socks5/protocol/drops.js';

export interface ConnectionLimits {
  /** Largest NetworkData payload (about one packet of the requester's client). */
  readonly chunkBytes: number;
  readonly windowBytes: number;
  readonly maxBufferedBytes: number;
  readonly connectTimeoutMs: number;
  /** After one direction closed, how long the other may stay open. */
  readonly halfCloseMs: number;
}

export interface ConnectionDeps {
  readonly limits: ConnectionLimits;
  /** Queues a response to this connection's client; `done` when delivered or finally failed. */
  send(content: Socks5ResponseContent, done?: (err?: Error) => void): void;
  /** The connection is over (remove it from the table). */
  closed(conn: ProxyConnection): void;
  readonly drops: DropCounter;
  readonly log: RequesterLogger;
}

type State = 'new' | 'connecting' | 'open' | 'closed';

/** Node's connect error codes, as the kinds a client turns into SOCKS reply codes. */
function kindOf(err: NodeJS.ErrnoException): ConnectionErrorKind {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'network';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return 'unreachable';
    default:
      return 'other';
  }
}

export class ProxyConnection {
  private state: State = 'new';
  private socket: Socket | undefined;
  private readonly inbound: OrderedMessageBuffer;
  /** The client's last sequence number, once it said so. */
  private clientClosedAt: bigint | undefined;
  private clientDone = false;
  private remoteDone = false;
  private outSeq = 0n;
  private inflight = 0;
  private paused = false;
  private halfCloseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Read from the remote, less than a chunk, not sent yet. */
  private partial: Uint8Array | undefined;
  private flushScheduled = false;
  lastActivity = Date.now();
  readonly stats = { bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly id: bigint,
    /** Whose connection it is (the return path's key). */
    readonly owner: string,
    readonly remote: RemoteAddress,
    private readonly deps: ConnectionDeps,
  ) {
    this.inbound = new OrderedMessageBuffer({ maxBufferedBytes: deps.limits.maxBufferedBytes });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Connects to the first of `addresses` that answers; the client learns either way. */
  async open(addresses: readonly string[]): Promise<void> {
    this.state = 'connecting';
    let lastErr: NodeJS.ErrnoException | undefined;
    for (const host of addresses) {
      if (this.state !== 'connecting') return;
      try {
        this.socket = await this.connectOne(host);
        break;
      } catch (e) {
        lastErr = e as NodeJS.ErrnoException;
      }
    }
    if (this.state !== 'connecting') {
      this.socket?.destroy();
      return;
    }
    if (!this.socket) {
      const err = lastErr ?? Object.assign(new Error('no address'), { code: 'EHOSTUNREACH' });
      this.fail(kindOf(err), `${formatRemoteAddress(this.remote)}: ${err.code ?? err.message}`);
      return;
    }
    this.state = 'open';
    this.wire(this.socket);
    this.sendData(new Uint8Array(0), false); // connected (see the module comment)
    this.drainInbound();
  }

  private connectOne(host: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ host, port: this.remote.port, allowHalfOpen: true, noDelay: true });
      const timer = setTimeout(() => {
        s.destroy();
        reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
      }, this.deps.limits.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(e);
      });
    });
  }

  private wire(s: Socket): void {
    s.on('data', (chunk: Buffer) => this.fromRemote(chunk));
    s.on('end', () => this.remoteEnded());
    s.on('error', (e: NodeJS.ErrnoException) => {
      this.deps.log.debug({ conn: this.id.toString(), err: e.code ?? e.message }, 'remote socket error');
      this.remoteEnded();
      this.finish();
    });
    s.on('close', () => {
      this.remoteEnded();
      this.finish();
    });
  }

  /**
   * Whole chunks go out at once; a remainder waits for the socket's next read in the same
   * turn of the event loop (a read is at most 64 KiB: without this, every read would end in
   * a small message, and each message costs a packet).
   */
  private fromRemote(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.stats.bytesOut += chunk.length;
    const step = this.deps.limits.chunkBytes;
    let data: Uint8Array = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let off = 0;
    for (; data.length - off >= step; off += step) this.sendData(data.subarray(off, off + step), false);
    if (off < data.length) {
      this.partial = data.slice(off);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushPartial());
      }
    }
    if (this.inflight > this.deps.limits.windowBytes && !this.paused) {
      this.paused = true;
      this.socket?.pause();
    }
  }

  private flushPartial(): void {
    this.flushScheduled = false;
    const p = this.partial;
    this.partial = undefined;
    if (p && this.state === 'open') this.sendData(p, false);
  }

  private sendData(data: Uint8Array, closed: boolean): void {
    const seq = this.outSeq++;
    this.inflight += data.length;
    this.deps.send(
      // no copy: `data` is a view of a socket read (never reused), encoded at once
      { kind: 'networkData', data: { connectionId: this.id, seq, localClosed: closed, data } },
      (err) => {
        this.inflight -= data.length;
        if (err) {
          // the client cannot be reached any more: nothing left to proxy for
          this.deps.log.debug({ conn: this.id.toString(), err: err.message }, 'data not delivered; closing');
          this.destroy();
          return;
        }
        if (this.paused && this.inflight <= this.deps.limits.windowBytes / 2) {
          this.paused = false;
          this.socket?.resume();
        }
      },
    );
  }

  private remoteEnded(): void {
    if (this.remoteDone || this.state !== 'open') return;
    this.flushPartial();
    this.remoteDone = true;
    this.sendData(new Uint8Array(0), true);
    this.armHalfClose();
    this.finish();
  }

  /** A Send from the client. */
  fromClient(d: SocketData): void {
    this.lastActivity = Date.now();
    if (this.clientClosedAt !== undefined && d.seq > this.clientClosedAt)
      return this.deps.drops.drop('after_close', { conn: this.id.toString(), seq: d.seq.toString() });
    try {
      this.inbound.write(d.seq, d.data);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'bad_sequence';
      this.deps.drops.drop(code, { conn: this.id.toString(), seq: d.seq.toString() });
      if (code === 'buffer_full') this.fail('limit', 'too much data out of order');
      return;
    }
    if (d.localClosed) this.clientClosedAt = d.seq;
    if (this.state === 'open') this.drainInbound();
  }

  private drainInbound(): void {
    const s = this.socket;
    if (!s || this.state !== 'open') return;
    const r = this.inbound.read();
    if (r && r.data.length) {
      this.stats.bytesIn += r.data.length;
      s.write(r.data);
      if (s.writableLength > this.deps.limits.maxBufferedBytes) {
        this.fail('limit', 'the remote does not take data fast enough');
        return;
      }
    }
    if (
      !this.clientDone &&
      this.clientClosedAt !== undefined &&
      this.inbound.nextSequence > this.clientClosedAt
    ) {
      this.clientDone = true;
      s.end();
      this.armHalfClose();
      this.finish();
    }
  }

  private armHalfClose(): void {
    if (this.halfCloseTimer || this.state === 'closed') return;
    this.halfCloseTimer = setTimeout(() => this.destroy(), this.deps.limits.halfCloseMs);
    this.halfCloseTimer.unref();
  }

  /** Both directions are done: close. */
  private finish(): void {
    if (this.remoteDone && (this.clientDone || this.socket?.destroyed)) this.destroy();
  }

  /** Tells the client why (ConnectionError), closes its stream, and forgets the connection. */
  fail(kind: ConnectionErrorKind, detail: string): void {
    if (this.state === 'closed') return;
    this.deps.log.info({ conn: this.id.toString(), kind, detail }, 'connection failed');
    this.deps.send({
      kind: 'connectionError',
      connectionId: this.id,
      message: connectionErrorMessage(kind, kind === 'filtered' ? formatRemoteAddress(this.remote) : detail),
    });
    // Nym's clients close the app's socket on a closing message, not on the error
    if (!this.remoteDone) {
      this.remoteDone = true;
      this.sendData(new Uint8Array(0), true);
    }
    this.destroy();
  }

  /** Closes the socket and forgets the connection, telling the client nothing more. */
  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.halfCloseTimer) clearTimeout(this.halfCloseTimer);
    this.socket?.destroy();
    this.deps.closed(this);
  }
}
