/**
 * An authenticated client connection (Nym's gateway/src/node/client_handling/websocket/
 * connection_handler/authenticated.rs): forwards the client's mix packets into the mixnet
 * and answers each with `send {remaining_bandwidth}`, grants bandwidth (free claims, Coconut
 * credentials), answers sealed requests, and pushes delivered messages. Every error is
 * answered and the connection continues, as Nym's handler does.
 *
 * Proof of the key on this connection. An authenticateV2 frame is not bound to the socket
 * that carries it: a captured, not yet used one is accepted from any socket (its timestamp
 * then spends it). So a session opened by authenticateV2 pushes nothing, neither stored nor
 * live messages (they stay in the store), until the client has shown on this connection that
 * it holds the shared key: its first sealed request that opens under the key (a
 * ForwardSphinx frame, a bandwidth credential, or an encryptedRequest such as RememberMe).
 * Until then it also does not keep its place against a newer authentication (no ping: the
 * newcomer takes over), so a thief cannot hold the inbox either. A registration proves the
 * key in its handshake. Nym's gateway pushes at once; Nym's clients send loop cover (sealed)
 * as soon as they connect, and Nymph's client sends RememberMe.
 *
 * Delivery receipts (protocol/messages.ts, a Nymph extension). A client that asks for them
 * gets every later push recorded in a `PushLedger` (receipts.ts), and every frame it is
 * pushed is a stored message, deleted only when the client's `received {count}` covers it:
 * messages that arrive while it is connected are stored (in the final hop's per-turn
 * transaction, before their SURB-acks leave: delivery.ts) and pushed from the store
 * (`stored`), so a gateway killed with pushes unconfirmed pushes them again after its restart.
 * Nym's clients never ask and are served as Nym's gateway serves them (a stored message is
 * deleted once its frame is written, live ones are pushed without being stored).
 */
import {
  ClientBandwidth,
  ClientRegistry,
  FREE_TESTNET_BANDWIDTH,
  type ConnectedClient,
  type GatewayContext,
} from './context.js';
import { PushLedger, type PushedEntry } from './receipts.js';
import type { StoredMessage } from './store.js';
import { CLOSE_REPLACED, type SessionSocket, type SocketEvents } from './session-socket.js';
import {
  CredentialInvalidError,
  DELIVERY_RECEIPTS_VERSION,
  FreeBandwidthDisabledError,
  GatewayProtocolError,
  IllegalRequestError,
  InternalGatewayError,
  KeyAlreadyUpgradedError,
  MessageTooLargeError,
  PROTOCOL_VERSION,
  ReceiptsNotEnabledError,
  ReceiptsVersionError,
  decodeForwardFrame,
  encodeGatewayResponse,
  encodePushedFrame,
  errorResponse,
  openCredential,
  openSensitiveRequest,
  parseClientRequest,
  sealSensitiveResponse,
  type BandwidthCredentialRequest,
  type ClientRequest,
  type EncryptedRequest,
  type GatewayResponse,
} from './protocol/index.js';

export interface AuthenticatedDetails {
  readonly clientIdentity: Uint8Array;
  readonly sharedKey: Uint8Array;
  /** The protocol version agreed in register/authenticate. */
  readonly negotiatedProtocol: number;
  /** authenticateV2's timestamp, or the registration time (Nym's session_request_timestamp). */
  readonly sessionTimestampSeconds: number;
  readonly bandwidth: number;
  /** The client has shown on this connection that it holds the key (a registration's handshake). */
  readonly proven: boolean;
}

/**
 * With receipts, the drain pushes at most this many stored messages beyond the last
 * confirmed one (in inbox batches), and waits this long for a receipt before it stops
 * (the unconfirmed ones stay stored for the next session).
 */
const RECEIPT_WINDOW_BATCHES = 2;
const RECEIPT_WAIT_MS = 30_000;

/** Nym's names of requests that have no place after authentication. */
const ILLEGAL_AFTER_AUTH: Partial<Record<ClientRequest['type'], string>> = {
  authenticate: 'Authenticate',
  authenticateV2: 'AuthenticateV2',
  handshakePayload: 'RegisterHandshakeInitRequest',
  handshakeError: 'HandshakeError',
};

export class AuthenticatedSession implements SocketEvents, ConnectedClient {
  readonly id: string;
  readonly clientIdentity: Uint8Array;
  readonly sessionTimestampSeconds: number;
  readonly negotiatedProtocol: number;
  private readonly key: Uint8Array;
  private readonly bandwidth: ClientBandwidth;
  private closed = false;
  private drainingNow = false;
  private proven: boolean;
  private pendingPing: { tag: Uint8Array; resolve: (r: 'active' | 'notActive') => void } | undefined;
  /** Set once the client asked for delivery receipts. */
  private receipts: PushLedger | undefined;
  /** The drain waiting for receipts to open its window. */
  private receiptWaiter: (() => void) | undefined;
  /** The inbox id of the last message pushed: the drain reads on from there. */
  private lastPushedId = 0;
  /** With receipts: stored messages were not pushed (the window was full); a receipt drains them. */
  private behind = false;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly socket: SessionSocket,
    d: AuthenticatedDetails,
  ) {
    this.clientIdentity = d.clientIdentity;
    this.id = ClientRegistry.id(d.clientIdentity);
    this.key = d.sharedKey;
    this.negotiatedProtocol = d.negotiatedProtocol;
    this.sessionTimestampSeconds = d.sessionTimestampSeconds;
    this.proven = d.proven;
    this.bandwidth = new ClientBandwidth(ctx.store, d.clientIdentity, d.bandwidth);
    ctx.clients.set(this.id, this);
  }

  get holdsLive(): boolean {
    return this.drainingNow || !this.proven;
  }

  get receiptsOn(): boolean {
    return this.receipts !== undefined;
  }

  /** Frames a receipt client may have unconfirmed before pushes wait (in the store). */
  private get receiptWindow(): number {
    return this.ctx.limits.inboxBatch * RECEIPT_WINDOW_BATCHES;
  }

  /** Whether the client has proven on this connection that it holds the key. */
  get keyProven(): boolean {
    return this.proven;
  }

  /** Starts serving: a proven client gets its stored messages at once, others once proven. */
  start(): void {
    if (this.proven) void this.drain();
  }

  /** A sealed request opened under the key: from now on this socket gets the client's messages. */
  private keyShown(): void {
    if (this.proven) return;
    this.proven = true;
    // after the request that proved it is handled (a ForgetMe empties the inbox first)
    queueMicrotask(() => void this.drain());
  }

  get availableBandwidth(): number {
    return this.bandwidth.available;
  }

  // ------------------------------------------------------------------ events

  onText(text: string): void {
    if (this.closed) return;
    if (text.length > this.ctx.limits.maxMessageBytes)
      return this.fail(new MessageTooLargeError(text.length, this.ctx.limits.maxMessageBytes));
    let req: ClientRequest;
    try {
      req = parseClientRequest(text);
      // at once, not after a microtask: a receipt counts frames in the order they were sent
      if (req.type === 'deliveryReceipts') return this.enableReceipts(req.version);
      if (req.type === 'received') return this.confirmReceived(req.count);
    } catch (e) {
      return this.fail(e);
    }
    this.handle(req).then(
      (r) => r && this.send(r),
      (e: unknown) => this.fail(e),
    );
  }

  onBinary(data: Uint8Array): void {
    if (this.closed) return;
    try {
      if (data.length > this.ctx.limits.maxMessageBytes)
        throw new MessageTooLargeError(data.length, this.ctx.limits.maxMessageBytes);
      const mp = decodeForwardFrame(data, this.key, this.ctx.aead);
      this.keyShown();
      // Nym charges the Sphinx packet's length (handle_forward_sphinx)
      const remaining = this.bandwidth.use(mp.packet.length);
      this.ctx.metrics.clientPackets.inc();
      // the frame buffer is the socket's; the outbound queue keeps the packet
      this.ctx.forward(mp.nextHop, mp.packet.slice(), mp.keyRotation);
      this.send({ type: 'send', remainingBandwidth: remaining });
    } catch (e) {
      this.fail(e);
    }
  }

  onPong(data: Uint8Array): void {
    const p = this.pendingPing;
    if (!p || p.tag.length !== data.length || p.tag.some((b, i) => b !== data[i])) return;
    this.pendingPing = undefined;
    p.resolve('active');
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.bandwidth.flush();
    this.pendingPing?.resolve('notActive');
    this.receiptWaiter?.();
    // what was pushed and not confirmed is still stored: the next session pushes it again
    this.receipts?.takeUnconfirmed();
    this.ctx.clients.remove(this.id, this);
  }

  // ---------------------------------------------------------------- receipts

  /** `deliveryReceipts`: from the answer on, pushes wait for the client's receipts. */
  private enableReceipts(version: number): void {
    if (version < DELIVERY_RECEIPTS_VERSION)
      throw new ReceiptsVersionError(version, DELIVERY_RECEIPTS_VERSION);
    this.receipts ??= new PushLedger();
    this.send({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
  }

  /** `received {count}`: the confirmed messages leave the inbox in one transaction. */
  private confirmReceived(count: number): void {
    if (!this.receipts) throw new ReceiptsNotEnabledError();
    const done = this.receipts.confirm(count);
    if (done.length === 0) return;
    try {
      this.ctx.store.deleteMessages(done.map((e) => e.id));
    } catch (e) {
      // the store closed under a stopping gateway: they stay and come again (the client drops them)
      this.ctx.logger.warn(
        { err: (e as Error).message, client: this.id },
        'could not delete confirmed messages',
      );
    }
    this.ctx.metrics.delivered.inc(done.length);
    const wake = this.receiptWaiter;
    this.receiptWaiter = undefined;
    wake?.();
    // messages stored while the window was full: the drain pushes them, in inbox order
    if (this.behind && !this.drainingNow && this.serving()) {
      this.behind = false;
      void this.drain();
    }
  }

  /** Resolves when a receipt arrives or the session closes; false after `RECEIPT_WAIT_MS`. */
  private receiptOrClose(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.receiptWaiter = undefined;
        resolve(false);
      }, RECEIPT_WAIT_MS);
      this.receiptWaiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  // ---------------------------------------------------------------- requests

  private async handle(req: ClientRequest): Promise<GatewayResponse | undefined> {
    switch (req.type) {
      case 'supportedProtocol':
        return { type: 'supportedProtocol', version: PROTOCOL_VERSION };
      case 'claimFreeTestnetBandwidth':
        if (!this.ctx.freeBandwidth) throw new FreeBandwidthDisabledError();
        this.ctx.metrics.freeClaims.inc();
        return { type: 'bandwidth', availableTotal: this.bandwidth.add(FREE_TESTNET_BANDWIDTH) };
      case 'bandwidthCredential':
        return this.redeem(req);
      case 'bandwidthCredentialV2':
        throw new IllegalRequestError(
          'bandwidthCredentialV2 is not supported here: present a Coconut bandwidthCredential',
        );
      case 'ecashCredential':
        throw new IllegalRequestError(
          'zk-nym (e-cash) credentials are not supported here: present a Coconut bandwidthCredential',
        );
      case 'encryptedRequest':
        return this.sensitive(req);
      default:
        throw new IllegalRequestError(
          `received illegal message of type ${ILLEGAL_AFTER_AUTH[req.type] ?? req.type} in an authenticated client`,
        );
    }
  }

  private async redeem(req: BandwidthCredentialRequest): Promise<GatewayResponse> {
    const check = this.ctx.credentials;
    const m = this.ctx.metrics.credentials;
    if (!check) {
      m.inc({ result: 'credential_invalid' });
      throw new CredentialInvalidError('this gateway does not accept credentials');
    }
    try {
      const payload = openCredential(req, this.key, this.ctx.aead);
      this.keyShown();
      await check.verifier.redeem({
        payload,
        client: this.clientIdentity,
        store: this.ctx.store,
        ledger: check.ledger,
        credit: (bytes) => {
          const total = this.bandwidth.add(bytes);
          this.bandwidth.markStored();
          return total;
        },
        nowMs: this.ctx.now(),
      });
    } catch (e) {
      m.inc({ result: e instanceof GatewayProtocolError ? e.code : 'error' });
      throw e;
    }
    m.inc({ result: 'accepted' });
    return { type: 'bandwidth', availableTotal: this.bandwidth.available };
  }

  private sensitive(req: EncryptedRequest): GatewayResponse {
    const r = openSensitiveRequest(req, this.key, this.ctx.aead);
    this.keyShown();
    switch (r.kind) {
      case 'upgradeKey':
        // only legacy AES-128-CTR keys upgrade; this gateway never issues them
        throw new KeyAlreadyUpgradedError();
      case 'forgetMe':
        if (r.client) {
          this.receipts?.takeUnconfirmed(); // its messages go with the inbox
          this.ctx.store.forgetClient(this.clientIdentity);
          this.ctx.clients.forget(this.id);
        }
        return sealSensitiveResponse('ForgetMeAck', this.key, this.ctx.random, this.ctx.aead);
      case 'rememberMe':
        return sealSensitiveResponse('RememberMeAck', this.key, this.ctx.random, this.ctx.aead);
    }
  }

  // ----------------------------------------------------------------- replies

  private send(m: GatewayResponse): void {
    if (!this.closed) this.socket.sendText(encodeGatewayResponse(m));
  }

  private fail(e: unknown): void {
    let err: GatewayProtocolError;
    if (e instanceof GatewayProtocolError) err = e;
    else {
      this.ctx.logger.error(
        { err: (e as Error)?.message, client: this.id },
        'internal error serving a client',
      );
      err = new InternalGatewayError();
    }
    this.ctx.metrics.clientErrors.inc({ code: err.code });
    this.send(errorResponse(err));
  }

  // ------------------------------------------------------- ConnectedClient

  /**
   * Nym's is-active check: a ping with a random tag, answered within the ping timeout. A
   * session that has not proven the key counts as not active without a ping (anyone holding
   * a captured authenticate frame answers pings).
   */
  isActive(): Promise<'active' | 'notActive' | 'busy'> {
    if (this.closed || !this.socket.open || !this.proven) return Promise.resolve('notActive');
    if (this.pendingPing) return Promise.resolve('busy');
    return new Promise((resolve) => {
      const tag = this.ctx.random(8);
      const timer = setTimeout(() => {
        if (this.pendingPing?.tag === tag) this.pendingPing = undefined;
        resolve('notActive');
      }, this.ctx.limits.pingTimeoutMs);
      this.pendingPing = {
        tag,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.socket.ping(tag);
    });
  }

  replace(): void {
    this.close(CLOSE_REPLACED, 'replaced by a newer connection');
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    this.onClose();
  }

  flushBandwidth(): void {
    this.bandwidth.flush();
  }

  private frame(message: Uint8Array): Uint8Array {
    return encodePushedFrame(this.key, this.ctx.random(12), message, this.ctx.aead);
  }

  /**
   * Live delivery (a client without receipts: delivery.ts); a message the socket does not
   * take goes to the inbox. With receipts on, a message is stored first and pushed from there.
   */
  push(message: Uint8Array): void {
    const copy = message.slice();
    if (this.receipts) {
      const id = this.ctx.store.storeMessage(this.clientIdentity, copy, this.ctx.now());
      this.ctx.metrics.stored.inc();
      this.stored({ id, content: copy });
      return;
    }
    this.socket.sendBinary(this.frame(copy), (err) => {
      if (err) {
        this.ctx.store.storeMessage(this.clientIdentity, copy, this.ctx.now());
        this.ctx.metrics.stored.inc();
      } else this.ctx.metrics.delivered.inc();
    });
  }

  /**
   * A message for this receipt client is stored (and its SURB-ack sent): pushed now, recorded
   * in the ledger, unless the drain is running or due (it reads the message from the store)
   * or the window of unconfirmed frames is full (a receipt starts the drain again).
   */
  stored(m: StoredMessage): void {
    const ledger = this.receipts;
    if (!ledger || !this.serving() || this.drainingNow || !this.proven) return;
    if (ledger.unconfirmed >= this.receiptWindow) {
      this.behind = true;
      return;
    }
    ledger.push({ kind: 'stored', id: m.id });
    this.lastPushedId = m.id;
    this.socket.sendBinary(this.frame(m.content));
  }

  /**
   * Pushes the inbox, read in batches past the last message pushed, one frame in flight at
   * a time (each written before the next: Node reports a write when its whole request is
   * done, and frames queued behind a busy socket would go out together).
   *
   * Without receipts (Nym's clients) a message is deleted on its own once the socket's write
   * callback says the kernel took its frame. store.ts says what a kill -9 can still do.
   * With receipts, a pushed message stays stored until the client confirms it, and the drain
   * runs at most `RECEIPT_WINDOW_BATCHES` batches ahead of the receipts.
   * A failed write stops the drain; that message and the rest stay for the next session.
   */
  async drain(): Promise<void> {
    if (this.drainingNow) return;
    const st = this.ctx.store;
    const batchSize = this.ctx.limits.inboxBatch;
    this.drainingNow = true;
    try {
      while (this.serving()) {
        if (this.receipts && !(await this.windowOpen(this.receiptWindow))) return;
        const batch = st.messagesAfter(this.clientIdentity, this.lastPushedId, batchSize);
        if (batch.length === 0) break;
        for (const m of batch) {
          if (!this.serving()) return;
          this.lastPushedId = m.id;
          const ledger = this.receipts;
          if (ledger) ledger.push({ kind: 'stored', id: m.id } satisfies PushedEntry);
          const written = await new Promise<boolean>((resolve) =>
            this.socket.sendBinary(this.frame(m.content), (err) =>
              resolve(!err && (ledger !== undefined || this.delivered(m.id))),
            ),
          );
          if (!written) return;
        }
      }
    } finally {
      this.drainingNow = false;
    }
  }

  private serving(): boolean {
    return !this.closed && this.ctx.clients.get(this.id) === this;
  }

  /** Waits until fewer than `window` pushed frames are unconfirmed; false if that does not come. */
  private async windowOpen(window: number): Promise<boolean> {
    while (this.receipts && this.receipts.unconfirmed >= window) {
      if (!this.serving()) return false;
      if (!(await this.receiptOrClose())) {
        this.ctx.logger.warn(
          { client: this.id, unconfirmed: this.receipts.unconfirmed },
          'no delivery receipt in time: the drain stops, the unconfirmed messages stay stored',
        );
        // a later receipt starts it again
        this.behind = true;
        return false;
      }
    }
    return this.serving();
  }

  /** A stored message's frame was written: it leaves the inbox (its own transaction). */
  private delivered(id: number): boolean {
    try {
      this.ctx.store.deleteMessage(id);
    } catch (e) {
      // the store closed under a stopping gateway: the message stays and comes again
      this.ctx.logger.warn(
        { err: (e as Error).message, client: this.id },
        'could not delete a pushed message',
      );
      return false;
    }
    this.ctx.metrics.delivered.inc();
    return true;
  }
}
