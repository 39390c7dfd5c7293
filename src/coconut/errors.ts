/**
 * Typed errors of the coconut module. Every bad input (malformed bytes, off-curve or
 * off-subgroup points, wrong lengths, failed proofs, bad share sets) is reported as one of
 * these classes, each with structured fields; nothing else is thrown for bad input.
 */

/** Base class: `err instanceof CoconutError` catches every coconut failure. */
export class CoconutError extends Error {
  override readonly name: string = 'CoconutError';
  constructor(message: string) {
    super(`coconut: ${message}`);
  }
}

/** A byte string has the wrong length for the object being decoded. */
export class InvalidLengthError extends CoconutError {
  override readonly name = 'InvalidLengthError';
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
  constructor(readonly reason: string) {
    super(`invalid scalar: ${reason}`);
  }
}

/** Structurally malformed encoding (bad base58, inconsistent counts, trailing bytes). */
export class MalformedEncodingError extends CoconutError {
  override readonly name = 'MalformedEncodingError';
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
  constructor(readonly reason: string) {
    super(`invalid parameters: ${reason}`);
  }
}

/** More attributes than the parameters or the key support. */
export class TooManyAttributesError extends CoconutError {
  override readonly name = 'TooManyAttributesError';
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
  constructor(readonly proof: 'blind-sign-request' | 'credential') {
    super(`the ${proof} proof of knowledge does not verify`);
  }
}

/** The commitment hash h of a blind-sign request is not H(commitment). */
export class CommitmentHashMismatchError extends CoconutError {
  override readonly name = 'CommitmentHashMismatchError';
  constructor() {
    super('blind-sign request: commitment hash does not match the commitment');
  }
}

/** A (partial or aggregated) signature does not verify for the given key and attributes. */
export class InvalidSignatureError extends CoconutError {
  override readonly name = 'InvalidSignatureError';
  constructor(readonly what: string) {
    super(`${what} does not verify`);
  }
}

/** A shown credential (theta) does not verify: pairing check failed or degenerate signature. */
export class InvalidCredentialError extends CoconutError {
  override readonly name = 'InvalidCredentialError';
  constructor(readonly reason: string) {
    super(`credential does not verify: ${reason}`);
  }
}

/** Fewer shares than the threshold. */
export class NotEnoughSharesError extends CoconutError {
  override readonly name = 'NotEnoughSharesError';
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
  constructor(readonly reason: string) {
    super(`shares do not belong together: ${reason}`);
  }
}

/** Unknown backend name, or a backend used before its asynchronous initialisation. */
export class BackendError extends CoconutError {
  override readonly name = 'BackendError';
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend ${backend}: ${reason}`);
  }
}
