/**
 * Typed errors of the client room: one class per condition, each with a stable `code`
 * (what callers branch on; never the message text), the room named in the message, and
 * structured fields for programmatic handling. `err instanceof ClientError` catches them
 * all; `errorCode(err)` reads the code of any error that carries one (the gateway
 * protocol's and the topology room's included).
 */

/** Base class of every client error. */
export class ClientError extends Error {
  /** Stable machine-readable identifier of the condition. */
  readonly code: string = 'client';
  constructor(message: string, options?: ErrorOptions) {
    super(`client: ${message}`, options);
    this.name = new.target.name;
  }
}

/** The `code` of an error, whichever room threw it; undefined when it has none. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A recipient address string or byte array could not be parsed. */
export class InvalidAddressError extends ClientError {
  override readonly code = 'invalid_address';
  constructor(
    readonly reason: string,
    readonly input?: string,
  ) {
    super(`invalid recipient address: ${reason}`);
  }
}

/** A fragment header or payload is malformed. */
export class MalformedFragmentError extends ClientError {
  override readonly code = 'malformed_fragment';
  constructor(readonly reason: string) {
    super(`malformed fragment: ${reason}`);
  }
}

/** A reassembled message has an invalid padding or kind. */
export class MalformedMessageError extends ClientError {
  override readonly code = 'malformed_message';
  constructor(readonly reason: string) {
    super(`malformed message: ${reason}`);
  }
}

/** A received packet payload could not be decrypted or split. */
export class MalformedPayloadError extends ClientError {
  override readonly code = 'malformed_payload';
  constructor(readonly reason: string) {
    super(`malformed payload: ${reason}`);
  }
}

/** A message is larger than the configured maximum. */
export class MessageTooLargeError extends ClientError {
  override readonly code = 'message_too_large';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`message of ${size} bytes exceeds the maximum of ${max}`);
  }
}

/** A reply needs more SURBs than are stored for the sender tag. */
export class InsufficientSurbsError extends ClientError {
  override readonly code = 'insufficient_surbs';
  constructor(
    readonly available: number,
    readonly required: number,
    readonly senderTag?: string,
  ) {
    super(`not enough reply SURBs: ${available} available, ${required} required`);
  }
}

/** No reply SURBs at all are known for a sender tag. */
export class UnknownSenderTagError extends ClientError {
  override readonly code = 'unknown_sender_tag';
  constructor(readonly senderTag: string) {
    super(`no reply SURBs known for sender tag ${senderTag}`);
  }
}

/** A number of reply SURBs to attach or to hand out that is out of range. */
export class InvalidSurbCountError extends ClientError {
  override readonly code = 'invalid_surb_count';
  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(`reply SURB count ${count} out of range 0..${max}`);
  }
}

/** A message was not acknowledged after the configured number of retransmissions. */
export class DeliveryFailedError extends ClientError {
  override readonly code = 'delivery_failed';
  constructor(
    readonly messageId: number,
    readonly attempts: number,
    readonly reason = 'not acknowledged',
  ) {
    super(`message ${messageId} could not be delivered after ${attempts} attempts: ${reason}`);
  }
}

/** The client is not connected (never connected, or disconnected). */
export class NotConnectedError extends ClientError {
  override readonly code = 'not_connected';
  constructor(readonly state: string) {
    super(`client is not connected (state: ${state})`);
  }
}

/** A lifecycle call in a state that does not allow it (e.g. `start` twice). */
export class InvalidStateError extends ClientError {
  override readonly code = 'invalid_state';
  constructor(
    readonly operation: string,
    readonly state: string,
  ) {
    super(`${operation} called in state ${state}`);
  }
}

/** The gateway refused or failed the handshake/authentication. */
export class GatewayConnectError extends ClientError {
  override readonly code: string = 'gateway_connect';
  constructor(
    readonly gateway: string,
    readonly reason: string,
  ) {
    super(`could not connect to gateway ${gateway}: ${reason}`);
  }
}

/** No gateway among the candidates answered the latency probe. */
export class NoGatewayError extends ClientError {
  override readonly code = 'no_gateway';
  constructor(readonly candidates: number) {
    super(`none of ${candidates} gateway candidates is reachable`);
  }
}

/** The gateway stayed unreachable for every configured reconnect attempt. */
export class GatewayLostError extends ClientError {
  override readonly code = 'gateway_lost';
  constructor(
    readonly gateway: string,
    readonly attempts: number,
  ) {
    super(`gateway ${gateway} unreachable after ${attempts} reconnect attempts`);
  }
}

/** A stored file (keys, config) is corrupt or of the wrong shape. */
export class CorruptStateError extends ClientError {
  override readonly code = 'corrupt_state';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`corrupt client state in ${path}: ${reason}`);
  }
}

/** An invalid configuration value. */
export class InvalidConfigError extends ClientError {
  override readonly code = 'invalid_config';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid config ${key}: ${reason}`);
  }
}

/** Thrown by an operation whose AbortSignal fired. */
export class AbortedError extends ClientError {
  override readonly code = 'aborted';
  constructor(readonly operation: string) {
    super(`${operation} aborted`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new AbortedError(operation);
}
