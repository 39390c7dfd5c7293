/**
 * The coconut-dkg contract's failures, one ContractError subclass per condition with a
 * `code`, after Nym's `contracts/coconut-dkg/src/error.rs` (the message texts follow its
 * wording). The message names the contract because it becomes the tx log.
 */
import { ContractError } from './types.js';

const C = 'coconut-dkg contract';

/** error.rs Unauthorized: the sender is not a voting member of the signer group. */
export class NotAGroupMemberError extends ContractError {
  override readonly code = 'not_a_group_member';
  constructor(readonly sender: string) {
    super(`${C}: ${sender} is not in the coconut signer group`);
  }
}

/** error.rs IncorrectEpochState: the message is not allowed in the current state. */
export class IncorrectEpochStateError extends ContractError {
  override readonly code = 'incorrect_epoch_state';
  constructor(
    readonly currentState: string,
    readonly expectedState: string,
  ) {
    super(`${C}: requested action needs state to be ${expectedState}, currently in state ${currentState}`);
  }
}

/** error.rs WaitingInitialisation. */
export class WaitingInitialisationError extends ContractError {
  override readonly code = 'waiting_initialisation';
  constructor() {
    super(`${C}: dkg hasn't been initialised yet`);
  }
}

/** error.rs AlreadyInitialised. */
export class AlreadyInitialisedError extends ContractError {
  override readonly code = 'already_initialised';
  constructor() {
    super(`${C}: dkg has already been initialised`);
  }
}

/** error.rs AlreadyADealer. */
export class AlreadyADealerError extends ContractError {
  override readonly code = 'already_a_dealer';
  constructor(readonly epochId: number) {
    super(`${C}: this sender is already a dealer for epoch ${epochId}`);
  }
}

/** error.rs NotADealer (also: a non-resharing dealer dealing in a resharing epoch). */
export class NotADealerError extends ContractError {
  override readonly code = 'not_a_dealer';
  constructor(
    readonly epochId: number,
    readonly detail = '',
  ) {
    super(`${C}: this sender is not a dealer for epoch ${epochId}${detail ? ` (${detail})` : ''}`);
  }
}

/** error.rs EarlyEpochStateAdvancement. */
export class EarlyEpochStateAdvancementError extends ContractError {
  override readonly code = 'early_epoch_state_advancement';
  constructor(readonly secondsLeft: number) {
    super(`${C}: too soon to advance epoch state. ${secondsLeft} more seconds until it can be advanced`);
  }
}

/** error.rs DealingOutOfRange. */
export class DealingOutOfRangeError extends ContractError {
  override readonly code = 'dealing_out_of_range';
  constructor(
    readonly index: number,
    readonly keySize: number,
  ) {
    super(`${C}: dealing index ${index} while the key size is set to ${keySize}`);
  }
}

/** error.rs EmptyMetadata. */
export class EmptyMetadataError extends ContractError {
  override readonly code = 'empty_metadata';
  constructor(readonly dealingIndex: number) {
    super(`${C}: metadata for dealing index ${dealingIndex} declares zero chunks`);
  }
}

/** error.rs TooFragmentedMetadata. */
export class TooFragmentedMetadataError extends ContractError {
  override readonly code = 'too_fragmented_metadata';
  constructor(
    readonly chunks: number,
    readonly max: number,
  ) {
    super(`${C}: metadata declares ${chunks} chunks while at most ${max} chunks are allowed`);
  }
}

/** A chunk (declared or sent) larger than MAX_DEALING_CHUNK_SIZE (dealing.rs). */
export class DealingChunkTooLargeError extends ContractError {
  override readonly code = 'dealing_chunk_too_large';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`${C}: a dealing chunk of ${size} bytes exceeds the maximum of ${max} bytes`);
  }
}

/** error.rs UnevenChunkSplit. */
export class UnevenChunkSplitError extends ContractError {
  override readonly code = 'uneven_chunk_split';
  constructor(
    readonly chunkIndex: number,
    readonly firstChunkSize: number,
    readonly size: number,
  ) {
    super(
      `${C}: uneven chunk split: first chunk has size ${firstChunkSize} while chunk ${chunkIndex} has ${size}`,
    );
  }
}

/** error.rs MetadataAlreadyExists. */
export class MetadataAlreadyExistsError extends ContractError {
  override readonly code = 'metadata_already_exists';
  constructor(readonly dealingIndex: number) {
    super(`${C}: metadata for dealing index ${dealingIndex} already exists`);
  }
}

/** error.rs UnavailableDealingMetadata. */
export class UnavailableDealingMetadataError extends ContractError {
  override readonly code = 'unavailable_dealing_metadata';
  constructor(readonly dealingIndex: number) {
    super(`${C}: metadata for dealing index ${dealingIndex} does not exist`);
  }
}

/** error.rs DealingChunkNotInMetadata. */
export class DealingChunkNotInMetadataError extends ContractError {
  override readonly code = 'dealing_chunk_not_in_metadata';
  constructor(
    readonly dealingIndex: number,
    readonly chunkIndex: number,
  ) {
    super(`${C}: chunk ${chunkIndex} of dealing ${dealingIndex} hasn't been declared in the metadata`);
  }
}

/** error.rs DealingChunkAlreadyCommitted. */
export class DealingChunkAlreadyCommittedError extends ContractError {
  override readonly code = 'dealing_chunk_already_committed';
  constructor(
    readonly dealingIndex: number,
    readonly chunkIndex: number,
    readonly height: number,
  ) {
    super(`${C}: chunk ${chunkIndex} of dealing ${dealingIndex} was already committed at height ${height}`);
  }
}

/** error.rs InconsistentChunkLength. */
export class InconsistentChunkLengthError extends ContractError {
  override readonly code = 'inconsistent_chunk_length';
  constructor(
    readonly metadataLength: number,
    readonly received: number,
  ) {
    super(`${C}: the metadata declares ${metadataLength} bytes while the chunk is ${received} bytes long`);
  }
}

/** error.rs AlreadyCommitted. */
export class AlreadyCommittedError extends ContractError {
  override readonly code = 'already_committed';
  constructor(readonly commitment: string) {
    super(`${C}: this dealer has already committed ${commitment}`);
  }
}

/** error.rs NoCommitForOwner. */
export class NoCommitForOwnerError extends ContractError {
  override readonly code = 'no_commit_for_owner';
  constructor(readonly owner: string) {
    super(`${C}: no verification key committed for owner ${owner}`);
  }
}

/** error.rs CantResetDuringExchange. */
export class CantResetDuringExchangeError extends ContractError {
  override readonly code = 'cant_reset_during_exchange';
  constructor() {
    super(`${C}: cannot perform DKG reset during an ongoing exchange`);
  }
}

/** error.rs CantReshareDuringExchange. */
export class CantReshareDuringExchangeError extends ContractError {
  override readonly code = 'cant_reshare_during_exchange';
  constructor() {
    super(`${C}: cannot perform DKG resharing during an ongoing exchange`);
  }
}

/** Nymph: complaints come only while the complaint window is open. */
export class ComplaintWindowClosedError extends ContractError {
  override readonly code = 'complaint_window_closed';
  constructor(readonly epochId: number) {
    super(`${C}: the complaint window of epoch ${epochId} is closed`);
  }
}

/** Nymph: verification-key shares come once the qualified set is final (complaints closed). */
export class ComplaintWindowOpenError extends ContractError {
  override readonly code = 'complaint_window_open';
  constructor(readonly epochId: number) {
    super(`${C}: the complaint window of epoch ${epochId} is still open`);
  }
}
