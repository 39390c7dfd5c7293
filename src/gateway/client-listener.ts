/**
 * The gateway's client ports: `ws` and, with a certificate, `wss` (Nym's `clients_port` and
 * `clients_wss_port`), and who is let in.
 *
 * - Connections are counted at TCP accept, before any byte is read: beyond
 *   `maxConnections` in total (Nym's `maximum_open_connections`, 8192) or
 *   `maxConnectionsPerIp` from one address the socket is dropped at once (Nym's listener drops
 *   it too).
 * - The websocket upgrade (TLS included on `wss`) must complete within `upgradeTimeoutMs`
 *   (Nym's WEBSOCKET_HANDSHAKE_TIMEOUT, 1.5 s), else the socket is dropped: half-sent HTTP
 *   requests do not hold a place.
 * - A browser's upgrade carries `Origin`: one not in `allowedOrigins` (none by default; `*`
 *   allows all) is refused with HTTP 403. Other clients (Nym's wasm client in Node, Nymph's
 *   client) send none and are let in.
 * - An open websocket from which nothing arrives (no frame, no pong) for `idleTimeoutMs` is
 *   dropped; it is pinged after a third of that, so a live client that only listens stays.
 *   Before authentication the sessions' own deadlines apply (fresh.ts: 4008 after 10 s
 *   without a request).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConnectionCounter, originAllowed, peerKey } from '../net-limits/index.js';
import type { GatewayMetrics } from './metrics.js';
import { attachWebSocket, type SessionSocket, type SocketEvents } from './session-socket.js';

// shared with nym-api and the native client's websocket API
export { ConnectionCounter, originAllowed, peerKey };

export interface ClientListenerOptions {
  readonly host: string;
  /** `ws` port; 0 picks one. */
  readonly port: number;
  /** `wss`: port (0 picks one) and PEM certificate and key. */
  readonly tls?: { readonly port: number; readonly cert: string; readonly key: string };
  readonly allowedOrigins: readonly string[];
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly upgradeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Largest websocket frame read; a larger one closes the socket (1009). */
  readonly maxPayload: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** A new websocket: what drives its session. */
  onConnection(socket: SessionSocket): SocketEvents;
}

function endpoint(s: net.Socket): string {
  return `${s.remoteAddress}|${s.remotePort}`;
}

export class ClientListener {
  private readonly wss: WebSocketServer;
  private readonly counter: ConnectionCounter;
  private readonly sockets = new Set<net.Socket>();
  /** Upgrade deadlines by peer address and port (a TLS socket and its TCP socket share them). */
  private readonly upgradeTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastHeard = new Map<WebSocket, number>();
  private readonly servers: http.Server[] = [];
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private wsPort = 0;
  private wssPort: number | undefined;

  constructor(private readonly o: ClientListenerOptions) {
    this.counter = new ConnectionCounter(o.maxConnections, o.maxConnectionsPerIp);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload });
    this.wss.on('error', (err) => o.logger.error({ err: err.message }, 'websocket server error'));
  }

  /** Open TCP connections on the client ports. */
  get connections(): number {
    return this.counter.size;
  }
  get port(): number {
    return this.wsPort;
  }
  /** The `wss` port, when TLS is on. */
  get tlsPort(): number | undefined {
    return this.wssPort;
  }

  async start(): Promise<void> {
    const plain = http.createServer((_req, res) => this.notWebsocket(res));
    this.wsPort = await this.listen(plain, this.o.port);
    if (this.o.tls) {
      const secure = https.createServer({ cert: this.o.tls.cert, key: this.o.tls.key }, (_req, res) =>
        this.notWebsocket(res),
      );
      // a failed TLS handshake ends its socket; the error is the client's
      secure.on('tlsClientError', () => undefined);
      this.wssPort = await this.listen(secure, this.o.tls.port);
    }
    const period = Math.max(50, Math.floor(this.o.idleTimeoutMs / 3));
    this.idleTimer = setInterval(() => this.sweepIdle(), period);
    this.idleTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const ws of this.lastHeard.keys()) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private notWebsocket(res: http.ServerResponse): void {
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
    res.end('websocket only\n');
  }

  private async listen(server: http.Server, port: number): Promise<number> {
    this.servers.push(server);
    server.on('connection', (socket: net.Socket) => this.onTcp(socket));
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    // the upgrade deadline below is the one that counts; Node's own checks run every 30 s
    server.headersTimeout = this.o.upgradeTimeoutMs;
    server.requestTimeout = this.o.upgradeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.o.host, () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Counted at accept; dropped past the limits, or when not upgraded in time. */
  private onTcp(socket: net.Socket): void {
    const m = this.o.metrics;
    const peer = peerKey(socket.remoteAddress);
    const verdict = this.counter.admit(peer);
    if (verdict !== 'ok') {
      m.connectionsRefused.inc({ reason: verdict });
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const key = endpoint(socket);
    this.upgradeTimers.set(
      key,
      setTimeout(() => {
        this.upgradeTimers.delete(key);
        m.connectionsTimedOut.inc({ phase: 'upgrade' });
        socket.destroy();
      }, this.o.upgradeTimeoutMs),
    );
    socket.once('close', () => {
      clearTimeout(this.upgradeTimers.get(key));
      this.upgradeTimers.delete(key);
      this.sockets.delete(socket);
      this.counter.release(peer);
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, this.o.allowedOrigins)) {
      this.o.metrics.connectionsRefused.inc({ reason: 'origin' });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const key = endpoint(req.socket);
      clearTimeout(this.upgradeTimers.get(key));
      this.upgradeTimers.delete(key);
      this.track(ws);
      attachWebSocket(ws, (s) => this.o.onConnection(s));
    });
  }

  private track(ws: WebSocket): void {
    const heard = () => this.lastHeard.set(ws, Date.now());
    heard();
    ws.on('message', heard);
    ws.on('pong', heard);
    ws.on('ping', heard);
    ws.on('close', () => this.lastHeard.delete(ws));
  }

  private sweepIdle(): void {
    const now = Date.now();
    const idle = this.o.idleTimeoutMs;
    for (const [ws, t] of this.lastHeard) {
      if (now - t >= idle) {
        this.o.metrics.connectionsTimedOut.inc({ phase: 'idle' });
        this.lastHeard.delete(ws);
        ws.terminate();
      } else if (now - t >= idle / 3 && ws.readyState === ws.OPEN) ws.ping();
    }
  }
}
