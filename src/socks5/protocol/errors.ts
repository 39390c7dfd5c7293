/**
 * Typed errors of the SOCKS-over-mixnet codecs: one class per condition, each with a stable
 * `code` that the SOCKS client and the network requester count drops by. Nym's own error
 * enums (common/socks5/requests/src/{lib,request,response}.rs, service-providers/common/src/
 * interface/mod.rs, common/socks5/ordered-buffer/src/buffer.rs) are named beside each class.
 */

export type Socks5ProtocolErrorCode =
  | 'empty'
  | 'truncated'
  | 'unknown_tag'
  | 'unsupported_version'
  | 'malformed_return_address'
  | 'malformed_text'
  | 'malformed_bincode'
  | 'malformed_json'
  | 'control_in_legacy'
  | 'legacy_mismatch'
  | 'too_long'
  | 'invalid_argument'
  | 'sequence_too_far'
  | 'sequence_already_read'
  | 'sequence_duplicate'
  | 'buffer_full'
  | 'invalid_remote_address'
  | 'socks_version'
  | 'socks_malformed'
  | 'socks_field_too_long'
  | 'socks_no_acceptable_method'
  | 'socks_command_unsupported'
  | 'socks_address_type_unsupported';

export class Socks5ProtocolError extends Error {
  readonly module = 'socks5-protocol';
  readonly code: Socks5ProtocolErrorCode;
  constructor(code: Socks5ProtocolErrorCode, message: string) {
    super(`socks5-protocol: ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No bytes at all (Nym: `NoData`, `EmptyRequest`, `EmptyResponse`, `EmptyControl*`). */
export class EmptyMessageError extends Socks5ProtocolError {
  constructor(readonly what: string) {
    super('empty', `${what}: no data`);
  }
}

/**
 * Fewer bytes than a field needs (Nym: `ConnectionIdTooShort`, `AddressLengthTooShort`,
 * `AddressTooShort`, `InsufficientSocketDataError`, `Incomplete{Request,Response}`).
 */
export class TruncatedError extends Socks5ProtocolError {
  constructor(
    readonly field: string,
    readonly expected: number,
    readonly received: number,
  ) {
    super('truncated', `${field}: need ${expected} bytes, got ${received}`);
  }
}

/**
 * A tag byte or enum index that names no variant (Nym: `UnknownRequestFlag`,
 * `UnknownResponseFlag`, `InvalidRequestTag`, `InvalidResponseTag`, `InvalidControl*Tag`).
 */
export class UnknownTagError extends Socks5ProtocolError {
  constructor(
    readonly what: string,
    readonly value: number,
  ) {
    super('unknown_tag', `${value} is not a valid ${what}`);
  }
}

/** A socks5 protocol version above what this side speaks (Nym: `UnsupportedProtocolVersion`). */
export class UnsupportedVersionError extends Socks5ProtocolError {
  constructor(
    readonly version: number,
    readonly max: number,
  ) {
    super('unsupported_version', `socks5 protocol version ${version} (this side speaks up to ${max})`);
  }
}

/** A Connect's return address that is not 96 bytes of valid keys (Nym: `ReturnAddressTooShort`, `MalformedReturnAddress`). */
export class MalformedReturnAddressError extends Socks5ProtocolError {
  constructor(readonly reason: string) {
    super('malformed_return_address', `malformed return address: ${reason}`);
  }
}

/** Text that must be UTF-8 and is not (Nym: `MalformedErrorMessage`). */
export class MalformedTextError extends Socks5ProtocolError {
  constructor(readonly field: string) {
    super('malformed_text', `${field} is not valid UTF-8`);
  }
}

/** Query bodies that are not Nym's bincode (big endian, varint) shape (Nym: `QueryDeserializationError`). */
export class MalformedBincodeError extends Socks5ProtocolError {
  constructor(readonly reason: string) {
    super('malformed_bincode', `malformed bincode: ${reason}`);
  }
}

/** A control response whose JSON body is not the expected shape (Nym: `Malformed*ControlResponse`). */
export class MalformedJsonError extends Socks5ProtocolError {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super('malformed_json', `${what}: ${reason}`);
  }
}

/** Control messages have no legacy form (Nym: `ControlRequestInLegacyMode`). */
export class ControlInLegacyModeError extends Socks5ProtocolError {
  constructor() {
    super('control_in_legacy', 'control messages need a versioned interface (>= 3)');
  }
}

/**
 * A legacy interface around a versioned socks5 message: its version byte would be read as
 * an interface version, so Nym's format cannot carry it.
 */
export class LegacyMismatchError extends Socks5ProtocolError {
  constructor() {
    super('legacy_mismatch', 'a legacy interface carries only a legacy socks5 message');
  }
}

/** A field longer than its length prefix can say (a remote address over 65,535 bytes). */
export class FieldTooLongError extends Socks5ProtocolError {
  constructor(
    readonly field: string,
    readonly length: number,
    readonly max: number,
  ) {
    super('too_long', `${field} of ${length} bytes exceeds ${max}`);
  }
}

/** A value this side was asked to encode that the wire cannot carry (a u64 out of range...). */
export class InvalidArgumentError extends Socks5ProtocolError {
  constructor(readonly reason: string) {
    super('invalid_argument', reason);
  }
}

// ---- ordered buffer (Nym: OrderedMessageError) ---------------------------------------------

/** Nym: `MessageSequenceTooLarge`: further ahead than the buffer accepts. */
export class SequenceTooFarError extends Socks5ProtocolError {
  constructor(
    readonly current: bigint,
    readonly received: bigint,
  ) {
    super('sequence_too_far', `sequence ${received} is too far ahead of ${current}`);
  }
}

/** Nym: `MessageAlreadyReconstructed`: a sequence number that was already read. */
export class SequenceAlreadyReadError extends Socks5ProtocolError {
  constructor(
    readonly current: bigint,
    readonly received: bigint,
  ) {
    super('sequence_already_read', `sequence ${received} was already read (next is ${current})`);
  }
}

/** Nym: `AttemptedToOverwriteSequence`: the same sequence number twice. */
export class SequenceDuplicateError extends Socks5ProtocolError {
  constructor(readonly received: bigint) {
    super('sequence_duplicate', `sequence ${received} is already buffered`);
  }
}

/** More bytes wait for a missing sequence number than the buffer may hold (Nymph's bound). */
export class BufferFullError extends Socks5ProtocolError {
  constructor(
    readonly buffered: number,
    readonly max: number,
  ) {
    super('buffer_full', `ordered buffer would hold ${buffered} bytes out of order, at most ${max}`);
  }
}

// ---- addresses ------------------------------------------------------------------------------

/** A remote address that is not `host:port` (domain, IPv4 or IPv6 and a port 1..65535). */
export class InvalidRemoteAddressError extends Socks5ProtocolError {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super('invalid_remote_address', `remote address ${JSON.stringify(address.slice(0, 300))}: ${reason}`);
  }
}

// ---- SOCKS handshakes (RFC 1928, SOCKS4, SOCKS4a) ----------------------------------------

/** The first byte is not 4 or 5, or a SOCKS5 request repeats another version. */
export class SocksVersionError extends Socks5ProtocolError {
  constructor(readonly version: number) {
    super('socks_version', `SOCKS version ${version} is not supported (4 and 5 are)`);
  }
}

/** Bytes that break the handshake's structure (a zero method count, a reserved byte...). */
export class SocksMalformedError extends Socks5ProtocolError {
  constructor(readonly reason: string) {
    super('socks_malformed', `malformed SOCKS handshake: ${reason}`);
  }
}

/** A SOCKS4 user id or domain name with no terminating zero within 255 bytes. */
export class SocksFieldTooLongError extends Socks5ProtocolError {
  constructor(readonly field: string) {
    super('socks_field_too_long', `SOCKS4 ${field} is longer than 255 bytes`);
  }
}

/** The app offered no method this server takes (only "no authentication" is served). */
export class SocksNoAcceptableMethodError extends Socks5ProtocolError {
  constructor(readonly offered: number[]) {
    super('socks_no_acceptable_method', `no acceptable authentication method among [${offered.join(', ')}]`);
  }
}

/** BIND, UDP ASSOCIATE or an unknown command (reply 0x07 / 0x5b). */
export class SocksCommandUnsupportedError extends Socks5ProtocolError {
  constructor(readonly command: number) {
    super('socks_command_unsupported', `SOCKS command ${command} is not supported (only CONNECT is)`);
  }
}

/** A SOCKS5 address type other than IPv4 (1), domain (3) and IPv6 (4) (reply 0x08). */
export class SocksAddressTypeUnsupportedError extends Socks5ProtocolError {
  constructor(readonly addressType: number) {
    super('socks_address_type_unsupported', `SOCKS5 address type ${addressType} is not supported`);
  }
}
