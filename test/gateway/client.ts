/** A minimal gateway client for tests, built only from the pure protocol codecs. */
import crypto from 'node:crypto';
import WebSocket from 'ws';
import {
  FRAME_KIND_FORWARD,
  FRAME_KIND_RECEIVED,
  PACKET_TYPE_SPHINX,
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  decodeFrame,
  encodeFrame,
  encodeMessage,
  encodeMixPacket,
  identityFromSeed,
  parseGatewayResponse,
  type ClientRequest,
  type GatewayResponse,
  type IdentityKeys,
} from '../../src/gateway/protocol/index.js';

export const random = (n: number): Uint8Array => new Uint8Array(crypto.randomBytes(n));

export function newIdentity(): IdentityKeys {
  return identityFromSeed(random(32));
}

export class TestClient {
  readonly received: Uint8Array[] = [];
  readonly responses: GatewayResponse[] = [];
  sharedKey: Uint8Array | null = null;
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const f = decodeFrame(data, this.sharedKey!);
        if (f.kind === FRAME_KIND_RECEIVED) this.received.push(f.plaintext);
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

  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    const c = new TestClient(ws);
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    return c;
  }

  static async register(
    url: string,
    identity: IdentityKeys,
    gatewayIdentity: Uint8Array,
  ): Promise<TestClient> {
    const c = await TestClient.connect(url);
    const { state, message } = clientHandshakeStart({ identity, gatewayIdentity, random });
    c.request(message);
    const resp = await c.next();
    if (resp.type !== 'handshakeResponse')
      throw new Error(`expected handshakeResponse, got ${JSON.stringify(resp)}`);
    const fin = clientHandshakeFinish(state, resp, random);
    c.sharedKey = fin.sharedKey;
    c.request(fin.message);
    const reg = await c.next();
    if (reg.type !== 'register') throw new Error(`expected register, got ${JSON.stringify(reg)}`);
    return c;
  }

  static async authenticate(
    url: string,
    identity: IdentityKeys,
    sharedKey: Uint8Array,
    nowMs = Date.now(),
  ): Promise<{ client: TestClient; response: GatewayResponse }> {
    const c = await TestClient.connect(url);
    c.sharedKey = sharedKey;
    c.request(createAuthenticateRequest({ identity, sharedKey, nowMs, random }));
    return { client: c, response: await c.next() };
  }

  request(m: ClientRequest): void {
    this.ws.send(encodeMessage(m));
  }

  /** Sends a mix packet (to its first hop) in an encrypted forward frame. */
  sendPacket(nextHop: Uint8Array, packet: Uint8Array): void {
    const pt = encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, nextHop, packet });
    this.ws.send(encodeFrame(FRAME_KIND_FORWARD, this.sharedKey!, random(12), pt));
  }

  private consumed = 0;
  /** The next text response not yet returned. */
  async next(timeoutMs = 10_000): Promise<GatewayResponse> {
    const t0 = Date.now();
    while (this.responses.length <= this.consumed) {
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}) while waiting for a response`);
      if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting for a response');
      await this.wait(100);
    }
    return this.responses[this.consumed++];
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
