/**
 * The coconut-dkg contract's messages, state and responses, in the JSON shapes of Nym's
 * contract (`common/cosmwasm-smart-contracts/coconut-dkg/src/{msg,types,dealer,dealing,
 * verification_key}.rs`; `@nymproject/contract-clients` 1.4.1 `CoconutDkg.types.d.ts`),
 * apart from its logic in contracts-mock/coconut-dkg.ts. nym-api's dealers, clients and
 * tests import these.
 *
 * Nymph extensions (absent from Nym's contract, named so in the message lists below):
 * - `update_members` / `get_group_members`: the signer group lives in this contract,
 *   admin-set, in cw4-group's `update_members { add: [{addr, weight}], remove }` shape
 *   (Nym points `group_addr` at a separate cw4-group contract).
 * - `commit_dealing_complaints` / `get_dealing_complaints`: the public complaints of the
 *   Joint-Feldman DKG (src/dkg/README.md). Nym's Groth NI-DKG needs none: its dealings
 *   carry proofs of correct encryption.
 */

export const DKG_CONTRACT_NAME = 'crates.io:nym-coconut-dkg';
export const DKG_CONTRACT_VERSION = '0.1.0';

/** `dealing.rs`: MAX_DEALING_CHUNK_SIZE, MAX_DEALING_SIZE, MAX_DEALING_CHUNKS. */
export const MAX_DEALING_CHUNK_SIZE = 2048;
export const MAX_DEALING_SIZE = 102_400;
export const MAX_DEALING_CHUNKS = MAX_DEALING_SIZE / MAX_DEALING_CHUNK_SIZE;
/** `dealing.rs` DEFAULT_DEALINGS: x and four y's, the bandwidth voucher's key. */
export const DEFAULT_KEY_SIZE = 5;
/** Longest encoded registration key / VK share we store (base58 text). */
export const MAX_DKG_KEY_TEXT = 4096;
export const MAX_VK_SHARE_TEXT = 8192;
/** Complaints one dealer may file in one epoch (one per dealing of every other dealer). */
export const MAX_COMPLAINTS = 1024;
/** Bytes of one complaint's proof (DH value and DLEQ proof: src/dkg/complaint.ts). */
export const MAX_COMPLAINT_PROOF_BYTES = 256;
export const DKG_PAGE_DEFAULT_LIMIT = 50;
export const DKG_PAGE_MAX_LIMIT = 100;

export interface TimeConfiguration {
  public_key_submission_time_secs: number;
  dealing_exchange_time_secs: number;
  verification_key_submission_time_secs: number;
  verification_key_validation_time_secs: number;
  verification_key_finalization_time_secs: number;
  in_progress_time_secs: number;
}

/** `types.rs` TimeConfiguration::default(). */
export const DEFAULT_TIME_CONFIGURATION: TimeConfiguration = {
  public_key_submission_time_secs: 600,
  dealing_exchange_time_secs: 300,
  verification_key_submission_time_secs: 300,
  verification_key_validation_time_secs: 60,
  verification_key_finalization_time_secs: 60,
  in_progress_time_secs: 60 * 60 * 24 * 14,
};

export type DkgEpochState =
  | 'waiting_initialisation'
  | 'in_progress'
  | { public_key_submission: { resharing: boolean } }
  | { dealing_exchange: { resharing: boolean } }
  | { verification_key_submission: { resharing: boolean } }
  | { verification_key_validation: { resharing: boolean } }
  | { verification_key_finalization: { resharing: boolean } };

export type EpochStateName =
  | 'waiting_initialisation'
  | 'public_key_submission'
  | 'dealing_exchange'
  | 'verification_key_submission'
  | 'verification_key_validation'
  | 'verification_key_finalization'
  | 'in_progress';

/** The states in order (`types.rs` DkgEpochState::next). */
export const EPOCH_STATE_ORDER: readonly EpochStateName[] = [
  'waiting_initialisation',
  'public_key_submission',
  'dealing_exchange',
  'verification_key_submission',
  'verification_key_validation',
  'verification_key_finalization',
  'in_progress',
];

export function epochStateName(s: DkgEpochState): EpochStateName {
  return typeof s === 'string' ? s : (Object.keys(s)[0] as EpochStateName);
}

export function isResharing(s: DkgEpochState): boolean {
  return typeof s === 'string' ? false : Object.values(s)[0].resharing;
}

export function makeEpochState(name: EpochStateName, resharing: boolean): DkgEpochState {
  if (name === 'waiting_initialisation' || name === 'in_progress') return name;
  return { [name]: { resharing } } as DkgEpochState;
}

export interface StateProgress {
  registered_dealers: number;
  registered_resharing_dealers: number;
  submitted_dealings: number;
  submitted_key_shares: number;
  verified_keys: number;
}

export interface DkgEpoch {
  state: DkgEpochState;
  epoch_id: number;
  state_progress: StateProgress;
  time_configuration: TimeConfiguration;
  /** Seconds since the Unix epoch (cosmwasm Timestamp, as the generated client types it). */
  deadline: number | null;
}

export interface StateAdvanceResponse {
  current_state: DkgEpochState;
  progress: StateProgress;
  deadline: number | null;
  reached_deadline: boolean;
  is_complete: boolean;
}

export interface DkgContractState {
  mix_denom: string;
  multisig_addr: string;
  group_addr: string;
  key_size: number;
}

export interface DealerRegistrationDetails {
  bte_public_key_with_proof: string;
  ed25519_identity: string;
  announce_address: string;
}

export interface DealerDetails {
  address: string;
  bte_public_key_with_proof: string;
  ed25519_identity: string;
  announce_address: string;
  assigned_index: number;
}

export interface RegisteredDealerDetails {
  details: DealerRegistrationDetails | null;
}

export type DealerType =
  'unknown' | { current: { assigned_index: number } } | { past: { assigned_index: number } };

export interface DealerDetailsResponse {
  details: DealerDetails | null;
  dealer_type: DealerType;
}

export interface PagedDealerResponse {
  dealers: DealerDetails[];
  per_page: number;
  start_next_after: string | null;
}

export interface PagedDealerIndexResponse {
  indices: [string, number][];
  start_next_after: string | null;
}

export interface DealingChunkInfo {
  size: number;
}

export interface PartialContractDealing {
  dealing_index: number;
  chunk_index: number;
  /** ContractSafeBytes: a JSON array of byte values. */
  data: number[];
}

export interface ChunkSubmissionStatus {
  submission_height: number | null;
}

export interface SubmittedChunk {
  info: DealingChunkInfo;
  status: ChunkSubmissionStatus;
}

export interface DealingMetadata {
  dealing_index: number;
  submitted_chunks: Record<string, SubmittedChunk>;
}

export interface DealingMetadataResponse {
  epoch_id: number;
  dealer: string;
  dealing_index: number;
  metadata: DealingMetadata | null;
}

export interface DealingStatus {
  has_metadata: boolean;
  fully_submitted: boolean;
  chunk_submission_status: Record<string, ChunkSubmissionStatus>;
}

export interface DealingStatusResponse {
  epoch_id: number;
  dealer: string;
  dealing_index: number;
  status: DealingStatus;
}

export interface DealerDealingsStatusResponse {
  epoch_id: number;
  dealer: string;
  all_dealings_fully_submitted: boolean;
  dealing_submission_status: Record<string, DealingStatus>;
}

export interface DealingChunkStatusResponse {
  epoch_id: number;
  dealer: string;
  dealing_index: number;
  chunk_index: number;
  status: ChunkSubmissionStatus;
}

export interface DealingChunkResponse {
  epoch_id: number;
  dealer: string;
  dealing_index: number;
  chunk_index: number;
  chunk: number[] | null;
}

export interface ContractVKShare {
  share: string;
  announce_address: string;
  node_index: number;
  owner: string;
  epoch_id: number;
  verified: boolean;
}

export interface VkShareResponse {
  owner: string;
  epoch_id: number;
  share: ContractVKShare | null;
}

export interface PagedVKSharesResponse {
  shares: ContractVKShare[];
  per_page: number;
  start_next_after: string | null;
}

/** Nymph: one receiver's complaint against one dealing (src/dkg/complaint.ts proof). */
export interface DealingComplaint {
  dealer: string;
  dealing_index: number;
  /** base58 of the complaint proof (DH value ‖ DLEQ proof). */
  proof: string;
}

/** Nymph: what one dealer filed after checking every dealing (possibly nothing). */
export interface DealingComplaintsRecord {
  complainer: string;
  complaints: DealingComplaint[];
  height: number;
}

export interface DealingComplaintsResponse {
  epoch_id: number;
  /** Whether the epoch is a resharing one (its dealings share the previous epoch's key). */
  resharing: boolean;
  /** Whether no further complaints can come this epoch (so the qualified set is final). */
  window_closed: boolean;
  records: DealingComplaintsRecord[];
}

export interface GroupMember {
  addr: string;
  weight: number;
}

export interface GroupMembersResponse {
  members: GroupMember[];
}

export interface DkgInstantiateMsg {
  group_addr: string;
  multisig_addr: string;
  mix_denom: string;
  key_size: number;
  time_configuration?: TimeConfiguration | null;
  /** Nymph: the signer group's first members (cw4 weight > 0 is a voting member). */
  members?: GroupMember[];
}

/** Per epoch: each dealer's verification-key share and the members that voted for it. */
export interface DkgVkShareRecord extends ContractVKShare {
  votes: string[];
}

/** Per epoch, per dealer: its dealings' metadata and chunks (chunk data as base64). */
export interface DkgDealerDealings {
  metadata: Record<
    string,
    { chunks: DealingChunkInfo[]; chunk_data: Record<string, string>; heights: Record<string, number> }
  >;
}

export interface DkgEpochRecord {
  epoch_id: number;
  resharing: boolean;
  threshold: number | null;
  /** Dealers registered in this epoch, by address. */
  dealers: Record<string, DealerRegistrationDetails>;
  /** Addresses that registered as resharing dealers (dealers of the previous epoch). */
  resharing_dealers: string[];
  dealings: Record<string, DkgDealerDealings>;
  complaints: Record<string, DealingComplaintsRecord>;
  vk_shares: Record<string, DkgVkShareRecord>;
  /** Block time (seconds) the verification-key submission state began, for the complaint window. */
  vk_submission_started: number | null;
}

export interface DkgState {
  admin: string;
  config: DkgContractState;
  members: GroupMember[];
  epoch: DkgEpoch;
  /** Dealer indices are assigned once per address and kept (Nym's DEALERS_INDICES). */
  indices: Record<string, number>;
  next_index: number;
  epochs: Record<string, DkgEpochRecord>;
  /** epoch id -> threshold (Nym's EPOCH_THRESHOLDS). */
  thresholds: Record<string, number>;
}

export const DKG_EXECUTE_VARIANTS = [
  'initiate_dkg',
  'register_dealer',
  'commit_dealings_metadata',
  'commit_dealings_chunk',
  'commit_verification_key_share',
  'verify_verification_key_share',
  'advance_epoch_state',
  'trigger_reset',
  'trigger_resharing',
  'update_members',
  'commit_dealing_complaints',
] as const;

export const DKG_QUERY_VARIANTS = [
  'get_state',
  'get_current_epoch_state',
  'get_current_epoch_threshold',
  'get_epoch_threshold',
  'can_advance_state',
  'get_registered_dealer',
  'get_dealer_details',
  'get_current_dealers',
  'get_dealer_indices',
  'get_dealings_metadata',
  'get_dealer_dealings_status',
  'get_dealing_status',
  'get_dealing_chunk_status',
  'get_dealing_chunk',
  'get_verification_key',
  'get_verification_keys',
  'get_cw2_contract_version',
  'get_group_members',
  'get_dealing_complaints',
] as const;

export type DkgExecuteVariant = (typeof DKG_EXECUTE_VARIANTS)[number];
export type DkgQueryVariant = (typeof DKG_QUERY_VARIANTS)[number];
