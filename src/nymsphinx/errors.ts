/**
 * Typed errors of the message-layer codecs. Every rejection of bad input is one of these
 * subclasses (never a RangeError or TypeError), with a stable `code` callers count and log by.
 */

/** Base class of every error thrown by `src/nymsphinx`. */
export class NymSphinxError extends Error {
  readonly module = 'nymsphinx';
  /** Stable machine-readable identifier of the condition, e.g. `'unknown-message-kind'`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(`nymsphinx: ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument of the wrong type or length (a key, a tag, a route, an amount...). */
export class InvalidArgumentError extends NymSphinxError {
  constructor(readonly reason: string) {
    super('invalid-argument', reason);
  }
}

// ---- addressing ---------------------------------------------------------------------------

/** A recipient string or byte string that does not have Nym's `id.enc@gateway` shape. */
export class MalformedRecipientError extends NymSphinxError {
  constructor(readonly reason: string) {
    super('malformed-recipient', `malformed recipient: ${reason}`);
  }
}

/** A recipient whose identity or gateway key is not a point on ed25519 (Nym refuses those). */
export class InvalidRecipientKeyError extends NymSphinxError {
  constructor(readonly which: 'identity' | 'gateway') {
    super('invalid-recipient-key', `recipient ${which} key is not a valid ed25519 public key`);
  }
}

/** Node address bytes that are not Nym's `4|6 ‖ port ‖ ip` (unknown version or too short). */
export class InvalidNodeAddressError extends NymSphinxError {
  constructor(readonly reason: string) {
    super('invalid-node-address', `invalid node address: ${reason}`);
  }
}

// ---- acknowledgements ----------------------------------------------------------------------

/** An acknowledgement that is not exactly IV (16) ‖ encrypted fragment id (5) = 21 bytes. */
export class AckLengthError extends NymSphinxError {
  constructor(readonly length: number) {
    super('ack-length', `acknowledgement of ${length} bytes, expected 21`);
  }
}

/** A fragment identifier with a negative set id (Nym's `MalformedFragmentIdentifier`). */
export class InvalidFragmentIdError extends NymSphinxError {
  constructor(readonly setId: number) {
    super('invalid-fragment-id', `fragment identifier with set id ${setId}`);
  }
}

/** SURB-ack bytes that are not first hop (19) ‖ ack packet (386). */
export class SurbAckLengthError extends NymSphinxError {
  constructor(readonly length: number) {
    super('surb-ack-length', `SURB-ack of ${length} bytes, expected 405`);
  }
}

// ---- payloads -------------------------------------------------------------------------------

/** A delivered message shorter than its key slot (ephemeral key or reply-key digest). */
export class PayloadTooShortError extends NymSphinxError {
  constructor(readonly length: number) {
    super('payload-too-short', `message of ${length} bytes has no room for its 32-byte key slot`);
  }
}

/** A payload whose parts do not add up to a packet size's plaintext (incorrect chunking). */
export class PayloadLengthError extends NymSphinxError {
  constructor(readonly length: number) {
    super('payload-length', `payload plaintext of ${length} bytes fits no packet size`);
  }
}

/** An X25519 key of small order: no shared secret (Nym's dalek would derive a zero secret). */
export class SmallOrderKeyError extends NymSphinxError {
  constructor() {
    super('small-order-key', 'x25519 key of small order');
  }
}

// ---- chunking -------------------------------------------------------------------------------

/** Fewer bytes than the fragment header needs (7, or 10 when linked). */
export class FragmentTooShortError extends NymSphinxError {
  constructor(
    readonly length: number,
    readonly needed: number,
  ) {
    super('fragment-too-short', `fragment of ${length} bytes, its header needs ${needed}`);
  }
}

/** The fragment header's top bit (Nym's fragmentation flag) or a link's flag is not set. */
export class FragmentFlagError extends NymSphinxError {
  constructor(readonly which: 'fragmented' | 'linked') {
    super('fragment-flag', `fragment header without its ${which} flag`);
  }
}

/** A set id (own or linked) outside (0, 2^31 - 1], or a set linked to itself. */
export class InvalidSetIdError extends NymSphinxError {
  constructor(readonly setId: number) {
    super('invalid-set-id', `set id ${setId} is not in 1..2147483647 (or links to itself)`);
  }
}

/** Total or index out of range: zero, or index beyond the total. */
export class InvalidFragmentPositionError extends NymSphinxError {
  constructor(
    readonly index: number,
    readonly total: number,
  ) {
    super('invalid-fragment-position', `fragment ${index} of ${total}`);
  }
}

/** A link on a fragment that may not carry one (only 1 of n, or 255 of 255). */
export class MisplacedFragmentLinkError extends NymSphinxError {
  constructor(
    readonly index: number,
    readonly total: number,
  ) {
    super('misplaced-fragment-link', `fragment ${index} of ${total} cannot link to another set`);
  }
}

/** A fragment's payload length that Nym's set layout does not produce at its position. */
export class FragmentPayloadLengthError extends NymSphinxError {
  constructor(
    readonly length: number,
    readonly expected: string,
  ) {
    super('fragment-payload-length', `fragment payload of ${length} bytes, expected ${expected}`);
  }
}

/** A fragment whose total disagrees with the fragments already buffered for its set. */
export class SetTotalMismatchError extends NymSphinxError {
  constructor(
    readonly setId: number,
    readonly total: number,
    readonly buffered: number,
  ) {
    super('set-total-mismatch', `set ${setId}: fragment says ${total} fragments, earlier ones ${buffered}`);
  }
}

// ---- messages -------------------------------------------------------------------------------

/** Padded message data without its `0x01` marker. */
export class MissingPaddingMarkerError extends NymSphinxError {
  constructor() {
    super('missing-padding-marker', 'message padding has no 0x01 marker');
  }
}

/** Bytes other than zero after the padding marker. */
export class PaddingNotZeroError extends NymSphinxError {
  constructor() {
    super('padding-not-zero', 'message padding has non-zero bytes after its marker');
  }
}

/** An empty message (no kind byte). */
export class EmptyMessageError extends NymSphinxError {
  constructor() {
    super('empty-message', 'empty message');
  }
}

/** A message kind byte other than plain (0), repliable (1), reply (2). */
export class UnknownMessageKindError extends NymSphinxError {
  constructor(readonly kind: number) {
    super('unknown-message-kind', `unknown message kind ${kind}`);
  }
}

/** A repliable content tag other than 0..5. */
export class UnknownRepliableContentError extends NymSphinxError {
  constructor(readonly tag: number) {
    super('unknown-repliable-content', `unknown repliable content tag ${tag}`);
  }
}

/** A reply content tag other than data (0) or SURB request (1). */
export class UnknownReplyContentError extends NymSphinxError {
  constructor(readonly tag: number) {
    super('unknown-reply-content', `unknown reply content tag ${tag}`);
  }
}

/** Message bytes that end before what their own counts announce. */
export class TruncatedMessageError extends NymSphinxError {
  constructor(readonly what: string) {
    super('truncated-message', `truncated message: ${what}`);
  }
}

/** Bytes after a message that has a fixed end (additional SURBs, heartbeat, SURB request). */
export class TrailingBytesError extends NymSphinxError {
  constructor(
    readonly what: string,
    readonly extra: number,
  ) {
    super('trailing-bytes', `${extra} trailing bytes after ${what}`);
  }
}

/** A sphinx key rotation byte other than unknown (0), odd (1), even (2). */
export class InvalidKeyRotationError extends NymSphinxError {
  constructor(readonly value: number) {
    super('invalid-key-rotation', `${value} is not a sphinx key rotation`);
  }
}

// ---- reply SURBs ------------------------------------------------------------------------------

/** Reply SURB bytes too short to hold a key, a header, a first hop and one key seed. */
export class ReplySurbTooShortError extends NymSphinxError {
  constructor(readonly length: number) {
    super('reply-surb-too-short', `reply SURB of ${length} bytes is too short`);
  }
}

/** Reply SURB key material that is not whole seeds (16) or whole keys (192), or > 5 hops. */
export class ReplySurbMaterialError extends NymSphinxError {
  constructor(readonly reason: string) {
    super('reply-surb-material', `reply SURB key material: ${reason}`);
  }
}

/** An anonymous sender tag that is not 16 bytes (or not base58). */
export class InvalidSenderTagError extends NymSphinxError {
  constructor(readonly reason: string) {
    super('invalid-sender-tag', `invalid sender tag: ${reason}`);
  }
}
