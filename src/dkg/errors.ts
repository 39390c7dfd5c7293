/**
 * Typed errors of the DKG room: one class per condition, each with a `code`, so that a
 * dealer loop can tell a bad dealing (exclude its dealer) from a bad complaint (ignore it)
 * from its own misuse (a bug).
 */

export class DkgError extends Error {
  override readonly name: string = 'DkgError';
  readonly code: string = 'dkg';
  constructor(message: string) {
    super(`dkg: ${message}`);
  }
}

/** A dealing's bytes do not decode, or do not fit the epoch (receivers, threshold, context). */
export class InvalidDealingError extends DkgError {
  override readonly name = 'InvalidDealingError';
  override readonly code = 'invalid_dealing';
  constructor(readonly reason: string) {
    super(`invalid dealing: ${reason}`);
  }
}

/** A dealer's registered key (`bte_key_with_proof`) does not decode or its proof fails. */
export class InvalidDealerKeyError extends DkgError {
  override readonly name = 'InvalidDealerKeyError';
  override readonly code = 'invalid_dealer_key';
  constructor(readonly reason: string) {
    super(`invalid dealer key: ${reason}`);
  }
}

/** A complaint's bytes do not decode or its DLEQ proof fails: the complaint is void. */
export class InvalidComplaintError extends DkgError {
  override readonly name = 'InvalidComplaintError';
  override readonly code = 'invalid_complaint';
  constructor(readonly reason: string) {
    super(`invalid complaint: ${reason}`);
  }
}

/** A verification-key share does not match the one the commitments give its index. */
export class InvalidVerificationKeyShareError extends DkgError {
  override readonly name = 'InvalidVerificationKeyShareError';
  override readonly code = 'invalid_vk_share';
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`verification-key share of dealer ${index}: ${reason}`);
  }
}

/** Fewer qualified dealers than the scheme needs (t for resharing, 1 otherwise). */
export class NotEnoughDealersError extends DkgError {
  override readonly name = 'NotEnoughDealersError';
  override readonly code = 'not_enough_dealers';
  constructor(
    readonly needed: number,
    readonly have: number,
  ) {
    super(`${have} qualified dealers, ${needed} needed`);
  }
}

/** A caller passed parameters that cannot make a dealing (threshold, receivers, secrets). */
export class InvalidDkgParametersError extends DkgError {
  override readonly name = 'InvalidDkgParametersError';
  override readonly code = 'invalid_parameters';
  constructor(readonly reason: string) {
    super(`invalid parameters: ${reason}`);
  }
}
