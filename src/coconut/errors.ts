/**
 * Typed errors of the coconut module. Every bad input (malformed bytes, off-curve or
 * off-subgroup points, wrong lengths, failed proofs, bad share sets) is reported as one of
 * these classes, each with structured fields; nothing else is thrown for bad input.
 */

/** Base class: `err instanceof CoconutError` catches every coconut failure. */
export class CoconutError extends Error {
  override readonly name: string = 'CoconutError';
  /** Stable machine-readable identifier of the condition; callers branch on it. */
  readonly code: string = 'coconut';
  constructor(message: string) {
    super(`coconut: ${message}`);
  }
}

/** A byte string has the wrong length for the object being decoded. */
export class InvalidLengthError extends CoconutError {
  override readonly name = 'InvalidLengthError';
  override readonly code: string = 'invalid_length';
  constructor(
    readonly what: string,
    readonly expected: number | string,
    readonly actual: number,
  ) {
    super(`${what}: expected ${expected} bytes, got ${actual}`);
  }
}

/** Bytes that do not encode a point of the prime-order subgroup (bad flags, off curve, off subgroup, identity). */
export class InvalidPointError extends CoconutError {
  override readonly name = 'InvalidPointError';
  override readonly code: string = 'invalid_point';
  constructor(
    readonly group: 'G1' | 'G2',
    readonly reason: string,
  ) {
    super(`invalid ${group} point: ${reason}`);
  }
}

/** A scalar encoding that is not canonical (>= group order) or a scalar that is out of range. */
export class InvalidScalarError extends CoconutError {
  override readonly name = 'InvalidScalarError';
  override readonly code: string = 'invalid_scalar';
  constructor(readonly reason: string) {
    super(`invalid scalar: ${reason}`);
  }
}

/** Structurally malformed encoding (bad base58, inconsistent counts, trailing bytes). */
export class MalformedEncodingError extends CoconutError {
  override readonly name = 'MalformedEncodingError';
  override readonly code: string = 'malformed_encoding';
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`malformed ${what}: ${reason}`);
  }
}

/** Parameters out of range: threshold, number of authorities, attribute counts. */
export class InvalidParametersError extends CoconutError {
  override readonly name = 'InvalidParametersError';
  override readonly code: string = 'invalid_parameters';
  constructor(readonly reason: string) {
    super(`invalid parameters: ${reason}`);
  }
}

/** More attributes than the parameters or the key support. */
export class TooManyAttributesError extends CoconutError {
  override readonly name = 'TooManyAttributesError';
  override readonly code: string = 'too_many_attributes';
  constructor(
    readonly max: number,
    readonly requested: number,
  ) {
    super(`too many attributes: ${requested} requested, at most ${max} supported`);
  }
}

/** Attribute counts that do not match what the object was made for. */
export class AttributeCountError extends CoconutError {
  override readonly name = 'AttributeCountError';
  override readonly code: string = 'attribute_count';
  constructor(
    readonly what: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${what}: expected ${expected} attributes, got ${actual}`);
  }
}

/** A zero-knowledge proof did not verify (tampered, or made for other attributes or keys). */
export class InvalidProofError extends CoconutError {
  override readonly name = 'InvalidProofError';
  override readonly code: string = 'invalid_proof';
  constructor(readonly proof: 'blind-sign-request' | 'credential') {
    super(`the ${proof} proof of knowledge does not verify`);
  }
}

/** The commitment hash h of a blind-sign request is not H(commitment). */
export class CommitmentHashMismatchError extends CoconutError {
  override readonly name = 'CommitmentHashMismatchError';
  override readonly code: string = 'commitment_hash_mismatch';
  constructor() {
    super('blind-sign request: commitment hash does not match the commitment');
  }
}

/** A (partial or aggregated) signature does not verify for the given key and attributes. */
export class InvalidSignatureError extends CoconutError {
  override readonly name = 'InvalidSignatureError';
  override readonly code: string = 'invalid_signature';
  constructor(readonly what: string) {
    super(`${what} does not verify`);
  }
}

/** A shown credential (theta) does not verify: pairing check failed or degenerate signature. */
export class InvalidCredentialError extends CoconutError {
  override readonly name = 'InvalidCredentialError';
  override readonly code: string = 'invalid_credential';
  constructor(readonly reason: string) {
    super(`credential does not verify: ${reason}`);
  }
}

/** Fewer shares than the threshold. */
export class NotEnoughSharesError extends CoconutError {
  override readonly name = 'NotEnoughSharesError';
  override readonly code: string = 'not_enough_shares';
  constructor(
    readonly what: string,
    readonly threshold: number,
    readonly available: number,
  ) {
    super(`${what}: ${available} shares, threshold is ${threshold}`);
  }
}

/** A share carries an index outside 1..n, or the same index twice. */
export class InvalidShareIndexError extends CoconutError {
  override readonly name = 'InvalidShareIndexError';
  override readonly code: string = 'invalid_share_index';
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`share index ${index}: ${reason}`);
  }
}

/** Signature shares that were not issued on the same request (their h differ). */
export class MismatchedSharesError extends CoconutError {
  override readonly name = 'MismatchedSharesError';
  override readonly code: string = 'mismatched_shares';
  constructor(readonly reason: string) {
    super(`shares do not belong together: ${reason}`);
  }
}

/** Unknown backend name, or a backend used before its asynchronous initialisation. */
export class BackendError extends CoconutError {
  override readonly name = 'BackendError';
  override readonly code: string = 'backend';
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend ${backend}: ${reason}`);
  }
}
