/**
 * One ContractError subclass per failure condition, each with a `code`. The message names
 * the contract ("mixnet contract: ...") because it becomes the tx log the user sees; the
 * structured fields are there for tests and for callers that catch in-process.
 */
import { ContractError } from './types.js';

/** The message is not an object with exactly one known variant. */
export class UnknownMessageError extends ContractError {
  override readonly code = 'unknown_message';
  constructor(
    readonly contract: string,
    readonly variant: string,
  ) {
    super(`${contract} contract: unknown message variant '${variant}'`);
  }
}

/** A field is missing, of the wrong type, out of range, or not allowed. */
export class InvalidFieldError extends ContractError {
  override readonly code = 'invalid_field';
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
  override readonly code = 'missing_funds';
  constructor(
    readonly contract: string,
    readonly denom: string,
  ) {
    super(`${contract} contract: no ${denom} funds were sent with the message`);
  }
}

/** Funds came in a form the message does not accept (wrong denom, several coins, unexpected). */
export class InvalidFundsError extends ContractError {
  override readonly code = 'invalid_funds';
  constructor(
    readonly contract: string,
    readonly reason: string,
  ) {
    super(`${contract} contract: invalid funds: ${reason}`);
  }
}

/** The pledge is below the contract's minimum. */
export class InsufficientPledgeError extends ContractError {
  override readonly code = 'insufficient_pledge';
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
  override readonly code = 'unauthorised';
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
  override readonly code = 'already_bonded';
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
  override readonly code = 'duplicate_identity_key';
  constructor(
    readonly contract: string,
    readonly identityKey: string,
  ) {
    super(`${contract} contract: a node with identity key ${identityKey} is already bonded`);
  }
}

/** The sender has no bond of the kind the message needs. */
export class NoBondFoundError extends ContractError {
  override readonly code = 'no_bond_found';
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
  override readonly code = 'mixnode_not_found';
  constructor(
    readonly contract: string,
    readonly mixId: number,
  ) {
    super(`${contract} contract: mix node ${mixId} does not exist`);
  }
}

/** The owner signature does not verify under the node's identity key. */
export class InvalidOwnerSignatureError extends ContractError {
  override readonly code = 'invalid_owner_signature';
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
  override readonly code = 'invalid_rewarded_set';
  constructor(
    readonly contract: string,
    readonly reason: string,
  ) {
    super(`${contract} contract: invalid rewarded set: ${reason}`);
  }
}

/** The blinded serial number was spent before. */
export class CredentialAlreadySpentError extends ContractError {
  override readonly code = 'credential_already_spent';
  constructor(
    readonly contract: string,
    readonly blindedSerialNumber: string,
  ) {
    super(`${contract} contract: credential ${blindedSerialNumber} was already spent`);
  }
}

/**
 * A message of Nym's contract (by name, from `src/contracts/nym-messages.ts`) that this
 * chain's contract does not model: delegations, rewarding, nym-nodes, vesting. Refused,
 * never answered with a made-up success.
 */
export class UnsupportedMessageError extends ContractError {
  override readonly code = 'unsupported_message';
  constructor(
    readonly contract: string,
    readonly variant: string,
    readonly kind: 'execute' | 'query',
  ) {
    super(
      `${contract} contract: ${kind} message '${variant}' of Nym's contract is unsupported by this chain`,
    );
  }
}

/** The contract holds fewer coins than a release asks for (Nym: NotEnoughFunds). */
export class NotEnoughFundsError extends ContractError {
  override readonly code = 'not_enough_funds';
  constructor(
    readonly contract: string,
    readonly requested: string,
    readonly available: string,
    readonly denom: string,
  ) {
    super(
      `${contract} contract: there aren't enough funds in the contract: ${requested}${denom} asked, ${available}${denom} held`,
    );
  }
}
