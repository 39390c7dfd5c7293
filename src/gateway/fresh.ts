/**
 * A connection before authentication (Nym's gateway/src/node/client_handling/websocket/
 * connection_handler/fresh.rs): answers `supportedProtocol`, runs the registration
 * handshake (`handshakePayload`) or checks an `authenticateV2`, and on success hands the
 * socket to an AuthenticatedSession. Any error is answered and the connection closed, as
 * Nym's handler does; so is a binary frame, and silence past the initial timeout.
 */
import { AuthenticatedSession, type AuthenticatedDetails } from './authenticated.js';
import { ClientRegistry, type GatewayContext } from './context.js';
import { CLOSE_REFUSED, CLOSE_TIMEOUT, type SessionSocket, type SocketEvents } from './session-socket.js';
import {
  AES_GCM_SIV_PROTOCOL_VERSION,
  BinaryBeforeAuthenticationError,
  DuplicateConnectionError,
  GatewayProtocolError,
  HandshakeError,
  HandshakeRemoteError,
  HandshakeTimeoutError,
  IncompatibleProtocolError,
  InitialTimeoutError,
  InternalGatewayError,
  InvalidRequestError,
  LegacyAuthenticateError,
  MessageTooLargeError,
  PROTOCOL_VERSION,
  StaleSessionError,
  TooManyPendingError,
  UnknownClientError,
  checkAuthenticateCiphertext,
  checkAuthenticateFreshness,
  checkAuthenticateNotReused,
  checkAuthenticateSignature,
  encodeGatewayResponse,
  errorResponse,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  handshakeInitIdentity,
  parseClientRequest,
  type AuthenticateV2Request,
  type ClientRequest,
  type GatewayHandshakeState,
  type GatewayResponse,
  type HandshakePayload,
} from './protocol/index.js';

/**
 * Nym's `negotiate_client_protocol`: a client announcing 1..4 is served at its version,
 * 5 (or 0) at 5, none at 1; anything newer is refused.
 */
export function negotiateProtocol(client: number | undefined): number {
  if (client === undefined) return 1;
  if (client >= 1 && client <= 4) return client;
  if (client <= PROTOCOL_VERSION) return PROTOCOL_VERSION;
  throw new IncompatibleProtocolError(client, PROTOCOL_VERSION);
}

/** Messages kept while an authentication is checked (a client normally waits for the answer). */
const MAX_HELD = 256;

type Phase =
  | { name: 'waiting' }
  | { name: 'handshake'; state: GatewayHandshakeState; protocol: number }
  | { name: 'authenticating' }
  | { name: 'done' };

/** The socket's events before and after authentication, behind one object. */
export class ClientConnection implements SocketEvents {
  private phase: Phase = { name: 'waiting' };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private authenticated: AuthenticatedSession | undefined;
  /** What arrives while an authentication is being checked, for the session that follows. */
  private held: (['text', string] | ['binary', Uint8Array])[] = [];

  constructor(
    private readonly ctx: GatewayContext,
    private readonly socket: SessionSocket,
  ) {
    this.arm(ctx.limits.initialMessageTimeoutMs, () => new InitialTimeoutError());
  }

  /** The authenticated session, once there is one. */
  get session(): AuthenticatedSession | undefined {
    return this.authenticated;
  }

  // ------------------------------------------------------------------ events

  onText(text: string): void {
    if (this.authenticated) return this.authenticated.onText(text);
    switch (this.phase.name) {
      case 'done':
        return;
      case 'authenticating':
        return this.hold(['text', text]);
      case 'handshake':
        return this.onHandshakeText(text, this.phase);
      case 'waiting':
        this.onInitialText(text);
    }
  }

  onBinary(data: Uint8Array): void {
    if (this.authenticated) return this.authenticated.onBinary(data);
    switch (this.phase.name) {
      case 'authenticating':
        return this.hold(['binary', data]);
      case 'waiting':
        // Nym: "possibly received a sphinx packet without prior authentication"
        return this.fail(new BinaryBeforeAuthenticationError());
      default:
      // the handshake drops non-text messages (Nym's `on_wg_msg`)
    }
  }

  onPong(data: Uint8Array): void {
    this.authenticated?.onPong(data);
  }

  private hold(m: ['text', string] | ['binary', Uint8Array]): void {
    if (this.held.length >= MAX_HELD) return this.fail(new TooManyPendingError(MAX_HELD));
    this.held.push(m);
  }

  onClose(): void {
    this.clearTimer();
    this.phase = { name: 'done' };
    this.authenticated?.onClose();
  }

  // --------------------------------------------------------------- dispatch

  private onInitialText(text: string): void {
    let req: ClientRequest;
    try {
      if (text.length > this.ctx.limits.maxMessageBytes)
        throw new MessageTooLargeError(text.length, this.ctx.limits.maxMessageBytes);
      try {
        req = parseClientRequest(text);
      } catch (e) {
        // Nym: any text that is not a request is "Only 'Register' or 'Authenticate' ..."
        throw new InvalidRequestError((e as Error).message);
      }
      switch (req.type) {
        case 'supportedProtocol':
          this.send({ type: 'supportedProtocol', version: PROTOCOL_VERSION });
          // Nym waits for the next initial message with a fresh deadline
          this.arm(this.ctx.limits.initialMessageTimeoutMs, () => new InitialTimeoutError());
          return;
        case 'handshakePayload':
          return this.startRegistration(req);
        case 'authenticateV2':
          this.phase = { name: 'authenticating' };
          this.clearTimer();
          void this.authenticate(req).catch((e: unknown) => this.fail(e));
          return;
        case 'authenticate':
          throw new LegacyAuthenticateError();
        default:
          throw new InvalidRequestError(`${req.type} before authentication`);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  // ------------------------------------------------------------ registration

  /** Nym's `handle_register`, up to the gateway's handshake material. */
  private startRegistration(req: HandshakePayload): void {
    const protocol = negotiateProtocol(req.protocolVersion);
    const identity = handshakeInitIdentity(req.data);
    if (this.ctx.clients.get(ClientRegistry.id(identity))) throw new DuplicateConnectionError();
    let r: ReturnType<typeof gatewayHandshakeRespond>;
    try {
      r = gatewayHandshakeRespond({
        identity: this.ctx.identity,
        init: req.data,
        random: this.ctx.random,
        aead: this.ctx.aead,
      });
    } catch (e) {
      // from here on the handshake itself tells the client (Nym's gateway_handshake)
      return this.fail(e, true);
    }
    this.phase = { name: 'handshake', state: r.state, protocol };
    this.sendHandshake(r.material);
    this.arm(
      this.ctx.limits.handshakeTimeoutMs,
      () => new HandshakeTimeoutError(this.ctx.limits.handshakeTimeoutMs),
    );
  }

  /** During the handshake only handshake messages count; anything else is dropped (as Nym). */
  private onHandshakeText(text: string, phase: Extract<Phase, { name: 'handshake' }>): void {
    let m: ClientRequest;
    try {
      m = parseClientRequest(text);
    } catch {
      return;
    }
    try {
      if (m.type === 'handshakeError') throw new HandshakeRemoteError(m.message);
      if (m.type !== 'handshakePayload') return;
      const done = gatewayHandshakeComplete(phase.state, m.data, this.ctx.aead);
      this.sendHandshake(done.finalization);
      const id = ClientRegistry.id(done.clientIdentity);
      if (this.ctx.clients.get(id)) throw new DuplicateConnectionError();
      // Nym's `register_client`: the key replaces any earlier one; the bandwidth entry stays
      this.ctx.store.putClient(done.clientIdentity, done.sharedKey, this.ctx.now());
      this.ctx.clients.markRegistered(id);
      this.send({ type: 'register', protocolVersion: phase.protocol, status: true });
      this.upgrade({
        clientIdentity: done.clientIdentity,
        sharedKey: done.sharedKey,
        negotiatedProtocol: phase.protocol,
        sessionTimestampSeconds: Math.floor(this.ctx.now() / 1000),
        bandwidth: this.ctx.store.getClient(done.clientIdentity)?.bandwidth ?? 0,
        // the client sealed its handshake signature under the new key on this socket
        proven: true,
      });
    } catch (e) {
      this.fail(e);
    }
  }

  private sendHandshake(data: Uint8Array): void {
    this.send({ type: 'handshakePayload', protocolVersion: AES_GCM_SIV_PROTOCOL_VERSION, data });
  }

  // ---------------------------------------------------------- authenticateV2

  /** Nym's `handle_authenticate_v2`, its checks in its order. */
  private async authenticate(req: AuthenticateV2Request): Promise<void> {
    const { ctx } = this;
    const protocol = negotiateProtocol(req.protocolVersion);
    checkAuthenticateFreshness(req, ctx.now(), ctx.limits.authMaxSkewMs);
    checkAuthenticateSignature(req);
    const id = ClientRegistry.id(req.clientIdentity);
    const rec = ctx.store.getClient(req.clientIdentity);
    if (!rec) throw new UnknownClientError(id);
    checkAuthenticateCiphertext(req, rec.sharedKey, ctx.aead);
    const last = rec.lastAuthTimestamp === undefined ? undefined : Math.floor(rec.lastAuthTimestamp / 1000);
    checkAuthenticateNotReused(req, last);
    // The timestamp is spent here, in the same tick as the check (the store keeps
    // milliseconds, whole seconds here). Nym records it after the duplicate check; while that
    // check waits on a ping, a second socket presenting the same frame would pass too.
    ctx.store.setLastAuth(req.clientIdentity, req.requestUnixTimestamp * 1000);
    await this.handleDuplicate(id, req.requestUnixTimestamp);
    if (this.phase.name !== 'authenticating') return; // closed while the other session was asked
    const bandwidth = ctx.store.getClient(req.clientIdentity)?.bandwidth ?? 0;
    this.send({
      type: 'authenticate',
      protocolVersion: protocol,
      status: true,
      bandwidthRemaining: bandwidth,
    });
    this.upgrade({
      clientIdentity: req.clientIdentity,
      sharedKey: rec.sharedKey,
      negotiatedProtocol: protocol,
      sessionTimestampSeconds: req.requestUnixTimestamp,
      bandwidth,
      // the frame may have been captured: the key is shown later, on this socket
      proven: false,
    });
  }

  /**
   * Nym's `handle_duplicate_client`: a newer session of a connected client must be newer
   * than the connected one's, and takes over only when the connected one does not answer
   * a ping (a live client keeps its connection; the newcomer is refused).
   */
  private async handleDuplicate(id: string, timestampSeconds: number): Promise<void> {
    const existing = this.ctx.clients.get(id);
    if (!existing) return;
    if (timestampSeconds <= existing.sessionTimestampSeconds) throw new StaleSessionError();
    const answer = await existing.isActive();
    if (answer !== 'notActive') throw new DuplicateConnectionError();
    // this connection may have gone meanwhile: then the old session stays
    if (this.phase.name !== 'authenticating') return;
    // another newcomer may have taken over meanwhile
    const current = this.ctx.clients.get(id);
    if (current && current !== existing) throw new DuplicateConnectionError();
    existing.flushBandwidth();
    existing.replace();
  }

  // ------------------------------------------------------------------ common

  private upgrade(d: AuthenticatedDetails): void {
    this.clearTimer();
    this.phase = { name: 'done' };
    const s = new AuthenticatedSession(this.ctx, this.socket, d);
    this.authenticated = s;
    s.start();
    const held = this.held;
    this.held = [];
    for (const [kind, data] of held) {
      if (kind === 'text') s.onText(data);
      else s.onBinary(data);
    }
  }

  private send(m: GatewayResponse): void {
    this.socket.sendText(encodeGatewayResponse(m));
  }

  /**
   * Answers with Nym's error, then closes. Inside the handshake (`inHandshake`, or the
   * handshake phase) a `handshakeError` goes first, as Nym's handshake sends its own.
   */
  private fail(e: unknown, inHandshake = this.phase.name === 'handshake'): void {
    if (this.phase.name === 'done' && !this.socket.open) return;
    let err: GatewayProtocolError;
    if (e instanceof GatewayProtocolError) err = e;
    else {
      this.ctx.logger.error({ err: (e as Error)?.message }, 'internal error before authentication');
      err = new InternalGatewayError();
    }
    this.ctx.metrics.clientErrors.inc({ code: err.code });
    if (inHandshake && err instanceof HandshakeError)
      this.send({ type: 'handshakeError', message: err.handshakeText });
    this.send(errorResponse(err));
    const timeout = err instanceof InitialTimeoutError || err instanceof HandshakeTimeoutError;
    if (timeout)
      this.ctx.metrics.connectionsTimedOut.inc({
        phase: err instanceof InitialTimeoutError ? 'first_request' : 'handshake',
      });
    this.clearTimer();
    this.phase = { name: 'done' };
    this.held = [];
    this.socket.close(timeout ? CLOSE_TIMEOUT : CLOSE_REFUSED, err.code);
  }

  private arm(ms: number, error: () => GatewayProtocolError): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.fail(error()), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
