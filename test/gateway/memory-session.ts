/**
 * An in-memory socket and a gateway context for driving client sessions without sockets:
 * what the session sends is recorded; the test plays the client by calling the session's
 * events. The store is the real SQLite store, in memory.
 */
import crypto from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ClientRegistry, type GatewayContext, type SessionLimits } from '../../src/gateway/context.js';
import { ClientConnection } from '../../src/gateway/fresh.js';
import { GatewayMetrics } from '../../src/gateway/metrics.js';
import { nodeAead } from '../../src/crypto/node.js';
import { finalHopDelivery, type FinalPayload } from '../../src/gateway/delivery.js';
import {
  PROTOCOL_VERSION,
  clientHandshakeFinalized,
  clientHandshakeFinish,
  clientHandshakeStart,
  decodePushedFrame,
  encodeClientRequest,
  identityFromSeed,
  parseGatewayResponse,
  type IdentityKeys,
  type ClientRequest,
  type GatewayResponse,
} from '../../src/gateway/protocol/index.js';
import type { SessionSocket } from '../../src/gateway/session-socket.js';
import { GatewayStore } from '../../src/gateway/store.js';

export const random = (n: number): Uint8Array => new Uint8Array(crypto.randomBytes(n));

export class MemorySocket implements SessionSocket {
  readonly texts: string[] = [];
  readonly binaries: Uint8Array[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Whether the "client" answers pings (a live one does). */
  answersPings = true;
  events: ClientConnection | undefined;
  private read = 0;

  get open(): boolean {
    return !this.closed;
  }
  sendText(text: string): void {
    if (!this.closed) this.texts.push(text);
  }
  sendBinary(data: Uint8Array, done?: (err?: Error) => void): void {
    if (this.closed) return done?.(new Error('closed'));
    this.binaries.push(data.slice());
    queueMicrotask(() => done?.());
  }
  ping(data: Uint8Array): void {
    if (this.answersPings && !this.closed) queueMicrotask(() => this.events?.onPong(data));
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    queueMicrotask(() => this.events?.onClose());
  }

  /** The client side: sends a request. */
  request(m: ClientRequest): void {
    this.events!.onText(encodeClientRequest(m));
  }
  /** Every gateway message not yet read (parsed). */
  take(): GatewayResponse[] {
    const out = this.texts.slice(this.read).map(parseGatewayResponse);
    this.read = this.texts.length;
    return out;
  }
  /** Waits until a message is there (sessions answer asynchronously at times). */
  async next(timeoutMs = 5_000): Promise<GatewayResponse> {
    const t0 = Date.now();
    while (this.texts.length <= this.read) {
      if (Date.now() - t0 > timeoutMs) throw new Error('no message from the session');
      await new Promise((r) => setTimeout(r, 5));
    }
    return parseGatewayResponse(this.texts[this.read++]);
  }
  pushed(key: Uint8Array): Uint8Array[] {
    return this.binaries.map((b) => decodePushedFrame(b, key));
  }
}

export interface SessionRig {
  readonly ctx: GatewayContext;
  readonly store: GatewayStore;
  readonly forwarded: { nextHop: Uint8Array; packet: Uint8Array }[];
  readonly registry: Registry;
  connect(): MemorySocket;
  close(): Promise<void>;
}

export function sessionRig(
  o: { freeBandwidth?: boolean; limits?: Partial<SessionLimits>; storeFile?: string } = {},
): SessionRig {
  const store = new GatewayStore(o.storeFile ?? ':memory:');
  const clients = new ClientRegistry();
  const registry = new Registry();
  const forwarded: { nextHop: Uint8Array; packet: Uint8Array }[] = [];
  const ctx: GatewayContext = {
    identity: identityFromSeed(random(32)),
    store,
    clients,
    freeBandwidth: o.freeBandwidth ?? true,
    forward(nextHop, packet) {
      forwarded.push({ nextHop, packet });
      return true;
    },
    random,
    now: () => Date.now(),
    aead: nodeAead,
    metrics: new GatewayMetrics(registry, () => clients.size),
    limits: {
      initialMessageTimeoutMs: 2_000,
      handshakeTimeoutMs: 500,
      authMaxSkewMs: 120_000,
      pingTimeoutMs: 200,
      inboxBatch: 100,
      maxMessageBytes: 64 * 1024,
      ...o.limits,
    },
    logger: pino({ level: 'silent' }),
  };
  const sockets: MemorySocket[] = [];
  return {
    ctx,
    store,
    forwarded,
    registry,
    connect() {
      const s = new MemorySocket();
      s.events = new ClientConnection(ctx, s);
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.close(1001, 'test over');
      await new Promise((r) => setTimeout(r, 10));
      store.close();
    },
  };
}

/**
 * A client registered through the handshake on `r` (Nym's registerHandshakeInitRequest and
 * the two handshake payloads), its socket still open; `registered` is the gateway's answer.
 */
export async function registerClient(
  r: SessionRig,
  identity: IdentityKeys = identityFromSeed(random(32)),
): Promise<{ socket: MemorySocket; key: Uint8Array; identity: IdentityKeys; registered: GatewayResponse }> {
  const socket = r.connect();
  const start = clientHandshakeStart({ identity, gatewayIdentity: r.ctx.identity.publicKey, random });
  socket.request({ type: 'handshakePayload', protocolVersion: PROTOCOL_VERSION, data: start.init });
  const material = await socket.next();
  if (material.type !== 'handshakePayload') throw new Error(JSON.stringify(material));
  const fin = clientHandshakeFinish(start.state, material.data, random);
  socket.request({ type: 'handshakePayload', protocolVersion: PROTOCOL_VERSION, data: fin.material });
  const done = await socket.next();
  if (done.type !== 'handshakePayload') throw new Error(JSON.stringify(done));
  clientHandshakeFinalized(done.data);
  return { socket, key: fin.sharedKey, identity, registered: await socket.next() };
}

/** The gateway's final-hop delivery on `r`'s clients and store; `sendAck` sees each SURB-ack. */
export function finalHop(
  r: SessionRig,
  sendAck: () => boolean = () => true,
): (packets: readonly FinalPayload[]) => void {
  return finalHopDelivery({
    clients: r.ctx.clients,
    store: () => r.store,
    sendAck,
    drop: () => undefined,
    metrics: r.ctx.metrics,
    now: () => Date.now(),
  });
}
