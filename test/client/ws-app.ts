/**
 * An app on the native client's websocket API, as existing Nym apps talk to Nym's native
 * client: a plain websocket and an inbox of what the client sends it.
 */
import WebSocket from 'ws';

export interface WsAppFrame {
  data: Buffer;
  binary: boolean;
}

export interface WsApp {
  ws: WebSocket;
  /** The next frame, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<WsAppFrame>;
}

export async function connectWsApp(port: number, defaultTimeoutMs = 10_000): Promise<WsApp> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const inbox: WsAppFrame[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data: Buffer, binary) => {
    inbox.push({ data, binary });
    wake?.();
  });
  const next = async (timeoutMs = defaultTimeoutMs): Promise<WsAppFrame> => {
    const t0 = Date.now();
    while (!inbox.length) {
      if (Date.now() - t0 > timeoutMs) throw new Error('app: no message');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return inbox.shift()!;
  };
  return { ws, next };
}
