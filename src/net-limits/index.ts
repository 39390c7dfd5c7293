/**
 * Limits on the connections an HTTP (or websocket) server holds: nym-api and the native
 * client's websocket API share them here, as mix nodes and gateways share theirs in
 * src/node (the `[inbound]` table: `max_connections`, `max_connections_per_host`,
 * `idle_timeout_ms`; the same names are used in `[http]` and `[socket]`).
 *
 * - Connections are counted at TCP accept, before a byte is read: beyond `maxConnections`
 *   in total or `maxConnectionsPerHost` from one address the socket is dropped at once.
 * - The first request head (or websocket upgrade) must arrive whole within
 *   `headersTimeoutMs` of the connection, else the socket is dropped: half-sent requests do
 *   not hold a place. Node's own `headersTimeout` is checked only every
 *   `connectionsCheckingInterval` (30 s by default), hence a timer per socket here; for later
 *   requests that interval is set to a quarter of the timeout.
 * - A whole request must arrive within `requestTimeoutMs` (Node's `requestTimeout`, checked
 *   at a quarter of the headers timeout), and a keep-alive socket with no request for
 *   `idleTimeoutMs` is closed (`keepAliveTimeout`).
 *
 * Nym's equivalents: the gateway's `maximum_open_connections` and WEBSOCKET_HANDSHAKE_TIMEOUT
 * (gateway/src/node/client_handling/websocket/listener.rs); nym-api sits behind axum with
 * tower timeouts.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';

export interface ConnectionLimits {
  /** Open connections at once; more are refused at accept. */
  readonly maxConnections: number;
  /** Open connections from one IP address; more are refused at accept. */
  readonly maxConnectionsPerHost: number;
  /** A request head or websocket upgrade not complete by then closes the socket. */
  readonly headersTimeoutMs: number;
  /** A whole request (head and body) not received by then closes the socket. */
  readonly requestTimeoutMs: number;
  /** A kept-alive socket with no new request for this long is closed. */
  readonly idleTimeoutMs: number;
}

export type RefusalReason = 'total_limit' | 'host_limit';
export type TimeoutPhase = 'headers';

/** What the guard did to a socket, for the server's log and metrics. */
export type GuardEvent =
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly peer: string }
  | { readonly kind: 'timed_out'; readonly phase: TimeoutPhase; readonly peer: string };

/** `::ffff:1.2.3.4` and `1.2.3.4` are one peer. */
export function peerKey(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Open connections by peer address, and in total. */
export class ConnectionCounter {
  private readonly byPeer = new Map<string, number>();
  private total = 0;
  constructor(
    private readonly max: number,
    private readonly maxPerPeer: number,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Takes a place for `peer`, or says why there is none. */
  admit(peer: string): 'ok' | 'total_limit' | 'ip_limit' {
    if (this.total >= this.max) return 'total_limit';
    const n = this.byPeer.get(peer) ?? 0;
    if (n >= this.maxPerPeer) return 'ip_limit';
    this.byPeer.set(peer, n + 1);
    this.total++;
    return 'ok';
  }

  release(peer: string): void {
    const n = this.byPeer.get(peer);
    if (n === undefined) return;
    if (n <= 1) this.byPeer.delete(peer);
    else this.byPeer.set(peer, n - 1);
    this.total--;
  }
}

/** Whether a browser page of `origin` may connect (exact match, case-insensitive, or `*`). */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const o = origin.toLowerCase();
  return allowed.some((a) => a === '*' || a.toLowerCase() === o);
}

/** A limited server and its live connection count. */
export interface GuardedServer {
  readonly server: http.Server;
  /** Open TCP connections. */
  readonly connections: number;
  /** Destroys every socket (for a fast stop). */
  destroyAll(): void;
}

/** What a guarded server does with requests. */
export interface GuardedHandlers {
  readonly onRequest: http.RequestListener;
  /**
   * Websocket upgrades (a `ws` server in `noServer` mode). Without it no `upgrade` listener
   * is added, so Node answers upgrade requests as plain requests and no socket is left
   * unowned.
   */
  readonly onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Each refusal and timeout (for logs and metrics). */
  readonly onEvent?: (e: GuardEvent) => void;
}

/** An HTTP server that applies `limits` to every connection. */
export function createGuardedServer(limits: ConnectionLimits, handlers: GuardedHandlers): GuardedServer {
  const onEvent = handlers.onEvent ?? (() => undefined);
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.idleTimeoutMs,
    // Node checks the two timeouts above on this period (30 s by default)
    connectionsCheckingInterval: Math.max(50, Math.floor(limits.headersTimeoutMs / 4)),
  });
  server.on('request', handlers.onRequest);
  const counter = new ConnectionCounter(limits.maxConnections, limits.maxConnectionsPerHost);
  const sockets = new Set<net.Socket>();
  const waiting = new Map<net.Socket, ReturnType<typeof setTimeout>>();

  /** Arms the head deadline of the socket's next request. */
  const awaitHead = (socket: net.Socket, peer: string) => {
    clearTimeout(waiting.get(socket));
    waiting.set(
      socket,
      setTimeout(() => {
        waiting.delete(socket);
        onEvent({ kind: 'timed_out', phase: 'headers', peer });
        socket.destroy();
      }, limits.headersTimeoutMs),
    );
  };
  const headArrived = (socket: net.Socket) => {
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
  };

  server.on('connection', (socket: net.Socket) => {
    const peer = peerKey(socket.remoteAddress);
    const verdict = counter.admit(peer);
    if (verdict !== 'ok') {
      onEvent({ kind: 'refused', reason: verdict === 'ip_limit' ? 'host_limit' : verdict, peer });
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    sockets.add(socket);
    awaitHead(socket, peer);
    socket.once('close', () => {
      headArrived(socket);
      sockets.delete(socket);
      counter.release(peer);
    });
  });
  // later requests on a kept-alive socket: `keepAliveTimeout` while it is silent, then Node's
  // `headersTimeout` (checked every quarter of it) for a half-sent head
  server.on('request', (req: http.IncomingMessage) => headArrived(req.socket));
  const onUpgrade = handlers.onUpgrade;
  if (onUpgrade)
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      headArrived(req.socket);
      onUpgrade(req, socket, head);
    });

  return {
    server,
    get connections() {
      return counter.size;
    },
    destroyAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * Counts guard events by kind and says when one should be logged: the first of each kind,
 * then at most once per `everyMs`, so a flood of refused sockets is a few log lines.
 */
export function guardLogGate(
  everyMs = 60_000,
): (e: GuardEvent) => { log: boolean; kind: string; total: number } {
  const last = new Map<string, number>();
  const totals = new Map<string, number>();
  return (e) => {
    const kind = e.kind === 'refused' ? `refused_${e.reason}` : `timed_out_${e.phase}`;
    const total = (totals.get(kind) ?? 0) + 1;
    totals.set(kind, total);
    const now = Date.now();
    const log = now - (last.get(kind) ?? -Infinity) >= everyMs;
    if (log) last.set(kind, now);
    return { log, kind, total };
  };
}
