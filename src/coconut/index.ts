/**
 * Coconut threshold blind signatures on BLS12-381 (Sonnino et al., NDSS 2019), as Nym's
 * `nymcoconut` crate used them for bandwidth vouchers. Pure: no I/O, no globals beyond
 * the backend cache, randomness passed in.
 *
 * Start with {@link loadBackend} (`'noble'`, pure JS, default; `'mcl'`, WebAssembly,
 * fast), then {@link voucherParameters} and the voucher API, or {@link setup} and the
 * scheme functions for other credentials.
 */
export {
  loadBackend,
  getBackend,
  BACKEND_NAMES,
  type BackendName,
  type GroupBackend,
  type GroupOps,
  type G1,
  type G2,
  type PreparedG2,
  type PairingInput,
} from './backend.js';
export { nobleBackend } from './backend-noble.js';
export {
  CoconutError,
  InvalidLengthError,
  InvalidPointError,
  InvalidScalarError,
  MalformedEncodingError,
  InvalidParametersError,
  TooManyAttributesError,
  AttributeCountError,
  InvalidProofError,
  CommitmentHashMismatchError,
  InvalidSignatureError,
  InvalidCredentialError,
  NotEnoughSharesError,
  InvalidShareIndexError,
  MismatchedSharesError,
  BackendError,
} from './errors.js';
export { FR_ORDER, SCALAR_LENGTH, hashToScalar, type RandomBytes } from './fr.js';
export * as fr from './fr.js';
export { secureRandom, seededRandom } from './random.js';
export {
  setup,
  keygen,
  ttpKeygen,
  prepareBlindSign,
  verifyBlindSignRequest,
  blindSign,
  unblind,
  verifySignature,
  aggregateSignatureShares,
  aggregateVerificationKeys,
  randomise,
  proveCredential,
  verifyCredential,
  prepareVerificationKey,
  commitmentHash,
  PREPARED_KEY_CACHE_SIZE,
  HS_DST,
  COMMITMENT_HASH_DST,
  MAX_ATTRIBUTES,
  MAX_AUTHORITIES,
  type Attribute,
  type Parameters,
  type SecretKey,
  type VerificationKey,
  type PreparedVerificationKey,
  type KeyPair,
  type BlindSignProof,
  type BlindSignRequest,
  type PreparedBlindSign,
  type BlindedSignature,
  type Signature,
  type Share,
  type CredentialProof,
  type Theta,
  type AggregateOptions,
} from './scheme.js';
export { codecsFor, bytesToBase58, base58ToBytes, type Codec, type Codecs } from './encoding.js';
export {
  BandwidthVoucher,
  BandwidthCredential,
  voucherParameters,
  voucherPublicAttributes,
  issueVoucherShare,
  verifyVoucherCredential,
  VOUCHER_ATTRIBUTES,
  VOUCHER_PRIVATE_ATTRIBUTES,
  VOUCHER_PUBLIC_ATTRIBUTES,
  BYTES_PER_VOUCHER_UNIT,
  MAX_VOUCHER_VALUE,
  type VoucherValue,
  type VoucherRequest,
  type VerifiedVoucher,
  type BandwidthVoucherJSON,
  type BandwidthCredentialJSON,
} from './voucher.js';
