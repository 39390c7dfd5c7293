/**
 * The link to our gateway, around one `GatewaySession` at a time (Nym's
 * common/client-core/src/client/base_client/ gateway setup and mix_traffic/):
 *
 * - choice: the configured gateway, else the one registered with before, else the fastest
 *   to answer a probe, all candidates at once (Nym #3710);
 * - connection: re-authenticate with the stored shared key, or register (again, when the
 *   gateway forgot us) and persist the registration;
 * - reconnection after an unclean close, with exponential backoff (`reconnect` config),
 *   each new session replacing the stale one; giving up after `maxAttempts`;
 * - bandwidth: what the gateway will still forward for us (Sphinx bytes), topped up with a
 *   credential before it runs out; sending waits while it is too low.
 */
import { defaultAead } from '../crypto/index.js';
import type { Aead } from '../gateway/protocol/index.js';
import { Geometry } from '../sphinx/index.js';
import type { GatewayEntry, Topology } from '../topology/index.js';
import { Timers, sleepOn, type Clock } from './clock.js';
import { backoffDelay, type ClientConfig } from './config.js';
import type { RandomBytes } from './crypto.js';
import { AbortedError, GatewayLostError, NoGatewayError, errorCode, throwIfAborted } from './errors.js';
import { GatewaySession, probeGateway } from './gateway-session.js';
import type { ClientKeys, KeyStore, StoredState } from './identity.js';
import type { ClientStats } from './stats.js';
import { silentLogger, type Logger, type WebSocketFactory } from './transport.js';

/** Where the client gets bandwidth credentials (see bandwidth.ts for the Coconut one). */
export interface CredentialSource {
  /** A credential payload for the gateway; call `spent()` once the gateway took it. */
  next(keys: ClientKeys, signal?: AbortSignal): Promise<{ payload: Uint8Array; spent(): void }>;
}

/** After a failed top-up, wait this long before the next attempt. */
const TOP_UP_RETRY_MS = 1000;

export type LinkConfig = Pick<
  ClientConfig,
  | 'handshakeTimeoutMs'
  | 'gatewayProbeTimeoutMs'
  | 'reconnect'
  | 'bandwidthLowWatermark'
  | 'credentialTimeoutMs'
  | 'packetSize'
>;

export interface GatewayLinkOptions {
  readonly config: LinkConfig;
  readonly keyStore: KeyStore;
  readonly wsFactory: WebSocketFactory;
  /** Rewrites a gateway's websocket URL (e.g. wss behind a proxy). */
  readonly gatewayUrl?: (g: GatewayEntry) => string;
  /** Absent: a free-bandwidth gateway is assumed. */
  readonly credentials?: CredentialSource;
  /** Session AEAD for gateway frames (default `defaultAead`). */
  readonly aead?: Aead;
  readonly rng: RandomBytes;
  readonly now: () => number;
  readonly clock: Clock;
  readonly stats: ClientStats;
  readonly log?: Logger;
  /** Ask the gateway for delivery receipts: `onPayload` returns once the payload is durable. */
  readonly receipts?: boolean;
  /** A payload the gateway pushed to us. */
  onPayload(p: Uint8Array): void;
  /** Sending may go on (connected, reconnected, topped up, or worth a retry). */
  onWritable(): void;
  /** Every reconnect attempt failed: the client cannot go on. */
  onGiveUp(err: GatewayLostError): void;
}

export class GatewayLink {
  private entry: GatewayEntry | undefined;
  private stored!: StoredState;
  private current: GatewaySession | undefined;
  private reconnectingNow = false;
  private closed = false;
  private readonly lifetime = new AbortController();
  private readonly timers: Timers;
  private readonly log: Logger;
  /** what the gateway will still forward for us, as it counts (Sphinx packet bytes) */
  private bandwidthLeft = 0;
  private topUp: Promise<void> | undefined;
  private topUpFailedAt = -Infinity;

  constructor(private readonly o: GatewayLinkOptions) {
    this.timers = new Timers(o.clock);
    this.log = o.log ?? silentLogger;
  }

  get gateway(): GatewayEntry | undefined {
    return this.entry;
  }

  /** The current session (undefined while reconnecting). */
  get session(): GatewaySession | undefined {
    return this.current;
  }

  get reconnecting(): boolean {
    return this.reconnectingNow;
  }

  get writable(): boolean {
    return !!this.current?.open;
  }

  /** Bytes queued in the socket, not yet on the wire. */
  get backlogBytes(): number {
    return this.current?.bufferedAmount ?? 0;
  }

  get bandwidth(): number {
    return this.bandwidthLeft;
  }

  /** Choose the gateway (`wanted` identity first) and connect; keys and registration from `stored`. */
  async open(stored: StoredState, topology: Topology, wanted?: string, signal?: AbortSignal): Promise<void> {
    this.stored = stored;
    this.entry = await this.choose(topology, wanted ?? stored.gateway?.gatewayIdentity, signal);
    await this.connect(signal);
  }

  private urlOf(g: GatewayEntry): string {
    if (this.o.gatewayUrl) return this.o.gatewayUrl(g);
    const host = g.host.includes(':') ? `[${g.host}]` : g.host;
    return `ws://${host}:${g.clientsPort}`;
  }

  private async choose(
    topo: Topology,
    wanted: string | undefined,
    signal?: AbortSignal,
  ): Promise<GatewayEntry> {
    if (wanted) return topo.gatewayByIdentity(wanted);
    const candidates = topo.gateways;
    if (candidates.length === 0) throw new NoGatewayError(0);
    if (candidates.length === 1) return candidates[0];
    const { wsFactory, config, now } = this.o;
    const rtts = await Promise.all(
      candidates.map((g) =>
        probeGateway(wsFactory, this.urlOf(g), config.gatewayProbeTimeoutMs, now, signal),
      ),
    );
    throwIfAborted(signal, 'gateway selection');
    let best = -1;
    rtts.forEach((r, i) => {
      if (r !== undefined && (best < 0 || r < rtts[best]!)) best = i;
    });
    if (best < 0) throw new NoGatewayError(candidates.length);
    this.log.info({ gateway: candidates[best].identityKey, rttMs: rtts[best] }, 'gateway chosen by latency');
    return candidates[best];
  }

  private async connect(signal?: AbortSignal): Promise<void> {
    const g = this.entry!;
    const url = this.urlOf(g);
    const reg = this.stored.gateway?.gatewayIdentity === g.identityKey ? this.stored.gateway : undefined;
    const base = {
      url,
      gatewayIdentity: g.identityKeyBytes,
      keys: this.stored.keys,
      wsFactory: this.o.wsFactory,
      rng: this.o.rng,
      timeoutMs: this.o.config.handshakeTimeoutMs,
      now: this.o.now,
      aead: this.o.aead ?? defaultAead,
      // without credentials, free bandwidth is claimed (where the gateway grants it)
      claimFreeBandwidth: !this.o.credentials,
      receipts: this.o.receipts,
      signal,
    };
    let session: GatewaySession;
    try {
      session = await GatewaySession.connect({ ...base, sharedKey: reg?.sharedKey });
    } catch (e) {
      // the gateway forgot us (or never knew): register afresh
      if (reg && errorCode(e) === 'unknown_client') session = await GatewaySession.connect(base);
      else throw e;
    }
    if (this.closed) {
      session.close();
      throw new AbortedError('gateway connect');
    }
    if (session.registered) {
      this.stored = {
        ...this.stored,
        gateway: { gatewayIdentity: g.identityKey, sharedKey: session.sharedKey, url },
      };
      await this.o.keyStore.save(this.stored);
    }
    this.install(session);
    this.log.info(
      { gateway: g.identityKey, registered: session.registered, bandwidth: session.bandwidthRemaining },
      'connected to gateway',
    );
    this.bandwidthLeft = session.bandwidthRemaining;
    if (this.bandwidthLeft < this.o.config.bandwidthLowWatermark && this.o.credentials)
      await this.topUpBandwidth(signal);
    this.o.onWritable();
  }

  /** The new session replaces the current one, which is closed if still around. */
  private install(session: GatewaySession): void {
    const stale = this.current;
    this.current = session;
    if (stale && stale !== session) stale.close();
    session.attach({
      onReceived: (p) => this.o.onPayload(p),
      onText: (m) => {
        if (m.type !== 'error') return;
        this.log.warn({ code: m.code, msg: m.message }, 'gateway error');
        if (m.code === 'out_of_bandwidth') void this.topUpBandwidth();
      },
      onClose: (clean, reason) => {
        if (!clean) this.lost(session, reason);
      },
    });
  }

  /** Send one built mix packet; the caller checked `writable` and `haveBandwidth`. */
  send(mixPacket: Uint8Array, sphinxBytes: number): void {
    this.current!.sendMixPacket(mixPacket);
    this.bandwidthLeft -= sphinxBytes;
  }

  /** False (and a top-up starts) when the next packet would overdraw our bandwidth. */
  haveBandwidth(): boolean {
    if (!this.o.credentials) return true;
    if (
      this.bandwidthLeft < this.o.config.bandwidthLowWatermark &&
      this.o.now() - this.topUpFailedAt >= TOP_UP_RETRY_MS
    )
      void this.topUpBandwidth();
    return this.bandwidthLeft >= Geometry.of(this.o.config.packetSize).packetLength;
  }

  /** Deposit, obtain and show a credential; one at a time. Sending waits for it. */
  private topUpBandwidth(signal?: AbortSignal): Promise<void> {
    const source = this.o.credentials;
    if (!source || !this.current) return Promise.resolve();
    this.topUp ??= (async () => {
      try {
        const cred = await source.next(this.stored.keys, signal ?? this.lifetime.signal);
        const s = this.current;
        if (!s) return;
        try {
          this.bandwidthLeft = await s.sendCredential(cred.payload, this.o.config.credentialTimeoutMs);
          cred.spent();
        } catch (e) {
          // a credential the gateway calls spent is of no further use
          if (errorCode(e) === 'credential_spent') cred.spent();
          throw e;
        }
        this.o.stats.credentials++;
        this.log.info({ total: this.bandwidthLeft }, 'bandwidth topped up');
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'bandwidth top-up failed');
        this.topUpFailedAt = this.o.now();
        this.timers.after(TOP_UP_RETRY_MS, () => this.o.onWritable());
      } finally {
        this.topUp = undefined;
        this.o.onWritable();
      }
    })();
    return this.topUp;
  }

  /** The current session's socket died: drop it (closing what is left) and reconnect. */
  private lost(session: GatewaySession, reason: string): void {
    if (this.closed || this.current !== session) return; // a replaced session's late close
    this.log.warn({ reason }, 'gateway connection lost; reconnecting');
    this.current = undefined;
    session.close();
    this.reconnectingNow = true;
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const cfg = this.o.config.reconnect;
    let attempt = 0;
    for (; attempt < cfg.maxAttempts && !this.closed; attempt++) {
      try {
        await sleepOn(this.o.clock, backoffDelay(cfg, attempt), this.lifetime.signal);
        await this.connect(this.lifetime.signal);
        this.reconnectingNow = false;
        this.o.stats.reconnects++;
        return;
      } catch (e) {
        if (this.closed) return;
        this.log.warn({ attempt, err: (e as Error).message }, 'reconnect failed');
      }
    }
    if (this.closed) return;
    this.log.error({ attempts: attempt }, 'giving up on the gateway');
    this.o.onGiveUp(new GatewayLostError(this.entry?.identityKey ?? '?', attempt));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    this.timers.stop();
    this.current?.close();
    this.current = undefined;
  }
}
