/**
 * The coconut-dkg contract as a pure state machine (contracts-mock/coconut-dkg.ts): Nym's
 * epoch states and timeouts, the group, chunked dealings, complaints, key shares and votes,
 * and every typed rejection: non-members, out-of-state messages, oversized chunks, uneven
 * splits, duplicates, early advances, admin-only messages.
 */
import { describe, expect, it } from 'vitest';
import {
  AlreadyADealerError,
  AlreadyCommittedError,
  AlreadyInitialisedError,
  builtinContracts,
  CantReshareDuringExchangeError,
  COCONUT_DKG_CODE_ID,
  ComplaintWindowOpenError,
  DealingChunkAlreadyCommittedError,
  DealingChunkNotInMetadataError,
  DealingChunkTooLargeError,
  DealingOutOfRangeError,
  EarlyEpochStateAdvancementError,
  EmptyMetadataError,
  genesisContracts,
  InconsistentChunkLengthError,
  IncorrectEpochStateError,
  InvalidFieldError,
  MAX_DEALING_CHUNK_SIZE,
  MetadataAlreadyExistsError,
  NoCommitForOwnerError,
  NotADealerError,
  NotAGroupMemberError,
  TooFragmentedMetadataError,
  UnauthorisedError,
  UnavailableDealingMetadataError,
  UnevenChunkSplitError,
  WaitingInitialisationError,
  type Contract,
  type DkgState,
  type StateAdvanceResponse,
} from '../../contracts-mock/index.js';
import { ADMIN, address, env, T0 } from '../contracts-mock/helpers.js';

const dkg = builtinContracts.get(COCONUT_DKG_CODE_ID) as Contract<DkgState>;
const TIMES = {
  public_key_submission_time_secs: 100,
  dealing_exchange_time_secs: 100,
  verification_key_submission_time_secs: 100,
  verification_key_validation_time_secs: 100,
  verification_key_finalization_time_secs: 100,
  in_progress_time_secs: 1000,
};
const [A, B, C, OUTSIDER] = [address(1), address(2), address(3), address(9)];

class Harness {
  state: DkgState;
  secs = 0;
  height = 1;
  constructor() {
    this.state = dkg.instantiate(
      env(),
      { sender: ADMIN, funds: [] },
      genesisContracts(ADMIN, { dkgTimeConfiguration: TIMES })[2].msg,
    ).state;
  }
  env() {
    return env(this.height++, T0 + BigInt(this.secs) * 1_000_000_000n);
  }
  exec(sender: string, msg: unknown) {
    this.state = dkg.execute(this.state, this.env(), { sender, funds: [] }, msg).state;
  }
  query<T>(msg: unknown): T {
    return dkg.query(this.state, this.env(), msg) as T;
  }
  stateName(): string {
    const s = this.query<{ state: unknown }>({ get_current_epoch_state: {} }).state;
    return typeof s === 'string' ? s : Object.keys(s as object)[0];
  }
}

const register = (h: Harness, who: string, resharing = false) =>
  h.exec(who, {
    register_dealer: {
      bte_key_with_proof: `key-${who}`,
      identity_key: `id-${who}`,
      announce_address: `http://${who}`,
      resharing,
    },
  });
const deal = (h: Harness, who: string, bytes = [1, 2, 3], resharing = false) => {
  for (let k = 0; k < 5; k++) {
    h.exec(who, {
      commit_dealings_metadata: { dealing_index: k, chunks: [{ size: bytes.length }], resharing },
    });
    h.exec(who, { commit_dealings_chunk: { chunk: { dealing_index: k, chunk_index: 0, data: bytes } } });
  }
};

function toInProgress(h: Harness, members = [A, B, C]) {
  h.exec(ADMIN, { update_members: { add: members.map((addr) => ({ addr, weight: 1 })), remove: [] } });
  h.exec(ADMIN, { initiate_dkg: {} });
  for (const m of members) register(h, m);
  h.exec(A, { advance_epoch_state: {} }); // every member registered: complete early
  expect(h.stateName()).toBe('dealing_exchange');
  for (const m of members) deal(h, m);
  h.exec(B, { advance_epoch_state: {} });
  for (const m of members) h.exec(m, { commit_dealing_complaints: { complaints: [] } });
  for (const m of members)
    h.exec(m, { commit_verification_key_share: { share: `vk-${m}`, resharing: false } });
  h.exec(C, { advance_epoch_state: {} });
  for (const voter of members)
    for (const owner of members)
      h.exec(voter, { verify_verification_key_share: { owner, resharing: false } });
  h.exec(A, { advance_epoch_state: {} });
  h.exec(A, { advance_epoch_state: {} });
  expect(h.stateName()).toBe('in_progress');
}

describe('coconut-dkg contract', () => {
  it("walks Nym's states, completing early when every member has acted", () => {
    const h = new Harness();
    expect(() => h.exec(A, { advance_epoch_state: {} })).toThrow(WaitingInitialisationError);
    expect(() => h.exec(A, { initiate_dkg: {} })).toThrow(UnauthorisedError);
    toInProgress(h);
    expect(h.query({ get_current_epoch_threshold: {} })).toBe(2);
    const keys = h.query<{ shares: { owner: string; verified: boolean; node_index: number }[] }>({
      get_verification_keys: { epoch_id: 0 },
    });
    expect(keys.shares.map((s) => [s.node_index, s.verified]).sort()).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(() => h.exec(ADMIN, { initiate_dkg: {} })).toThrow(AlreadyInitialisedError);
    const chunk = h.query<{ chunk: number[] }>({
      get_dealing_chunk: { epoch_id: 0, dealer: A, dealing_index: 4, chunk_index: 0 },
    });
    expect(chunk.chunk).toEqual([1, 2, 3]);
  });

  it('rejects non-members, out-of-state messages and duplicates with typed errors', () => {
    const h = new Harness();
    h.exec(ADMIN, { update_members: { add: [A, B, C].map((addr) => ({ addr, weight: 1 })), remove: [] } });
    expect(() => h.exec(A, { update_members: { add: [], remove: [B] } })).toThrow(UnauthorisedError);
    expect(() => register(h, A)).toThrow(WaitingInitialisationError);
    h.exec(ADMIN, { initiate_dkg: {} });
    expect(() => register(h, OUTSIDER)).toThrow(NotAGroupMemberError);
    expect(() => register(h, A, true)).toThrow(IncorrectEpochStateError);
    register(h, A);
    expect(() => register(h, A)).toThrow(AlreadyADealerError);
    expect(() =>
      h.exec(A, { commit_dealings_metadata: { dealing_index: 0, chunks: [{ size: 3 }], resharing: false } }),
    ).toThrow(IncorrectEpochStateError);
    // B and C have not registered: not complete, the deadline has not passed
    expect(() => h.exec(A, { advance_epoch_state: {} })).toThrow(EarlyEpochStateAdvancementError);
    const can = h.query<StateAdvanceResponse>({ can_advance_state: {} });
    expect([can.is_complete, can.reached_deadline, can.progress.registered_dealers]).toEqual([
      false,
      false,
      1,
    ]);
    h.secs += 100; // the deadline: B and C are timed out
    h.exec(A, { advance_epoch_state: {} });
    expect(h.stateName()).toBe('dealing_exchange');
    expect(() => register(h, B)).toThrow(IncorrectEpochStateError);
    expect(() =>
      h.exec(B, { commit_dealings_metadata: { dealing_index: 0, chunks: [{ size: 3 }], resharing: false } }),
    ).toThrow(NotADealerError);
    expect(() => h.exec(A, { unknown_thing: {} })).toThrow(/unknown message/);
    expect(() => h.exec(A, { register_dealer: { bte_key_with_proof: 'k' } })).toThrow(InvalidFieldError);
  });

  it('checks dealing metadata and chunks: sizes, order, range, oversized data', () => {
    const h = new Harness();
    h.exec(ADMIN, { update_members: { add: [{ addr: A, weight: 1 }], remove: [] } });
    h.exec(ADMIN, { initiate_dkg: {} });
    register(h, A);
    h.exec(A, { advance_epoch_state: {} });
    const meta = (dealing_index: number, sizes: number[]) =>
      h.exec(A, {
        commit_dealings_metadata: {
          dealing_index,
          chunks: sizes.map((size) => ({ size })),
          resharing: false,
        },
      });
    const chunk = (dealing_index: number, chunk_index: number, data: number[]) =>
      h.exec(A, { commit_dealings_chunk: { chunk: { dealing_index, chunk_index, data } } });
    expect(() => meta(5, [10])).toThrow(DealingOutOfRangeError);
    expect(() => meta(0, [])).toThrow(EmptyMetadataError);
    expect(() => meta(0, Array(51).fill(10))).toThrow(TooFragmentedMetadataError);
    expect(() => meta(0, [MAX_DEALING_CHUNK_SIZE + 1])).toThrow(DealingChunkTooLargeError);
    expect(() => meta(0, [10, 20])).toThrow(UnevenChunkSplitError);
    expect(() => chunk(0, 0, [1])).toThrow(UnavailableDealingMetadataError);
    meta(0, [4, 2]);
    expect(() => meta(0, [4])).toThrow(MetadataAlreadyExistsError);
    expect(() => chunk(0, 2, [1, 2])).toThrow(DealingChunkNotInMetadataError);
    expect(() => chunk(0, 0, [1, 2])).toThrow(InconsistentChunkLengthError);
    expect(() => chunk(0, 0, Array(MAX_DEALING_CHUNK_SIZE + 1).fill(0))).toThrow(DealingChunkTooLargeError);
    expect(() => chunk(0, 0, [1, 2, 3, 256])).toThrow(/must be a byte/);
    chunk(0, 0, [1, 2, 3, 4]);
    expect(() => chunk(0, 0, [1, 2, 3, 4])).toThrow(DealingChunkAlreadyCommittedError);
    chunk(0, 1, [5, 6]);
    const st = h.query<{ status: { fully_submitted: boolean } }>({
      get_dealing_status: { epoch_id: 0, dealer: A, dealing_index: 0 },
    });
    expect(st.status.fully_submitted).toBe(true);
    expect(
      h.query<{ progress: { submitted_dealings: number } }>({ can_advance_state: {} }).progress
        .submitted_dealings,
    ).toBe(1);
  });

  it('orders complaints before key shares, counts votes, resets below threshold, reshares', () => {
    const h = new Harness();
    h.exec(ADMIN, { update_members: { add: [A, B, C].map((addr) => ({ addr, weight: 1 })), remove: [] } });
    h.exec(ADMIN, { initiate_dkg: {} });
    for (const m of [A, B, C]) register(h, m);
    h.exec(A, { advance_epoch_state: {} });
    deal(h, A);
    deal(h, B); // C is silent
    h.secs += 100;
    h.exec(A, { advance_epoch_state: {} });
    expect(() => h.exec(A, { commit_verification_key_share: { share: 'vk', resharing: false } })).toThrow(
      ComplaintWindowOpenError,
    );
    expect(() => h.exec(C, { commit_dealing_complaints: { complaints: [] } })).toThrow(NotADealerError);
    h.exec(A, {
      commit_dealing_complaints: { complaints: [{ dealer: B, dealing_index: 1, proof: '3mJr7AoUXx2Wqd' }] },
    });
    expect(() => h.exec(A, { commit_dealing_complaints: { complaints: [] } })).toThrow(AlreadyCommittedError);
    h.exec(B, { commit_dealing_complaints: { complaints: [] } });
    const c = h.query<{ window_closed: boolean; records: unknown[] }>({
      get_dealing_complaints: { epoch_id: 0 },
    });
    expect([c.window_closed, c.records.length]).toEqual([true, 2]);
    h.exec(A, { commit_verification_key_share: { share: 'vk-a', resharing: false } });
    h.exec(C, { commit_verification_key_share: { share: 'vk-c', resharing: false } });
    h.secs += 100;
    h.exec(A, { advance_epoch_state: {} });
    expect(() => h.exec(A, { verify_verification_key_share: { owner: B, resharing: false } })).toThrow(
      NoCommitForOwnerError,
    );
    expect(() => h.exec(OUTSIDER, { verify_verification_key_share: { owner: A, resharing: false } })).toThrow(
      NotAGroupMemberError,
    );
    h.exec(B, { verify_verification_key_share: { owner: A, resharing: false } });
    expect(() => h.exec(B, { verify_verification_key_share: { owner: A, resharing: false } })).toThrow(
      AlreadyCommittedError,
    );
    h.exec(C, { verify_verification_key_share: { owner: A, resharing: false } }); // 2 votes = threshold
    h.secs += 100;
    h.exec(A, { advance_epoch_state: {} });
    h.secs += 100;
    h.exec(A, { advance_epoch_state: {} });
    // one verified key < threshold 2: Nym resets into a new epoch
    const epoch = h.query<{ epoch_id: number; state: unknown }>({ get_current_epoch_state: {} });
    expect(epoch).toMatchObject({ epoch_id: 1, state: { public_key_submission: { resharing: false } } });
    expect(() => h.exec(ADMIN, { trigger_resharing: {} })).toThrow(CantReshareDuringExchangeError);

    const g = new Harness();
    toInProgress(g);
    expect(() => g.exec(A, { trigger_resharing: {} })).toThrow(UnauthorisedError);
    g.exec(ADMIN, { update_members: { add: [{ addr: OUTSIDER, weight: 1 }], remove: [C] } });
    g.exec(ADMIN, { trigger_resharing: {} });
    for (const m of [A, B, OUTSIDER]) register(g, m, true);
    const can = g.query<StateAdvanceResponse>({ can_advance_state: {} });
    expect(can.progress).toMatchObject({ registered_dealers: 3, registered_resharing_dealers: 2 });
    g.exec(A, { advance_epoch_state: {} });
    // the newcomer receives but does not deal in a resharing
    expect(() => deal(g, OUTSIDER, [1], true)).toThrow(NotADealerError);
    deal(g, A, [1], true);
    deal(g, B, [1], true);
    expect(g.query<StateAdvanceResponse>({ can_advance_state: {} }).is_complete).toBe(true);
    const details = g.query<{ dealer_type: unknown }>({ get_dealer_details: { dealer_address: C } });
    expect(details.dealer_type).toEqual({ past: { assigned_index: 3 } });
  });
});

describe('coconut-dkg contract and the chain clock', () => {
  it('schedules a block at each deadline, or at once when complete, and advances in beginBlock', () => {
    const h = new Harness();
    expect(dkg.nextScheduledNanos!(h.state)).toBeNull();
    expect(dkg.beginBlock!(h.state, h.env())).toBeNull();
    h.exec(ADMIN, { update_members: { add: [A, B].map((addr) => ({ addr, weight: 1 })), remove: [] } });
    h.exec(ADMIN, { initiate_dkg: {} });
    const deadline = h.query<{ deadline: number }>({ get_current_epoch_state: {} }).deadline;
    expect(dkg.nextScheduledNanos!(h.state)).toBe(BigInt(deadline) * 1_000_000_000n);
    expect(dkg.beginBlock!(h.state, h.env())).toBeNull(); // neither due nor complete
    register(h, A);
    register(h, B);
    // complete: due "now" (a moment in 1970, distinct per epoch and state)
    expect(dkg.nextScheduledNanos!(h.state)! < T0).toBe(true);
    h.state = dkg.beginBlock!(h.state, h.env())!.state;
    expect(h.stateName()).toBe('dealing_exchange');
    // nobody deals: at the deadline the chain times the state out
    h.secs += 100;
    h.state = dkg.beginBlock!(h.state, h.env())!.state;
    expect(h.stateName()).toBe('verification_key_submission');
  });
});
