/**
 * Typed errors of the client <-> gateway protocol. Each class is one condition and carries
 * the wire `code` that the gateway puts in its `error` response, so both sides map errors
 * to the same names.
 */

export type GatewayErrorCode =
  | 'malformed_request'
  | 'unknown_request'
  | 'unsupported_protocol'
  | 'not_authenticated'
  | 'handshake_failed'
  | 'bad_signature'
  | 'stale_request'
  | 'unknown_client'
  | 'decryption_failed'
  | 'message_too_large'
  | 'bad_packet'
  | 'out_of_bandwidth'
  | 'credential_invalid'
  | 'credential_spent'
  | 'internal';

export class GatewayProtocolError extends Error {
  readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string) {
    super(`gateway-protocol: ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes or JSON that do not parse as any request or response shape. */
export class MalformedMessageError extends GatewayProtocolError {
  constructor(
    readonly detail: string,
    readonly field?: string,
  ) {
    super('malformed_request', `malformed message: ${detail}${field ? ` (field ${field})` : ''}`);
  }
}

export class UnknownMessageTypeError extends GatewayProtocolError {
  constructor(readonly messageType: string) {
    super('unknown_request', `unknown message type ${JSON.stringify(messageType).slice(0, 64)}`);
  }
}

export class UnsupportedProtocolError extends GatewayProtocolError {
  constructor(
    readonly received: number,
    readonly supported: number,
  ) {
    super(
      'unsupported_protocol',
      `protocol version ${received} not supported (this side speaks ${supported})`,
    );
  }
}

export class HandshakeError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('handshake_failed', `handshake failed: ${detail}`);
  }
}

export class BadSignatureError extends GatewayProtocolError {
  constructor(readonly what: string) {
    super('bad_signature', `bad signature on ${what}`);
  }
}

export class DecryptionError extends GatewayProtocolError {
  constructor(readonly what: string) {
    super('decryption_failed', `could not decrypt ${what}`);
  }
}

/** An authenticate request outside the clock window or not newer than the last one. */
export class StaleRequestError extends GatewayProtocolError {
  constructor(
    readonly timestamp: number,
    readonly nowMs: number,
    readonly lastTimestamp: number | undefined,
  ) {
    super(
      'stale_request',
      `authenticate timestamp ${timestamp} is stale (now ${nowMs}, last accepted ${lastTimestamp ?? 'none'})`,
    );
  }
}

/** A wire error received from the other side: `{type:"error", code, message}`. */
export class RemoteGatewayError extends GatewayProtocolError {
  constructor(
    code: GatewayErrorCode,
    readonly remoteMessage: string,
  ) {
    super(code, `remote error ${code}: ${remoteMessage}`);
  }
}
