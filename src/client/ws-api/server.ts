/**
 * The native websocket client (port 1977): Nym's native client API over a local websocket,
 * so existing Nym apps work unchanged. Text requests get text responses, binary get binary;
 * received messages go out in the format of the connection's last request (binary until
 * the app sends text), as Nym's native client does. A malformed request gets an `error`
 * response and the connection stays usable.
 *
 * - Every received message is held (feed.ts) until an app's socket took it: messages
 *   received while no app is connected (the inbox the gateway pushes at start included) go
 *   to the next app that connects, as Nym's received buffer holds them until a websocket
 *   handler announces itself (common/client-core/src/client/received_buffer.rs,
 *   `connect_sender`). Up to `maxHeldMessages`; past the bound new ones are dropped, counted
 *   and logged. The native runner holds them on disk (delivered-store.ts: they survive a
 *   kill -9, and a repeat of one already accepted is dropped), others in memory.
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
import type { MixnetClientCore } from '../client.js';
import type { HeldMessage } from '../delivered-store.js';
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
import { receiveInto, type ReceivedFeed } from './feed.js';
import { MemoryInbox } from './memory-inbox.js';

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
  /** Received messages held for the next app while none is connected (with no `feed`). */
  readonly maxHeldMessages?: number;
  /** Where received messages are held (feed.ts); default: in memory, subscribed now. */
  readonly feed?: ReceivedFeed;
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
  const ownFeed = opts.feed ? undefined : receiveInto(core, new MemoryInbox(maxHeld));
  const feed = (opts.feed ?? ownFeed)!;
  const inbox = feed.inbox;
  /** Held messages being written to an app: not handed out again meanwhile. */
  const inFlight = new Set<number>();
  /** Drops seen so far, and whether the drops since the last hand-over were logged. */
  let dropsSeen = inbox.dropped;
  let dropLogged = false;
  core.setIdle(true);

  const respond = (c: Conn, r: WsResponse, binary: boolean, done?: (err?: Error) => void) => {
    if (c.ws.readyState !== c.ws.OPEN) return done?.(new Error('app socket not open'));
    if (binary) c.ws.send(encodeBinaryResponse(r), done);
    else c.ws.send(encodeTextResponse(r), done);
  };
  const errorOut = (c: Conn, e: unknown, binary: boolean) => {
    const kind = e instanceof WsApiError ? e.kind : ErrorKind.Other;
    respond(c, { type: 'error', kind, message: (e as Error).message ?? String(e) }, binary);
  };
  /**
   * To every connected app; it stops being held once an app's socket took it (the write
   * callback), so a client killed before that hands it to the next app instead.
   */
  const handOut = (h: HeldMessage) => {
    if (inFlight.has(h.id) || conns.size === 0) return;
    inFlight.add(h.id);
    let pending = conns.size;
    let taken = false;
    const r: WsResponse = { type: 'received', message: h.message.message, senderTag: h.message.senderTag };
    for (const c of conns)
      respond(c, r, c.binary, (err) => {
        if (!err && !taken) {
          taken = true;
          inbox.handedOver(h.id);
        }
        if (--pending === 0) inFlight.delete(h.id);
      });
  };
  /** Everything held, in order, to the apps connected now. */
  const handOutHeld = () => {
    let after = 0;
    for (;;) {
      const page = inbox.held(after, 1000);
      if (page.length === 0) return;
      for (const h of page) handOut(h);
      after = page[page.length - 1].id;
    }
  };
  const noteDrops = () => {
    if (inbox.dropped === dropsSeen) return;
    dropsSeen = inbox.dropped;
    if (dropLogged) return;
    dropLogged = true;
    log.warn(
      { held: inbox.size, limit: maxHeld },
      'ws-api: no app connected and the held messages are at their limit: dropping received messages',
    );
  };
  feed.listen((h) => {
    noteDrops();
    if (h) handOut(h);
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
    noteDrops();
    if (inbox.size) {
      log.info(
        { messages: inbox.size, dropped: inbox.dropped },
        'ws-api: app connected, handing over held messages',
      );
      handOutHeld();
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
      return inbox.size;
    },
    get heldDropped() {
      return inbox.dropped;
    },
    close: async () => {
      feed.listen(undefined);
      ownFeed?.close();
      clearInterval(sweep);
      for (const c of conns) c.ws.terminate();
      guarded.destroyAll();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
