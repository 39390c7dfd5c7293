/**
 * Typed errors of the Sphinx codec. Every rejection of bad input is one of these subclasses
 * (never a RangeError or TypeError), with the module named in the message and the facts
 * as fields, so callers can count and log rejections by `code`.
 */

/** Base class of every error thrown by `src/sphinx`. */
export class SphinxError extends Error {
  readonly module = 'sphinx';
  /** Stable machine-readable identifier of the condition, e.g. `'bad-mac'`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(`sphinx: ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A byte string (packet, header, SURB, address, key...) has the wrong length. */
export class WrongSizeError extends SphinxError {
  constructor(
    readonly what: string,
    readonly expected: number | string,
    readonly actual: number,
  ) {
    super('wrong-size', `${what} has ${actual} bytes, expected ${expected}`);
  }
}

/** A packet length that is none of the fixed packet sizes (nodes reject every other size). */
export class UnknownPacketSizeError extends SphinxError {
  constructor(readonly length: number) {
    super('unknown-packet-size', `no packet size is ${length} bytes long`);
  }
}

/** The header's integrity MAC did not verify at this hop (tampered, or not meant for this key). */
export class BadMacError extends SphinxError {
  constructor() {
    super('bad-mac', 'header integrity MAC does not verify');
  }
}

/** The packet's blinded group element is of small order: no shared secret exists. */
export class InvalidSharedSecretError extends SphinxError {
  constructor() {
    super('invalid-shared-secret', 'packet group element is of small order');
  }
}

/** The decrypted routing information carries a version this codec does not process. */
export class BadVersionError extends SphinxError {
  constructor(readonly version: number) {
    super('bad-version', `unsupported packet version ${version}`);
  }
}

/** The decrypted routing information has a routing flag other than forward (1) or final (2). */
export class BadRoutingFlagError extends SphinxError {
  constructor(readonly flag: number) {
    super('bad-routing-flag', `unknown routing flag ${flag}`);
  }
}

/** The fully decrypted payload lacks its 16 leading zero bytes: it was modified in transit. */
export class PayloadTamperedError extends SphinxError {
  constructor() {
    super('payload-tampered', 'payload leading zero padding is missing (payload was modified)');
  }
}

/** The fully decrypted payload does not end with `0x01 || 0...` padding. */
export class BadPayloadPaddingError extends SphinxError {
  constructor() {
    super('bad-payload-padding', 'payload trailing padding is malformed');
  }
}

/** A message longer than the chosen packet size carries. */
export class MessageTooLongError extends SphinxError {
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super('message-too-long', `message of ${length} bytes exceeds the ${max}-byte capacity`);
  }
}

/** Arguments describing a route are unusable (empty, too long, mismatched delays, bad key). */
export class InvalidRouteError extends SphinxError {
  constructor(readonly reason: string) {
    super('invalid-route', `invalid route: ${reason}`);
  }
}

/** A node address cannot be encoded or decoded (unknown IP version, bad host, bad port). */
export class InvalidNodeAddressError extends SphinxError {
  constructor(readonly reason: string) {
    super('invalid-node-address', `invalid node address: ${reason}`);
  }
}

/** SURB bytes are malformed (bad length, bad payload key material). */
export class InvalidSurbError extends SphinxError {
  constructor(readonly reason: string) {
    super('invalid-surb', `invalid SURB: ${reason}`);
  }
}

/** An argument that is not a byte string, a packet size or a number where one is required. */
export class InvalidArgumentError extends SphinxError {
  constructor(readonly reason: string) {
    super('invalid-argument', reason);
  }
}
