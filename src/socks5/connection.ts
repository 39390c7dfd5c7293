/**
 * One app connection of the SOCKS client, as a stream over the mixnet (Nym:
 * common/socks5-client-core/src/socks/client.rs `SocksClient`, and the proxy helpers'
 * inbound and outbound halves).
 *
 *   handshake   SOCKS4/4a/5 bytes from the app (src/socks5/protocol/socks.ts)
 *   connecting  a Connect went to the requester; the app waits for its reply: success once
 *               the requester's stream says it is connected (its first NetworkData), the
 *               matching failure code on a ConnectionError, "connection refused" when the
 *               stream closes at sequence 0 with nothing, "network unreachable" when the
 *               Connect cannot be delivered, "TTL expired" after `connectTimeoutMs`
 *               (with `optimisticConnect`, as Nym's client does, success at once instead:
 *               Nym's requesters never confirm a connect)
 *   open        app bytes go out as Send messages with sequence numbers from 0 (at most
 *               `chunkBytes` each, at most `windowBytes` unacknowledged: beyond, the app
 *               socket is paused); the app's end is a closing Send at the next number.
 *               NetworkData is reordered (bounded) and written to the app; the requester's
 *               closing message half-closes the app socket once everything before it is
 *               written. A ConnectionError, an undeliverable Send, or silence from the
 *               requester for `idleTimeoutMs` (keep-alives are sent every `keepaliveMs`;
 *               a restarted requester answers them "unknown connection") resets the app
 *               socket, so the app sees a broken connection rather than a hang.
 */
import type { Socket } from 'node:net';
import {
  OrderedMessageBuffer,
  SOCKS5_REPLY,
  SocksHandshake,
  connectionErrorKind,
  failureReply,
  formatRemoteAddress,
  socksReplyFor,
  successReply,
  type RemoteAddress,
  type SocketData,
  type Socks5ReplyCode,
} from './protocol/index.js';
import type { ClientLogger, DropCounter } from './protocol/drops.js';

export interface ConnectionSettings {
  readonly optimisticConnect: boolean;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly idleTimeoutMs: number;
  readonly chunkBytes: number;
  readonly windowBytes: number;
  readonly maxBufferedBytes: number;
  readonly halfCloseMs: number;
  /** How long a stream closed at 0 waits for the ConnectionError that says why. */
  readonly errorGraceMs: number;
}

export interface ConnectionHost {
  readonly settings: ConnectionSettings;
  /** A fresh random connection id. */
  newId(): bigint;
  /** Sends a Connect; the promise settles when it is delivered or cannot be. */
  connect(id: bigint, remote: string): Promise<void>;
  /** Sends stream data; settles when delivered or not. */
  send(data: SocketData): Promise<void>;
  /** The connection has an id and wants the requester's messages. */
  register(conn: ClientConnection): void;
  /** The connection is over. */
  closed(conn: ClientConnection): void;
  readonly drops: DropCounter;
  readonly log: ClientLogger;
  readonly stats: { refused: Record<string, number>; bytesUp: number; bytesDown: number; opened: number };
}

type State = 'handshake' | 'connecting' | 'open' | 'closed';

const MAX_EARLY_BYTES = 64 * 1024;

export class ClientConnection {
  private state: State = 'handshake';
  private readonly handshake = new SocksHandshake();
  private version: 4 | 5 = 5;
  private target: RemoteAddress | undefined;
  id = 0n;
  private outSeq = 0n;
  private readonly inbound: OrderedMessageBuffer;
  private remoteClosedAt: bigint | undefined;
  private remoteDone = false;
  private localDone = false;
  private unacked = 0;
  private paused = false;
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private lastSent = Date.now();
  private lastReceived = Date.now();

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.inbound = new OrderedMessageBuffer({ maxBufferedBytes: host.settings.maxBufferedBytes });
    socket.on('data', (b: Buffer) => this.fromApp(b));
    socket.on('end', () => this.appEnded());
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.host.log.debug({ conn: this.id.toString(), err: e.code ?? e.message }, 'app socket error');
    });
    socket.on('close', () => this.appClosed());
    this.after(host.settings.handshakeTimeoutMs, () => {
      if (this.state === 'handshake') {
        this.host.drops.drop('handshake_timeout', {});
        this.destroy();
      }
    });
  }

  get remote(): string {
    return this.target ? formatRemoteAddress(this.target) : '';
  }

  private after(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.state !== 'closed') f();
    }, ms);
    this.timers.add(t);
  }

  // ---------------------------------------------------------------- from the app

  private fromApp(b: Buffer): void {
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
    switch (this.state) {
      case 'handshake':
        return this.onHandshake(bytes);
      case 'connecting':
        return this.keepEarly(bytes.slice());
      case 'open':
        return this.sendAppData(bytes);
      default:
        return;
    }
  }

  private onHandshake(bytes: Uint8Array): void {
    for (const step of this.handshake.feed(bytes)) {
      switch (step.kind) {
        case 'reply':
          this.socket.write(step.bytes);
          break;
        case 'refuse':
          this.host.drops.drop(step.error.code, { err: step.error.message });
          if (step.bytes) this.socket.end(step.bytes);
          else this.socket.end();
          this.state = 'closed';
          this.clearTimers();
          return;
        case 'connect':
          this.version = step.version;
          this.target = step.target;
          if (step.rest.length) this.keepEarly(step.rest);
          this.startConnect();
          return;
        case 'more':
          return;
      }
    }
  }

  private keepEarly(b: Uint8Array): void {
    this.earlyBytes += b.length;
    this.early.push(b);
    // the app should wait for the reply; one that does not is held back, within bounds
    if (this.earlyBytes > MAX_EARLY_BYTES) this.socket.pause();
  }

  private startConnect(): void {
    this.state = 'connecting';
    this.id = this.host.newId();
    this.host.register(this);
    const remote = formatRemoteAddress(this.target!);
    this.host.log.debug({ conn: this.id.toString(), remote }, 'connecting');
    this.host.connect(this.id, remote).catch((e: Error) => {
      this.host.log.info({ conn: this.id.toString(), remote, err: e.message }, 'connect not delivered');
      this.refuse(SOCKS5_REPLY.networkUnreachable, 'requester unreachable');
    });
    if (this.host.settings.optimisticConnect) return this.established();
    this.after(this.host.settings.connectTimeoutMs, () => {
      if (this.state !== 'connecting') return;
      this.closeRemoteAt0();
      this.refuse(SOCKS5_REPLY.ttlExpired, 'no answer from the requester');
    });
  }

  /** A closing Send at 0: the requester drops the connection if it ever opens it. */
  private closeRemoteAt0(): void {
    if (this.localDone) return;
    this.localDone = true;
    void this.host
      .send({ connectionId: this.id, seq: this.outSeq++, localClosed: true, data: new Uint8Array(0) })
      .catch(() => undefined);
  }

  private refuse(code: Socks5ReplyCode, why: string): void {
    if (this.state !== 'connecting') return;
    const key = `0x${code.toString(16).padStart(2, '0')}`;
    this.host.stats.refused[key] = (this.host.stats.refused[key] ?? 0) + 1;
    this.host.log.info({ conn: this.id.toString(), remote: this.remote, code: key, why }, 'connect refused');
    this.state = 'closed';
    this.socket.end(failureReply(this.version, code));
    this.clearTimers();
    this.host.closed(this);
  }

  private established(): void {
    this.state = 'open';
    this.host.stats.opened++;
    this.socket.write(successReply(this.version));
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const b of early) this.sendAppData(b);
    this.socket.resume();
    this.keepalive();
    this.drain();
  }

  private sendAppData(bytes: Uint8Array): void {
    const step = this.host.settings.chunkBytes;
    for (let off = 0; off < bytes.length; off += step) this.sendData(bytes.slice(off, off + step), false);
    if (this.unacked > this.host.settings.windowBytes && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private sendData(data: Uint8Array, closing: boolean): void {
    const len = data.length;
    this.unacked += len;
    this.host.stats.bytesUp += len;
    this.lastSent = Date.now();
    this.host.send({ connectionId: this.id, seq: this.outSeq++, localClosed: closing, data }).then(
      () => {
        this.unacked -= len;
        if (this.paused && this.unacked <= this.host.settings.windowBytes / 2 && this.state === 'open') {
          this.paused = false;
          this.socket.resume();
        }
      },
      (e: Error) => {
        this.unacked -= len;
        this.broken(`data not delivered: ${e.message}`);
      },
    );
  }

  private appEnded(): void {
    if (this.state === 'connecting') {
      this.closeRemoteAt0();
      return;
    }
    if (this.state !== 'open' || this.localDone) return;
    this.localDone = true;
    this.sendData(new Uint8Array(0), true);
  }

  private appClosed(): void {
    if (this.state === 'closed') return;
    if (this.state === 'open' && !this.localDone) {
      this.localDone = true;
      this.sendData(new Uint8Array(0), true);
    } else if (this.state === 'connecting') this.closeRemoteAt0();
    this.state = 'closed';
    this.clearTimers();
    this.host.closed(this);
  }

  private keepalive(): void {
    const ms = this.host.settings.keepaliveMs;
    this.after(Math.min(ms, this.host.settings.idleTimeoutMs), () => {
      if (this.state !== 'open') return;
      const now = Date.now();
      if (!this.remoteDone && now - this.lastReceived > this.host.settings.idleTimeoutMs)
        return this.broken(`nothing from the requester for ${this.host.settings.idleTimeoutMs} ms`);
      if (!this.localDone && now - this.lastSent >= ms) this.sendData(new Uint8Array(0), false);
      this.keepalive();
    });
  }

  /** Open with its app side still sending: a keep-alive Send can carry top-up SURBs. */
  get canCarryKeepalive(): boolean {
    return this.state === 'open' && !this.localDone;
  }

  /** An empty Send (a keep-alive) through `send` (which attaches extra SURBs). */
  keepaliveWith(send: (data: SocketData) => Promise<void>): Promise<void> {
    this.lastSent = Date.now();
    return send({
      connectionId: this.id,
      seq: this.outSeq++,
      localClosed: false,
      data: new Uint8Array(0),
    }).catch((e: Error) => this.broken(`keep-alive not delivered: ${e.message}`));
  }

  // ---------------------------------------------------------------- from the requester

  /** NetworkData for this connection. */
  fromRequester(d: SocketData): void {
    this.lastReceived = Date.now();
    if (this.state === 'connecting') {
      if (d.seq === 0n && d.localClosed && d.data.length === 0) {
        // closed before it was established; a ConnectionError may follow that says why
        const grace = this.host.settings.errorGraceMs;
        this.after(grace, () => this.refuse(SOCKS5_REPLY.connectionRefused, 'stream closed at 0'));
        return;
      }
      this.established();
    }
    if (this.state !== 'open') return;
    try {
      this.inbound.write(d.seq, d.data);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'bad_sequence';
      this.host.drops.drop(code, { conn: this.id.toString(), seq: d.seq.toString() });
      if (code === 'buffer_full') this.broken('too much data out of order');
      return;
    }
    if (d.localClosed) this.remoteClosedAt = d.seq;
    this.drain();
  }

  /** A ConnectionError for this connection. */
  connectionError(message: string): void {
    this.lastReceived = Date.now();
    const kind = connectionErrorKind(message);
    if (this.state === 'connecting') return this.refuse(socksReplyFor(kind), message);
    this.broken(`requester: ${message}`);
  }

  private drain(): void {
    if (this.state !== 'open') return;
    const r = this.inbound.read();
    if (r && r.data.length) {
      this.host.stats.bytesDown += r.data.length;
      this.socket.write(r.data);
      if (this.socket.writableLength > this.host.settings.maxBufferedBytes)
        return this.broken('the app does not read fast enough');
    }
    if (
      !this.remoteDone &&
      this.remoteClosedAt !== undefined &&
      this.inbound.nextSequence > this.remoteClosedAt
    ) {
      this.remoteDone = true;
      this.socket.end();
      this.maybeFinish();
    }
  }

  /**
   * Both directions done: the socket closes by itself once both ends are flushed ('close'
   * cleans up). An app that keeps its side open after the requester's end is closed after
   * `halfCloseMs`, as Nym's proxy does after its SHUTDOWN_TIMEOUT.
   */
  private maybeFinish(): void {
    if (this.remoteDone && !this.localDone) this.after(this.host.settings.halfCloseMs, () => this.destroy());
  }

  /** The stream cannot go on: reset the app's socket (it sees a broken connection). */
  private broken(why: string): void {
    if (this.state === 'closed') return;
    this.host.log.info({ conn: this.id.toString(), remote: this.remote, why }, 'connection broken');
    if (!this.localDone && this.state === 'open') {
      this.localDone = true;
      this.sendData(new Uint8Array(0), true);
    }
    this.state = 'closed';
    this.clearTimers();
    this.socket.resetAndDestroy();
    this.host.closed(this);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  destroy(): void {
    if (this.state === 'closed') {
      this.socket.destroy();
      return;
    }
    this.state = 'closed';
    this.clearTimers();
    this.socket.destroy();
    this.host.closed(this);
  }
}
