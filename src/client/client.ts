/**
 * The client core shared by every front end (native websocket API, SDK, SOCKS5):
 * topology, gateway choice and session, chunking, SURB-acks and retransmission, Loopix
 * traffic (Poisson sending, loop cover), anonymous replies with reply SURBs, bandwidth.
 *
 * No Node-only imports here: websockets, storage and crypto come in through options, so the
 * same core runs in the browser SDK.
 */
import { base58 } from '@scure/base';
import {
  createPacket,
  createSurb,
  encodeNodeAddress,
  surbFromBytes,
  surbToBytes,
  useSurb,
  Geometry,
  type RouteNode,
} from '../sphinx/index.js';
import {
  encodeMixPacket,
  encodeSurbAck,
  PACKET_TYPE_SPHINX,
  SURB_ACK_SIZE,
  sphinxLengthOf,
  type Aead,
} from '../gateway/protocol/index.js';
import {
  LAYERS,
  NoRouteError,
  randomIndex,
  type GatewayEntry,
  type MixNodeEntry,
  type Topology,
} from '../topology/index.js';
import { defaultAead, defaultBackend } from '../crypto/index.js';
import { parseRecipient, recipientToString, type Recipient } from './address.js';
import {
  resolveConfig,
  backoffDelay,
  type ClientConfig,
  type ClientConfigInput,
  type MessagePacketSize,
} from './config.js';
import { aesCtrZeroIv, randomSetId, secureRandom, type CryptoBackend, type RandomBytes } from './crypto.js';
import {
  AbortedError,
  ClientError,
  DeliveryFailedError,
  GatewayConnectError,
  InsufficientSurbsError,
  MessageTooLargeError,
  NoGatewayError,
  NotConnectedError,
  UnknownSenderTagError,
  throwIfAborted,
} from './errors.js';
import { Reassembler, decodeFragment, encodeFragment, splitMessage, unpadMessage } from './fragment.js';
import { GatewaySession, probeGateway } from './gateway-session.js';
import { addressOf, generateKeys, type ClientKeys, type KeyStore, type StoredState } from './identity.js';
import { decodeMessage, encodeMessage, SENDER_TAG_LEN, type ClientMessage } from './message.js';
import {
  ACK_PAYLOAD_LEN,
  KEY_SLOT_LEN,
  fragmentIdKey,
  openAckId,
  openRegular,
  openReply,
  replyKeyDigest,
  sealAckId,
  sealPayload,
  sealReplyPayload,
  splitPayload,
  type FragmentId,
} from './payload.js';
import { sampleExponential, sampleHopDelays } from './poisson.js';
import { AckTracker } from './retransmit.js';
import { tagKey, type ReplyStore } from './store.js';
import type { TopologySource } from './topology-source.js';
import { silentLogger, sleep, type Logger, type WebSocketFactory } from './transport.js';

/** Fragment capacity of a regular packet: plaintext minus SURB-ack and key slot. */
export const FRAGMENT_LEN = fragmentLength('regular');

/** Fragment capacity of a packet size: plaintext minus SURB-ack and key slot. */
export function fragmentLength(size: MessagePacketSize): number {
  return Geometry.of(size).plaintextLength - SURB_ACK_SIZE - KEY_SLOT_LEN;
}
const TOP_UP_RETRY_MS = 1000;
/** Set id 0 never names a real set: a fragment starting with it is loop cover. */
const COVER_FRAGMENT = new Uint8Array(7);
const ZERO_SURB_ID = new Uint8Array(16);
/** Run after pending I/O: setImmediate in Node, a zero timeout in browsers. */
const defer: (f: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (f) => globalThis.setImmediate(f) : (f) => setTimeout(f, 0);
/** Received messages held while no front end listens. */
const MAX_UNCLAIMED = 10_000;

export interface ReceivedMessage {
  readonly message: Uint8Array;
  /** Present when the sender attached reply SURBs: pass it to `reply`. */
  readonly senderTag?: Uint8Array;
  /** 'reply' when it came back through one of our reply SURBs. */
  readonly kind: 'plain' | 'repliable' | 'reply';
}

export type ClientState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface MixnetClientCoreOptions {
  readonly keyStore: KeyStore;
  readonly replyStore: ReplyStore;
  readonly topology: TopologySource;
  readonly wsFactory: WebSocketFactory;
  readonly config?: ClientConfigInput;
  /** Use this gateway (base58 identity) instead of choosing by latency on first run. */
  readonly gateway?: string;
  /** Rewrites a gateway's websocket URL (e.g. wss behind a proxy). */
  readonly gatewayUrl?: (g: GatewayEntry) => string;
  /** Bandwidth credentials, shown when the gateway reports too little (absent: free-bandwidth gateways). */
  readonly credentials?: CredentialSource;
  readonly crypto?: CryptoBackend;
  /** Session AEAD for gateway frames (default `defaultAead`: OpenSSL + wasm in Node, noble + wasm in browsers). */
  readonly aead?: Aead;
  readonly rng?: RandomBytes;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** Where the core gets bandwidth credentials (see bandwidth.ts for the Coconut one). */
export interface CredentialSource {
  /** A credential payload for the gateway; call `spent()` once the gateway took it. */
  next(keys: ClientKeys, signal?: AbortSignal): Promise<{ payload: Uint8Array; spent(): void }>;
}

export interface SendOptions {
  readonly signal?: AbortSignal;
}

interface OutPacket {
  /** fragment id key for acked packets; undefined for cover */
  readonly key?: string;
  readonly build: () => { mixPacket: Uint8Array; expectedDelayMs: number };
}

interface PendingMessage {
  resolve(): void;
  reject(e: Error): void;
}

/** What a queued fragment needs to be (re)built on a fresh route. */
type FragmentJob =
  | { kind: 'forward'; recipient: Recipient; bytes: Uint8Array; id: FragmentId }
  | { kind: 'reply'; senderTag: Uint8Array; bytes: Uint8Array; id: FragmentId };

type Listener<T> = (v: T) => void;

export class MixnetClientCore {
  readonly config: ClientConfig;
  private readonly fragmentLen: number;
  private readonly crypto: CryptoBackend;
  private readonly rng: RandomBytes;
  private readonly now: () => number;
  private readonly log: Logger;
  private keys!: ClientKeys;
  private stored!: StoredState;
  private topologyValue: Topology | undefined;
  private gatewayEntry!: GatewayEntry;
  private gatewayIdentityBytes!: Uint8Array;
  private session: GatewaySession | undefined;
  private stateValue: ClientState = 'new';
  private readonly queue: OutPacket[] = [];
  private readonly tracker: AckTracker<FragmentJob>;
  private readonly pending = new Map<number, PendingMessage>();
  private readonly reassembler: Reassembler;
  private nextMessageId = 1;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private pumping = false;
  private idle = false;
  private readonly lifetime = new AbortController();
  private readonly messageListeners = new Set<Listener<ReceivedMessage>>();
  private readonly unclaimed: ReceivedMessage[] = [];
  private readonly failureListeners = new Set<Listener<DeliveryFailedError>>();
  private readonly surbWaiters = new Set<() => void>();
  private retransmitTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly nodeHealth = new Map<number, { failures: number; suspectUntil: number }>();
  private onDemandRefresh: Promise<void> | undefined;
  private lastOnDemandRefresh = -Infinity;
  /** mix ids on the current routes (forward and ack) of each unacknowledged fragment */
  private readonly packetRoutes = new Map<string, number[]>();
  private bandwidthTopUp: Promise<void> | undefined;
  /** what the gateway will still forward for us, as it counts (Sphinx packet bytes) */
  private bandwidthLeft = 0;
  private topUpFailedAt = -Infinity;
  readonly stats = {
    realSent: 0,
    coverSent: 0,
    retransmissions: 0,
    acksReceived: 0,
    received: 0,
    duplicates: 0,
    malformed: 0,
    failed: 0,
    reconnects: 0,
    credentials: 0,
  };

  constructor(private readonly opts: MixnetClientCoreOptions) {
    this.config = resolveConfig(opts.config);
    this.fragmentLen = fragmentLength(this.config.packetSize);
    this.crypto = opts.crypto ?? defaultBackend;
    this.rng = opts.rng ?? secureRandom;
    this.now = opts.now ?? (() => Date.now());
    this.log = opts.logger ?? silentLogger;
    this.tracker = new AckTracker(this.config.retransmit);
    this.reassembler = new Reassembler({ timeoutMs: this.config.reassemblyTimeoutMs });
  }

  get state(): ClientState {
    return this.stateValue;
  }

  get address(): Recipient {
    if (!this.gatewayIdentityBytes) throw new NotConnectedError(this.stateValue);
    return addressOf(this.keys, this.gatewayIdentityBytes);
  }

  get topology(): Topology | undefined {
    return this.topologyValue;
  }

  get gateway(): GatewayEntry | undefined {
    return this.gatewayEntry;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get pendingMessages(): number {
    return this.tracker.pendingMessages;
  }

  /**
   * Received messages. Messages that arrive while nobody listens (e.g. the inbox pushed
   * at connection, before a front end subscribes) are kept and go to the first listener.
   */
  onMessage(l: Listener<ReceivedMessage>): () => void {
    this.messageListeners.add(l);
    const held = this.unclaimed.splice(0);
    for (const m of held) this.emit(m);
    return () => this.messageListeners.delete(l);
  }

  /** Messages that exhausted their retransmissions (also rejected from `send`). */
  onFailure(l: Listener<DeliveryFailedError>): () => void {
    this.failureListeners.add(l);
    return () => this.failureListeners.delete(l);
  }

  /** With no application attached, cover traffic slows down by `idleCoverSlowdown`. */
  setIdle(idle: boolean): void {
    this.idle = idle;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Load or create keys, fetch topology, choose and connect to the gateway. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.stateValue !== 'new') throw new ClientError(`start called in state ${this.stateValue}`);
    this.stateValue = 'connecting';
    try {
      throwIfAborted(signal, 'start');
      const loaded = await this.opts.keyStore.load();
      this.stored = loaded ?? { keys: generateKeys(this.rng) };
      this.keys = this.stored.keys;
      if (!loaded) await this.opts.keyStore.save(this.stored);
      await this.refreshTopology(signal);
      const topo = this.topologyValue!;
      // fail fast and typed when no route exists (Nym #1774, #1810)
      topo.chooseMixRoute(this.rng);
      await this.chooseGateway(topo, signal);
      await this.connectSession(signal);
    } catch (e) {
      this.stateValue = 'closed';
      this.lifetime.abort();
      // whatever the aborted step threw (fetch's DOMException, a socket error), say so typed
      if (signal?.aborted && !(e instanceof AbortedError)) throw new AbortedError('start');
      throw e;
    }
    this.stateValue = 'connected';
    this.schedule(() => this.topologyLoop(), this.config.topologyRefreshMs);
    this.schedule(() => this.maintenance(), 1000);
    if (!this.config.traffic.disableMainPoissonStream) this.schedulePoisson();
    if (!this.config.traffic.disableLoopCover) this.scheduleLoopCover();
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.lifetime.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.retransmitTimer) clearTimeout(this.retransmitTimer);
    this.session?.close();
    this.session = undefined;
    for (const [id, p] of this.pending) p.reject(new DeliveryFailedError(id, 0, 'client stopped'));
    this.pending.clear();
    for (const w of this.surbWaiters) w();
    this.opts.replyStore.close();
  }

  private schedule(fn: () => void, ms: number): void {
    if (this.stateValue === 'closed') return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stateValue !== 'closed') fn();
    }, ms);
    this.timers.add(t);
  }

  private async refreshTopology(signal?: AbortSignal): Promise<void> {
    const { topology, skipped } = await this.opts.topology(signal);
    if (skipped.length)
      this.log.warn({ skipped: skipped.length, first: skipped[0] }, 'topology: invalid nodes skipped');
    this.topologyValue = topology;
  }

  private topologyLoop(): void {
    this.refreshTopology(this.lifetime.signal)
      .catch((e) =>
        this.log.warn({ err: (e as Error).message }, 'topology refresh failed; keeping the old one'),
      )
      .finally(() => this.schedule(() => this.topologyLoop(), this.config.topologyRefreshMs));
  }

  private maintenance(): void {
    const now = this.now();
    const dropped = this.reassembler.expire(now);
    if (dropped) this.log.info({ dropped }, 'incomplete messages expired');
    this.opts.replyStore.prune(now - this.config.surbMaxAgeMs);
    this.schedule(() => this.maintenance(), 1000);
  }

  private gatewayUrlOf(g: GatewayEntry): string {
    if (this.opts.gatewayUrl) return this.opts.gatewayUrl(g);
    const host = g.host.includes(':') ? `[${g.host}]` : g.host;
    return `ws://${host}:${g.clientsPort}`;
  }

  private async chooseGateway(topo: Topology, signal?: AbortSignal): Promise<void> {
    const wanted = this.opts.gateway ?? this.stored.gateway?.gatewayIdentity;
    if (wanted) {
      this.setGateway(topo.gatewayByIdentity(wanted));
      return;
    }
    const candidates = topo.gateways;
    if (candidates.length === 0) throw new NoGatewayError(0);
    if (candidates.length === 1) {
      this.setGateway(candidates[0]);
      return;
    }
    // all candidates at once (Nym #3710), lowest round trip wins
    const rtts = await Promise.all(
      candidates.map((g) =>
        probeGateway(
          this.opts.wsFactory,
          this.gatewayUrlOf(g),
          this.config.gatewayProbeTimeoutMs,
          this.now,
          signal,
        ),
      ),
    );
    throwIfAborted(signal, 'gateway selection');
    let best = -1;
    rtts.forEach((r, i) => {
      if (r !== undefined && (best < 0 || r < rtts[best]!)) best = i;
    });
    if (best < 0) throw new NoGatewayError(candidates.length);
    this.log.info({ gateway: candidates[best].identityKey, rttMs: rtts[best] }, 'gateway chosen by latency');
    this.setGateway(candidates[best]);
  }

  private setGateway(g: GatewayEntry): void {
    this.gatewayEntry = g;
    this.gatewayIdentityBytes = g.identityKeyBytes;
  }

  private async connectSession(signal?: AbortSignal): Promise<void> {
    const g = this.gatewayEntry;
    const url = this.gatewayUrlOf(g);
    const reg = this.stored.gateway?.gatewayIdentity === g.identityKey ? this.stored.gateway : undefined;
    const base = {
      url,
      gatewayIdentity: g.identityKeyBytes,
      keys: this.keys,
      wsFactory: this.opts.wsFactory,
      rng: this.rng,
      timeoutMs: this.config.handshakeTimeoutMs,
      now: this.now,
      aead: this.opts.aead ?? defaultAead,
      claimFreeBandwidth: !this.opts.credentials,
      signal,
    };
    let session: GatewaySession;
    try {
      session = await GatewaySession.connect({ ...base, sharedKey: reg?.sharedKey });
    } catch (e) {
      // the gateway forgot us (or never knew): register afresh
      if (reg && (e as { code?: string }).code === 'unknown_client') {
        session = await GatewaySession.connect(base);
      } else throw e;
    }
    if (session.registered) {
      this.stored = {
        ...this.stored,
        gateway: { gatewayIdentity: g.identityKey, sharedKey: session.sharedKey, url },
      };
      await this.opts.keyStore.save(this.stored);
    }
    session.attach({
      onReceived: (p) => this.onPayload(p),
      onText: (m) => {
        if (m.type === 'error') {
          this.log.warn({ code: m.code, msg: m.message }, 'gateway error');
          if (m.code === 'out_of_bandwidth') void this.topUpBandwidth();
        }
      },
      onClose: (clean, reason) => {
        if (!clean && this.session === session) this.onSessionLost(reason);
      },
    });
    this.session = session;
    this.log.info(
      { gateway: g.identityKey, registered: session.registered, bandwidth: session.bandwidthRemaining },
      'connected to gateway',
    );
    this.bandwidthLeft = session.bandwidthRemaining;
    if (this.bandwidthLeft < this.config.bandwidthLowWatermark && this.opts.credentials)
      await this.topUpBandwidth(signal);
    this.kick();
  }

  /** Deposit, obtain and show a credential; one at a time. Sending waits for it. */
  private topUpBandwidth(signal?: AbortSignal): Promise<void> {
    const source = this.opts.credentials;
    if (!source || !this.session) return Promise.resolve();
    this.bandwidthTopUp ??= (async () => {
      try {
        const cred = await source.next(this.keys, signal ?? this.lifetime.signal);
        const s = this.session;
        if (!s) return;
        try {
          this.bandwidthLeft = await s.sendCredential(cred.payload, this.config.credentialTimeoutMs);
          cred.spent();
        } catch (e) {
          // a credential the gateway calls spent is of no further use
          if ((e as { code?: string }).code === 'credential_spent') cred.spent();
          throw e;
        }
        this.stats.credentials++;
        this.log.info({ total: this.bandwidthLeft }, 'bandwidth topped up');
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'bandwidth top-up failed');
        this.topUpFailedAt = this.now();
        this.schedule(() => this.kick(), TOP_UP_RETRY_MS);
      } finally {
        this.bandwidthTopUp = undefined;
        this.kick();
      }
    })();
    return this.bandwidthTopUp;
  }

  /**
   * Real packets on the wire are capped: a burst queued at once would otherwise sit in the
   * mix nodes' queues past its ack timeout and be sent again for nothing.
   */
  private windowFull(): boolean {
    return this.tracker.inFlight >= this.config.maxInFlight;
  }

  /** False (and a top-up starts) when the next packet would overdraw our bandwidth. */
  private haveBandwidth(): boolean {
    if (!this.opts.credentials) return true;
    if (
      this.bandwidthLeft < this.config.bandwidthLowWatermark &&
      this.now() - this.topUpFailedAt >= TOP_UP_RETRY_MS
    )
      void this.topUpBandwidth();
    return this.bandwidthLeft >= Geometry.of(this.config.packetSize).packetLength;
  }

  private onSessionLost(reason: string): void {
    if (this.stateValue === 'closed') return;
    this.log.warn({ reason }, 'gateway connection lost; reconnecting');
    this.session = undefined;
    this.stateValue = 'reconnecting';
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    const cfg = this.config.reconnect;
    for (let attempt = 0; attempt < cfg.maxAttempts && this.stateValue === 'reconnecting'; attempt++) {
      try {
        await sleep(backoffDelay(cfg, attempt), this.lifetime.signal);
        await this.connectSession(this.lifetime.signal);
        this.stateValue = 'connected';
        this.stats.reconnects++;
        return;
      } catch (e) {
        if (this.lifetime.signal.aborted) return;
        this.log.warn({ attempt, err: (e as Error).message }, 'reconnect failed');
      }
    }
    if (this.stateValue === 'reconnecting') {
      this.log.error({}, 'giving up on the gateway');
      await this.stop();
    }
  }

  // ------------------------------------------------------------------ sending

  private checkReady(signal?: AbortSignal): Topology {
    throwIfAborted(signal, 'send');
    if (this.stateValue !== 'connected' && this.stateValue !== 'reconnecting')
      throw new NotConnectedError(this.stateValue);
    const t = this.topologyValue!;
    t.chooseMixRoute(this.rng); // typed NoRouteError now rather than a silent wait
    return t;
  }

  /** Send `message` to `recipient`; resolves once every fragment is acknowledged. */
  send(recipient: Recipient, message: Uint8Array, opts: SendOptions = {}): Promise<void> {
    return this.sendClientMessage(recipient, { kind: 'plain', data: message }, opts);
  }

  /**
   * Send with `replySurbs` reply SURBs attached: the recipient sees our sender tag, never
   * our address, and can answer with `reply`.
   */
  sendAnonymous(
    recipient: Recipient,
    message: Uint8Array,
    replySurbs: number,
    opts: SendOptions = {},
  ): Promise<void> {
    try {
      this.checkReady(opts.signal);
      const tag = this.senderTagFor(recipient);
      const surbs = this.makeReplySurbs(tag, replySurbs);
      return this.sendClientMessage(
        recipient,
        { kind: 'repliable', senderTag: tag, surbs, data: message },
        opts,
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Answer an anonymous sender through the reply SURBs it gave us. */
  async reply(senderTag: Uint8Array, message: Uint8Array, opts: SendOptions = {}): Promise<void> {
    this.checkReady(opts.signal);
    if (!(senderTag instanceof Uint8Array) || senderTag.length !== SENDER_TAG_LEN)
      throw new UnknownSenderTagError(String(senderTag?.length ?? senderTag));
    const encoded = encodeMessage({ kind: 'reply', data: message });
    this.checkSize(encoded.length);
    const fragments = splitMessage(encoded, this.fragmentLen, () => randomSetId(this.rng));
    const store = this.opts.replyStore;
    const available = store.surbCount(senderTag);
    const required = fragments.length;
    if (available === 0) throw new InsufficientSurbsError(0, required, base58.encode(senderTag));
    let reserved = 0;
    if (available < required + this.config.surbLowWatermark) {
      // ask for more before running out (Nym #1832), spending one SURB on the request
      const amount = Math.min(
        1000,
        Math.max(this.config.surbTopUpAmount, required + this.config.surbLowWatermark - available + 1),
      );
      this.enqueueReplyMessage(senderTag, { kind: 'surbRequest', amount });
      reserved = 1;
    }
    if (available - reserved < required) await this.waitForSurbs(senderTag, required + reserved, opts.signal);
    return this.enqueueFragments(
      fragments.map((f) => ({ kind: 'reply', senderTag, bytes: encodeFragment(f), id: idOf(f) })),
      opts,
    );
  }

  /** Wait until `required` SURBs for `tag` are stored (after a SURB request). */
  private waitForSurbs(tag: Uint8Array, required: number, signal?: AbortSignal): Promise<void> {
    const store = this.opts.replyStore;
    return new Promise((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.surbWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (store.surbCount(tag) >= required) finish();
        else if (this.stateValue === 'closed')
          finish(new InsufficientSurbsError(store.surbCount(tag), required, base58.encode(tag)));
      };
      const onAbort = () => finish(new AbortedError('reply'));
      const timer = setTimeout(
        () => finish(new InsufficientSurbsError(store.surbCount(tag), required, base58.encode(tag))),
        this.config.surbWaitTimeoutMs,
      );
      this.surbWaiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  private checkSize(len: number): void {
    if (len > this.config.maxMessageBytes) throw new MessageTooLargeError(len, this.config.maxMessageBytes);
  }

  private async sendClientMessage(recipient: Recipient, m: ClientMessage, opts: SendOptions): Promise<void> {
    this.checkReady(opts.signal);
    await this.ensureRecipientGateway(recipient, opts.signal);
    return this.enqueueClientMessage(recipient, m, opts);
  }

  /**
   * A recipient's gateway may have joined since the last periodic refresh (minutes apart):
   * look again, at most once per `onDemandTopologyRefreshMs`, before failing. An unknown
   * gateway is then a typed error now, not a failure later.
   */
  private async ensureRecipientGateway(recipient: Recipient, signal?: AbortSignal): Promise<void> {
    const id = base58.encode(recipient.gateway);
    if (this.topologyValue!.hasGateway(id)) return;
    const now = this.now();
    if (!this.onDemandRefresh && now - this.lastOnDemandRefresh >= this.config.onDemandTopologyRefreshMs) {
      this.lastOnDemandRefresh = now;
      this.onDemandRefresh = this.refreshTopology(signal)
        .catch((e) => this.log.warn({ err: (e as Error).message }, 'on-demand topology refresh failed'))
        .finally(() => (this.onDemandRefresh = undefined));
    }
    if (this.onDemandRefresh) await this.onDemandRefresh;
    this.checkReady(signal);
    this.topologyValue!.gatewayByIdentity(id); // throws GatewayNotFoundError
  }

  private enqueueClientMessage(recipient: Recipient, m: ClientMessage, opts: SendOptions): Promise<void> {
    try {
      const encoded = encodeMessage(m);
      this.checkSize(encoded.length);
      const fragments = splitMessage(encoded, this.fragmentLen, () => randomSetId(this.rng));
      return this.enqueueFragments(
        fragments.map((f) => ({ kind: 'forward', recipient, bytes: encodeFragment(f), id: idOf(f) })),
        opts,
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private enqueueFragments(jobs: FragmentJob[], opts: SendOptions): Promise<void> {
    const messageId = this.nextMessageId++;
    const promise = new Promise<void>((resolve, reject) => {
      this.pending.set(messageId, { resolve, reject });
    });
    this.tracker.addMessage(
      messageId,
      jobs.map((j) => ({ key: fragmentIdKey(j.id), fragment: j })),
    );
    for (const j of jobs) this.queue.push(this.outFor(j));
    if (opts.signal) {
      const onAbort = () => {
        if (this.tracker.dropMessage(messageId)) {
          const p = this.pending.get(messageId);
          this.pending.delete(messageId);
          p?.reject(new AbortedError('send'));
        }
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      void promise.then(
        () => opts.signal!.removeEventListener('abort', onAbort),
        () => opts.signal!.removeEventListener('abort', onAbort),
      );
    }
    this.kick();
    return promise;
  }

  /** A reply-channel message that nobody awaits (SURB requests). */
  private enqueueReplyMessage(senderTag: Uint8Array, m: ClientMessage): void {
    const fragments = splitMessage(encodeMessage(m), this.fragmentLen, () => randomSetId(this.rng));
    this.enqueueFragments(
      fragments.map((f) => ({ kind: 'reply', senderTag, bytes: encodeFragment(f), id: idOf(f) })),
      {},
    ).catch((e) => this.log.warn({ err: (e as Error).message }, 'SURB request not delivered'));
  }

  private outFor(job: FragmentJob): OutPacket {
    const key = fragmentIdKey(job.id);
    return {
      key,
      build: () => (job.kind === 'forward' ? this.buildForward(job) : this.buildReply(job)),
    };
  }

  /**
   * One healthy node per layer. Nodes on the routes of packets that timed out repeatedly
   * are avoided for a while (a crashed node stays in the topology until it unbonds), unless
   * a layer has nothing else.
   */
  private chooseRoute(): MixNodeEntry[] {
    const topo = this.topologyValue!;
    const now = this.now();
    return LAYERS.map((l) => {
      const all = topo.layer(l);
      if (all.length === 0) throw new NoRouteError(l, topo.layerSizes());
      const healthy = all.filter((n) => (this.nodeHealth.get(n.mixId)?.suspectUntil ?? 0) <= now);
      return this.pick(healthy.length ? healthy : this.leastFailing(all));
    });
  }

  private pick(pool: readonly MixNodeEntry[]): MixNodeEntry {
    return pool[randomIndex(pool.length, this.rng)];
  }

  /**
   * A failed route counts against every node on it, so when one node dies, live nodes that
   * shared its routes turn suspect too, and a whole layer can be suspect at once. They
   * differ in their counts: a route that succeeds resets its live nodes, while a dead
   * node's count only grows. So prefer the nodes within a few failures of the best.
   */
  private leastFailing(all: readonly MixNodeEntry[]): MixNodeEntry[] {
    const failures = (n: MixNodeEntry) => this.nodeHealth.get(n.mixId)?.failures ?? 0;
    const best = Math.min(...all.map(failures));
    return all.filter((n) => failures(n) <= best + this.config.suspectAfterFailures);
  }

  private noteRoute(key: string | undefined, nodes: MixNodeEntry[]): void {
    if (key === undefined) return;
    const list = this.packetRoutes.get(key) ?? [];
    for (const n of nodes) list.push(n.mixId);
    this.packetRoutes.set(key, list);
  }

  private routeOutcome(key: string, ok: boolean): void {
    const ids = this.packetRoutes.get(key);
    if (!ids) return;
    this.packetRoutes.delete(key);
    const now = this.now();
    for (const id of ids) {
      const h = this.nodeHealth.get(id) ?? { failures: 0, suspectUntil: 0 };
      if (ok) h.failures = 0;
      else if (++h.failures >= this.config.suspectAfterFailures)
        h.suspectUntil = now + this.config.suspectNodeMs;
      this.nodeHealth.set(id, h);
    }
  }

  private routeNodes(mix: readonly MixNodeEntry[], gw: GatewayEntry): RouteNode[] {
    return [
      ...mix.map((n) => ({
        address: encodeNodeAddress({ host: n.host, port: n.mixPort }),
        publicKey: n.sphinxKeyBytes,
      })),
      { address: encodeNodeAddress({ host: gw.host, port: gw.mixPort }), publicKey: gw.sphinxKeyBytes },
    ];
  }

  private delaysNs(meanMs: number): { ns: bigint[]; totalMs: number } {
    const ms = sampleHopDelays(3, meanMs, this.rng);
    return { ns: ms.map((d) => BigInt(Math.round(d * 1e6))), totalMs: ms.reduce((a, b) => a + b, 0) };
  }

  /** SURB-ack: a ready ack packet back to our own gateway carrying the encrypted fragment id. */
  private buildSurbAck(id: FragmentId, key?: string): { surbAck: Uint8Array; delayMs: number } {
    const mix = this.chooseRoute();
    this.noteRoute(key, mix);
    const route = this.routeNodes(mix, this.gatewayEntry);
    const d = this.delaysNs(this.config.traffic.averageAckDelayMs);
    const ackPacket = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: this.keys.identityPublic, surbId: ZERO_SURB_ID },
      payload: sealAckId(this.crypto, this.rng, this.keys.ackKey, id),
      size: 'ack',
      random: this.rng,
      backend: this.crypto,
    });
    return { surbAck: encodeSurbAck({ firstHop: route[0].address, ackPacket }), delayMs: d.totalMs };
  }

  private buildForward(job: { recipient: Recipient; bytes: Uint8Array; id: FragmentId }) {
    const topo = this.topologyValue!;
    const gw = topo.gatewayByIdentity(base58.encode(job.recipient.gateway));
    const mix = this.chooseRoute();
    const key = fragmentIdKey(job.id);
    this.packetRoutes.delete(key);
    this.noteRoute(key, mix);
    const route = this.routeNodes(mix, gw);
    const d = this.delaysNs(this.config.traffic.averagePacketDelayMs);
    const ack = this.buildSurbAck(job.id, key);
    const payload = sealPayload(this.crypto, this.rng, ack.surbAck, job.recipient.encryptionKey, job.bytes);
    const packet = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: job.recipient.identity, surbId: ZERO_SURB_ID },
      payload,
      size: this.config.packetSize,
      random: this.rng,
      backend: this.crypto,
    });
    return {
      mixPacket: encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, nextHop: route[0].address, packet }),
      expectedDelayMs: d.totalMs + ack.delayMs,
    };
  }

  private buildReply(job: { senderTag: Uint8Array; bytes: Uint8Array; id: FragmentId }) {
    const [surbBytes] = this.opts.replyStore.takeSurbs(job.senderTag, 1);
    if (!surbBytes) throw new InsufficientSurbsError(0, 1, base58.encode(job.senderTag));
    const surb = surbFromBytes(surbBytes);
    const key = fragmentIdKey(job.id);
    this.packetRoutes.delete(key);
    const ack = this.buildSurbAck(job.id, key);
    const plain = sealReplyPayload(this.crypto, ack.surbAck, surb.encryptionKey, job.bytes);
    // useSurb encrypts its whole input under the SURB key; pre-applying the same keystream
    // leaves the SURB-ack readable for the receiving gateway (Nym encrypts only the fragment)
    const { packet, firstHopAddress } = useSurb(surb, aesCtrZeroIv(this.crypto, surb.encryptionKey, plain), {
      size: this.config.packetSize,
      backend: this.crypto,
    });
    return {
      mixPacket: encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, nextHop: firstHopAddress, packet }),
      // the SURB's delays were drawn by its creator; assume our own mean
      expectedDelayMs: 3 * this.config.traffic.averagePacketDelayMs + ack.delayMs,
    };
  }

  private buildCover() {
    const route = this.routeNodes(this.chooseRoute(), this.gatewayEntry);
    const d = this.delaysNs(this.config.traffic.averagePacketDelayMs);
    // a real SURB-ack: our gateway sends it on, so the loop is complete cover traffic
    const ack = this.buildSurbAck({ setId: 0, index: 0 });
    const payload = sealPayload(
      this.crypto,
      this.rng,
      ack.surbAck,
      this.keys.encryptionPublic,
      COVER_FRAGMENT,
    );
    const packet = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: this.keys.identityPublic, surbId: ZERO_SURB_ID },
      payload,
      size: this.config.packetSize,
      random: this.rng,
      backend: this.crypto,
    });
    return {
      mixPacket: encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, nextHop: route[0].address, packet }),
      expectedDelayMs: 0,
    };
  }

  /** Wake the sender when real packets are not paced by the Poisson stream. */
  private kick(): void {
    if (this.config.traffic.disableMainPoissonStream && !this.pumping) {
      this.pumping = true;
      defer(() => this.pump());
    }
  }

  private pump(): void {
    const s = this.session;
    if (!s || !s.open || this.stateValue === 'closed') {
      this.pumping = false;
      return;
    }
    const sliceEnd = performance.now() + 8;
    while (this.queue.length > 0 && performance.now() < sliceEnd) {
      // flow control: do not run ahead of the socket
      if (s.bufferedAmount > 1 << 20) {
        setTimeout(() => this.pump(), 2);
        return;
      }
      if (!this.haveBandwidth()) {
        this.pumping = false; // the top-up kicks us again
        return;
      }
      if (this.windowFull()) {
        this.pumping = false; // an ack or a timeout kicks us again
        return;
      }
      this.sendOne(this.queue.shift()!);
    }
    if (this.queue.length > 0) defer(() => this.pump());
    else this.pumping = false;
  }

  private sendOne(p: OutPacket): boolean {
    const s = this.session;
    if (!s || !s.open) {
      this.queue.unshift(p);
      return false;
    }
    if (p.key !== undefined && !this.tracker.has(p.key)) return false; // acked or cancelled meanwhile
    let built: { mixPacket: Uint8Array; expectedDelayMs: number };
    try {
      built = p.build();
    } catch (e) {
      if (p.key !== undefined) this.failFragment(p.key, e as Error);
      return false;
    }
    s.sendMixPacket(built.mixPacket);
    this.bandwidthLeft -= sphinxLengthOf(built.mixPacket);
    if (p.key !== undefined) {
      this.stats.realSent++;
      this.tracker.sent(p.key, built.expectedDelayMs, this.now());
      this.armRetransmit();
    } else this.stats.coverSent++;
    return true;
  }

  /** A fragment could not even be built (no route, no SURB left): its message fails now. */
  private failFragment(key: string, err: Error): void {
    const messageId = this.tracker.messageOf(key);
    if (messageId === undefined) return;
    this.tracker.dropMessage(messageId);
    this.failMessage(messageId, 1, err.message);
  }

  private failMessage(messageId: number, attempts: number, reason?: string): void {
    this.stats.failed++;
    const err = new DeliveryFailedError(messageId, attempts, reason);
    const p = this.pending.get(messageId);
    this.pending.delete(messageId);
    this.log.warn({ messageId, attempts, reason }, 'message failed');
    for (const l of this.failureListeners) l(err);
    p?.reject(err);
  }

  private schedulePoisson(): void {
    const gap = sampleExponential(this.config.traffic.messageSendingAverageDelayMs, this.rng);
    this.schedule(() => {
      const s = this.session;
      if (s && s.open && this.haveBandwidth()) {
        const real = this.windowFull() ? undefined : this.queue.shift();
        if (real) this.sendOne(real);
        else if (!this.config.traffic.disableLoopCover && this.coverDue())
          this.sendOne({ build: () => this.buildCover() });
      }
      this.schedulePoisson();
    }, gap);
  }

  /** While idle, only one in `idleCoverSlowdown` empty slots carries cover (Nym #491). */
  private coverDue(): boolean {
    const slow = this.config.traffic.idleCoverSlowdown;
    return !this.idle || slow <= 1 || randomIndex(Math.round(slow), this.rng) === 0;
  }

  private scheduleLoopCover(): void {
    const mean =
      this.config.traffic.loopCoverAverageDelayMs * (this.idle ? this.config.traffic.idleCoverSlowdown : 1);
    this.schedule(
      () => {
        const s = this.session;
        if (s && s.open) this.sendOne({ build: () => this.buildCover() });
        this.scheduleLoopCover();
      },
      sampleExponential(mean, this.rng),
    );
  }

  private armRetransmit(): void {
    if (this.retransmitTimer || this.stateValue === 'closed') return;
    const next = this.tracker.nextDeadline();
    if (next === undefined) return;
    this.retransmitTimer = setTimeout(
      () => {
        this.retransmitTimer = undefined;
        this.checkRetransmissions();
      },
      Math.max(5, next - this.now()),
    );
  }

  private checkRetransmissions(): void {
    const { retransmit, failed } = this.tracker.due(this.now());
    for (const f of failed) this.failMessage(f.messageId, f.attempts);
    if (failed.length)
      for (const k of this.packetRoutes.keys()) if (!this.tracker.has(k)) this.packetRoutes.delete(k);
    for (const r of retransmit) {
      this.stats.retransmissions++;
      this.routeOutcome(r.key, false);
      // front of the queue: a fresh route is chosen when it is built
      this.queue.unshift(this.outFor(r.fragment));
    }
    if (retransmit.length || failed.length) this.kick();
    this.armRetransmit();
  }

  // ------------------------------------------------------------------ replies

  private senderTagFor(recipient: Recipient): Uint8Array {
    const addr = recipientToString(recipient);
    let tag = this.opts.replyStore.getSenderTag(addr);
    if (!tag) {
      tag = this.rng(SENDER_TAG_LEN);
      this.opts.replyStore.setSenderTag(addr, tag);
    }
    return tag;
  }

  private makeReplySurbs(tag: Uint8Array, n: number): Uint8Array[] {
    if (!Number.isInteger(n) || n < 0 || n > 1000)
      throw new ClientError(`reply SURB count ${n} out of range 0..1000`);
    const out: Uint8Array[] = [];
    const keys: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[] = [];
    for (let i = 0; i < n; i++) {
      const route = this.routeNodes(this.chooseRoute(), this.gatewayEntry);
      const d = this.delaysNs(this.config.traffic.averagePacketDelayMs);
      const { surb, replyKey } = createSurb({
        route,
        delaysNs: d.ns,
        destination: { address: this.keys.identityPublic, surbId: this.rng(16) },
        random: this.rng,
        backend: this.crypto,
      });
      keys.push({ digest: replyKeyDigest(replyKey.encryptionKey), key: replyKey.encryptionKey, tag });
      out.push(surbToBytes(surb));
    }
    this.opts.replyStore.putReplyKeys(keys, this.now());
    return out;
  }

  // ------------------------------------------------------------------ receiving

  private onPayload(p: Uint8Array): void {
    try {
      if (p.length === ACK_PAYLOAD_LEN) return this.onAck(p);
      const opened = splitPayload(p, 0);
      const reply = this.opts.replyStore.takeReplyKey(opened.keySlot);
      const fragBytes = reply
        ? openReply(this.crypto, opened, reply.key)
        : openRegular(this.crypto, opened, this.keys.encryptionSecret, this.keys.encryptionPublic);
      if (
        fragBytes.length >= 4 &&
        fragBytes[0] === 0 &&
        fragBytes[1] === 0 &&
        fragBytes[2] === 0 &&
        fragBytes[3] === 0
      )
        return; // loop cover
      const frag = decodeFragment(fragBytes);
      const r = this.reassembler.insert(frag, this.now());
      if (r.kind === 'duplicate') this.stats.duplicates++;
      if (r.kind !== 'complete') return;
      this.onMessageComplete(decodeMessage(unpadMessage(r.data)), reply?.tag);
    } catch (e) {
      this.stats.malformed++;
      this.log.debug({ err: (e as Error).message, len: p.length }, 'dropped malformed payload');
    }
  }

  private onAck(p: Uint8Array): void {
    const id = openAckId(this.crypto, this.keys.ackKey, p);
    if (id.setId === 0) return; // ack of loop cover
    this.stats.acksReceived++;
    const key = fragmentIdKey(id);
    this.routeOutcome(key, true);
    const done = this.tracker.ack(key, this.now());
    if (done !== undefined && this.queue.length > 0) this.kick();
    if (typeof done === 'number') {
      const pm = this.pending.get(done);
      this.pending.delete(done);
      pm?.resolve();
    }
  }

  private onMessageComplete(m: ClientMessage, replyTag: Uint8Array | undefined): void {
    this.stats.received++;
    switch (m.kind) {
      case 'plain':
        return this.emit({ message: m.data, kind: 'plain' });
      case 'repliable':
        if (m.surbs.length) this.addSurbs(m.senderTag, m.surbs);
        return this.emit({ message: m.data, senderTag: m.senderTag, kind: 'repliable' });
      case 'additionalSurbs':
        return this.addSurbs(m.senderTag, m.surbs);
      case 'reply':
        return this.emit({ message: m.data, kind: 'reply' });
      case 'surbRequest': {
        // the other side is running low on our SURBs: send more to it
        if (!replyTag) return;
        const recipient = this.recipientForTag(replyTag);
        if (!recipient) return;
        const surbs = this.makeReplySurbs(replyTag, Math.min(m.amount, 100));
        this.sendClientMessage(recipient, { kind: 'additionalSurbs', senderTag: replyTag, surbs }, {}).catch(
          (e) => this.log.warn({ err: (e as Error).message }, 'additional SURBs not delivered'),
        );
        return;
      }
    }
  }

  private recipientForTag(tag: Uint8Array): Recipient | undefined {
    const addr = this.opts.replyStore.recipientForTag(tag);
    if (!addr) return undefined;
    try {
      return parseRecipient(addr);
    } catch {
      return undefined;
    }
  }

  private addSurbs(tag: Uint8Array, surbs: Uint8Array[]): void {
    this.opts.replyStore.addSurbs(tag, surbs, this.now());
    for (const w of [...this.surbWaiters]) w();
  }

  private emit(m: ReceivedMessage): void {
    if (this.messageListeners.size === 0) {
      if (this.unclaimed.length < MAX_UNCLAIMED) this.unclaimed.push(m);
      else this.log.warn({}, 'no listener: received message dropped');
      return;
    }
    for (const l of this.messageListeners) {
      try {
        l(m);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'message listener threw');
      }
    }
  }
}

function idOf(f: { header: { setId: number; index: number } }): FragmentId {
  return { setId: f.header.setId, index: f.header.index };
}

export { NoRouteError, tagKey, GatewayConnectError };
