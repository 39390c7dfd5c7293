/**
 * Faulty dealers on a real localnet chain: of six group members, four run the dealer loop
 * honestly, one cheats (a bad share for one receiver, then a wrong verification-key share)
 * and one goes silent after registering. The honest four finish: the cheater is excluded by
 * a public complaint and its key share never verified, the silent one is timed out, and the
 * four shares interpolate one master key that signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import {
  aggregateSignatureShares,
  blindSign,
  codecsFor,
  fr,
  keygen,
  loadBackend,
  prepareBlindSign,
  secureRandom,
  unblind,
  verifySignature,
  voucherParameters,
  type Parameters,
} from '../../src/coconut/index.js';
import type {
  DealingComplaintsResponse,
  DkgEpoch,
  PagedDealerResponse,
  PagedVKSharesResponse,
} from '../../src/contracts/index.js';
import { epochStateName } from '../../src/contracts/index.js';
import {
  createDealing,
  decodeDealerKey,
  encodeDealerKey,
  generateDealerKey,
  type EpochDealer,
} from '../../src/dkg/index.js';
import type { DkgContractIo, DkgDealer } from '../../src/api/index.js';
import { startDkgNet, type DkgNet } from './helpers.js';

const TIMES = {
  public_key_submission_time_secs: 60,
  dealing_exchange_time_secs: 8,
  // the complaint window closes by time after half of it: room for slow reviewers
  verification_key_submission_time_secs: 30,
  verification_key_validation_time_secs: 6,
  verification_key_finalization_time_secs: 6,
  in_progress_time_secs: 1_000_000,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faulty dealers', () => {
  let net: DkgNet;
  let params: Parameters;
  let honest: DkgDealer[];
  let cheaterIo: DkgContractIo;
  let silentIo: DkgContractIo;
  let victim = 0;

  async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const v = await f();
      if (v !== undefined) return v;
      await sleep(150);
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const stateOf = async (io: DkgContractIo) =>
    epochStateName((await io.query<DkgEpoch>({ get_current_epoch_state: {} })).state);

  beforeAll(async () => {
    params = voucherParameters(await loadBackend('mcl'));
    net = await startDkgNet(TIMES);
    const members = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => net.address(i)));
    await net.admin({ update_members: { add: members.map((addr) => ({ addr, weight: 1 })), remove: [] } });
    cheaterIo = await net.io(5);
    silentIo = await net.io(6);
    await net.admin({ initiate_dkg: {} });
    honest = await Promise.all([1, 2, 3, 4].map((i) => net.dealer(i)));
    // the silent member registers, then does nothing
    const register = (io: DkgContractIo) =>
      io.execute([
        {
          register_dealer: {
            bte_key_with_proof: encodeDealerKey(
              params.backend,
              generateDealerKey(params.backend, secureRandom),
              io.address,
              secureRandom,
            ),
            identity_key: 'x',
            announce_address: 'http://x.invalid',
            resharing: false,
          },
        },
      ]);
    await register(silentIo);
    const cheaterKey = generateDealerKey(params.backend, secureRandom);
    await cheaterIo.execute([
      {
        register_dealer: {
          bte_key_with_proof: encodeDealerKey(params.backend, cheaterKey, cheaterIo.address, secureRandom),
          identity_key: 'cheater',
          announce_address: 'http://cheater.invalid',
          resharing: false,
        },
      },
    ]);
    // the cheater deals a bad share to one receiver
    await until('dealing exchange', async () =>
      (await stateOf(cheaterIo)) === 'dealing_exchange' ? true : undefined,
    );
    const page = await cheaterIo.query<PagedDealerResponse>({ get_current_dealers: {} });
    const receivers: EpochDealer[] = page.dealers
      .map((d) => ({
        address: d.address,
        index: d.assigned_index,
        publicKey: decodeDealerKey(params.backend, d.bte_public_key_with_proof, d.address),
      }))
      .sort((a, b) => a.index - b.index);
    const me = receivers.find((r) => r.address === cheaterIo.address)!;
    victim = receivers.find((r) => r.address === honest[0].address)!.index;
    const t = (await cheaterIo.query<number>({ get_current_epoch_threshold: {} }))!;
    const msgs: Record<string, unknown>[] = [];
    for (let k = 0; k < 5; k++) {
      const bytes = createDealing(
        params.backend,
        { epochId: 0, dealerIndex: me.index, dealingIndex: k },
        t,
        receivers,
        secureRandom,
        undefined,
        [victim],
      );
      msgs.push(
        {
          commit_dealings_metadata: { dealing_index: k, chunks: [{ size: bytes.length }], resharing: false },
        },
        { commit_dealings_chunk: { chunk: { dealing_index: k, chunk_index: 0, data: Array.from(bytes) } } },
      );
    }
    await cheaterIo.execute(msgs);
    // it files no complaints and, once the window closes, posts a key share that is not its own
    await until('verification key submission', async () =>
      (await stateOf(cheaterIo)) === 'verification_key_submission' ? true : undefined,
    );
    await cheaterIo.execute([{ commit_dealing_complaints: { complaints: [] } }]);
    await until('complaint window closed', async () => {
      const c = await cheaterIo.query<DealingComplaintsResponse>({ get_dealing_complaints: { epoch_id: 0 } });
      return c.window_closed ? true : undefined;
    });
    const wrong = keygen(params, secureRandom).verificationKey;
    await cheaterIo.execute([
      {
        commit_verification_key_share: {
          share: codecsFor(params.backend).verificationKey.toBase58(wrong),
          resharing: false,
        },
      },
    ]);
  }, 150_000);

  afterAll(async () => {
    await net?.close();
  });

  it('excludes the cheater and times out the silent member; the honest four finish and sign', async () => {
    const keys = await Promise.all(honest.map((d) => d.nextKey()));
    expect(keys.map((k) => k.epochId)).toEqual([0, 0, 0, 0]);
    const t = keys[0].key.threshold;
    expect(t).toBe(4); // ⌈2·6/3⌉
    // the victim's public complaint against the cheater is on chain
    const c = await cheaterIo.query<DealingComplaintsResponse>({ get_dealing_complaints: { epoch_id: 0 } });
    const byVictim = c.records.find((r) => r.complainer === honest[0].address)!;
    expect(byVictim.complaints.map((x) => x.dealer)).toEqual(Array(5).fill(cheaterIo.address));
    expect(base58.decode(byVictim.complaints[0].proof).length).toBe(112);
    // the cheater's share is unverified, the silent member has none, the honest four are verified
    const vks = await cheaterIo.query<PagedVKSharesResponse>({ get_verification_keys: { epoch_id: 0 } });
    const verified = Object.fromEntries(vks.shares.map((s) => [s.owner, s.verified]));
    expect(verified[cheaterIo.address]).toBe(false);
    expect(verified[silentIo.address]).toBeUndefined();
    for (const d of honest) expect(verified[d.address]).toBe(true);
    expect(await stateOf(cheaterIo)).toBe('in_progress');
    // every honest dealer agrees on the master key, and their 4 shares sign under it
    const enc = (k: (typeof keys)[number]) =>
      codecsFor(params.backend).verificationKey.toBase58(k.key.aggregatedVerificationKey);
    expect(new Set(keys.map(enc)).size).toBe(1);
    const priv = [fr.hashToScalar('serial'), fr.hashToScalar('binding')];
    const pub = [fr.hashToScalar('100'), fr.hashToScalar('BandwidthVoucher')];
    const { request, pedersenOpenings } = prepareBlindSign(params, priv, pub, secureRandom);
    const shares = keys.map((k) => ({
      index: k.key.index,
      value: unblind(
        params,
        blindSign(params, k.key.secretKey, request, pub),
        pedersenOpenings,
        k.key.verificationKey,
      ),
    }));
    const sig = aggregateSignatureShares(params, shares, { threshold: t });
    verifySignature(params, keys[0].key.aggregatedVerificationKey, sig, [...priv, ...pub]);
    expect(victim).toBe(keys[0].key.index);
  }, 150_000);
});
