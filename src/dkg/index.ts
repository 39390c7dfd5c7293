/**
 * The validators' distributed key generation for Coconut: a Joint-Feldman DKG with
 * encrypted shares and public complaints, and resharing that keeps the master key
 * (README.md). Pure: bytes and group elements in, bytes and group elements out; randomness
 * passed in. nym-api's dealer loop (src/api/dkg-dealer.ts) drives it over the chain.
 */
export * from './errors.js';
export {
  generateDealerKey,
  dealerKeyFromSecret,
  encodeDealerKey,
  decodeDealerKey,
  DEALER_KEY_BYTES,
  type DealerKeyPair,
} from './keys.js';
export {
  createDealing,
  decodeDealing,
  checkDealingPublic,
  committedShare,
  decryptShare,
  shareMatchesCommitments,
  checkResharingCommitment,
  DEALING_VERSION,
  type Dealing,
  type DealingContext,
  type Receiver,
} from './dealing.js';
export { makeComplaint, complaintUpheld, COMPLAINT_PROOF_BYTES } from './complaint.js';
export {
  evaluateEpoch,
  reviewDealings,
  deriveSecretShare,
  expectedVerificationKeyShare,
  masterVerificationKeyG2,
  checkVerificationKeyShare,
  verificationKeyOfShare,
  type EpochDealer,
  type EpochComplaint,
  type EpochInput,
  type EpochResult,
  type ExcludedDealer,
} from './epoch.js';
export { dkgThreshold } from './threshold.js';
