/**
 * An authenticated client connection (Nym's gateway/src/node/client_handling/websocket/
 * connection_handler/authenticated.rs): forwards the client's mix packets into the mixnet
 * and answers each with `send {remaining_bandwidth}`, grants bandwidth (free claims, Coconut
 * credentials), answers sealed requests, and pushes delivered messages. Every error is
 * answered and the connection continues, as Nym's handler does.
 */
import {
  ClientBandwidth,
  ClientRegistry,
  FREE_TESTNET_BANDWIDTH,
  type ConnectedClient,
  type GatewayContext,
} from './context.js';
import { CLOSE_REPLACED, type SessionSocket, type SocketEvents } from './session-socket.js';
import {
  CredentialInvalidError,
  FreeBandwidthDisabledError,
  GatewayProtocolError,
  IllegalRequestError,
  InternalGatewayError,
  KeyAlreadyUpgradedError,
  MessageTooLargeError,
  PROTOCOL_VERSION,
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
}

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
  private pendingPing: { tag: Uint8Array; resolve: (r: 'active' | 'notActive') => void } | undefined;

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
    this.bandwidth = new ClientBandwidth(ctx.store, d.clientIdentity, d.bandwidth);
    ctx.clients.set(this.id, this);
  }

  get draining(): boolean {
    return this.drainingNow;
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
      // Nym charges the Sphinx packet's length (handle_forward_sphinx)
      const remaining = this.bandwidth.use(mp.packet.length);
      this.ctx.metrics.clientPackets.inc();
      // the frame buffer is the socket's; the outbound queue keeps the packet
      this.ctx.forward(mp.nextHop, mp.packet.slice());
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
    this.ctx.clients.remove(this.id, this);
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
    switch (r.kind) {
      case 'upgradeKey':
        // only legacy AES-128-CTR keys upgrade; this gateway never issues them
        throw new KeyAlreadyUpgradedError();
      case 'forgetMe':
        if (r.client) {
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

  /** Nym's is-active check: a ping with a random tag, answered within the ping timeout. */
  isActive(): Promise<'active' | 'notActive' | 'busy'> {
    if (this.pendingPing) return Promise.resolve('busy');
    if (this.closed || !this.socket.open) return Promise.resolve('notActive');
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

  /** Live delivery; a message the socket does not take goes to the inbox. */
  push(message: Uint8Array): void {
    const copy = message.slice();
    this.socket.sendBinary(this.frame(copy), (err) => {
      if (err) {
        this.ctx.store.storeMessage(this.clientIdentity, copy, this.ctx.now());
        this.ctx.metrics.stored.inc();
      } else this.ctx.metrics.delivered.inc();
    });
  }

  /** Pushes the inbox in batches; each batch is deleted once written to the socket. */
  async drain(): Promise<void> {
    const st = this.ctx.store;
    this.drainingNow = true;
    try {
      while (!this.closed && this.ctx.clients.get(this.id) === this) {
        const batch = st.messages(this.clientIdentity, this.ctx.limits.inboxBatch);
        if (batch.length === 0) break;
        const written = await Promise.all(
          batch.map(
            (m) =>
              new Promise<boolean>((resolve) =>
                this.socket.sendBinary(this.frame(m.content), (err) => resolve(!err)),
              ),
          ),
        );
        const ids = batch.filter((_, i) => written[i]).map((m) => m.id);
        if (ids.length) st.deleteMessages(ids);
        this.ctx.metrics.delivered.inc(ids.length);
        if (ids.length < batch.length) break;
      }
    } finally {
      this.drainingNow = false;
    }
  }
}
