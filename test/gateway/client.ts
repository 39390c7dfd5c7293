/** A minimal gateway client for tests, built only from the pure protocol codecs (Nym's v5). */
import crypto from 'node:crypto';
import WebSocket from 'ws';
import {
  PACKET_TYPE_SPHINX,
  PROTOCOL_VERSION,
  clientHandshakeFinalized,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodePushedFrame,
  encodeClientRequest,
  encodeForwardFrame,
  encodeMixPacket,
  identityFromSeed,
  openSensitiveResponse,
  parseGatewayResponse,
  sealSensitiveRequest,
  type ClientRequest,
  type GatewayResponse,
  type IdentityKeys,
} from '../../src/gateway/protocol/index.js';

export const random = (n: number): Uint8Array => new Uint8Array(crypto.randomBytes(n));

export function newIdentity(): IdentityKeys {
  return identityFromSeed(random(32));
}

export interface ConnectOptions {
  autoPong?: boolean;
  ca?: string;
  /** Local address to connect from (another 127.0.0.x is another peer). */
  localAddress?: string;
}

export class TestClient {
  readonly received: Uint8Array[] = [];
  /** Every text message, `send` answers included. */
  readonly responses: GatewayResponse[] = [];
  sharedKey: Uint8Array | null = null;
  /** Binary frames received, whether or not they could be opened. */
  binaryFrames = 0;
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.binaryFrames++;
        // a socket without the key (a thief's) only counts what it is sent
        if (this.sharedKey) this.received.push(decodePushedFrame(data, this.sharedKey));
      } else this.responses.push(parseGatewayResponse(data.toString('utf8')));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * `autoPong: false` makes a socket that never answers the gateway's pings (a dead client);
   * `ca` is the certificate a `wss` URL is checked against.
   */
  static async connect(url: string, opts: ConnectOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, {
      autoPong: opts.autoPong ?? true,
      ca: opts.ca,
      localAddress: opts.localAddress,
    });
    const c = new TestClient(ws);
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    return c;
  }

  /** Registers (Nym's handshake); with `claim`, claims free bandwidth afterwards. */
  static async register(
    url: string,
    identity: IdentityKeys,
    gatewayIdentity: Uint8Array,
    opts: ConnectOptions & { claim?: boolean } = {},
  ): Promise<TestClient> {
    const c = await TestClient.connect(url, opts);
    const { state, init } = clientHandshakeStart({ identity, gatewayIdentity, random });
    c.request({ type: 'handshakePayload', protocolVersion: PROTOCOL_VERSION, data: init });
    const material = await c.next();
    if (material.type !== 'handshakePayload')
      throw new Error(`expected handshakePayload, got ${JSON.stringify(material)}`);
    const fin = clientHandshakeFinish(state, material.data, random);
    c.sharedKey = fin.sharedKey;
    c.request({ type: 'handshakePayload', protocolVersion: PROTOCOL_VERSION, data: fin.material });
    const done = await c.next();
    if (done.type !== 'handshakePayload')
      throw new Error(`expected finalization, got ${JSON.stringify(done)}`);
    clientHandshakeFinalized(done.data);
    const reg = await c.next();
    if (reg.type !== 'register' || !reg.status)
      throw new Error(`expected register, got ${JSON.stringify(reg)}`);
    if (opts.claim) {
      c.request({ type: 'claimFreeTestnetBandwidth' });
      const b = await c.next();
      if (b.type !== 'bandwidth') throw new Error(`expected bandwidth, got ${JSON.stringify(b)}`);
    }
    return c;
  }

  static async authenticate(
    url: string,
    identity: IdentityKeys,
    sharedKey: Uint8Array,
    nowMs = Date.now(),
    opts: ConnectOptions = {},
  ): Promise<{ client: TestClient; response: GatewayResponse }> {
    const c = await TestClient.connect(url, opts);
    c.sharedKey = sharedKey;
    c.request(createAuthenticateRequest({ identity, sharedKey, nowMs, random }));
    return { client: c, response: await c.next() };
  }

  /**
   * Proves possession of the shared key on this connection with a sealed RememberMe (the
   * gateway pushes stored messages to an authenticated socket only after such a proof).
   */
  async prove(): Promise<void> {
    this.request(
      sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, this.sharedKey!, random),
    );
    const r = await this.next();
    if (r.type !== 'encryptedResponse' || openSensitiveResponse(r, this.sharedKey!) !== 'RememberMeAck')
      throw new Error(`expected RememberMeAck, got ${JSON.stringify(r)}`);
  }

  request(m: ClientRequest): void {
    this.ws.send(encodeClientRequest(m));
  }

  /** Sends a mix packet (to its first hop, a 32-byte Sphinx node address) in a ForwardSphinxV2 frame. */
  sendPacket(nextHop: Uint8Array, packet: Uint8Array, keyRotation?: number): void {
    const pt = encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, keyRotation, nextHop, packet });
    this.ws.send(encodeForwardFrame(this.sharedKey!, random(12), pt));
  }

  private consumed = 0;
  /** The next text message not yet returned; `send` answers are skipped unless asked for. */
  async next(timeoutMs = 10_000, opts: { sends?: boolean } = {}): Promise<GatewayResponse> {
    const t0 = Date.now();
    for (;;) {
      while (this.responses.length > this.consumed) {
        const r = this.responses[this.consumed++];
        if (r.type !== 'send' || opts.sends) return r;
      }
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}) while waiting for a response`);
      if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting for a response');
      await this.wait(100);
    }
  }

  async waitReceived(n: number, timeoutMs = 15_000): Promise<void> {
    const t0 = Date.now();
    while (this.received.length < n) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`received ${this.received.length}/${n}`);
      await this.wait(100);
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<number> {
    const t0 = Date.now();
    while (this.closeCode === null) {
      if (Date.now() - t0 > timeoutMs) throw new Error('not closed');
      await this.wait(100);
    }
    return this.closeCode;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
