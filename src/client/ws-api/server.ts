/**
 * The native websocket client (port 1977): Nym's native client API over a local websocket,
 * so existing Nym apps work unchanged. Text requests get text responses, binary get binary;
 * received messages go out in the format of the connection's last request (binary until
 * the app sends text), as Nym's native client does. A malformed request gets an `error`
 * response and the connection stays usable.
 *
 * - Messages received while no app is connected (the inbox the gateway pushes at start
 *   included) are held, up to `maxHeldMessages`, and handed to the next app that connects,
 *   as Nym's received buffer holds them until a websocket handler announces itself
 *   (common/client-core/src/client/received_buffer.rs, `connect_sender`). Past the bound
 *   new ones are dropped, counted and logged.
 * - A browser page (a request with `Origin`) may connect only from `allowedOrigins` (none
 *   by default, `*` any): others get HTTP 403. Apps that send no `Origin` are let in.
 * - Connections are capped in total and per host, the upgrade must complete within
 *   `handshakeTimeoutMs`, and an app silent for `idleTimeoutMs` (no frame, no pong to the
 *   pings sent after a third of it) is dropped (src/net-limits).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  createGuardedServer,
  guardLogGate,
  originAllowed,
  peerKey,
  type GuardEvent,
} from '../../net-limits/index.js';
import type { MixnetClientCore, ReceivedMessage } from '../client.js';
import { silentLogger, type Logger } from '../transport.js';
import {
  ErrorKind,
  WsApiError,
  decodeBinaryRequest,
  decodeTextRequest,
  encodeBinaryResponse,
  encodeTextResponse,
  type WsRequest,
  type WsResponse,
} from './codec.js';

export interface WsApiLimits {
  /** Open connections at once (handshakes included); more are refused. */
  readonly maxConnections: number;
  /** Open connections from one address; more are refused. */
  readonly maxConnectionsPerHost: number;
  /** The websocket upgrade must complete within this, else the socket is closed. */
  readonly handshakeTimeoutMs: number;
  /** An app from which nothing (no frame, no pong) arrives for this long is dropped. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_WS_API_LIMITS: WsApiLimits = {
  maxConnections: 64,
  maxConnectionsPerHost: 64,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
};

/** Received messages held while no app is connected (the client core holds as many). */
export const DEFAULT_MAX_HELD_MESSAGES = 10_000;

export interface WsApiServerOptions {
  readonly host?: string;
  /** 1977 by default; 0 for a free port */
  readonly port?: number;
  /** Largest websocket message accepted (Nym #364). */
  readonly maxPayloadBytes?: number;
  /** Browser origins allowed to connect (`*`: any); default none. */
  readonly allowedOrigins?: readonly string[];
  readonly limits?: Partial<WsApiLimits>;
  /** Received messages held for the next app while none is connected. */
  readonly maxHeldMessages?: number;
  readonly logger?: Logger;
}

export interface WsApiServer {
  readonly port: number;
  /** Connected apps. */
  readonly connections: number;
  /** Received messages waiting for an app. */
  readonly held: number;
  /** Received messages dropped because the held ones reached `maxHeldMessages`. */
  readonly heldDropped: number;
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  binary: boolean;
}

export async function startWsApi(
  core: MixnetClientCore,
  opts: WsApiServerOptions = {},
): Promise<WsApiServer> {
  const log = opts.logger ?? silentLogger;
  const maxPayload = opts.maxPayloadBytes ?? core.config.maxMessageBytes + 64 * 1024;
  const limits = { ...DEFAULT_WS_API_LIMITS, ...opts.limits };
  const allowedOrigins = opts.allowedOrigins ?? [];
  const maxHeld = opts.maxHeldMessages ?? DEFAULT_MAX_HELD_MESSAGES;

  // the first refusal or timeout of each kind is logged, then one a minute with the count
  const gate = guardLogGate();
  const onGuard = (e: GuardEvent) => {
    const { log: due, kind, total } = gate(e);
    if (!due) return;
    if (e.kind === 'refused')
      log.warn({ peer: e.peer, kind, total }, 'ws-api: connection refused over the limit');
    else
      log.warn({ peer: e.peer, kind, total }, 'ws-api: handshake not completed in time, connection closed');
  };
  const guarded = createGuardedServer(
    {
      maxConnections: limits.maxConnections,
      maxConnectionsPerHost: limits.maxConnectionsPerHost,
      headersTimeoutMs: limits.handshakeTimeoutMs,
      requestTimeoutMs: limits.handshakeTimeoutMs,
      idleTimeoutMs: limits.handshakeTimeoutMs,
    },
    {
      onRequest: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
        res.end('websocket only\n');
      },
      onUpgrade: (req, socket, head) => onUpgrade(req, socket, head),
      onEvent: onGuard,
    },
  );
  const http = guarded.server;
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  wss.on('error', (e) => log.warn({ err: e.message }, 'ws-api: websocket server error'));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 1977, opts.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const conns = new Set<Conn>();
  const lastHeard = new Map<WebSocket, number>();
  const held: ReceivedMessage[] = [];
  let heldDropped = 0;
  /** Whether the drop since the last hand-over was logged (once per run of drops). */
  let dropLogged = false;
  core.setIdle(true);

  const respond = (c: Conn, r: WsResponse, binary: boolean) => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (binary) c.ws.send(encodeBinaryResponse(r));
    else c.ws.send(encodeTextResponse(r));
  };
  const errorOut = (c: Conn, e: unknown, binary: boolean) => {
    const kind = e instanceof WsApiError ? e.kind : ErrorKind.Other;
    respond(c, { type: 'error', kind, message: (e as Error).message ?? String(e) }, binary);
  };
  const forward = (c: Conn, m: ReceivedMessage) =>
    respond(c, { type: 'received', message: m.message, senderTag: m.senderTag }, c.binary);

  const unsubscribe = core.onMessage((m: ReceivedMessage) => {
    if (conns.size > 0) {
      for (const c of conns) forward(c, m);
      return;
    }
    if (held.length < maxHeld) {
      held.push(m);
      return;
    }
    heldDropped++;
    if (!dropLogged) {
      dropLogged = true;
      log.warn(
        { held: held.length, limit: maxHeld },
        'ws-api: no app connected and the held messages are at their limit: dropping received messages',
      );
    }
  });

  const handle = async (c: Conn, req: WsRequest, binary: boolean) => {
    // report failed deliveries instead of dropping them silently
    const track = (p: Promise<void>) =>
      p.catch((e) => {
        log.warn({ err: (e as Error).message }, 'ws-api: message not delivered');
        errorOut(c, e, binary);
      });
    switch (req.type) {
      case 'selfAddress':
        return respond(c, { type: 'selfAddress', address: core.address }, binary);
      case 'send':
        return void track(core.send(req.recipient, req.message));
      case 'sendAnonymous':
        return void track(core.sendAnonymous(req.recipient, req.message, req.replySurbs));
      case 'reply':
        return void track(core.reply(req.senderTag, req.message));
      case 'closedConnection':
        return;
      case 'getLaneQueueLength':
        return respond(
          c,
          { type: 'laneQueueLength', lane: req.connectionId, queueLength: core.queueLength },
          binary,
        );
    }
  };

  const onApp = (ws: WebSocket) => {
    const c: Conn = { ws, binary: true };
    conns.add(c);
    const heard = () => lastHeard.set(ws, Date.now());
    heard();
    ws.on('pong', heard);
    ws.on('ping', heard);
    core.setIdle(false);
    if (held.length) {
      log.info(
        { messages: held.length, dropped: heldDropped },
        'ws-api: app connected, handing over held messages',
      );
      for (const m of held.splice(0)) forward(c, m);
      dropLogged = false;
    }
    ws.on('message', (data, isBinary) => {
      heard();
      let req: WsRequest;
      try {
        if (isBinary) {
          const b = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          req = decodeBinaryRequest(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        } else req = decodeTextRequest(data.toString());
      } catch (e) {
        errorOut(c, e, isBinary);
        return;
      }
      c.binary = isBinary;
      handle(c, req, isBinary).catch((e) => errorOut(c, e, isBinary));
    });
    ws.on('close', () => {
      conns.delete(c);
      lastHeard.delete(ws);
      if (conns.size === 0) core.setIdle(true);
    });
    ws.on('error', (e) => log.warn({ err: e.message }, 'ws-api: connection error'));
  };

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, allowedOrigins)) {
      log.warn(
        { origin, peer: peerKey(req.socket.remoteAddress) },
        'ws-api: refused a browser origin not in socket.allowed_origins',
      );
      const body = 'origin not allowed: add it to socket.allowed_origins\n';
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, onApp);
  }

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [ws, t] of lastHeard) {
        if (now - t >= limits.idleTimeoutMs) {
          log.warn({}, 'ws-api: app silent past the idle timeout, connection closed');
          lastHeard.delete(ws);
          ws.terminate();
        } else if (now - t >= limits.idleTimeoutMs / 3 && ws.readyState === ws.OPEN) ws.ping();
      }
    },
    Math.max(50, Math.floor(limits.idleTimeoutMs / 3)),
  );
  sweep.unref();

  return {
    port: (http.address() as AddressInfo).port,
    get connections() {
      return conns.size;
    },
    get held() {
      return held.length;
    },
    get heldDropped() {
      return heldDropped;
    },
    close: async () => {
      unsubscribe();
      clearInterval(sweep);
      for (const c of conns) c.ws.terminate();
      guarded.destroyAll();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
