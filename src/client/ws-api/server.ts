/**
 * The native websocket client (port 1977): Nym's native client API over a local websocket,
 * so existing Nym apps work unchanged. Text requests get text responses, binary get binary;
 * received messages go out in the format of the connection's last request (binary until
 * the app sends text), as Nym's native client does. A malformed request gets an `error`
 * response and the connection stays usable.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
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

export interface WsApiServerOptions {
  readonly host?: string;
  /** 1977 by default; 0 for a free port */
  readonly port?: number;
  /** Largest websocket message accepted (Nym #364). */
  readonly maxPayloadBytes?: number;
  readonly logger?: Logger;
}

export interface WsApiServer {
  readonly port: number;
  readonly connections: number;
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
  const wss = new WebSocketServer({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 1977, maxPayload });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const conns = new Set<Conn>();
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

  const unsubscribe = core.onMessage((m: ReceivedMessage) => {
    for (const c of conns)
      respond(c, { type: 'received', message: m.message, senderTag: m.senderTag }, c.binary);
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

  wss.on('connection', (ws) => {
    const c: Conn = { ws, binary: true };
    conns.add(c);
    core.setIdle(false);
    ws.on('message', (data, isBinary) => {
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
      if (conns.size === 0) core.setIdle(true);
    });
    ws.on('error', (e) => log.warn({ err: e.message }, 'ws-api: connection error'));
  });

  return {
    port: (wss.address() as AddressInfo).port,
    get connections() {
      return conns.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const c of conns) c.ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
