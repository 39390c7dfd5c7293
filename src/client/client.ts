/**
 * The client core shared by every front end (native websocket API, SDK, SOCKS5): a facade
 * over parts that are each testable alone, split as Nym's common/client-core/src/client/:
 * routes.ts (topology, route choice, node health), gateway-link.ts (gateway session,
 * reconnection, bandwidth), packet-builder.ts (fragments → Sphinx packets with SURB-acks),
 * traffic.ts (Poisson and loop cover streams), ack-control.ts (acks, retransmission),
 * replies.ts (reply SURBs, sender tags), receiver.ts and received-buffer.ts (receiving).
 *
 * No Node-only imports here: websockets, storage and crypto come in through options, so the
 * same core runs in the browser SDK.
 */
import type { GatewayEntry, Topology } from '../topology/index.js';
import { defaultBackend } from '../crypto/index.js';
import { recipientGatewayId, type Recipient } from './address.js';
import { AckControl } from './ack-control.js';
import { Timers } from './clock.js';
import { resolveConfig, type ClientConfig } from './config.js';
import { coreContext, type CoreContext } from './core-options.js';
import type { ClientState, MixnetClientCoreOptions, SendOptions } from './core-options.js';
import { AbortedError, InvalidStateError, NotConnectedError, throwIfAborted } from './errors.js';
import type { DeliveryFailedError } from './errors.js';
import { GatewayLink, type CredentialSource } from './gateway-link.js';
import { addressOf, generateKeys, type ClientKeys } from './identity.js';
import {
  plainMessage,
  repliableMessage,
  replyMessage,
  requiredPackets,
  type NymMessage,
} from '../nymsphinx/index.js';
import { PacketBuilder, type RealPacket } from './packet-builder.js';
import { ReceivedBuffer, type Listener, type ReceivedMessage } from './received-buffer.js';
import { Receiver } from './receiver.js';
import { ReplyController, SURB_LIST_VERSION } from './replies.js';
import { Routes } from './routes.js';
import { newStats } from './stats.js';
import { TrafficPump } from './traffic.js';

export { FRAGMENT_LEN, fragmentLength } from './packet-builder.js';
export { NoRouteError } from '../topology/index.js';
export { tagKey } from './store.js';
export { GatewayConnectError } from './errors.js';
export type { ClientState, CredentialSource, MixnetClientCoreOptions, ReceivedMessage, SendOptions };

export class MixnetClientCore {
  readonly config: ClientConfig;
  readonly stats = newStats();
  private stateValue: 'new' | 'connecting' | 'running' | 'closed' = 'new';
  private readonly ctx: CoreContext;
  private readonly timers: Timers;
  private readonly buffer: ReceivedBuffer;
  private readonly routes: Routes;
  private readonly link: GatewayLink;
  private readonly acks: AckControl<RealPacket>;
  private readonly traffic: TrafficPump;
  private readonly replies: ReplyController;
  /** The parts that need our keys, made once they are loaded. */
  private builder!: PacketBuilder;
  private addressCache: { gateway: GatewayEntry; address: Recipient } | undefined;
  private receiver!: Receiver;

  constructor(private readonly opts: MixnetClientCoreOptions) {
    const config = (this.config = resolveConfig(opts.config));
    const ctx = (this.ctx = coreContext(opts, this.stats));
    this.timers = new Timers(ctx.clock);
    this.buffer = new ReceivedBuffer(ctx.log);
    this.routes = new Routes({ ...config, ...ctx, source: opts.topology });
    this.acks = new AckControl<RealPacket>({
      ...config,
      ...ctx,
      resend: (packet) => this.traffic.pushFront(packet),
      routeOutcome: (key, ok) => this.routes.health.outcome(key, ok, ctx.now()),
      forgetRoutes: (pending) => this.routes.health.forgetUnless(pending),
      wake: () => this.traffic.kick(),
    });
    this.link = new GatewayLink({
      ...opts,
      ...ctx,
      config,
      receipts: opts.inbound !== undefined,
      onPayload: (p) => {
        // a fragment the gateway will be told we hold must outlive a crash (delivered-store.ts),
        // a reply's with the key it used up
        if (this.receiver.payload(p) === 'incomplete')
          opts.inbound?.keepFragment(p, ctx.now(), this.receiver.replyKeyUsed);
      },
      onWritable: () => this.traffic.kick(),
      onGiveUp: () => void this.stop(),
    });
    const cover = () => this.builder.cover();
    this.traffic = new TrafficPump({ ...config, ...ctx, link: this.link, acks: this.acks, cover });
    this.replies = new ReplyController({
      ...config,
      ...ctx,
      store: opts.replyStore,
      makeSurb: () => this.builder.replySurb(),
      self: () => this.builder.self(),
      sendTo: (recipient, m) => this.sendClientMessage(recipient, m, {}),
      sendThroughSurbs: async (senderTag, m) =>
        this.enqueue(this.builder.packets(m, { kind: 'reply', senderTag })),
    });
  }

  get state(): ClientState {
    if (this.stateValue !== 'running') return this.stateValue;
    return this.link.reconnecting ? 'reconnecting' : 'connected';
  }

  get address(): Recipient {
    const gw = this.link.gateway;
    if (!gw || !this.builder) throw new NotConnectedError(this.state);
    // one object per gateway, so that its string form is written once (address.ts)
    if (this.addressCache?.gateway !== gw)
      this.addressCache = { gateway: gw, address: addressOf(this.builder.keys, gw.identityKeyBytes) };
    return this.addressCache.address;
  }

  get topology(): Topology | undefined {
    return this.routes.topology;
  }

  get gateway(): GatewayEntry | undefined {
    return this.link.gateway;
  }

  /** The current gateway session (tests reach its socket). */
  private get session() {
    return this.link.session;
  }

  get queueLength(): number {
    return this.traffic.length;
  }

  get pendingMessages(): number {
    return this.acks.pendingMessages;
  }

  /** Reassembly state: incomplete sets, and completed set ids remembered against late duplicates. */
  get reassembly(): { incomplete: number; remembered: number; evicted: number; idCollisions: number } {
    if (!this.receiver) return { incomplete: 0, remembered: 0, evicted: 0, idCollisions: 0 };
    const r = this.receiver.remembered;
    return {
      incomplete: this.receiver.incomplete,
      remembered: r.sets,
      evicted: r.evicted,
      idCollisions: r.idCollisions,
    };
  }

  /** Received messages; those that arrive while nobody listens go to the first listener. */
  onMessage(l: Listener<ReceivedMessage>): () => void {
    return this.buffer.subscribe(l);
  }

  /** Messages that exhausted their retransmissions (also rejected from `send`). */
  onFailure(l: Listener<DeliveryFailedError>): () => void {
    return this.acks.onFailure(l);
  }

  /** With no application attached, cover traffic slows down by `idleCoverSlowdown`. */
  setIdle(idle: boolean): void {
    this.traffic.setIdle(idle);
  }

  /** Load or create keys, fetch topology, choose and connect to the gateway. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.stateValue !== 'new') throw new InvalidStateError('start', this.stateValue);
    this.stateValue = 'connecting';
    try {
      throwIfAborted(signal, 'start');
      const loaded = await this.opts.keyStore.load();
      const stored = loaded ?? { keys: generateKeys(this.ctx.rng) };
      if (!loaded) await this.opts.keyStore.save(stored);
      this.wire(stored.keys);
      // fragments kept by the last run (already kept: their outcome is not kept again)
      for (const f of this.opts.inbound?.keptFragments() ?? []) this.receiver.replay(f.payload, f.replyKey);
      await this.routes.refresh(signal);
      this.routes.assertRoutable(); // fail fast and typed when no route exists (Nym #1774, #1810)
      await this.link.open(stored, this.routes.topology!, this.opts.gateway, signal);
    } catch (e) {
      await this.stop();
      // whatever the aborted step threw (fetch's DOMException, a socket error), say so typed
      if (signal?.aborted && !(e instanceof AbortedError)) throw new AbortedError('start');
      throw e;
    }
    this.stateValue = 'running';
    this.routes.startRefreshing();
    this.maintain();
    this.traffic.start();
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    for (const part of [this.timers, this.routes, this.traffic, this.acks, this.replies]) part.stop();
    this.link.close();
  }

  private wire(keys: ClientKeys): void {
    const { config, opts, ctx, replies, acks, buffer } = this;
    const crypto = opts.crypto ?? defaultBackend;
    this.builder = new PacketBuilder({
      ...config,
      ...config.traffic,
      ...ctx,
      crypto,
      keys,
      routes: this.routes,
      ownGateway: () => this.link.gateway!,
      takeSurb: (tag) => replies.takeSurb(tag),
      surbCount: (tag) => this.opts.replyStore.surbCount(tag),
    });
    this.receiver = new Receiver({
      ...config,
      ...ctx,
      crypto,
      keys,
      takeReplyKey: (digest) => replies.takeReplyKey(digest),
      onAck: (key) => acks.acked(key),
      onMessage: (m, setIds) => {
        const forApp = replies.received(m);
        if (forApp) buffer.deliver({ ...forApp, setIds });
      },
    });
  }

  /** Once a second: expire stale fragment sets and old reply state. */
  private maintain(): void {
    this.timers.after(1000, () => {
      const now = this.ctx.now();
      this.receiver.expire(now);
      this.opts.inbound?.pruneFragments(now - this.config.reassemblyTimeoutMs);
      this.replies.prune(now);
      this.maintain();
    });
  }

  private checkReady(signal?: AbortSignal): void {
    throwIfAborted(signal, 'send');
    if (this.stateValue !== 'running') throw new NotConnectedError(this.state);
    this.routes.assertRoutable(); // typed NoRouteError now rather than a silent wait
  }

  /** Send `message` to `recipient`; resolves once every fragment is acknowledged. */
  send(recipient: Recipient, message: Uint8Array, opts: SendOptions = {}): Promise<void> {
    return this.sendClientMessage(recipient, plainMessage(message), opts);
  }

  /** Send with reply SURBs: the recipient sees our sender tag, never our address, and can `reply`. */
  async sendAnonymous(recipient: Recipient, message: Uint8Array, replySurbs: number, opts: SendOptions = {}) {
    this.checkReady(opts.signal);
    const senderTag = this.replies.senderTagFor(recipient);
    const surbs = this.replies.makeReplySurbs(senderTag, replySurbs);
    return this.sendClientMessage(
      recipient,
      repliableMessage(message, senderTag, surbs, SURB_LIST_VERSION),
      opts,
    );
  }

  /** Answer an anonymous sender through the reply SURBs it gave us. */
  async reply(senderTag: Uint8Array, message: Uint8Array, opts: SendOptions = {}): Promise<void> {
    this.checkReady(opts.signal);
    const reply = replyMessage(message);
    const required = requiredPackets(reply, this.config.packetSize);
    const delivered = await this.replies.prepareReply(senderTag, required, opts.signal, () => {
      this.checkReady(opts.signal);
      return this.enqueue(this.builder.packets(reply, { kind: 'reply', senderTag }), opts.signal);
    });
    return delivered!;
  }

  private async sendClientMessage(recipient: Recipient, m: NymMessage, opts: SendOptions): Promise<void> {
    this.checkReady(opts.signal);
    const gateway = recipientGatewayId(recipient);
    await this.routes.ensureGateway(gateway, opts.signal);
    this.checkReady(opts.signal);
    this.routes.gateway(gateway); // an unknown gateway: typed GatewayNotFoundError now
    return this.enqueue(this.builder.packets(m, { kind: 'forward', recipient }), opts.signal);
  }

  private enqueue(packets: RealPacket[], signal?: AbortSignal): Promise<void> {
    const delivered = this.acks.track(packets, signal);
    for (const p of packets) this.traffic.push(p);
    this.traffic.kick();
    return delivered;
  }
}
