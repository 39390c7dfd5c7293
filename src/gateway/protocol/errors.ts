/**
 * Every error of the client <-> gateway protocol, defined once: a `code` (what Nymph's code
 * branches on) and the text Nym's gateway puts on the wire for that condition
 * (`{"type":"error","message": text}`; out of bandwidth is Nym's `typedError`).
 *
 * Texts are Nym's, from the release commit: gateway/src/node/client_handling/websocket/
 * connection_handler/{fresh,authenticated}.rs, common/gateway-requests/src/types/error.rs,
 * registration/handshake/error.rs, common/credential-verification/src/error.rs; the
 * Coconut-era ones from nym-binaries-v1.1.20. Texts marked "Nymph" are conditions Nym's
 * gateway does not have. Nym's protocol carries only the text, so a client reads the code
 * back with `errorCodeOfMessage`, which looks the text up in this same table.
 */

const HANDSHAKE = 'Failed to perform registration handshake: ';
const MALFORMED = 'Provided binary request was malformed - ';

/** code -> Nym's wire text (a fixed text, or the fixed start of a text with details). */
export const GATEWAY_ERROR_TEXTS = {
  // ---- before authentication (fresh.rs): the gateway answers, then closes the connection
  invalid_request: "Only 'Register' or 'Authenticate' requests are allowed",
  binary_before_authentication:
    'possibly received a sphinx packet without prior authentication. Request is going to be ignored',
  incompatible_protocol: 'Attempted to negotiate connection with client using incompatible protocol version.',
  handshake_malformed: `${HANDSHAKE}sent request was malformed`,
  handshake_bad_response: `${HANDSHAKE}received response was malformed:`,
  handshake_bad_signature: `${HANDSHAKE}received invalid signature`,
  handshake_decryption_failed: `${HANDSHAKE}failed to either encrypt or decrypt provided message`,
  handshake_timeout: `${HANDSHAKE}timed out waiting for a handshake message`,
  handshake_remote_error: `${HANDSHAKE}error on the remote: `,
  // Nymph: a 64-byte init (no salt) asks for Nym's legacy AES-128-CTR keys
  handshake_legacy_key: `${HANDSHAKE}legacy (AES-128-CTR + HMAC) keys are not supported: send an HKDF salt`,
  duplicate_connection: 'There is already an open connection to this client',
  stale_session: 'attempted to overwrite client session with a stale authentication',
  unknown_client: 'the client is not registered',
  bad_signature: 'failed to verify request signature',
  bad_ciphertext: 'failed to verify provided address ciphertext',
  stale_request: 'the provided request timestamp is excessively skewed.',
  replayed_request: 'the provided request timestamp is smaller or equal to one previously used',
  initial_timeout: 'timed out while waiting for initial data',
  // Nymph: v1 authenticate has no timestamp, so a captured one could be replayed
  legacy_authenticate:
    "legacy 'authenticate' (v1) is refused: it carries no timestamp and could be replayed; use 'authenticateV2'",
  // Nymph: a websocket message above the gateway's limit
  message_too_large: 'websocket message too large: ',
  // Nymph: a client that keeps sending while its authentication is being checked
  too_many_pending: 'too many messages before the authentication answer',
  // ---- after authentication (authenticated.rs): the gateway answers and keeps serving
  unknown_request: `${MALFORMED}unknown variant `,
  malformed_frame: `${MALFORMED}the request is too short`,
  bad_encryption_flag: `${MALFORMED}the encryption flag had an unexpected value`,
  unknown_frame_kind: `${MALFORMED}received request with an unknown kind: `,
  decryption_failed: `${MALFORMED}failed to either encrypt or decrypt provided message`,
  bad_packet: `${MALFORMED}failed to serialise created sphinx packet: `,
  malformed_request: MALFORMED,
  illegal_request: 'The received request is not valid in the current context: ',
  out_of_bandwidth: 'insufficient bandwidth available to process the request.',
  free_bandwidth_disabled: 'This gateway is only accepting coconut credentials for bandwidth',
  credential_invalid: 'Provided bandwidth credential did not verify correctly on ',
  credential_spent: 'the provided bandwidth credential has already been spent',
  encrypted_request_invalid: 'failed to decrypt provided text request',
  key_already_upgraded: 'the connection is already using an aes256-gcm-siv key',
  internal: 'Internal error',
  // Nymph: delivery receipts (messages.ts), an extension Nym's gateway does not have
  receipts_version: 'delivery receipts version not supported: ',
  receipts_not_enabled: "a 'received' receipt before 'deliveryReceipts' enabled them on this connection",
  receipt_out_of_range: "a 'received' count outside the frames pushed and not yet confirmed: ",
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_TEXTS;
/** A code for a wire error whose text is in no table entry (another gateway's own words). */
export type RemoteErrorCode = GatewayErrorCode | 'gateway_error';

// longest first, so that "… malformed - unknown variant" wins over "… malformed - "
const BY_TEXT = (Object.entries(GATEWAY_ERROR_TEXTS) as [GatewayErrorCode, string][]).sort(
  (a, b) => b[1].length - a[1].length,
);

/** The code of a wire error text (Nym's protocol has no code field). */
export function errorCodeOfMessage(message: string): RemoteErrorCode {
  for (const [code, text] of BY_TEXT) if (message.startsWith(text)) return code;
  return 'gateway_error';
}

export class GatewayProtocolError extends Error {
  readonly code: GatewayErrorCode;
  /** The text sent in the `error` response: Nym's words for this condition. */
  readonly wireMessage: string;
  constructor(code: GatewayErrorCode, detail = '') {
    const wireMessage = GATEWAY_ERROR_TEXTS[code] + detail;
    super(`gateway-protocol: ${wireMessage}`);
    this.name = new.target.name;
    this.code = code;
    this.wireMessage = wireMessage;
  }
}

// ------------------------------------------------------------- request shapes

/** Text that is not JSON, or JSON of no known request shape (before authentication). */
export class InvalidRequestError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('invalid_request');
  }
}

/** JSON that does not fit a known request or response shape (after authentication). */
export class MalformedMessageError extends GatewayProtocolError {
  constructor(
    readonly detail: string,
    readonly field?: string,
  ) {
    super('malformed_request', field ? `${detail} (field ${field})` : detail);
  }
}

export class UnknownMessageTypeError extends GatewayProtocolError {
  constructor(readonly messageType: string) {
    super('unknown_request', `\`${messageType.slice(0, 64)}\``);
  }
}

export class IncompatibleProtocolError extends GatewayProtocolError {
  constructor(
    readonly received: number | undefined,
    readonly supported: number,
  ) {
    super(
      'incompatible_protocol',
      ` Ours is ${supported} and the client reports ${received === undefined ? 'None' : `Some(${received})`}`,
    );
  }
}

export class BinaryBeforeAuthenticationError extends GatewayProtocolError {
  constructor() {
    super('binary_before_authentication');
  }
}

export class InitialTimeoutError extends GatewayProtocolError {
  constructor() {
    super('initial_timeout');
  }
}

export class MessageTooLargeError extends GatewayProtocolError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('message_too_large', `${size} bytes, limit ${limit}`);
  }
}

export class TooManyPendingError extends GatewayProtocolError {
  constructor(readonly limit: number) {
    super('too_many_pending');
  }
}

export class IllegalRequestError extends GatewayProtocolError {
  constructor(readonly context: string) {
    super('illegal_request', context);
  }
}

export class LegacyAuthenticateError extends GatewayProtocolError {
  constructor() {
    super('legacy_authenticate');
  }
}

// ------------------------------------------------------------------- handshake

type HandshakeCode =
  | 'handshake_malformed'
  | 'handshake_bad_response'
  | 'handshake_bad_signature'
  | 'handshake_decryption_failed'
  | 'handshake_timeout'
  | 'handshake_remote_error'
  | 'handshake_legacy_key';

/**
 * A failed registration handshake. `handshakeText` is what goes into the
 * `handshakeError` message to the other side (Nym's HandshakeError text), the full
 * `wireMessage` into the gateway's `error` response.
 */
export class HandshakeError extends GatewayProtocolError {
  readonly handshakeText: string;
  constructor(code: HandshakeCode, detail = '') {
    super(code, detail);
    this.handshakeText = this.wireMessage.slice(HANDSHAKE.length);
  }
}

export class HandshakeMalformedError extends HandshakeError {
  constructor(readonly detail: string) {
    super('handshake_malformed');
  }
}

export class HandshakeBadResponseError extends HandshakeError {
  constructor(readonly detail: string) {
    super('handshake_bad_response');
  }
}

export class HandshakeSignatureError extends HandshakeError {
  constructor(readonly who: 'client' | 'gateway') {
    super('handshake_bad_signature');
  }
}

export class HandshakeDecryptionError extends HandshakeError {
  constructor(readonly who: 'client' | 'gateway') {
    super('handshake_decryption_failed');
  }
}

export class HandshakeTimeoutError extends HandshakeError {
  constructor(readonly timeoutMs: number) {
    super('handshake_timeout');
  }
}

export class HandshakeRemoteError extends HandshakeError {
  constructor(readonly remoteMessage: string) {
    super('handshake_remote_error', remoteMessage.slice(0, 256));
  }
}

export class HandshakeLegacyKeyError extends HandshakeError {
  constructor() {
    super('handshake_legacy_key');
  }
}

// -------------------------------------------------------------- authentication

export class DuplicateConnectionError extends GatewayProtocolError {
  constructor() {
    super('duplicate_connection');
  }
}

export class StaleSessionError extends GatewayProtocolError {
  constructor() {
    super('stale_session');
  }
}

export class UnknownClientError extends GatewayProtocolError {
  constructor(readonly identity: string) {
    super('unknown_client');
  }
}

export class BadSignatureError extends GatewayProtocolError {
  constructor(readonly what: string) {
    super('bad_signature');
  }
}

export class BadCiphertextError extends GatewayProtocolError {
  constructor() {
    super('bad_ciphertext');
  }
}

/** An authenticateV2 timestamp outside the allowed skew of the gateway's clock. */
export class StaleRequestError extends GatewayProtocolError {
  constructor(
    readonly timestampSeconds: number,
    readonly nowMs: number,
  ) {
    super(
      'stale_request',
      ` got ${isoSeconds(timestampSeconds * 1000)} whilst the server time is ${isoSeconds(nowMs)}`,
    );
  }
}

/** An authenticateV2 timestamp not newer than the last accepted one: a replay. */
export class ReplayedRequestError extends GatewayProtocolError {
  constructor(
    readonly timestampSeconds: number,
    readonly lastSeconds: number,
  ) {
    super('replayed_request');
  }
}

function isoSeconds(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

// ------------------------------------------------------------- binary frames

export class MalformedFrameError extends GatewayProtocolError {
  constructor(readonly length: number) {
    super('malformed_frame');
  }
}

export class BadEncryptionFlagError extends GatewayProtocolError {
  constructor(readonly flag: number) {
    super('bad_encryption_flag');
  }
}

export class UnknownFrameKindError extends GatewayProtocolError {
  constructor(readonly kind: number) {
    super('unknown_frame_kind', String(kind));
  }
}

/** A sealed frame, credential or ciphertext that does not open under the shared key. */
export class DecryptionError extends GatewayProtocolError {
  constructor(readonly what: string) {
    super('decryption_failed');
  }
}

/** A mix packet the gateway will not forward (type, size, next hop). */
export class BadPacketError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('bad_packet', detail);
  }
}

// ----------------------------------------------------------------- bandwidth

export class OutOfBandwidthError extends GatewayProtocolError {
  constructor(
    readonly available: number,
    readonly required: number,
  ) {
    super('out_of_bandwidth', ` required: ${required}B, available: ${available}B`);
  }
}

export class FreeBandwidthDisabledError extends GatewayProtocolError {
  constructor() {
    super('free_bandwidth_disabled');
  }
}

export class CredentialInvalidError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('credential_invalid', `this gateway: ${detail}`);
  }
}

export class CredentialSpentError extends GatewayProtocolError {
  constructor(
    readonly blindedSerialNumber: string,
    readonly where: 'local' | 'chain',
  ) {
    super(
      'credential_spent',
      where === 'local' ? ' before at this gateway' : " (the bandwidth contract's record)",
    );
  }
}

export class EncryptedRequestError extends GatewayProtocolError {
  constructor() {
    super('encrypted_request_invalid');
  }
}

export class KeyAlreadyUpgradedError extends GatewayProtocolError {
  constructor() {
    super('key_already_upgraded');
  }
}

/** `deliveryReceipts` asks for a version this gateway does not speak. */
export class ReceiptsVersionError extends GatewayProtocolError {
  constructor(
    readonly requested: number,
    readonly supported: number,
  ) {
    super('receipts_version', `asked ${requested}, this gateway speaks ${supported}`);
  }
}

/** A `received` receipt on a connection that did not enable receipts. */
export class ReceiptsNotEnabledError extends GatewayProtocolError {
  constructor() {
    super('receipts_not_enabled');
  }
}

/** A `received` count below the last one or above the frames pushed so far. */
export class ReceiptOutOfRangeError extends GatewayProtocolError {
  constructor(
    readonly count: number,
    readonly confirmed: number,
    readonly pushed: number,
  ) {
    super('receipt_out_of_range', `${count} (confirmed ${confirmed}, pushed ${pushed})`);
  }
}

export class InternalGatewayError extends GatewayProtocolError {
  constructor() {
    super('internal');
  }
}

// ------------------------------------------------------------- client side

/** An error response received from a gateway, with the code read from its text. */
export class RemoteGatewayError extends Error {
  readonly code: RemoteErrorCode;
  constructor(
    readonly remoteMessage: string,
    code?: RemoteErrorCode,
  ) {
    const c = code ?? errorCodeOfMessage(remoteMessage);
    super(`gateway-protocol: remote error ${c}: ${remoteMessage.slice(0, 512)}`);
    this.name = 'RemoteGatewayError';
    this.code = c;
  }
}

/** The gateway speaks a newer protocol than this client (a client-side check). */
export class UnsupportedGatewayProtocolError extends Error {
  readonly code = 'unsupported_protocol';
  constructor(
    readonly gatewayVersion: number,
    readonly supported: number,
  ) {
    super(`gateway-protocol: gateway protocol ${gatewayVersion} is newer than this client's ${supported}`);
    this.name = 'UnsupportedGatewayProtocolError';
  }
}
