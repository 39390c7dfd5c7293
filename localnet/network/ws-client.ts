/**
 * A small application of Nym's native websocket API (text JSON frames), as an app on
 * port 1977 would use it: the localnet's self-test, the end-to-end tests and the benchmark.
 */
import WebSocket from 'ws';
import { base58 } from '@scure/base';
import { decodeBinaryResponse } from '../../src/client/ws-api/codec.js';
import { recipientToString } from '../../src/client/address.js';
import { SelfTestError } from './errors.js';

export interface WsReceived {
  message: string;
  /** base58 sender tag, present for anonymous (repliable) messages */
  senderTag?: string;
}

/**
 * The client answers in binary until a connection's first text request (Nym's native
 * client does the same), so messages that arrive before it are binary frames.
 */
function fromBinary(b: Buffer): Record<string, unknown> {
  const r = decodeBinaryResponse(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  if (r.type === 'received')
    return {
      type: 'received',
      message: new TextDecoder().decode(r.message),
      senderTag: r.senderTag ? base58.encode(r.senderTag) : undefined,
    };
  if (r.type === 'selfAddress') return { type: 'selfAddress', address: recipientToString(r.address) };
  return { ...r };
}

export class NativeWsApp {
  private readonly queue: WsReceived[] = [];
  private readonly waiters: ((m: WsReceived) => void)[] = [];
  private readonly pending: ((v: Record<string, unknown>) => void)[] = [];
  private closedReason: string | undefined;
  /** Errors the client reported about sends, oldest first. */
  readonly errors: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      let o: Record<string, unknown>;
      try {
        o = isBinary ? fromBinary(data as Buffer) : (JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        return;
      }
      if (o.type === 'received') {
        const m: WsReceived = {
          message: String(o.message),
          senderTag: typeof o.senderTag === 'string' ? o.senderTag : undefined,
        };
        const w = this.waiters.shift();
        if (w) w(m);
        else this.queue.push(m);
      } else if (o.type === 'error' && this.pending.length === 0) {
        // an error about a send (sends have no answer otherwise): kept for the next wait
        this.errors.push(String(o.message));
      } else {
        this.pending.shift()?.(o);
      }
    });
    ws.on('close', () => {
      this.closedReason = 'websocket closed';
    });
  }

  static async connect(url: string, timeoutMs = 5_000): Promise<NativeWsApp> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        ws.terminate();
        reject(new SelfTestError(`cannot connect to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(t);
        resolve();
      });
      ws.once('error', (e) => {
        clearTimeout(t);
        reject(new SelfTestError(`cannot connect to ${url}: ${e.message}`));
      });
    });
    return new NativeWsApp(ws);
  }

  private request(o: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new SelfTestError(`no answer to ${String(o.type)}`)), timeoutMs);
      this.pending.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
      this.ws.send(JSON.stringify(o));
    });
  }

  async selfAddress(timeoutMs = 5_000): Promise<string> {
    const r = await this.request({ type: 'selfAddress' }, timeoutMs);
    if (r.type !== 'selfAddress' || typeof r.address !== 'string')
      throw new SelfTestError(`unexpected answer to selfAddress: ${JSON.stringify(r)}`);
    return r.address;
  }

  send(recipient: string, message: string): void {
    this.ws.send(JSON.stringify({ type: 'send', recipient, message }));
  }

  sendAnonymous(recipient: string, message: string, replySurbs = 5): void {
    this.ws.send(JSON.stringify({ type: 'sendAnonymous', recipient, message, replySurbs }));
  }

  reply(senderTag: string, message: string): void {
    this.ws.send(JSON.stringify({ type: 'reply', senderTag, message }));
  }

  next(timeoutMs = 10_000): Promise<WsReceived> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.closedReason) return Promise.reject(new SelfTestError(this.closedReason));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        const errs = this.errors.length ? `; the client reported: ${this.errors.join('; ')}` : '';
        reject(new SelfTestError(`no message within ${timeoutMs} ms${errs}`));
      }, timeoutMs);
      const w = (m: WsReceived): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.waiters.push(w);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Sends one message from the client at `url` to itself; resolves with the round trip in ms. */
export async function selfTest(url: string, timeoutMs = 15_000): Promise<{ rttMs: number; address: string }> {
  const app = await NativeWsApp.connect(url);
  try {
    const address = await app.selfAddress();
    const text = `hello from localnet ${Date.now()}`;
    const t0 = performance.now();
    app.send(address, text);
    for (;;) {
      const m = await app.next(timeoutMs);
      if (m.message === text) return { rttMs: performance.now() - t0, address };
    }
  } finally {
    app.close();
  }
}
