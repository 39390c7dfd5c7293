/**
 * One websocket session with the client's gateway, in Nym's client protocol v5 (what
 * Nym's common/client-libs/gateway-client/src/client/mod.rs does): `supportedProtocol`
 * first; the registration handshake on first contact, `authenticateV2` with the stored
 * shared key afterwards; free bandwidth claimed when the gateway grants it (for a client
 * without credentials), or Coconut credentials shown by the caller; ForwardSphinxV2
 * frames out, pushed messages in. The codecs are src/gateway/protocol's.
 *
 * Nymph's client announces protocol 5 in its handshake and authenticateV2 (Nym's announces
 * 3 and 4 there), so that a v5 gateway agrees to ForwardSphinxV2 frames.
 *
 * With `receipts`, the session asks for delivery receipts (a Nymph extension,
 * gateway/protocol/messages.ts) and confirms binary frames by their count once
 * `onReceived` has returned for them (the caller made them durable by then); a gateway that
 * does not know the request (Nym's) answers an error and the session goes on without.
 */
import {
  AEAD_NONCE_SIZE,
  DELIVERY_RECEIPTS_VERSION,
  HandshakeError,
  HandshakeRemoteError,
  PROTOCOL_VERSION,
  RemoteGatewayError,
  UnsupportedGatewayProtocolError,
  clientHandshakeFinalized,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodePushedFrame,
  encodeClientRequest,
  encodeForwardFrame,
  parseGatewayResponse,
  sealCredential,
  sealSensitiveRequest,
  type Aead,
  type ClientRequest,
  type GatewayResponse,
  type RemoteErrorCode,
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
  /**
   * Claim free bandwidth (`claimFreeTestnetBandwidth`) when low: for a client without
   * credentials. Connecting fails with code `free_bandwidth_disabled` when the gateway
   * grants none and the client has nothing left.
   */
  readonly claimFreeBandwidth?: boolean;
  readonly wsFactory: WebSocketFactory;
  readonly rng: RandomBytes;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly aead?: Aead;
  readonly signal?: AbortSignal;
  /** Ask for delivery receipts (see the file comment). */
  readonly receipts?: boolean;
}

/** What the session reports besides delivered messages. */
export type SessionNotice =
  | { readonly type: 'error'; readonly code: RemoteErrorCode; readonly message: string }
  | { readonly type: 'bandwidth'; readonly availableTotal: number };

export interface SessionEvents {
  /**
   * A delivered message (final payload without its SURB-ack). With receipts, the frame is
   * confirmed to the gateway once this returns: what must be kept is kept by then.
   */
  onReceived(plaintext: Uint8Array): void;
  /** An error or bandwidth report from the gateway after the handshake. */
  onText(msg: SessionNotice): void;
  /** The socket closed; `clean` when we closed it. */
  onClose(clean: boolean, reason: string): void;
}

/** A receipt goes out after this many handled frames, or this long after the first unconfirmed one. */
const RECEIPT_EVERY_FRAMES = 32;
const RECEIPT_DELAY_MS = 10;

/** Below this, a client without credentials claims free bandwidth (Nym claims below its threshold). */
const FREE_CLAIM_BELOW = 1024 * 1024 * 1024;

/** The last authenticateV2 second per identity: two in the same second would be a replay. */
const lastAuthSeconds = new WeakMap<ClientKeys, number>();

function noticeOf(m: GatewayResponse): SessionNotice | undefined {
  if (m.type === 'error')
    return { type: 'error', code: new RemoteGatewayError(m.message).code, message: m.message };
  if (m.type === 'typedError')
    return m.error.kind === 'outOfBandwidth'
      ? {
          type: 'error',
          code: 'out_of_bandwidth',
          message: `out of bandwidth: ${m.error.available} bytes left, ${m.error.required} needed`,
        }
      : { type: 'error', code: 'credential_spent', message: 'ticket replay' };
  if (m.type === 'bandwidth') return { type: 'bandwidth', availableTotal: m.availableTotal };
  return undefined;
}

function remoteError(m: GatewayResponse): RemoteGatewayError | undefined {
  const n = noticeOf(m);
  return n?.type === 'error' ? new RemoteGatewayError(n.message, n.code) : undefined;
}

/** Text messages of a socket, one at a time, while the session is being set up. */
class SetupReader {
  private readonly pending: (GatewayResponse | Error)[] = [];
  private waiter: ((m: GatewayResponse | Error) => void) | undefined;
  /** binary frames that arrive early (stored messages pushed right after authentication) */
  readonly early: unknown[] = [];
  /** `early` frames from this index on came after the gateway turned receipts on */
  receiptsFrom = Infinity;
  private readonly onMessage = (ev: { data: unknown }) => {
    if (typeof ev.data !== 'string') return void this.early.push(ev.data);
    let m: GatewayResponse | Error;
    try {
      m = parseGatewayResponse(ev.data);
    } catch (e) {
      m = e as Error;
    }
    if (!(m instanceof Error) && m.type === 'deliveryReceipts') this.receiptsFrom = this.early.length;
    this.push(m);
  };
  private readonly onClose = (ev: { code?: number; reason?: string }) =>
    this.push(new Error(`gateway closed the connection (${ev?.code ?? ''} ${ev?.reason ?? ''})`.trim()));

  constructor(
    private readonly ws: WebSocketLike,
    private readonly timeoutMs: number,
  ) {
    ws.addEventListener('message', this.onMessage);
    ws.addEventListener('close', this.onClose);
  }

  private push(m: GatewayResponse | Error): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(m);
    } else this.pending.push(m);
  }

  /** The next text message; `send` responses are skipped (Nym: "first non-send response"). */
  next(step: string): Promise<GatewayResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${step}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const take = (m: GatewayResponse | Error) => {
        if (!(m instanceof Error) && m.type === 'send') {
          this.waiter = take;
          return;
        }
        clearTimeout(timer);
        if (m instanceof Error) reject(m);
        else resolve(m);
      };
      const first = this.pending.shift();
      if (first) take(first);
      else this.waiter = take;
    });
  }

  detach(): void {
    this.ws.removeEventListener('message', this.onMessage);
    this.ws.removeEventListener('close', this.onClose);
  }
}

export class GatewaySession {
  private closedByUs = false;
  private readonly textWaiters: ((m: GatewayResponse) => void)[] = [];
  private events: SessionEvents | undefined;
  /** frames that arrived before `attach` (with their receipt number, 0 when not counted) */
  private backlog: [Uint8Array | undefined, number][] = [];
  /** Receipts are on: binary frames from then on are counted and confirmed. */
  private receiptsOn = false;
  private framesCounted = 0;
  private framesHandled = 0;
  private receiptSent = 0;
  private receiptTimer: ReturnType<typeof setTimeout> | undefined;
  private claiming = false;
  bandwidthRemaining = 0;
  /** true when this session registered (first contact) rather than re-authenticated */
  registered = false;
  /** The gateway grants `claimFreeTestnetBandwidth` (false once it refused). */
  freeBandwidthOffered = true;
  /** Protocol version agreed with the gateway. */
  negotiatedProtocol = PROTOCOL_VERSION;
  framesIn = 0;
  badFrames = 0;

  private constructor(
    private readonly ws: WebSocketLike,
    readonly sharedKey: Uint8Array,
    private readonly rng: RandomBytes,
    private readonly aead: Aead | undefined,
    private readonly claimFree: boolean,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WS_OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  static async connect(o: SessionOptions): Promise<GatewaySession> {
    try {
      return await GatewaySession.attempt(o);
    } catch (e) {
      // an authenticateV2 in the same second as the last one (another process of this
      // client, or a clock step) is taken for a replay: the next second is fresh
      if ((e as { code?: string }).code !== 'replayed_request' || o.signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, 1000 - (o.now() % 1000) + 10));
      lastAuthSeconds.set(o.keys, Math.floor(o.now() / 1000));
      return GatewaySession.attempt(o);
    }
  }

  private static async attempt(o: SessionOptions): Promise<GatewaySession> {
    const ws = await openWebSocket(o.wsFactory, o.url, o.timeoutMs, o.signal).catch((e) => {
      if (o.signal?.aborted) throw new AbortedError('gateway connect');
      throw new GatewayConnectError(o.url, (e as Error).message);
    });
    const reader = new SetupReader(ws, o.timeoutMs);
    const send = (m: ClientRequest) => ws.send(encodeClientRequest(m));
    const expect = async <T extends GatewayResponse['type']>(step: string, type: T) => {
      const m = await reader.next(step);
      if (m.type === type) return m as Extract<GatewayResponse, { type: T }>;
      throw remoteError(m) ?? new Error(`${step}: unexpected ${m.type}`);
    };
    try {
      send({ type: 'supportedProtocol' });
      const { version } = await expect('supportedProtocol', 'supportedProtocol');
      if (version > PROTOCOL_VERSION) throw new UnsupportedGatewayProtocolError(version, PROTOCOL_VERSION);
      // GCM-SIV keys (3) and authenticateV2 (4) are what this client speaks
      if (version < 4) throw new Error(`gateway protocol ${version} is older than 4 (authenticateV2)`);

      let sharedKey: Uint8Array;
      let registered = false;
      let bandwidth = 0;
      let negotiated: number | undefined;
      if (o.sharedKey) {
        const nowSeconds = Math.floor(o.now() / 1000);
        const ts = Math.max(nowSeconds, (lastAuthSeconds.get(o.keys) ?? 0) + 1);
        lastAuthSeconds.set(o.keys, ts);
        send(
          createAuthenticateRequest({
            identity: { secretKey: o.keys.identitySecret, publicKey: o.keys.identityPublic },
            sharedKey: o.sharedKey,
            nowMs: o.now(),
            timestampSeconds: ts,
            protocolVersion: PROTOCOL_VERSION,
            random: o.rng,
            aead: o.aead,
          }),
        );
        const r = await expect('authenticate', 'authenticate');
        if (!r.status) throw new Error('authenticate: the gateway answered status false');
        sharedKey = o.sharedKey;
        bandwidth = r.bandwidthRemaining;
        negotiated = r.protocolVersion;
      } else {
        sharedKey = await GatewaySession.register(o, reader, send);
        const reg = await expect('register', 'register');
        if (!reg.status) throw new Error('register: the gateway answered status false');
        registered = true;
        negotiated = reg.protocolVersion;
      }
      if (negotiated !== undefined && negotiated > PROTOCOL_VERSION)
        throw new UnsupportedGatewayProtocolError(negotiated, PROTOCOL_VERSION);

      const s = new GatewaySession(ws, sharedKey, o.rng, o.aead, o.claimFreeBandwidth ?? false);
      s.registered = registered;
      s.bandwidthRemaining = bandwidth;
      s.negotiatedProtocol = negotiated ?? 1;
      if (s.claimFree && bandwidth < FREE_CLAIM_BELOW) {
        send({ type: 'claimFreeTestnetBandwidth' });
        const m = await reader.next('claimFreeTestnetBandwidth');
        if (m.type === 'bandwidth') s.bandwidthRemaining = m.availableTotal;
        else {
          const err = remoteError(m) ?? new Error(`claimFreeTestnetBandwidth: unexpected ${m.type}`);
          if ((err as { code?: string }).code !== 'free_bandwidth_disabled' || bandwidth === 0) throw err;
          s.freeBandwidthOffered = false;
        }
      }
      if (o.receipts) {
        send({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
        // a gateway without them (Nym's) answers an error: go on without
        const m = await reader.next('deliveryReceipts');
        s.receiptsOn = m.type === 'deliveryReceipts' && m.version === DELIVERY_RECEIPTS_VERSION;
      }
      reader.detach();
      reader.early.forEach((d, i) => s.handleMessage(d, s.receiptsOn && i >= reader.receiptsFrom));
      ws.addEventListener('message', (ev: { data: unknown }) => s.handleMessage(ev.data, s.receiptsOn));
      ws.addEventListener('close', (ev: { code?: number; reason?: string }) =>
        s.events?.onClose(s.closedByUs, `${ev?.code ?? ''} ${ev?.reason ?? ''}`.trim()),
      );
      ws.addEventListener('error', () => {});
      // after authenticateV2 the gateway pushes messages only once this socket shows the key
      // (a captured authenticate frame gets nothing): a sealed RememberMe shows it at once
      if (!registered)
        ws.send(
          encodeClientRequest(
            sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, sharedKey, o.rng, o.aead),
          ),
        );
      return s;
    } catch (e) {
      reader.detach();
      try {
        ws.close();
      } catch {
        // closing a dead socket
      }
      const code = (e as { code?: string }).code;
      throw Object.assign(new GatewayConnectError(o.url, (e as Error).message), { code });
    }
  }

  /** Nym's client side of the registration handshake; returns the shared key. */
  private static async register(
    o: SessionOptions,
    reader: SetupReader,
    send: (m: ClientRequest) => void,
  ): Promise<Uint8Array> {
    const step = async (name: string) => {
      // only handshake messages count during the handshake (Nym drops the rest)
      for (;;) {
        const m = await reader.next(name);
        if (m.type === 'handshakePayload') return m.data;
        if (m.type === 'handshakeError') throw new HandshakeRemoteError(m.message);
        const err = remoteError(m);
        if (err) throw err;
      }
    };
    const payload = (data: Uint8Array) =>
      send({ type: 'handshakePayload', protocolVersion: PROTOCOL_VERSION, data });
    const identity = { secretKey: o.keys.identitySecret, publicKey: o.keys.identityPublic };
    const start = clientHandshakeStart({ identity, gatewayIdentity: o.gatewayIdentity, random: o.rng });
    payload(start.init);
    const material = await step('handshake');
    let fin: { sharedKey: Uint8Array; material: Uint8Array };
    try {
      fin = clientHandshakeFinish(start.state, material, o.rng, o.aead);
    } catch (e) {
      // Nym's client tells the gateway why it gives up
      if (e instanceof HandshakeError) send({ type: 'handshakeError', message: e.handshakeText });
      throw e;
    }
    payload(fin.material);
    clientHandshakeFinalized(await step('handshake finalization'));
    return fin.sharedKey;
  }

  /** Whether the gateway confirmed delivery receipts for this session. */
  get receipts(): boolean {
    return this.receiptsOn;
  }

  attach(events: SessionEvents): void {
    this.events = events;
    const b = this.backlog;
    this.backlog = [];
    for (const [p, n] of b) this.deliver(p, n);
  }

  /** `counted`: a binary frame after receipts began (every one counts, even a bad one). */
  private handleMessage(data: unknown, counted: boolean): void {
    if (typeof data === 'string') return this.handleText(data);
    const n = counted ? ++this.framesCounted : 0;
    const bytes = toBytes(data);
    let message: Uint8Array | undefined;
    try {
      if (bytes) message = decodePushedFrame(bytes, this.sharedKey, this.aead);
    } catch {
      this.badFrames++;
    }
    if (message) this.framesIn++;
    if (this.events) this.deliver(message, n);
    else this.backlog.push([message, n]);
  }

  /** Hands a frame on; a counted one is confirmed once that returned (frames come in order). */
  private deliver(message: Uint8Array | undefined, n: number): void {
    if (message) this.events!.onReceived(message);
    if (n === 0) return;
    this.framesHandled = n;
    if (n - this.receiptSent >= RECEIPT_EVERY_FRAMES) this.sendReceipt();
    else this.receiptTimer ??= setTimeout(() => this.sendReceipt(), RECEIPT_DELAY_MS);
  }

  private sendReceipt(): void {
    clearTimeout(this.receiptTimer);
    this.receiptTimer = undefined;
    if (this.framesHandled <= this.receiptSent || !this.open) return;
    this.receiptSent = this.framesHandled;
    this.ws.send(encodeClientRequest({ type: 'received', count: this.receiptSent }));
  }

  private handleText(text: string): void {
    let m: GatewayResponse;
    try {
      m = parseGatewayResponse(text);
    } catch {
      this.badFrames++;
      return;
    }
    // every forwarded packet is answered with the remaining bandwidth
    if (m.type === 'send') {
      this.bandwidthRemaining = m.remainingBandwidth;
      return;
    }
    if (m.type === 'bandwidth') this.bandwidthRemaining = m.availableTotal;
    if (m.type === 'typedError' && m.error.kind === 'outOfBandwidth') {
      this.bandwidthRemaining = m.error.available;
      if (this.claimFree && this.freeBandwidthOffered) this.claimFreeAgain();
    } else if (m.type === 'bandwidth' || m.type === 'error') {
      // a pending request takes its answer (packet errors are typedErrors or come unasked)
      const w = this.textWaiters.shift();
      if (w) return w(m);
    }
    const n = noticeOf(m);
    if (n) this.events?.onText(n);
  }

  private claimFreeAgain(): void {
    if (this.claiming) return;
    this.claiming = true;
    this.request({ type: 'claimFreeTestnetBandwidth' }, 30_000)
      .then((m) => {
        if (m.type !== 'bandwidth') this.freeBandwidthOffered = false;
      })
      .catch(() => undefined)
      .finally(() => {
        this.claiming = false;
      });
  }

  private request(m: ClientRequest, timeoutMs: number): Promise<GatewayResponse> {
    this.ws.send(encodeClientRequest(m));
    return new Promise<GatewayResponse>((resolve, reject) => {
      const waiter = (r: GatewayResponse) => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        const i = this.textWaiters.indexOf(waiter);
        if (i >= 0) this.textWaiters.splice(i, 1);
        reject(new Error(`${m.type}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.textWaiters.push(waiter);
    });
  }

  /** Send one mix packet (encoded v2 bytes: packet type ‖ key rotation ‖ next hop ‖ packet). */
  sendMixPacket(mixPacket: Uint8Array): void {
    this.ws.send(encodeForwardFrame(this.sharedKey, this.rng(AEAD_NONCE_SIZE), mixPacket, this.aead));
  }

  /** Show a bandwidth credential (Coconut, Nym's bandwidthCredential); resolves with the new total. */
  async sendCredential(credential: Uint8Array, timeoutMs: number): Promise<number> {
    const m = await this.request(
      sealCredential({ sharedKey: this.sharedKey, credential, random: this.rng, aead: this.aead }),
      timeoutMs,
    );
    const err = remoteError(m);
    if (err) throw err;
    if (m.type !== 'bandwidth') throw new Error(`bandwidth credential: unexpected ${m.type}`);
    return m.availableTotal;
  }

  close(): void {
    this.closedByUs = true;
    clearTimeout(this.receiptTimer);
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
      sock.addEventListener('message', (ev: { data: unknown }) => {
        clearTimeout(timer);
        if (typeof ev.data === 'string') resolve();
        else reject(new Error('unexpected binary answer'));
      });
      sock.addEventListener('close', () => {
        clearTimeout(timer);
        reject(new Error('closed'));
      });
      sock.send(encodeClientRequest({ type: 'supportedProtocol' }));
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
