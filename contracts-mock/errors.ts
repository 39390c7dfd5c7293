/**
 * One ContractError subclass per failure condition. The message names the contract
 * ("mixnet contract: ...") because it becomes the tx log the user sees; the structured
 * fields are there for tests and for callers that catch in-process.
 */
import { ContractError } from './types.js';

/** The message is not an object with exactly one known variant. */
export class UnknownMessageError extends ContractError {
  constructor(
    readonly contract: string,
    readonly variant: string,
  ) {
    super(`${contract} contract: unknown message variant '${variant}'`);
  }
}

/** A field is missing, of the wrong type, out of range, or not allowed. */
export class InvalidFieldError extends ContractError {
  constructor(
    readonly contract: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${contract} contract: invalid field '${field}': ${reason}`);
  }
}

/** The message needs funds and none (or not the right coin) came with it. */
export class MissingFundsError extends ContractError {
  constructor(
    readonly contract: string,
    readonly denom: string,
  ) {
    super(`${contract} contract: no ${denom} funds were sent with the message`);
  }
}

/** Funds came in a form the message does not accept (wrong denom, several coins, unexpected). */
export class InvalidFundsError extends ContractError {
  constructor(
    readonly contract: string,
    readonly reason: string,
  ) {
    super(`${contract} contract: invalid funds: ${reason}`);
  }
}

/** The pledge is below the contract's minimum. */
export class InsufficientPledgeError extends ContractError {
  constructor(
    readonly contract: string,
    readonly received: string,
    readonly minimum: string,
    readonly denom: string,
  ) {
    super(`${contract} contract: pledge ${received}${denom} is below the minimum of ${minimum}${denom}`);
  }
}

/** The sender may not do this (admin-only message, or acting for someone else). */
export class UnauthorisedError extends ContractError {
  constructor(
    readonly contract: string,
    readonly sender: string,
    readonly action: string,
  ) {
    super(`${contract} contract: ${sender} is not authorised to ${action}`);
  }
}

/** The sender already has a mix node or gateway bonded. */
export class AlreadyBondedError extends ContractError {
  constructor(
    readonly contract: string,
    readonly owner: string,
    readonly kind: 'mixnode' | 'gateway',
  ) {
    super(`${contract} contract: ${owner} already owns a bonded ${kind}`);
  }
}

/** A node with this identity key is already bonded (by anyone). */
export class DuplicateIdentityKeyError extends ContractError {
  constructor(
    readonly contract: string,
    readonly identityKey: string,
  ) {
    super(`${contract} contract: a node with identity key ${identityKey} is already bonded`);
  }
}

/** The sender has no bond of the kind the message needs. */
export class NoBondFoundError extends ContractError {
  constructor(
    readonly contract: string,
    readonly owner: string,
    readonly kind: 'mixnode' | 'gateway',
  ) {
    super(`${contract} contract: ${owner} does not own a bonded ${kind}`);
  }
}

/** No mix node has this id. */
export class MixNodeNotFoundError extends ContractError {
  constructor(
    readonly contract: string,
    readonly mixId: number,
  ) {
    super(`${contract} contract: mix node ${mixId} does not exist`);
  }
}

/** The owner signature does not verify under the node's identity key. */
export class InvalidOwnerSignatureError extends ContractError {
  constructor(
    readonly contract: string,
    readonly identityKey: string,
    readonly nonce: number,
  ) {
    super(
      `${contract} contract: owner signature does not verify for identity key ${identityKey} at signing nonce ${nonce}`,
    );
  }
}

/** An explicit rewarded set is inconsistent (duplicates, sizes). */
export class InvalidRewardedSetError extends ContractError {
  constructor(
    readonly contract: string,
    readonly reason: string,
  ) {
    super(`${contract} contract: invalid rewarded set: ${reason}`);
  }
}

/** The blinded serial number was spent before. */
export class CredentialAlreadySpentError extends ContractError {
  constructor(
    readonly contract: string,
    readonly blindedSerialNumber: string,
  ) {
    super(`${contract} contract: credential ${blindedSerialNumber} was already spent`);
  }
}
