/**
 * The network requester: a service provider on the mixnet that opens TCP connections for
 * anonymous clients (Nym: service-providers/network-requester/src/core.rs,
 * `NRServiceProvider`, and service-providers/common/src/lib.rs for control requests).
 *
 * For each message its client core delivers:
 *   - it decodes the provider request (src/socks5/protocol); what does not decode is a
 *     counted drop, logged once per kind;
 *   - Connect: the return path is the request's return address if it has one, else the
 *     sender tag (replies through its SURBs); neither is a drop. Then the limits
 *     (connections per sender and in all), the filter (./filter.ts), and the TCP connect
 *     (./connection.ts); a refusal or failure is a ConnectionError and a closed stream;
 *   - Send: to its connection, if the message comes from that connection's owner (else a
 *     drop); a Send for a connection not (yet) known waits up to `unknownGraceMs` for its
 *     Connect (the mixnet reorders), then is answered "unknown connection" (a restarted
 *     requester's clients learn this way that their streams are gone);
 *   - Query and control requests are answered through the sender's SURBs.
 * Answers use the request's own interface and protocol versions.
 *
 * Idle connections (nothing either way for `idleTimeoutMs`, Nym's MIX_TTL of 5 minutes)
 * are closed with an "idle timeout" error.
 */
import { base58 } from '@scure/base';
import { recipientToString } from '../nymsphinx/addressing.js';
import {
  PROVIDER_INTERFACE_VERSION,
  SOCKS5_PROTOCOL_VERSION,
  connectionErrorMessage,
  decodeProviderRequest,
  encodeProviderResponse,
  parseRemoteAddress,
  versionToJson,
  type BinaryInformation,
  type ConnectionErrorKind,
  type ControlRequest,
  type ControlResponse,
  type QueryRequest,
  type QueryResponse,
  type Recipient,
  type RemoteAddress,
  type SocketData,
  type Socks5ResponseContent,
  type Version,
} from '../socks5/protocol/index.js';
import { ProxyConnection, type ConnectionLimits } from './connection.js';
import type { RequestFilter } from './filter.js';
import { DropCounter, silentLog, type RequesterLogger } from '../socks5/protocol/drops.js';
import { Outbox, type InboundMessage, type MixnetPort, type ReturnPath } from './outbox.js';

export interface RequesterOptions extends ConnectionLimits {
  readonly port: MixnetPort;
  readonly filter: RequestFilter;
  readonly maxConnectionsPerSender: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  /** How long Sends for an unknown connection wait for its Connect. */
  readonly unknownGraceMs: number;
  /** Messages handed to the client core again after a failed delivery. */
  readonly maxResends: number;
  /** Answer to a Description query. */
  readonly description: string;
  readonly binaryInfo: BinaryInformation;
  readonly log?: RequesterLogger;
}

interface Versions {
  readonly interface: Version;
  readonly protocol: Version;
}

interface PendingSends {
  readonly owner: string;
  readonly path?: ReturnPath;
  readonly since: number;
  readonly items: SocketData[];
  bytes: number;
}

/** The owner of Sends that carry no sender tag. */
const PLAIN = 'plain';

/**
 * Whether Sends from `sender` belong to a connection owned by `owner`: the same sender tag,
 * or, for a connection whose Connect carried a return address, Sends without a tag (Nym's
 * mix-fetch and non-anonymous SOCKS clients send their data plainly: wasm/mix-fetch
 * client.rs `send_socks_data`, `InputMessage::new_regular`). The mixnet reorders, so such a
 * plain Send may arrive before its Connect and wait in `pending` under PLAIN.
 */
function ownsSends(owner: string, sender: string): boolean {
  return sender === owner || (sender === PLAIN && owner.startsWith('address:'));
}

const MAX_PENDING_IDS_PER_SENDER = 16;
const MAX_PENDING_ITEMS = 64;
const RECENTLY_CLOSED = 4096;

export class NetworkRequester {
  private readonly conns = new Map<bigint, ProxyConnection>();
  private readonly connVersions = new Map<bigint, Versions>();
  private readonly perOwner = new Map<string, number>();
  private readonly outboxes = new Map<string, { box: Outbox; conns: number; lastUse: number }>();
  private readonly pending = new Map<bigint, PendingSends>();
  private readonly recentlyClosed = new Set<bigint>();
  private readonly log: RequesterLogger;
  private readonly unsubscribe: () => void;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private stopped = false;
  readonly drops: DropCounter;
  readonly stats = { messages: 0, connects: 0, connected: 0, refused: 0, failed: 0, queries: 0, control: 0 };

  constructor(private readonly o: RequesterOptions) {
    this.log = o.log ?? silentLog;
    this.drops = new DropCounter(this.log);
    this.unsubscribe = o.port.onMessage((m) => this.onMessage(m));
    this.sweeper = setInterval(() => this.sweep(), 500);
    this.sweeper.unref();
  }

  get activeConnections(): number {
    return this.conns.size;
  }

  // ---------------------------------------------------------------- incoming

  private onMessage(m: InboundMessage): void {
    if (this.stopped) return;
    this.stats.messages++;
    let req;
    try {
      req = decodeProviderRequest(m.message);
    } catch (e) {
      return this.drops.drop((e as { code?: string }).code ?? 'malformed', {
        len: m.message.length,
        err: (e as Error).message,
      });
    }
    const tagPath = m.senderTag ? this.tagPath(m.senderTag) : undefined;
    if (req.content.kind === 'control')
      return this.onControl(req.interfaceVersion, req.content.request, tagPath);
    const versions = { interface: req.interfaceVersion, protocol: req.content.request.protocolVersion };
    const c = req.content.request.content;
    switch (c.kind) {
      case 'connect': {
        const path = c.returnAddress ? this.addressPath(c.returnAddress) : tagPath;
        if (!path) return this.drops.drop('no_return_path', { conn: c.connectionId.toString() });
        // a connect failure is answered inside; anything else is a bug worth a log, not a crash
        return void this.onConnect(c.connectionId, c.remoteAddress, path, versions).catch((e: Error) =>
          this.log.error({ conn: c.connectionId.toString(), err: e.message }, 'connect handling failed'),
        );
      }
      case 'send':
        return this.onSend(c.data, tagPath, versions);
      case 'query':
        return this.onQuery(versions, c.query, tagPath);
    }
  }

  private tagPath(tag: Uint8Array): ReturnPath {
    return { kind: 'tag', key: `tag:${base58.encode(tag)}`, tag };
  }

  private addressPath(r: Recipient): ReturnPath {
    return { kind: 'address', key: `address:${recipientToString(r)}`, recipient: r };
  }

  private outbox(path: ReturnPath): Outbox {
    let e = this.outboxes.get(path.key);
    if (!e) {
      e = { box: new Outbox(this.o.port, path, this.o.maxResends), conns: 0, lastUse: Date.now() };
      this.outboxes.set(path.key, e);
    }
    e.lastUse = Date.now();
    return e.box;
  }

  private respond(
    path: ReturnPath,
    v: Versions,
    content: Socks5ResponseContent,
    done?: (e?: Error) => void,
  ): void {
    const bytes = encodeProviderResponse({
      interfaceVersion: v.interface,
      content: { kind: 'providerData', response: { protocolVersion: v.protocol, content } },
    });
    this.outbox(path).push(bytes, done);
  }

  private refuse(path: ReturnPath, v: Versions, id: bigint, kind: ConnectionErrorKind, detail: string): void {
    this.respond(path, v, {
      kind: 'connectionError',
      connectionId: id,
      message: connectionErrorMessage(kind, detail),
    });
    // Nym's clients close on the stream closing at sequence 0, not on the error
    this.respond(path, v, {
      kind: 'networkData',
      data: { connectionId: id, seq: 0n, localClosed: true, data: new Uint8Array(0) },
    });
    this.forget(id);
  }

  private async onConnect(id: bigint, remoteText: string, path: ReturnPath, v: Versions): Promise<void> {
    this.stats.connects++;
    const existing = this.conns.get(id);
    if (existing) {
      if (existing.owner !== path.key)
        this.drops.drop('foreign_sender', { conn: id.toString(), what: 'connect' });
      else this.drops.drop('duplicate_connect', { conn: id.toString() });
      return;
    }
    const waiting = this.pending.get(id);
    if (waiting && !ownsSends(path.key, waiting.owner)) {
      this.pending.delete(id);
      this.drops.drop('foreign_sender', { conn: id.toString(), what: 'connect' });
    }
    let remote: RemoteAddress;
    try {
      remote = parseRemoteAddress(remoteText);
    } catch (e) {
      this.stats.refused++;
      return this.refuse(path, v, id, 'invalid', (e as Error).message);
    }
    const owned = this.perOwner.get(path.key) ?? 0;
    if (owned >= this.o.maxConnectionsPerSender || this.conns.size >= this.o.maxConnections) {
      this.stats.refused++;
      const which = owned >= this.o.maxConnectionsPerSender ? 'per sender' : 'in all';
      this.log.info({ conn: id.toString(), owned }, `connection limit (${which}) reached`);
      return this.refuse(path, v, id, 'limit', `too many connections ${which}`);
    }
    const conn = new ProxyConnection(id, path.key, remote, {
      limits: this.o,
      send: (content, done) => this.respond(path, v, content, done),
      closed: (c) => this.onClosed(c),
      drops: this.drops,
      log: this.log,
    });
    this.conns.set(id, conn);
    this.connVersions.set(id, v);
    this.perOwner.set(path.key, owned + 1);
    this.outbox(path);
    this.outboxes.get(path.key)!.conns++;
    for (const d of this.takePending(id, path.key)) conn.fromClient(d);
    const decision = await this.o.filter.check(remote);
    if (conn.isClosed) return;
    if (!decision.allowed) {
      this.stats.refused++;
      return conn.fail(
        decision.reason,
        decision.reason === 'filtered' ? remoteText : `${remote.host}: ${decision.detail}`,
      );
    }
    await conn.open(decision.addresses);
    if (conn.isOpen) this.stats.connected++;
    else this.stats.failed++;
  }

  private takePending(id: bigint, owner: string): SocketData[] {
    const p = this.pending.get(id);
    if (!p) return [];
    this.pending.delete(id);
    return ownsSends(owner, p.owner) ? p.items : [];
  }

  private onSend(d: SocketData, path: ReturnPath | undefined, v: Versions): void {
    const id = d.connectionId;
    const owner = path?.key;
    const conn = this.conns.get(id);
    if (conn) {
      if (!ownsSends(conn.owner, owner ?? PLAIN))
        return this.drops.drop('foreign_sender', { conn: id.toString(), what: 'send' });
      return conn.fromClient(d);
    }
    if (this.recentlyClosed.has(id)) return this.drops.drop('closed_connection', { conn: id.toString() });
    // not known yet: its Connect may still be on its way
    let p = this.pending.get(id);
    if (!p) {
      const key = owner ?? PLAIN;
      let ids = 0;
      for (const q of this.pending.values()) if (q.owner === key) ids++;
      if (ids >= MAX_PENDING_IDS_PER_SENDER)
        return this.drops.drop('unknown_connection', { conn: id.toString() });
      p = { owner: key, path, since: Date.now(), items: [], bytes: 0 };
      this.pending.set(id, p);
      this.connVersions.set(id, v);
    }
    if (p.owner !== (owner ?? PLAIN))
      return this.drops.drop('foreign_sender', { conn: id.toString(), what: 'send' });
    if (p.items.length >= MAX_PENDING_ITEMS || p.bytes + d.data.length > this.o.maxBufferedBytes)
      return this.drops.drop('pending_full', { conn: id.toString() });
    p.items.push(d);
    p.bytes += d.data.length;
  }

  private onQuery(v: Versions, q: QueryRequest, path: ReturnPath | undefined): void {
    this.stats.queries++;
    if (!path) return this.drops.drop('no_return_path', { what: 'query' });
    let response: QueryResponse;
    switch (q) {
      case 'openProxy':
        response = { kind: 'openProxy', open: this.o.filter.openProxy };
        break;
      case 'description':
        response = { kind: 'description', description: this.o.description };
        break;
      case 'exitPolicy':
        // this requester filters by allow list, not by an exit policy
        response = { kind: 'exitPolicy', enabled: false, upstream: '' };
        break;
    }
    // Nym answers queries in the current socks5 version (core.rs handle_query)
    this.respond(
      path,
      { interface: v.interface, protocol: SOCKS5_PROTOCOL_VERSION },
      { kind: 'query', response },
    );
  }

  private onControl(iv: Version, r: ControlRequest, path: ReturnPath | undefined): void {
    this.stats.control++;
    if (!path) return this.drops.drop('no_return_path', { what: 'control' });
    let response: ControlResponse;
    switch (r) {
      case 'health':
        response = { kind: 'health' };
        break;
      case 'binaryInfo':
        response = { kind: 'binaryInfo', info: this.o.binaryInfo };
        break;
      case 'supportedRequestVersions':
        response = {
          kind: 'supportedRequestVersions',
          versions: {
            interface_version: versionToJson(PROVIDER_INTERFACE_VERSION),
            provider_version: versionToJson(SOCKS5_PROTOCOL_VERSION),
          },
        };
        break;
    }
    this.outbox(path).push(
      encodeProviderResponse({ interfaceVersion: iv, content: { kind: 'control', response } }),
    );
  }

  // ---------------------------------------------------------------- bookkeeping

  private forget(id: bigint): void {
    this.connVersions.delete(id);
    this.recentlyClosed.add(id);
    if (this.recentlyClosed.size > RECENTLY_CLOSED)
      this.recentlyClosed.delete(this.recentlyClosed.values().next().value as bigint);
  }

  private onClosed(c: ProxyConnection): void {
    if (this.conns.get(c.id) !== c) return;
    this.conns.delete(c.id);
    this.forget(c.id);
    const n = (this.perOwner.get(c.owner) ?? 1) - 1;
    if (n > 0) this.perOwner.set(c.owner, n);
    else this.perOwner.delete(c.owner);
    const box = this.outboxes.get(c.owner);
    if (box) box.conns--;
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns.values())
      if (now - c.lastActivity > this.o.idleTimeoutMs)
        c.fail('idle', `nothing for ${this.o.idleTimeoutMs} ms`);
    for (const [id, p] of this.pending)
      if (now - p.since > this.o.unknownGraceMs) {
        this.pending.delete(id);
        const v = this.connVersions.get(id) ?? {
          interface: PROVIDER_INTERFACE_VERSION,
          protocol: SOCKS5_PROTOCOL_VERSION,
        };
        this.connVersions.delete(id);
        this.drops.drop('unknown_connection', { conn: id.toString(), messages: p.items.length });
        if (p.path)
          this.respond(p.path, v, {
            kind: 'connectionError',
            connectionId: id,
            message: connectionErrorMessage('unknown', `no connection ${id}`),
          });
      }
    // outboxes of senders with nothing open and nothing queued for a minute
    for (const [key, e] of this.outboxes)
      if (e.conns <= 0 && e.box.pending === 0 && now - e.lastUse > 60_000) {
        e.box.close();
        this.outboxes.delete(key);
      }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweeper);
    this.unsubscribe();
    for (const c of [...this.conns.values()]) c.destroy();
    for (const e of this.outboxes.values()) e.box.close();
    this.outboxes.clear();
  }
}
