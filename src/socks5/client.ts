/**
 * The SOCKS client: a SOCKS4/4a/5 server on 127.0.0.1:1080 (Nym's default) whose every
 * app connection is a stream to one network requester over the mixnet, all sharing one
 * client core (Nym: common/socks5-client-core/src/socks/{server,mixnet_responses}.rs).
 *
 * Anonymous by default: every Connect and Send is sent with reply SURBs (20 with a Connect,
 * 3 with each Send: Nym's `connection_start_surbs` and `per_request_surbs`), and the
 * requester answers through them, never learning this client's address. With
 * `anonymous = false` the Connect carries the client's address instead (Nym's
 * `send_anonymously = false`).
 *
 * SURB top-up: each answer the requester sends spends one of its SURBs. While answers are
 * flowing, the client keeps its estimate of the requester's stock (SURBs given minus
 * answers received) near `surbStock` by attaching more to a keep-alive Send of an open
 * connection, in batches, before the requester would run out and have to ask (the core
 * also answers such requests: this only saves the round trip).
 *
 * Messages that are not answers from the requester (anything but a reply through our own
 * SURBs when anonymous), that do not decode, or that name a connection this client does
 * not have, are counted drops.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  decodeProviderResponse,
  encodeSocks5ProviderRequest,
  type Recipient,
  type SocketData,
  type Version,
} from './protocol/index.js';
import { ClientConnection, type ConnectionHost, type ConnectionSettings } from './connection.js';
import { DropCounter, silentLog, type ClientLogger } from './protocol/drops.js';

/** What the SOCKS client needs of a running client core (`MixnetClientCore` has it). */
export interface Socks5MixnetPort {
  onMessage(listener: (m: { message: Uint8Array; senderTag?: Uint8Array; kind: string }) => void): () => void;
  send(recipient: Recipient, message: Uint8Array): Promise<void>;
  sendAnonymous(recipient: Recipient, message: Uint8Array, replySurbs: number): Promise<void>;
  readonly address: Recipient;
}

export interface Socks5ClientOptions extends ConnectionSettings {
  readonly port: Socks5MixnetPort;
  /** The network requester's address. */
  readonly provider: Recipient;
  readonly host: string;
  /** 0 for a free port. */
  readonly listenPort: number;
  readonly anonymous: boolean;
  readonly versions: { readonly interface: Version; readonly protocol: Version };
  readonly connectionStartSurbs: number;
  readonly perRequestSurbs: number;
  /** SURBs the client tries to keep at the requester while answers flow (0: no top-up). */
  readonly surbStock: number;
  readonly maxConnections: number;
  readonly log?: ClientLogger;
}

const RECENTLY_CLOSED = 4096;
/** SURBs made for one top-up message (each costs a Sphinx header: keep batches short). */
const TOP_UP_BATCH = 50;
/** Top-up messages on their way at once (the stock estimate counts them as given). */
const MAX_TOP_UPS_IN_FLIGHT = 8;

export class Socks5Client {
  private server: Server | undefined;
  private readonly conns = new Map<bigint, ClientConnection>();
  private readonly sockets = new Set<ClientConnection>();
  private readonly recentlyClosed = new Set<bigint>();
  private readonly unsubscribe: () => void;
  private readonly log: ClientLogger;
  private surbsGiven = 0;
  private answers = 0;
  private lastAnswer = 0;
  private topUpsInFlight = 0;
  readonly drops: DropCounter;
  readonly stats = {
    accepted: 0,
    opened: 0,
    refused: {} as Record<string, number>,
    bytesUp: 0,
    bytesDown: 0,
    answers: 0,
    topUps: 0,
  };

  constructor(private readonly o: Socks5ClientOptions) {
    this.log = o.log ?? silentLog;
    this.drops = new DropCounter(this.log);
    this.unsubscribe = o.port.onMessage((m) => this.onMessage(m));
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  async listen(): Promise<AddressInfo> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.o.host, port: this.o.listenPort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e.message }, 'SOCKS listener error'));
    return server.address() as AddressInfo;
  }

  private accept(s: Socket): void {
    this.stats.accepted++;
    if (this.sockets.size >= this.o.maxConnections) {
      this.drops.drop('too_many_connections', { max: this.o.maxConnections });
      s.destroy();
      return;
    }
    const host: ConnectionHost = {
      settings: this.o,
      newId: () => this.newId(),
      connect: (id, remote) =>
        this.sendRequest({ kind: 'connect', connectionId: id, remoteAddress: remote }, true),
      send: (data) => this.sendRequest({ kind: 'send', data }, false),
      register: (c) => this.conns.set(c.id, c),
      closed: (c) => this.closed(c),
      drops: this.drops,
      log: this.log,
      stats: this.stats,
    };
    this.sockets.add(new ClientConnection(s, host));
  }

  private newId(): bigint {
    for (;;) {
      const id = randomBytes(8).readBigUInt64BE(0);
      if (!this.conns.has(id) && !this.recentlyClosed.has(id)) return id;
    }
  }

  private closed(c: ClientConnection): void {
    this.sockets.delete(c);
    if (this.conns.get(c.id) !== c) return;
    this.conns.delete(c.id);
    this.recentlyClosed.add(c.id);
    if (this.recentlyClosed.size > RECENTLY_CLOSED)
      this.recentlyClosed.delete(this.recentlyClosed.values().next().value as bigint);
  }

  private sendRequest(
    content:
      { kind: 'connect'; connectionId: bigint; remoteAddress: string } | { kind: 'send'; data: SocketData },
    start: boolean,
    extraSurbs = 0,
  ): Promise<void> {
    const o = this.o;
    try {
      if (!o.anonymous) {
        const c = content.kind === 'connect' ? { ...content, returnAddress: o.port.address } : content;
        return o.port.send(o.provider, encodeSocks5ProviderRequest(o.versions, c));
      }
      const surbs = (start ? o.connectionStartSurbs : o.perRequestSurbs) + extraSurbs;
      this.surbsGiven += surbs;
      return o.port.sendAnonymous(o.provider, encodeSocks5ProviderRequest(o.versions, content), surbs);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  // ---------------------------------------------------------------- answers

  private onMessage(m: { message: Uint8Array; senderTag?: Uint8Array; kind: string }): void {
    // anonymous: the requester answers only through our SURBs; else to our address, plainly
    const expected = this.o.anonymous ? 'reply' : 'plain';
    if (m.kind !== expected && !(m.kind === 'reply' && !this.o.anonymous))
      return this.drops.drop('unexpected_sender', { kind: m.kind, len: m.message.length });
    let res;
    try {
      res = decodeProviderResponse(m.message);
    } catch (e) {
      return this.drops.drop((e as { code?: string }).code ?? 'malformed', { err: (e as Error).message });
    }
    if (m.kind === 'reply') this.counted();
    if (res.content.kind === 'control') return; // a top-up vehicle's answer, or unasked for
    const c = res.content.response.content;
    if (c.kind === 'query') return;
    const id = c.kind === 'networkData' ? c.data.connectionId : c.connectionId;
    const conn = this.conns.get(id);
    if (!conn) {
      const code = this.recentlyClosed.has(id) ? 'closed_connection' : 'unknown_connection';
      return this.drops.drop(code, { conn: id.toString() });
    }
    if (c.kind === 'networkData') conn.fromRequester(c.data);
    else conn.connectionError(c.message);
  }

  /** One more answer through our SURBs: top up the requester's stock while they flow. */
  private counted(): void {
    this.answers++;
    this.stats.answers++;
    this.lastAnswer = Date.now();
    this.maybeTopUp();
  }

  /** SURBs the requester should hold now, by our count (given minus answers received). */
  private get stockEstimate(): number {
    return Math.max(0, this.surbsGiven - this.answers);
  }

  private maybeTopUp(): void {
    const target = this.o.surbStock;
    if (!this.o.anonymous || target <= 0) return;
    while (this.topUpsInFlight < MAX_TOP_UPS_IN_FLIGHT && this.stockEstimate <= target - TOP_UP_BATCH) {
      const carrier = [...this.conns.values()].find((c) => c.canCarryKeepalive);
      if (!carrier) return;
      const n = Math.min(TOP_UP_BATCH, target - this.stockEstimate);
      this.topUpsInFlight++;
      this.stats.topUps++;
      void carrier
        .keepaliveWith((data) => this.sendRequest({ kind: 'send', data }, false, n))
        .finally(() => {
          this.topUpsInFlight--;
          // answers still flowing: keep the stock up
          if (Date.now() - this.lastAnswer < 1_000) this.maybeTopUp();
        });
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const c of [...this.sockets]) c.destroy();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
