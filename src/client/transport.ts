/**
 * The websocket surface the client core needs: the browser's WebSocket API, which the `ws`
 * package also implements in Node. The core never imports a websocket library itself.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: any) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: any) => void): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export const WS_OPEN = 1;

/** Minimal structured logger (pino-compatible). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Resolves after `ms`, rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Opens a websocket; rejects on error, timeout or abort (and closes it). */
const ignore = (): void => undefined;

export function openWebSocket(
  factory: WebSocketFactory,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = factory(url);
    } catch (e) {
      reject(e);
      return;
    }
    ws.binaryType = 'arraybuffer';
    const cleanup = () => {
      clearTimeout(timer);
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('error', onError);
      ws.removeEventListener('close', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown) => {
      cleanup();
      // closing a socket that is still connecting makes `ws` emit 'error' afterwards; with
      // no listener left that would be an uncaught exception, so keep a quiet one
      ws.addEventListener('error', ignore);
      try {
        ws.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    const onOpen = () => {
      cleanup();
      resolve(ws);
    };
    const onError = (ev: any) => fail(new Error(`websocket to ${url} failed: ${ev?.message ?? 'closed'}`));
    const onAbort = () => fail(signal!.reason);
    const timer = setTimeout(
      () => fail(new Error(`websocket to ${url} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    ws.addEventListener('open', onOpen);
    ws.addEventListener('error', onError);
    ws.addEventListener('close', onError);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const len = data.reduce((a: number, d: Uint8Array) => a + d.length, 0);
    const out = new Uint8Array(len);
    let off = 0;
    for (const d of data as Uint8Array[]) {
      out.set(d, off);
      off += d.length;
    }
    return out;
  }
  return undefined;
}
