/**
 * The coconut-dkg contract, after Nym's `contracts/coconut-dkg` (release/ts-sdk-1.4.1): the
 * validators' DKG epochs, dealer registration, chunked dealings, verification-key shares
 * and their verification, with Nym's epoch state machine and timeouts:
 *
 *   waiting_initialisation → public_key_submission → dealing_exchange →
 *   verification_key_submission → verification_key_validation →
 *   verification_key_finalization → in_progress
 *
 * `advance_epoch_state` moves on when the state is complete or its deadline has passed
 * (epoch_state/transactions/advance_epoch_state.rs, epoch_state/utils.rs); entering
 * dealing_exchange fixes the threshold ⌈2n/3⌉ of the registered dealers; entering
 * in_progress with fewer verified keys than the threshold resets the DKG (a new epoch).
 *
 * Nymph differences, all documented in src/contracts/coconut-dkg.ts and src/dkg/README.md:
 * - The signer group is kept here, admin-set (`update_members`, cw4-group's shape), instead
 *   of a separate cw4-group contract at `group_addr`.
 * - public_key_submission is complete once every group member registered, and
 *   verification_key_validation once every submitted share is verified (Nym waits for the
 *   deadlines), so a healthy localnet DKG takes seconds, not minutes.
 * - `verify_verification_key_share` is a vote by a group member; a share is verified at
 *   `threshold` votes (Nym: the multisig executes it after a proposal passes). The admin
 *   (Nym's multisig) verifies directly.
 * - `commit_dealing_complaints`: the public-complaint round of the Joint-Feldman DKG, in
 *   verification_key_submission, before any share is submitted. The window closes when
 *   every dealer that dealt has filed (possibly no complaint) or half the state's time has
 *   passed; verification-key shares are accepted only after.
 * - Timestamps (deadline) are whole seconds, as the generated client types them (number).
 * - The chain advances a complete or timed-out state at the start of a block (beginBlock),
 *   so a DKG times out even when no dealer is left to call `advance_epoch_state`.
 */
import * as vb from 'valibot';
import {
  AlreadyADealerError,
  AlreadyCommittedError,
  AlreadyInitialisedError,
  CantReshareDuringExchangeError,
  CantResetDuringExchangeError,
  ComplaintWindowClosedError,
  ComplaintWindowOpenError,
  DealingChunkAlreadyCommittedError,
  DealingChunkNotInMetadataError,
  DealingChunkTooLargeError,
  DealingOutOfRangeError,
  EarlyEpochStateAdvancementError,
  EmptyMetadataError,
  InconsistentChunkLengthError,
  IncorrectEpochStateError,
  MetadataAlreadyExistsError,
  NoCommitForOwnerError,
  NotADealerError,
  NotAGroupMemberError,
  TooFragmentedMetadataError,
  UnavailableDealingMetadataError,
  UnevenChunkSplitError,
  WaitingInitialisationError,
} from './coconut-dkg-errors.js';
import { InvalidFieldError, InvalidFundsError, UnauthorisedError } from './errors.js';
import type { Contract, Env, ExecuteResult, MessageInfo, Response } from './types.js';
import * as v from './validate.js';
import {
  DEFAULT_TIME_CONFIGURATION,
  DKG_CONTRACT_NAME,
  DKG_CONTRACT_VERSION,
  DKG_EXECUTE_VARIANTS,
  DKG_PAGE_DEFAULT_LIMIT,
  DKG_PAGE_MAX_LIMIT,
  DKG_QUERY_VARIANTS,
  MAX_COMPLAINTS,
  MAX_COMPLAINT_PROOF_BYTES,
  MAX_DEALING_CHUNKS,
  MAX_DEALING_CHUNK_SIZE,
  MAX_DKG_KEY_TEXT,
  MAX_VK_SHARE_TEXT,
  EPOCH_STATE_ORDER,
  epochStateName,
  isResharing,
  makeEpochState,
} from '../src/contracts/coconut-dkg.js';
import type {
  ContractVKShare,
  DealerDetails,
  DealingStatus,
  DkgDealerDealings,
  DkgEpoch,
  DkgEpochRecord,
  DkgState,
  DkgEpochState,
  EpochStateName,
  StateAdvanceResponse,
  TimeConfiguration,
} from '../src/contracts/coconut-dkg.js';

export * from '../src/contracts/coconut-dkg.js';

const C = 'coconut-dkg';

const timeConfiguration = v.record({
  public_key_submission_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
  dealing_exchange_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
  verification_key_submission_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
  verification_key_validation_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
  verification_key_finalization_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
  in_progress_time_secs: v.uint(Number.MAX_SAFE_INTEGER),
});
const member = v.record({ addr: v.address, weight: v.uint() });
const epochId = v.uint();

/** Nym's coconut-dkg messages (common/cosmwasm-smart-contracts/coconut-dkg/src/msg.rs). */
const schema = {
  instantiate: v.record({
    group_addr: v.text(128),
    multisig_addr: v.address,
    mix_denom: v.denom,
    key_size: v.uint(64, 1),
    time_configuration: vb.nullish(timeConfiguration),
    members: vb.optional(vb.array(member)),
  }),
  execute: {
    initiate_dkg: v.empty,
    register_dealer: v.record({
      bte_key_with_proof: v.text(MAX_DKG_KEY_TEXT),
      identity_key: v.text(128),
      announce_address: v.text(512),
      resharing: vb.boolean('must be a boolean'),
    }),
    commit_dealings_metadata: v.record({
      dealing_index: v.uint(),
      chunks: vb.array(v.record({ size: v.uint() })),
      resharing: vb.boolean('must be a boolean'),
    }),
    commit_dealings_chunk: v.record({
      chunk: v.record({
        dealing_index: v.uint(),
        chunk_index: v.uint(0xffff),
        data: vb.array(vb.unknown(), 'must be an array of bytes'),
      }),
    }),
    commit_verification_key_share: v.record({
      share: v.text(MAX_VK_SHARE_TEXT),
      resharing: vb.boolean('must be a boolean'),
    }),
    verify_verification_key_share: v.record({ owner: v.address, resharing: vb.boolean('must be a boolean') }),
    advance_epoch_state: v.empty,
    trigger_reset: v.empty,
    trigger_resharing: v.empty,
    update_members: v.record({ add: vb.array(member), remove: vb.array(v.address) }),
    commit_dealing_complaints: v.record({
      complaints: vb.pipe(
        vb.array(
          v.record({
            dealer: v.address,
            dealing_index: v.uint(),
            proof: v.base58Bytes(MAX_COMPLAINT_PROOF_BYTES),
          }),
        ),
        vb.maxLength(MAX_COMPLAINTS, `must have at most ${MAX_COMPLAINTS} complaints`),
      ),
    }),
  },
  query: {
    get_state: v.empty,
    get_current_epoch_state: v.empty,
    get_current_epoch_threshold: v.empty,
    get_epoch_threshold: v.record({ epoch_id: epochId }),
    can_advance_state: v.empty,
    get_registered_dealer: v.record({ dealer_address: v.address, epoch_id: vb.nullish(epochId) }),
    get_dealer_details: v.record({ dealer_address: v.address }),
    get_current_dealers: v.page(v.address),
    get_dealer_indices: v.page(v.address),
    get_dealings_metadata: v.record({ epoch_id: epochId, dealer: v.address, dealing_index: v.uint() }),
    get_dealer_dealings_status: v.record({ epoch_id: epochId, dealer: v.address }),
    get_dealing_status: v.record({ epoch_id: epochId, dealer: v.address, dealing_index: v.uint() }),
    get_dealing_chunk_status: v.record({
      epoch_id: epochId,
      dealer: v.address,
      dealing_index: v.uint(),
      chunk_index: v.uint(0xffff),
    }),
    get_dealing_chunk: v.record({
      epoch_id: epochId,
      dealer: v.address,
      dealing_index: v.uint(),
      chunk_index: v.uint(0xffff),
    }),
    get_verification_key: v.record({ epoch_id: epochId, owner: v.address }),
    get_verification_keys: v.record({
      epoch_id: epochId,
      start_after: vb.nullish(v.address),
      limit: v.optionalUint(),
    }),
    get_cw2_contract_version: v.empty,
    get_group_members: v.empty,
    get_dealing_complaints: v.record({ epoch_id: epochId }),
  },
} as const;

type ExecuteName = keyof typeof schema.execute;
type QueryName = keyof typeof schema.query;
type ExecuteBody<K extends ExecuteName> = vb.InferOutput<(typeof schema.execute)[K]>;
type QueryBody<K extends QueryName> = vb.InferOutput<(typeof schema.query)[K]>;

// ---------------------------------------------------------------- helpers

const nowSecs = (env: Env): number => Number(env.block.timeNanos / 1_000_000_000n);

function stateLabel(s: DkgEpochState): string {
  const name = epochStateName(s);
  if (name === 'waiting_initialisation' || name === 'in_progress') return name;
  return `${name}{resharing: ${isResharing(s)}}`;
}

function duration(tc: TimeConfiguration, name: EpochStateName): number | null {
  switch (name) {
    case 'waiting_initialisation':
      return null;
    case 'public_key_submission':
      return tc.public_key_submission_time_secs;
    case 'dealing_exchange':
      return tc.dealing_exchange_time_secs;
    case 'verification_key_submission':
      return tc.verification_key_submission_time_secs;
    case 'verification_key_validation':
      return tc.verification_key_validation_time_secs;
    case 'verification_key_finalization':
      return tc.verification_key_finalization_time_secs;
    case 'in_progress':
      return tc.in_progress_time_secs;
  }
}

const zeroProgress = () => ({
  registered_dealers: 0,
  registered_resharing_dealers: 0,
  submitted_dealings: 0,
  submitted_key_shares: 0,
  verified_keys: 0,
});

function withState(epoch: DkgEpoch, state: DkgEpochState, now: number): DkgEpoch {
  const d = duration(epoch.time_configuration, epochStateName(state));
  return { ...epoch, state, deadline: d === null ? null : now + d };
}

function freshEpochRecord(id: number, resharing = false): DkgEpochRecord {
  return {
    epoch_id: id,
    resharing,
    threshold: null,
    dealers: {},
    resharing_dealers: [],
    dealings: {},
    complaints: {},
    vk_shares: {},
    vk_submission_started: null,
  };
}

/** Start epoch `id` in public_key_submission; drop bulky data of epochs older than id-1. */
function startEpoch(state: DkgState, id: number, resharing: boolean, now: number): DkgState {
  const epochs: Record<string, DkgEpochRecord> = { ...state.epochs, [id]: freshEpochRecord(id, resharing) };
  for (const [k, rec] of Object.entries(epochs))
    if (Number(k) < id - 1 && Object.keys(rec.dealings).length)
      epochs[k] = { ...rec, dealings: {}, complaints: {} };
  const epoch: DkgEpoch = withState(
    { ...state.epoch, epoch_id: id, state_progress: zeroProgress() },
    makeEpochState('public_key_submission', resharing),
    now,
  );
  return { ...state, epoch, epochs };
}

const record = (state: DkgState): DkgEpochRecord =>
  state.epochs[state.epoch.epoch_id] ?? freshEpochRecord(state.epoch.epoch_id);

function expectState(state: DkgState, name: EpochStateName, resharing?: boolean): void {
  const cur = state.epoch.state;
  const ok = epochStateName(cur) === name && (resharing === undefined || isResharing(cur) === resharing);
  if (!ok) {
    const want = resharing === undefined ? name : stateLabel(makeEpochState(name, resharing));
    throw new IncorrectEpochStateError(stateLabel(cur), want);
  }
}

function ensureMember(state: DkgState, sender: string): void {
  if (!state.members.some((m) => m.addr === sender && m.weight > 0)) throw new NotAGroupMemberError(sender);
}

function ensureAdmin(state: DkgState, sender: string, action: string): void {
  if (sender !== state.admin) throw new UnauthorisedError(C, sender, action);
}

function ensureDealer(state: DkgState, sender: string): DkgEpochRecord {
  const rec = record(state);
  if (!rec.dealers[sender]) throw new NotADealerError(state.epoch.epoch_id);
  return rec;
}

const respond = (action: string, attributes: Record<string, string> = {}): Response => ({
  attributes: [
    { key: 'action', value: action },
    ...Object.entries(attributes).map(([key, value]) => ({ key, value })),
  ],
  events: [],
  messages: [],
});

const withRecord = (state: DkgState, rec: DkgEpochRecord, epoch = state.epoch): DkgState => ({
  ...state,
  epoch,
  epochs: { ...state.epochs, [rec.epoch_id]: rec },
});

const fullySubmitted = (rec: DkgEpochRecord, dealer: string, dealingIndex: number): boolean => {
  const m = rec.dealings[dealer]?.metadata[dealingIndex];
  return !!m && m.chunks.every((_, i) => m.chunk_data[i] !== undefined);
};

const dealtAll = (rec: DkgEpochRecord, dealer: string, keySize: number): boolean =>
  Array.from({ length: keySize }, (_, k) => k).every((k) => fullySubmitted(rec, dealer, k));

/** Dealers that submitted every dealing: the ones whose review closes the complaint window. */
const completeDealers = (rec: DkgEpochRecord, keySize: number): string[] =>
  Object.keys(rec.dealers).filter((d) => dealtAll(rec, d, keySize));

function complaintWindowClosed(state: DkgState, rec: DkgEpochRecord, now: number): boolean {
  if (epochStateName(state.epoch.state) !== 'verification_key_submission') {
    // before it the window has not opened; after it, it is closed
    const order = EPOCH_STATE_ORDER.indexOf(epochStateName(state.epoch.state));
    return order > EPOCH_STATE_ORDER.indexOf('verification_key_submission');
  }
  const reviewers = completeDealers(rec, state.config.key_size);
  if (reviewers.every((d) => rec.complaints[d] !== undefined)) return true;
  const started = rec.vk_submission_started ?? now;
  return (
    now >= started + Math.floor(state.epoch.time_configuration.verification_key_submission_time_secs / 2)
  );
}

/** epoch_state/utils.rs check_state_completion, with the Nymph early completions. */
function stateComplete(state: DkgState): boolean {
  const p = state.epoch.state_progress;
  const resharing = isResharing(state.epoch.state);
  switch (epochStateName(state.epoch.state)) {
    case 'public_key_submission':
      return state.members
        .filter((m) => m.weight > 0)
        .every((m) => record(state).dealers[m.addr] !== undefined);
    case 'dealing_exchange':
      return (
        state.config.key_size * (resharing ? p.registered_resharing_dealers : p.registered_dealers) ===
        p.submitted_dealings
      );
    case 'verification_key_submission':
      return p.submitted_key_shares === p.registered_dealers;
    case 'verification_key_validation':
    case 'verification_key_finalization':
      return p.submitted_key_shares > 0 && p.verified_keys === p.submitted_key_shares;
    default:
      return false;
  }
}

function advanceResponse(state: DkgState, now: number): StateAdvanceResponse {
  const deadline = state.epoch.deadline;
  const initialised = epochStateName(state.epoch.state) !== 'waiting_initialisation';
  return {
    current_state: state.epoch.state,
    progress: state.epoch.state_progress,
    deadline,
    reached_deadline: initialised && deadline !== null && deadline <= now,
    is_complete: initialised && stateComplete(state),
  };
}

// ---------------------------------------------------------------- instantiate

function instantiate(env: Env, info: MessageInfo, msg: unknown): ExecuteResult<DkgState> {
  const o = v.parse(C, schema.instantiate, msg, '');
  const state: DkgState = {
    admin: info.sender,
    config: {
      group_addr: o.group_addr,
      multisig_addr: o.multisig_addr,
      mix_denom: o.mix_denom,
      key_size: o.key_size,
    },
    members: o.members ?? [],
    epoch: {
      state: 'waiting_initialisation',
      epoch_id: 0,
      state_progress: zeroProgress(),
      time_configuration: o.time_configuration ?? DEFAULT_TIME_CONFIGURATION,
      deadline: null,
    },
    indices: {},
    next_index: 1,
    epochs: {},
    thresholds: {},
  };
  void env;
  return { state, response: respond('instantiate') };
}

// ---------------------------------------------------------------- execute

function initiateDkg(state: DkgState, env: Env, info: MessageInfo): ExecuteResult<DkgState> {
  ensureAdmin(state, info.sender, 'initiate the DKG');
  if (epochStateName(state.epoch.state) !== 'waiting_initialisation') throw new AlreadyInitialisedError();
  return { state: startEpoch(state, 0, false, nowSecs(env)), response: respond('initiate_dkg') };
}

function updateMembers(
  state: DkgState,
  info: MessageInfo,
  body: ExecuteBody<'update_members'>,
): ExecuteResult<DkgState> {
  ensureAdmin(state, info.sender, 'update the signer group');
  const members = new Map(state.members.map((m) => [m.addr, m.weight]));
  for (const addr of body.remove) members.delete(addr);
  for (const m of body.add) members.set(m.addr, m.weight);
  return {
    state: { ...state, members: [...members].map(([addr, weight]) => ({ addr, weight })) },
    response: respond('update_members', {
      added: String(body.add.length),
      removed: String(body.remove.length),
    }),
  };
}

function registerDealer(
  state: DkgState,
  info: MessageInfo,
  body: ExecuteBody<'register_dealer'>,
): ExecuteResult<DkgState> {
  if (epochStateName(state.epoch.state) === 'waiting_initialisation') throw new WaitingInitialisationError();
  expectState(state, 'public_key_submission', body.resharing);
  ensureMember(state, info.sender);
  const id = state.epoch.epoch_id;
  const rec = record(state);
  if (rec.dealers[info.sender]) throw new AlreadyADealerError(id);
  let { next_index: nextIndex } = state;
  const indices = { ...state.indices };
  if (indices[info.sender] === undefined) indices[info.sender] = nextIndex++;
  // dealers of the previous epoch with a verified share reshare it (Nym: is_dealer(epoch-1))
  const prevShare = id > 0 ? state.epochs[id - 1]?.vk_shares[info.sender] : undefined;
  const resharingDealer = body.resharing && prevShare?.verified === true;
  const next: DkgEpochRecord = {
    ...rec,
    dealers: {
      ...rec.dealers,
      [info.sender]: {
        bte_public_key_with_proof: body.bte_key_with_proof,
        ed25519_identity: body.identity_key,
        announce_address: body.announce_address,
      },
    },
    resharing_dealers: resharingDealer ? [...rec.resharing_dealers, info.sender] : rec.resharing_dealers,
  };
  const p = state.epoch.state_progress;
  const epoch: DkgEpoch = {
    ...state.epoch,
    state_progress: {
      ...p,
      registered_dealers: p.registered_dealers + 1,
      registered_resharing_dealers: p.registered_resharing_dealers + (resharingDealer ? 1 : 0),
    },
  };
  return {
    state: { ...withRecord(state, next, epoch), indices, next_index: nextIndex },
    response: respond('register_dealer', { node_index: String(indices[info.sender]) }),
  };
}

function commitDealingsMetadata(
  state: DkgState,
  info: MessageInfo,
  body: ExecuteBody<'commit_dealings_metadata'>,
): ExecuteResult<DkgState> {
  expectState(state, 'dealing_exchange', body.resharing);
  const rec = ensureDealer(state, info.sender);
  const id = state.epoch.epoch_id;
  if (body.resharing && !rec.resharing_dealers.includes(info.sender))
    throw new NotADealerError(id, 'only dealers of the previous epoch deal when resharing');
  const keySize = state.config.key_size;
  if (body.dealing_index >= keySize) throw new DealingOutOfRangeError(body.dealing_index, keySize);
  const chunks = body.chunks;
  if (chunks.length === 0) throw new EmptyMetadataError(body.dealing_index);
  if (chunks.length > MAX_DEALING_CHUNKS)
    throw new TooFragmentedMetadataError(chunks.length, MAX_DEALING_CHUNKS);
  const first = chunks[0].size;
  chunks.forEach((c, i) => {
    if (c.size > MAX_DEALING_CHUNK_SIZE) throw new DealingChunkTooLargeError(c.size, MAX_DEALING_CHUNK_SIZE);
    if (c.size === 0)
      throw new InvalidFieldError(C, `commit_dealings_metadata.chunks[${i}].size`, 'must be positive');
    // every chunk but the last has the first one's size; the last is not larger
    if (i < chunks.length - 1 ? c.size !== first : c.size > first)
      throw new UnevenChunkSplitError(i, first, c.size);
  });
  const mine = rec.dealings[info.sender] ?? { metadata: {} };
  if (mine.metadata[body.dealing_index]) throw new MetadataAlreadyExistsError(body.dealing_index);
  const next: DkgEpochRecord = {
    ...rec,
    dealings: {
      ...rec.dealings,
      [info.sender]: {
        metadata: {
          ...mine.metadata,
          [body.dealing_index]: {
            chunks: chunks.map((c) => ({ size: c.size })),
            chunk_data: {},
            heights: {},
          },
        },
      },
    },
  };
  return {
    state: withRecord(state, next),
    response: respond('commit_dealings_metadata', { dealing_index: String(body.dealing_index) }),
  };
}

function bytesOf(data: readonly unknown[]): Uint8Array {
  const out = new Uint8Array(data.length);
  data.forEach((b, i) => {
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255)
      throw new InvalidFieldError(C, `commit_dealings_chunk.chunk.data[${i}]`, 'must be a byte (0..255)');
    out[i] = b;
  });
  return out;
}

function commitDealingsChunk(
  state: DkgState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'commit_dealings_chunk'>,
): ExecuteResult<DkgState> {
  const { dealing_index: di, chunk_index: ci, data } = body.chunk;
  // an oversized chunk is refused before anything else is looked at
  if (data.length > MAX_DEALING_CHUNK_SIZE)
    throw new DealingChunkTooLargeError(data.length, MAX_DEALING_CHUNK_SIZE);
  expectState(state, 'dealing_exchange');
  const rec = ensureDealer(state, info.sender);
  const meta = rec.dealings[info.sender]?.metadata[di];
  if (!meta) throw new UnavailableDealingMetadataError(di);
  const declared = meta.chunks[ci];
  if (!declared) throw new DealingChunkNotInMetadataError(di, ci);
  if (meta.chunk_data[ci] !== undefined)
    throw new DealingChunkAlreadyCommittedError(di, ci, meta.heights[ci]);
  if (data.length !== declared.size) throw new InconsistentChunkLengthError(declared.size, data.length);
  const bytes = bytesOf(data);
  const updated: DkgDealerDealings['metadata'][string] = {
    ...meta,
    chunk_data: { ...meta.chunk_data, [ci]: Buffer.from(bytes).toString('base64') },
    heights: { ...meta.heights, [ci]: env.block.height },
  };
  const next: DkgEpochRecord = {
    ...rec,
    dealings: {
      ...rec.dealings,
      [info.sender]: { metadata: { ...rec.dealings[info.sender].metadata, [di]: updated } },
    },
  };
  const complete = updated.chunks.every((_, i) => updated.chunk_data[i] !== undefined);
  const p = state.epoch.state_progress;
  const epoch = complete
    ? { ...state.epoch, state_progress: { ...p, submitted_dealings: p.submitted_dealings + 1 } }
    : state.epoch;
  return {
    state: withRecord(state, next, epoch),
    response: respond('commit_dealings_chunk', { dealing_index: String(di), chunk_index: String(ci) }),
  };
}

function commitDealingComplaints(
  state: DkgState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'commit_dealing_complaints'>,
): ExecuteResult<DkgState> {
  expectState(state, 'verification_key_submission');
  const rec = ensureDealer(state, info.sender);
  const id = state.epoch.epoch_id;
  if (!dealtAll(rec, info.sender, state.config.key_size))
    throw new NotADealerError(id, 'only dealers that submitted every dealing file complaints');
  if (complaintWindowClosed(state, rec, nowSecs(env))) throw new ComplaintWindowClosedError(id);
  if (rec.complaints[info.sender]) throw new AlreadyCommittedError('dealing complaints');
  body.complaints.forEach((c, i) => {
    if (!rec.dealers[c.dealer])
      throw new InvalidFieldError(
        C,
        `commit_dealing_complaints.complaints[${i}].dealer`,
        'is not a dealer of this epoch',
      );
    if (c.dealing_index >= state.config.key_size)
      throw new DealingOutOfRangeError(c.dealing_index, state.config.key_size);
  });
  const next: DkgEpochRecord = {
    ...rec,
    complaints: {
      ...rec.complaints,
      [info.sender]: { complainer: info.sender, complaints: body.complaints, height: env.block.height },
    },
  };
  return {
    state: withRecord(state, next),
    response: respond('commit_dealing_complaints', { complaints: String(body.complaints.length) }),
  };
}

function commitVerificationKeyShare(
  state: DkgState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'commit_verification_key_share'>,
): ExecuteResult<DkgState> {
  expectState(state, 'verification_key_submission', body.resharing);
  const rec = ensureDealer(state, info.sender);
  const id = state.epoch.epoch_id;
  if (!complaintWindowClosed(state, rec, nowSecs(env))) throw new ComplaintWindowOpenError(id);
  if (rec.vk_shares[info.sender]) throw new AlreadyCommittedError('verification key share');
  const share = {
    share: body.share,
    announce_address: rec.dealers[info.sender].announce_address,
    node_index: state.indices[info.sender],
    owner: info.sender,
    epoch_id: id,
    verified: false,
    votes: [],
  };
  const p = state.epoch.state_progress;
  return {
    state: withRecord(
      state,
      { ...rec, vk_shares: { ...rec.vk_shares, [info.sender]: share } },
      {
        ...state.epoch,
        state_progress: { ...p, submitted_key_shares: p.submitted_key_shares + 1 },
      },
    ),
    response: respond('commit_verification_key_share', { node_index: String(share.node_index) }),
  };
}

function verifyVerificationKeyShare(
  state: DkgState,
  info: MessageInfo,
  body: ExecuteBody<'verify_verification_key_share'>,
): ExecuteResult<DkgState> {
  const name = epochStateName(state.epoch.state);
  if (name !== 'verification_key_finalization')
    expectState(state, 'verification_key_validation', body.resharing);
  const isAdmin = info.sender === state.admin || info.sender === state.config.multisig_addr;
  if (!isAdmin) ensureMember(state, info.sender);
  const rec = record(state);
  const share = rec.vk_shares[body.owner];
  if (!share) throw new NoCommitForOwnerError(body.owner);
  if (share.votes.includes(info.sender)) throw new AlreadyCommittedError(`a vote for ${body.owner}`);
  const votes = [...share.votes, info.sender];
  const threshold = rec.threshold ?? 1;
  const verified = share.verified || isAdmin || votes.length >= threshold;
  const p = state.epoch.state_progress;
  const newly = verified && !share.verified;
  return {
    state: withRecord(
      state,
      { ...rec, vk_shares: { ...rec.vk_shares, [body.owner]: { ...share, votes, verified } } },
      {
        ...state.epoch,
        state_progress: { ...p, verified_keys: p.verified_keys + (newly ? 1 : 0) },
      },
    ),
    response: respond('verify_verification_key_share', { owner: body.owner, verified: String(verified) }),
  };
}

function advanceEpochState(state: DkgState, env: Env): ExecuteResult<DkgState> {
  const now = nowSecs(env);
  const name = epochStateName(state.epoch.state);
  if (name === 'waiting_initialisation') throw new WaitingInitialisationError();
  if (!stateComplete(state) && state.epoch.deadline !== null && state.epoch.deadline > now)
    throw new EarlyEpochStateAdvancementError(state.epoch.deadline - now);
  const resharing = isResharing(state.epoch.state);
  const nextName: EpochStateName =
    name === 'in_progress' ? 'in_progress' : EPOCH_STATE_ORDER[EPOCH_STATE_ORDER.indexOf(name) + 1];
  let rec = record(state);
  let thresholds = state.thresholds;
  if (nextName === 'dealing_exchange') {
    const threshold = Math.ceil((2 * state.epoch.state_progress.registered_dealers) / 3);
    rec = { ...rec, threshold };
    thresholds = { ...thresholds, [state.epoch.epoch_id]: threshold };
  }
  if (nextName === 'verification_key_submission') rec = { ...rec, vk_submission_started: now };
  if (nextName === 'in_progress' && name !== 'in_progress') {
    const threshold = rec.threshold ?? 0;
    if (state.epoch.state_progress.verified_keys < threshold || threshold === 0) {
      // Nym's reset: a new epoch, from public key submission, without resharing
      const reset = startEpoch(
        withRecord({ ...state, thresholds }, rec),
        state.epoch.epoch_id + 1,
        false,
        now,
      );
      return { state: reset, response: respond('advance_epoch_state', { reset: 'true' }) };
    }
  }
  const epoch = withState(
    state.epoch,
    makeEpochState(nextName, resharing && nextName !== 'in_progress'),
    now,
  );
  return {
    state: { ...withRecord(state, rec, epoch), thresholds },
    response: respond('advance_epoch_state', { state: nextName }),
  };
}

function triggerReset(state: DkgState, env: Env, info: MessageInfo): ExecuteResult<DkgState> {
  ensureAdmin(state, info.sender, 'reset the DKG');
  if (epochStateName(state.epoch.state) !== 'in_progress') throw new CantResetDuringExchangeError();
  return {
    state: startEpoch(state, state.epoch.epoch_id + 1, false, nowSecs(env)),
    response: respond('trigger_reset'),
  };
}

function triggerResharing(state: DkgState, env: Env, info: MessageInfo): ExecuteResult<DkgState> {
  ensureAdmin(state, info.sender, 'trigger a resharing');
  if (epochStateName(state.epoch.state) !== 'in_progress') throw new CantReshareDuringExchangeError();
  return {
    state: startEpoch(state, state.epoch.epoch_id + 1, true, nowSecs(env)),
    response: respond('trigger_resharing'),
  };
}

function execute(state: DkgState, env: Env, info: MessageInfo, msg: unknown): ExecuteResult<DkgState> {
  v.checkFunds(C, info.funds);
  if (info.funds.some((c) => BigInt(c.amount) > 0n))
    throw new InvalidFundsError(C, 'this contract takes no funds');
  const [name, raw] = v.variant(C, msg, DKG_EXECUTE_VARIANTS, [], 'execute');
  const body = <K extends ExecuteName>(k: K): ExecuteBody<K> => v.parse(C, schema.execute[k], raw, k);
  switch (name) {
    case 'initiate_dkg':
      body(name);
      return initiateDkg(state, env, info);
    case 'update_members':
      return updateMembers(state, info, body(name));
    case 'register_dealer':
      return registerDealer(state, info, body(name));
    case 'commit_dealings_metadata':
      return commitDealingsMetadata(state, info, body(name));
    case 'commit_dealings_chunk':
      return commitDealingsChunk(state, env, info, body(name));
    case 'commit_dealing_complaints':
      return commitDealingComplaints(state, env, info, body(name));
    case 'commit_verification_key_share':
      return commitVerificationKeyShare(state, env, info, body(name));
    case 'verify_verification_key_share':
      return verifyVerificationKeyShare(state, info, body(name));
    case 'advance_epoch_state':
      body(name);
      return advanceEpochState(state, env);
    case 'trigger_reset':
      body(name);
      return triggerReset(state, env, info);
    case 'trigger_resharing':
      body(name);
      return triggerResharing(state, env, info);
  }
  throw new InvalidFieldError(C, name, 'unhandled message');
}

// ---------------------------------------------------------------- query

const publicShare = ({ votes: _votes, ...share }: ContractVKShare & { votes?: string[] }): ContractVKShare =>
  share;

function dealingStatus(rec: DkgEpochRecord | undefined, dealer: string, di: number): DealingStatus {
  const meta = rec?.dealings[dealer]?.metadata[di];
  if (!meta) return { has_metadata: false, fully_submitted: false, chunk_submission_status: {} };
  const chunk_submission_status = Object.fromEntries(
    meta.chunks.map((_, i) => [String(i), { submission_height: meta.heights[i] ?? null }]),
  );
  return {
    has_metadata: true,
    fully_submitted: meta.chunks.every((_, i) => meta.chunk_data[i] !== undefined),
    chunk_submission_status,
  };
}

function dealerDetails(state: DkgState, rec: DkgEpochRecord, address: string): DealerDetails {
  const d = rec.dealers[address];
  return {
    address,
    bte_public_key_with_proof: d.bte_public_key_with_proof,
    ed25519_identity: d.ed25519_identity,
    announce_address: d.announce_address,
    assigned_index: state.indices[address],
  };
}

function query(state: DkgState, env: Env, msg: unknown): unknown {
  const [name, raw] = v.variant(C, msg, DKG_QUERY_VARIANTS, [], 'query');
  const body = <K extends QueryName>(k: K): QueryBody<K> => v.parse(C, schema.query[k], raw, k);
  const epochRec = (id: number) => state.epochs[id];
  switch (name) {
    case 'get_state':
      body(name);
      return state.config;
    case 'get_current_epoch_state':
      body(name);
      return state.epoch;
    case 'get_current_epoch_threshold':
      body(name);
      return state.thresholds[state.epoch.epoch_id] ?? null;
    case 'get_epoch_threshold':
      return state.thresholds[body(name).epoch_id] ?? null;
    case 'can_advance_state':
      body(name);
      return advanceResponse(state, nowSecs(env));
    case 'get_registered_dealer': {
      const b = body(name);
      const d = epochRec(b.epoch_id ?? state.epoch.epoch_id)?.dealers[b.dealer_address];
      return { details: d ?? null };
    }
    case 'get_dealer_details': {
      const { dealer_address: a } = body(name);
      const rec = record(state);
      const index = state.indices[a];
      if (rec.dealers[a])
        return { details: dealerDetails(state, rec, a), dealer_type: { current: { assigned_index: index } } };
      if (index !== undefined) return { details: null, dealer_type: { past: { assigned_index: index } } };
      return { details: null, dealer_type: 'unknown' };
    }
    case 'get_current_dealers': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, DKG_PAGE_DEFAULT_LIMIT, DKG_PAGE_MAX_LIMIT);
      const rec = record(state);
      const keys = Object.keys(rec.dealers)
        .sort()
        .filter((a) => !b.start_after || a > b.start_after)
        .slice(0, limit);
      return {
        dealers: keys.map((a) => dealerDetails(state, rec, a)),
        per_page: limit,
        start_next_after: keys.length === limit ? keys[keys.length - 1] : null,
      };
    }
    case 'get_dealer_indices': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, DKG_PAGE_DEFAULT_LIMIT, DKG_PAGE_MAX_LIMIT);
      const keys = Object.keys(state.indices)
        .sort()
        .filter((a) => !b.start_after || a > b.start_after)
        .slice(0, limit);
      return {
        indices: keys.map((a) => [a, state.indices[a]]),
        start_next_after: keys.length === limit ? keys[keys.length - 1] : null,
      };
    }
    case 'get_dealings_metadata': {
      const b = body(name);
      const meta = epochRec(b.epoch_id)?.dealings[b.dealer]?.metadata[b.dealing_index];
      return {
        epoch_id: b.epoch_id,
        dealer: b.dealer,
        dealing_index: b.dealing_index,
        metadata: meta
          ? {
              dealing_index: b.dealing_index,
              submitted_chunks: Object.fromEntries(
                meta.chunks.map((c, i) => [
                  String(i),
                  { info: { size: c.size }, status: { submission_height: meta.heights[i] ?? null } },
                ]),
              ),
            }
          : null,
      };
    }
    case 'get_dealer_dealings_status': {
      const b = body(name);
      const rec = epochRec(b.epoch_id);
      const statuses = Object.fromEntries(
        Array.from({ length: state.config.key_size }, (_, k) => [String(k), dealingStatus(rec, b.dealer, k)]),
      );
      return {
        epoch_id: b.epoch_id,
        dealer: b.dealer,
        all_dealings_fully_submitted: Object.values(statuses).every((s) => s.fully_submitted),
        dealing_submission_status: statuses,
      };
    }
    case 'get_dealing_status': {
      const b = body(name);
      return { ...b, status: dealingStatus(epochRec(b.epoch_id), b.dealer, b.dealing_index) };
    }
    case 'get_dealing_chunk_status': {
      const b = body(name);
      const meta = epochRec(b.epoch_id)?.dealings[b.dealer]?.metadata[b.dealing_index];
      return { ...b, status: { submission_height: meta?.heights[b.chunk_index] ?? null } };
    }
    case 'get_dealing_chunk': {
      const b = body(name);
      const data = epochRec(b.epoch_id)?.dealings[b.dealer]?.metadata[b.dealing_index]?.chunk_data[
        b.chunk_index
      ];
      return { ...b, chunk: data === undefined ? null : Array.from(Buffer.from(data, 'base64')) };
    }
    case 'get_verification_key': {
      const b = body(name);
      const share = epochRec(b.epoch_id)?.vk_shares[b.owner];
      return { owner: b.owner, epoch_id: b.epoch_id, share: share ? publicShare(share) : null };
    }
    case 'get_verification_keys': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, DKG_PAGE_DEFAULT_LIMIT, DKG_PAGE_MAX_LIMIT);
      const shares = epochRec(b.epoch_id)?.vk_shares ?? {};
      const keys = Object.keys(shares)
        .sort()
        .filter((a) => !b.start_after || a > b.start_after)
        .slice(0, limit);
      return {
        shares: keys.map((k) => publicShare(shares[k])),
        per_page: limit,
        start_next_after: keys.length === limit ? keys[keys.length - 1] : null,
      };
    }
    case 'get_cw2_contract_version':
      body(name);
      return { contract: DKG_CONTRACT_NAME, version: DKG_CONTRACT_VERSION };
    case 'get_group_members':
      body(name);
      return { members: state.members };
    case 'get_dealing_complaints': {
      const b = body(name);
      const rec = epochRec(b.epoch_id);
      const current = b.epoch_id === state.epoch.epoch_id;
      return {
        epoch_id: b.epoch_id,
        resharing: rec?.resharing ?? false,
        window_closed: rec ? !current || complaintWindowClosed(state, rec, nowSecs(env)) : false,
        records: rec ? Object.values(rec.complaints) : [],
      };
    }
  }
  throw new InvalidFieldError(C, name, 'unhandled query');
}

/**
 * Nymph: the chain advances a complete or timed-out state at the start of a block, as the
 * mixnet contract advances its epochs, so a DKG whose dealers all stopped still times out.
 * Dealers may advance it themselves too (Nym's way); whoever comes first does it.
 */
function beginBlock(state: DkgState, env: Env): ExecuteResult<DkgState> | null {
  const name = epochStateName(state.epoch.state);
  if (name === 'waiting_initialisation') return null;
  const due = state.epoch.deadline !== null && state.epoch.deadline <= nowSecs(env);
  if (!due && !(name !== 'in_progress' && stateComplete(state))) return null;
  return advanceEpochState(state, env);
}

/**
 * When the chain must make a block even without txs: the state's deadline, and the moment
 * the complaint window closes by time (block time is what the contract reads).
 */
function nextScheduledNanos(state: DkgState): bigint | null {
  const name = epochStateName(state.epoch.state);
  if (name === 'waiting_initialisation' || state.epoch.deadline === null) return null;
  // complete: due "now", as a moment in 1970 distinct per epoch and state (the chain makes
  // one block per due time, and this block's beginBlock advances the state)
  if (name !== 'in_progress' && stateComplete(state))
    return BigInt(1 + state.epoch.epoch_id * EPOCH_STATE_ORDER.length + EPOCH_STATE_ORDER.indexOf(name));
  let due = state.epoch.deadline;
  const rec = state.epochs[state.epoch.epoch_id];
  if (name === 'verification_key_submission' && rec?.vk_submission_started != null) {
    const reviewers = completeDealers(rec, state.config.key_size);
    if (!reviewers.every((d) => rec.complaints[d] !== undefined))
      due = Math.min(
        due,
        rec.vk_submission_started +
          Math.floor(state.epoch.time_configuration.verification_key_submission_time_secs / 2),
      );
  }
  return BigInt(due) * 1_000_000_000n;
}

export const coconutDkgContract: Contract<DkgState> = {
  name: DKG_CONTRACT_NAME,
  version: DKG_CONTRACT_VERSION,
  instantiate,
  execute,
  query,
  beginBlock,
  nextScheduledNanos,
};
