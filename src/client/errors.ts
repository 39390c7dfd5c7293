/**
 * Typed errors of the client core: one class per condition, the module named in the
 * message, structured fields for programmatic handling.
 */

export class ClientError extends Error {
  constructor(message: string) {
    super(`client: ${message}`);
    this.name = new.target.name;
  }
}

/** A recipient address string or byte array could not be parsed. */
export class InvalidAddressError extends ClientError {
  constructor(
    readonly reason: string,
    readonly input?: string,
  ) {
    super(`invalid recipient address: ${reason}`);
  }
}

/** A fragment header or payload is malformed. */
export class MalformedFragmentError extends ClientError {
  constructor(readonly reason: string) {
    super(`malformed fragment: ${reason}`);
  }
}

/** A reassembled message has an invalid padding or kind. */
export class MalformedMessageError extends ClientError {
  constructor(readonly reason: string) {
    super(`malformed message: ${reason}`);
  }
}

/** A received packet payload could not be decrypted or split. */
export class MalformedPayloadError extends ClientError {
  constructor(readonly reason: string) {
    super(`malformed payload: ${reason}`);
  }
}

/** A message is larger than the configured maximum. */
export class MessageTooLargeError extends ClientError {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`message of ${size} bytes exceeds the maximum of ${max}`);
  }
}

/** A reply needs more SURBs than are stored for the sender tag. */
export class InsufficientSurbsError extends ClientError {
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
  constructor(readonly senderTag: string) {
    super(`no reply SURBs known for sender tag ${senderTag}`);
  }
}

/** A message was not acknowledged after the configured number of retransmissions. */
export class DeliveryFailedError extends ClientError {
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
  constructor(readonly state: string) {
    super(`client is not connected (state: ${state})`);
  }
}

/** The gateway refused or failed the handshake/authentication. */
export class GatewayConnectError extends ClientError {
  constructor(
    readonly gateway: string,
    readonly reason: string,
  ) {
    super(`could not connect to gateway ${gateway}: ${reason}`);
  }
}

/** No gateway among the candidates answered the latency probe. */
export class NoGatewayError extends ClientError {
  constructor(readonly candidates: number) {
    super(`none of ${candidates} gateway candidates is reachable`);
  }
}

/** A stored file (keys, config) is corrupt or of the wrong shape. */
export class CorruptStateError extends ClientError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`corrupt client state in ${path}: ${reason}`);
  }
}

/** An invalid configuration value. */
export class InvalidConfigError extends ClientError {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid config ${key}: ${reason}`);
  }
}

/** Thrown by an operation whose AbortSignal fired. */
export class AbortedError extends ClientError {
  constructor(readonly operation: string) {
    super(`${operation} aborted`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new AbortedError(operation);
}
