/**
 * The socket a client session needs, and the events that drive it. Sessions (fresh.ts,
 * authenticated.ts) see only this, so a unit test drives them with an in-memory pair and
 * the gateway with a `ws` websocket (`attachWebSocket`).
 */
import type { RawData, WebSocket } from 'ws';

export interface SessionSocket {
  readonly open: boolean;
  sendText(text: string): void;
  /** `done` runs once the frame is handed to the socket, or with the error that stopped it. */
  sendBinary(data: Uint8Array, done?: (err?: Error) => void): void;
  ping(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What a connection does with what arrives on its socket. */
export interface SocketEvents {
  onText(text: string): void;
  onBinary(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  onClose(): void;
}

/**
 * Close codes (Nym's gateway drops the TCP connection without a close frame; Nymph sends
 * one so that a client can tell why).
 */
export const CLOSE_REFUSED = 4003;
export const CLOSE_TIMEOUT = 4008;
export const CLOSE_REPLACED = 4001;
export const CLOSE_GOING_AWAY = 1001;

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Wires a `ws` server-side socket to a connection's events. */
export function attachWebSocket(ws: WebSocket, events: (socket: SessionSocket) => SocketEvents): void {
  const socket: SessionSocket = {
    get open() {
      return ws.readyState === ws.OPEN;
    },
    sendText(text) {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
    sendBinary(data, done) {
      if (ws.readyState !== ws.OPEN) {
        done?.(new Error('socket not open'));
        return;
      }
      ws.send(data, { binary: true }, done);
    },
    ping(data) {
      if (ws.readyState === ws.OPEN) ws.ping(data);
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
  };
  const e = events(socket);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) e.onBinary(bytesOf(data));
    else {
      const b = bytesOf(data);
      e.onText(Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'));
    }
  });
  ws.on('pong', (data: Buffer) => e.onPong(data));
  ws.on('close', () => e.onClose());
  // errors end in 'close'; a listener keeps them from being thrown
  ws.on('error', () => undefined);
}
