/**
 * One websocket session with the client's gateway: registration handshake on first use,
 * re-authentication afterwards, bandwidth credentials, and encrypted binary frames
 * (mix packets out, delivered messages in). The codecs are src/gateway/protocol's.
 */
import {
  FRAME_KIND_FORWARD,
  FRAME_KIND_RECEIVED,
  AEAD_NONCE_SIZE,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodeFrame,
  encodeFrame,
  encodeMessage,
  parseGatewayResponse,
  RemoteGatewayError,
  sealCredential,
  type GatewayResponse,
  type Aead,
} from '../gateway/protocol/index.js';
import { GatewayConnectError, AbortedError } from './errors.js';
import type { ClientKeys } from './identity.js';
import type { RandomBytes } from './crypto.js';
import { openWebSocket, toBytes, WS_OPEN, type WebSocketFactory, type WebSocketLike } from './transport.js';

export interface SessionOptions {
  readonly url: string;
  readonly gatewayIdentity: Uint8Array;
  readonly keys: ClientKeys;
  /** Known shared key from an earlier registration: authenticate instead of registering. */
  readonly sharedKey?: Uint8Array;
  readonly wsFactory: WebSocketFactory;
  readonly rng: RandomBytes;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly aead?: Aead;
  readonly signal?: AbortSignal;
}

export interface SessionEvents {
  /** A delivered message (final payload without its SURB-ack). */
  onReceived(plaintext: Uint8Array): void;
  /** A text message after the handshake (bandwidth, error). */
  onText(msg: GatewayResponse): void;
  /** The socket closed; `clean` when we closed it. */
  onClose(clean: boolean, reason: string): void;
}

export class GatewaySession {
  private closedByUs = false;
  private readonly textWaiters: ((m: GatewayResponse) => void)[] = [];
  private events: SessionEvents | undefined;
  /** frames that arrived before `attach` */
  private backlog: Uint8Array[] = [];
  bandwidthRemaining = 0;
  /** true when this session registered (first contact) rather than re-authenticated */
  registered = false;
  framesIn = 0;
  badFrames = 0;

  private constructor(
    private readonly ws: WebSocketLike,
    readonly sharedKey: Uint8Array,
    private readonly rng: RandomBytes,
    private readonly aead: Aead | undefined,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WS_OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  static async connect(o: SessionOptions): Promise<GatewaySession> {
    const ws = await openWebSocket(o.wsFactory, o.url, o.timeoutMs, o.signal).catch((e) => {
      if (o.signal?.aborted) throw new AbortedError('gateway connect');
      throw new GatewayConnectError(o.url, (e as Error).message);
    });
    const pending: (GatewayResponse | Error)[] = [];
    let waiter: ((m: GatewayResponse | Error) => void) | undefined;
    const push = (m: GatewayResponse | Error) => {
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w(m);
      } else pending.push(m);
    };
    // the gateway pushes stored messages right after `authenticate`: keep them for the session
    const early: unknown[] = [];
    const onMessage = (ev: any) => {
      if (typeof ev.data !== 'string') return void early.push(ev.data);
      try {
        push(parseGatewayResponse(ev.data));
      } catch (e) {
        push(e as Error);
      }
    };
    const onClose = () => push(new Error('gateway closed the connection'));
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', onClose);
    const next = (step: string): Promise<GatewayResponse> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`${step}: no answer within ${o.timeoutMs} ms`));
        }, o.timeoutMs);
        const take = (m: GatewayResponse | Error) => {
          clearTimeout(timer);
          if (m instanceof Error) reject(m);
          else if (m.type === 'error') reject(new RemoteGatewayError(m.code, m.message));
          else resolve(m);
        };
        const first = pending.shift();
        if (first) take(first);
        else waiter = take;
      });
    const identity = { secretKey: o.keys.identitySecret, publicKey: o.keys.identityPublic };
    try {
      let sharedKey: Uint8Array;
      let registered = false;
      let bandwidth = 0;
      if (o.sharedKey) {
        ws.send(
          encodeMessage(
            createAuthenticateRequest({
              identity,
              sharedKey: o.sharedKey,
              nowMs: o.now(),
              random: o.rng,
              aead: o.aead,
            }),
          ),
        );
        const r = await next('authenticate');
        if (r.type !== 'authenticate') throw new Error(`authenticate: unexpected ${r.type}`);
        sharedKey = o.sharedKey;
        bandwidth = r.bandwidthRemaining;
      } else {
        const start = clientHandshakeStart({ identity, gatewayIdentity: o.gatewayIdentity, random: o.rng });
        ws.send(encodeMessage(start.message));
        const resp = await next('handshake');
        if (resp.type !== 'handshakeResponse') throw new Error(`handshake: unexpected ${resp.type}`);
        const fin = clientHandshakeFinish(start.state, resp, o.rng, o.aead);
        ws.send(encodeMessage(fin.message));
        const reg = await next('register');
        if (reg.type !== 'register') throw new Error(`register: unexpected ${reg.type}`);
        sharedKey = fin.sharedKey;
        registered = true;
        bandwidth = reg.bandwidthRemaining;
      }
      ws.removeEventListener('message', onMessage);
      ws.removeEventListener('close', onClose);
      const s = new GatewaySession(ws, sharedKey, o.rng, o.aead);
      s.registered = registered;
      s.bandwidthRemaining = bandwidth;
      for (const d of early) s.handleMessage(d);
      ws.addEventListener('message', (ev: any) => s.handleMessage(ev.data));
      ws.addEventListener('close', (ev: any) =>
        s.events?.onClose(s.closedByUs, `${ev?.code ?? ''} ${ev?.reason ?? ''}`.trim()),
      );
      ws.addEventListener('error', () => {});
      return s;
    } catch (e) {
      try {
        ws.close();
      } catch {
        // closing a dead socket
      }
      const code = (e as { code?: string }).code;
      throw Object.assign(new GatewayConnectError(o.url, (e as Error).message), { code });
    }
  }

  attach(events: SessionEvents): void {
    this.events = events;
    const b = this.backlog;
    this.backlog = [];
    for (const p of b) events.onReceived(p);
  }

  private handleMessage(data: unknown): void {
    if (typeof data === 'string') {
      let m: GatewayResponse;
      try {
        m = parseGatewayResponse(data);
      } catch {
        this.badFrames++;
        return;
      }
      if (m.type === 'bandwidth') this.bandwidthRemaining = m.availableTotal;
      const w = this.textWaiters.shift();
      if (w) w(m);
      else this.events?.onText(m);
      return;
    }
    const bytes = toBytes(data);
    if (!bytes) return;
    try {
      const f = decodeFrame(bytes, this.sharedKey, this.aead);
      if (f.kind !== FRAME_KIND_RECEIVED) {
        this.badFrames++;
        return;
      }
      this.framesIn++;
      if (this.events) this.events.onReceived(f.plaintext);
      else this.backlog.push(f.plaintext);
    } catch {
      this.badFrames++;
    }
  }

  /** Send one mix packet (`packet type ‖ first hop ‖ sphinx packet`). */
  sendMixPacket(mixPacket: Uint8Array): void {
    const frame = encodeFrame(
      FRAME_KIND_FORWARD,
      this.sharedKey,
      this.rng(AEAD_NONCE_SIZE),
      mixPacket,
      this.aead,
    );
    this.ws.send(frame);
  }

  /** Show a bandwidth credential; resolves with the gateway's new total. */
  async sendCredential(credential: Uint8Array, timeoutMs: number): Promise<number> {
    this.ws.send(
      encodeMessage(
        sealCredential({ sharedKey: this.sharedKey, credential, random: this.rng, aead: this.aead }),
      ),
    );
    const m = await new Promise<GatewayResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bandwidth credential: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.textWaiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    if (m.type === 'error') throw new RemoteGatewayError(m.code, m.message);
    if (m.type !== 'bandwidth') throw new Error(`bandwidth credential: unexpected ${m.type}`);
    return m.availableTotal;
  }

  close(): void {
    this.closedByUs = true;
    try {
      this.ws.close(1000, 'client closing');
    } catch {
      // already closed
    }
  }
}

/** Round-trip time of a `supportedProtocol` request, or undefined when it fails. */
export async function probeGateway(
  wsFactory: WebSocketFactory,
  url: string,
  timeoutMs: number,
  now: () => number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const t0 = now();
  let ws: WebSocketLike | undefined;
  try {
    ws = await openWebSocket(wsFactory, url, timeoutMs, signal);
    const sock = ws;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('probe timeout')),
        Math.max(1, timeoutMs - (now() - t0)),
      );
      sock.addEventListener('message', (ev: any) => {
        clearTimeout(timer);
        if (typeof ev.data === 'string') resolve();
        else reject(new Error('unexpected binary answer'));
      });
      sock.addEventListener('close', () => {
        clearTimeout(timer);
        reject(new Error('closed'));
      });
      sock.send(encodeMessage({ type: 'supportedProtocol' }));
    });
    return now() - t0;
  } catch {
    return undefined;
  } finally {
    try {
      ws?.close();
    } catch {
      // ignore
    }
  }
}
