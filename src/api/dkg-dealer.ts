/**
 * nym-api as a DKG dealer: it follows the coconut-dkg contract's epoch and does its part in
 * each state (src/dkg/README.md has the protocol):
 *
 *   public_key_submission        register its dealer key (with proof of possession)
 *   dealing_exchange             post one dealing per key scalar (metadata + chunks, one tx)
 *   verification_key_submission  review the others' dealings, file complaints (possibly
 *                                none); once the window closes, derive its share and post
 *                                its verification-key share
 *   validation / finalization    check every posted share against the commitments and
 *                                vote for the good ones
 *   in_progress                  hand its key share (with the aggregated key of the
 *                                verified shares) to the issuer
 *
 * and advances the state when it is complete or past its deadline (Nym's dealers do the
 * same). Everything it needs is on chain except its dealer key: a restarted dealer derives
 * its share again from the chain. Resharing epochs are followed the same way; a dealer of
 * the previous epoch deals its previous share.
 */
import { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { accountWallet } from '../chain/index.js';
import { aggregateVerificationKeys, codecsFor } from '../coconut/index.js';
import type { Parameters, RandomBytes, VerificationKey } from '../coconut/index.js';
import {
  epochStateName,
  isResharing,
  MAX_DEALING_CHUNK_SIZE,
  type ContractVKShare,
  type DealerDetails,
  type DealingComplaintsResponse,
  type DealerDealingsStatusResponse,
  type DealingMetadataResponse,
  type DkgEpoch,
  type PagedDealerIndexResponse,
  type PagedDealerResponse,
  type PagedVKSharesResponse,
  type RegisteredDealerDetails,
  type StateAdvanceResponse,
  type VkShareResponse,
} from '../contracts/index.js';
import {
  checkVerificationKeyShare,
  createDealing,
  decodeDealerKey,
  dealerKeyFromSecret,
  deriveSecretShare,
  DkgError,
  encodeDealerKey,
  evaluateEpoch,
  generateDealerKey,
  reviewDealings,
  verificationKeyOfShare,
  type DealerKeyPair,
  type Dealing,
  type EpochComplaint,
  type EpochDealer,
  type EpochInput,
  type EpochResult,
} from '../dkg/index.js';
import { base58 } from '@scure/base';
import { KeyFileError } from './errors.js';
import { BANDWIDTH_ATTRIBUTES, type KeyShare } from './keys.js';

// ---------------------------------------------------------------- the contract, over CosmJS

/** What the dealer needs of the chain: smart queries and one tx of several executes. */
export interface DkgContractIo {
  readonly address: string;
  query<T>(msg: Record<string, unknown>): Promise<T>;
  execute(msgs: readonly Record<string, unknown>[]): Promise<void>;
  close(): void;
}

export async function connectDkgContract(o: {
  rpcUrl: string;
  mnemonic: string;
  accountIndex: number;
  contract: string;
  gasPrice?: string;
}): Promise<DkgContractIo> {
  const wallet = await accountWallet(o.mnemonic, o.accountIndex);
  const [account] = await wallet.getAccounts();
  const client = await SigningCosmWasmClient.connectWithSigner(o.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString(o.gasPrice ?? '0.025unym'),
    broadcastPollIntervalMs: 100,
  });
  // one tx at a time: the account's sequence numbers must not race
  let queue: Promise<unknown> = Promise.resolve();
  return {
    address: account.address,
    query: <T>(msg: Record<string, unknown>) => client.queryContractSmart(o.contract, msg) as Promise<T>,
    execute(msgs) {
      const run = queue.then(async () => {
        await client.executeMultiple(
          account.address,
          msgs.map((msg) => ({ contractAddress: o.contract, msg })),
          'auto',
        );
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close: () => client.disconnect(),
  };
}

// ---------------------------------------------------------------- the dealer key file

export const DKG_KEY_FILE_TYPE = 'nymph-dkg-dealer-key';

/** The dealer's DKG key at `path` (hex scalar, mode 0600), made on first use. */
export function loadOrCreateDealerKey(params: Parameters, path: string, rng: RandomBytes): DealerKeyPair {
  if (!existsSync(path)) {
    const key = generateDealerKey(params.backend, rng);
    const doc = { type: DKG_KEY_FILE_TYPE, version: 1, secret: key.secret.toString(16).padStart(64, '0') };
    writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return key;
  }
  let doc: { type?: unknown; secret?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch (e) {
    throw new KeyFileError(path, `not a readable JSON file: ${(e as Error).message}`);
  }
  if (doc.type !== DKG_KEY_FILE_TYPE || typeof doc.secret !== 'string' || !/^[0-9a-f]{64}$/.test(doc.secret))
    throw new KeyFileError(path, `not a ${DKG_KEY_FILE_TYPE} file`);
  try {
    return dealerKeyFromSecret(params.backend, BigInt(`0x${doc.secret}`));
  } catch (e) {
    throw new KeyFileError(path, (e as Error).message);
  }
}

// ---------------------------------------------------------------- the dealer

export interface DkgDealerOptions {
  io: DkgContractIo;
  params: Parameters;
  key: DealerKeyPair;
  /** This nym-api's public URL (`announce_address`). */
  announceAddress: string;
  /** An identity string to register (`identity_key`). */
  identityKey: string;
  rng: RandomBytes;
  logger: Logger;
  /** How often the contract is polled, ms (default 500). */
  pollIntervalMs?: number;
  /** Called once per completed epoch this dealer holds a share of. */
  onKey?: (key: KeyShare, epochId: number) => void;
}

interface EpochMemo {
  dealt: boolean;
  complained: boolean;
  vkSubmitted: boolean;
  voted: Set<string>;
  keyEmitted: boolean;
  input?: EpochInput;
  result?: EpochResult;
  share?: { x: bigint; ys: bigint[] };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class DkgDealer {
  private readonly memos = new Map<number, EpochMemo>();
  /** Dealers and dealings of past-dealing-state epochs (they no longer change). */
  private readonly dealingsRead = new Map<
    number,
    {
      dealers: EpochDealer[];
      dealings: Map<string, (Uint8Array | undefined)[]>;
      checked: Map<string, Dealing[] | string>;
    }
  >();
  private readonly results = new Map<
    number,
    { result: EpochResult; share: { x: bigint; ys: bigint[] } | null }
  >();
  private latest: { key: KeyShare; epochId: number } | null = null;
  private readonly waiters: ((v: { key: KeyShare; epochId: number }) => void)[] = [];

  constructor(private readonly o: DkgDealerOptions) {}

  get address(): string {
    return this.o.io.address;
  }

  /** The most recent key share this dealer derived, if any. */
  get current(): { key: KeyShare; epochId: number } | null {
    return this.latest;
  }

  /** Resolves with the first key share (or the next one, with `after` an epoch id). */
  nextKey(after = -1, signal?: AbortSignal): Promise<{ key: KeyShare; epochId: number }> {
    if (this.latest && this.latest.epochId > after) return Promise.resolve(this.latest);
    return new Promise((resolve, reject) => {
      const waiter = (v: { key: KeyShare; epochId: number }) => {
        if (v.epochId > after) resolve(v);
        else this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  }

  /** Poll and act until `signal` aborts; a failed step is logged and retried. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.o.pollIntervalMs ?? 500;
    while (!signal.aborted) {
      try {
        await this.step();
      } catch (e) {
        this.o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'dkg: step failed; retrying');
      }
      await sleep(every, signal);
    }
  }

  private memo(epochId: number): EpochMemo {
    let m = this.memos.get(epochId);
    if (!m) {
      m = { dealt: false, complained: false, vkSubmitted: false, voted: new Set(), keyEmitted: false };
      this.memos.set(epochId, m);
    }
    return m;
  }

  private q<T>(msg: Record<string, unknown>): Promise<T> {
    return this.o.io.query<T>(msg);
  }

  /** One look at the contract and the action it calls for. */
  async step(): Promise<void> {
    const epoch = await this.q<DkgEpoch>({ get_current_epoch_state: {} });
    const name = epochStateName(epoch.state);
    const resharing = isResharing(epoch.state);
    const m = this.memo(epoch.epoch_id);
    switch (name) {
      case 'waiting_initialisation':
        return;
      case 'public_key_submission':
        await this.register(resharing);
        break;
      case 'dealing_exchange':
        if (!m.dealt) await this.deal(epoch, resharing, m);
        break;
      case 'verification_key_submission':
        await this.submitKeyShare(epoch, resharing, m);
        break;
      case 'verification_key_validation':
      case 'verification_key_finalization':
        await this.vote(epoch, resharing, m);
        break;
      case 'in_progress':
        await this.finish(epoch, m);
        return;
    }
    await this.maybeAdvance();
  }

  /** When the state was first seen complete or past its deadline, by epoch and state. */
  private dueSince: { key: string; at: number } | null = null;

  /**
   * Advance a complete or timed-out state if the chain has not done it within a second (the
   * localnet chain advances at block start; a chain running Nym's contract needs a dealer).
   */
  private async maybeAdvance(): Promise<void> {
    const can = await this.q<StateAdvanceResponse>({ can_advance_state: {} });
    // a chain without empty blocks has an old block time: our clock decides the deadline too
    const late = can.deadline !== null && can.deadline !== undefined && Date.now() / 1000 >= can.deadline;
    if (!can.is_complete && !can.reached_deadline && !late) {
      this.dueSince = null;
      return;
    }
    const key = JSON.stringify(can.current_state);
    if (this.dueSince?.key !== key) this.dueSince = { key, at: Date.now() };
    if (Date.now() - this.dueSince.at < 1000) return;
    this.dueSince = null;
    try {
      await this.o.io.execute([{ advance_epoch_state: {} }]);
      this.o.logger.info({ from: epochStateName(can.current_state) }, 'dkg: advanced the epoch state');
    } catch (e) {
      // another dealer (or the chain) advanced it first
      this.o.logger.debug({ err: (e as Error).message }, 'dkg: advance refused');
    }
  }

  private async isRegistered(epochId?: number): Promise<boolean> {
    const r = await this.q<RegisteredDealerDetails>({
      get_registered_dealer: { dealer_address: this.address, epoch_id: epochId ?? null },
    });
    return r.details !== null && r.details !== undefined;
  }

  private async register(resharing: boolean): Promise<void> {
    if (await this.isRegistered()) return;
    const { params, key, rng } = this.o;
    await this.o.io.execute([
      {
        register_dealer: {
          bte_key_with_proof: encodeDealerKey(params.backend, key, this.address, rng),
          identity_key: this.o.identityKey,
          announce_address: this.o.announceAddress,
          resharing,
        },
      },
    ]);
    this.o.logger.info({ resharing }, 'dkg: registered as a dealer');
  }

  /** Registered dealers of `epochId` whose key proof holds: the receivers, by index. */
  private async epochDealers(epochId: number, current: boolean): Promise<EpochDealer[]> {
    const raw: { address: string; index: number; key: string }[] = [];
    if (current) {
      let after: string | null = null;
      for (;;) {
        const page: PagedDealerResponse = await this.q<PagedDealerResponse>({
          get_current_dealers: { start_after: after, limit: 100 },
        });
        for (const d of page.dealers as DealerDetails[])
          raw.push({ address: d.address, index: d.assigned_index, key: d.bte_public_key_with_proof });
        if (!page.start_next_after) break;
        after = page.start_next_after;
      }
    } else {
      let after: string | null = null;
      for (;;) {
        const page: PagedDealerIndexResponse = await this.q<PagedDealerIndexResponse>({
          get_dealer_indices: { start_after: after, limit: 100 },
        });
        for (const [address, index] of page.indices) {
          const r = await this.q<RegisteredDealerDetails>({
            get_registered_dealer: { dealer_address: address, epoch_id: epochId },
          });
          if (r.details) raw.push({ address, index, key: r.details.bte_public_key_with_proof });
        }
        if (!page.start_next_after) break;
        after = page.start_next_after;
      }
    }
    const out: EpochDealer[] = [];
    for (const d of raw) {
      try {
        out.push({
          address: d.address,
          index: d.index,
          publicKey: decodeDealerKey(this.o.params.backend, d.key, d.address),
        });
      } catch (e) {
        if (!(e instanceof DkgError)) throw e;
        this.o.logger.warn(
          { dealer: d.address, err: e.message },
          'dkg: a registered dealer key is invalid; not a receiver',
        );
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }

  private async verifiedShares(epochId: number): Promise<ContractVKShare[]> {
    const out: ContractVKShare[] = [];
    let after: string | null = null;
    for (;;) {
      const page: PagedVKSharesResponse = await this.q<PagedVKSharesResponse>({
        get_verification_keys: { epoch_id: epochId, start_after: after, limit: 100 },
      });
      out.push(...page.shares);
      if (!page.start_next_after) break;
      after = page.start_next_after;
    }
    return out;
  }

  private decodeVk(text: string): VerificationKey {
    return codecsFor(this.o.params.backend).verificationKey.fromBase58(this.o.params.backend, text);
  }

  /** Everything public about an epoch's dealing round, read from the chain. */
  private async readEpoch(epochId: number, current: boolean): Promise<EpochInput> {
    const threshold = await this.q<number | null>({ get_epoch_threshold: { epoch_id: epochId } });
    const keySize = (await this.q<{ key_size: number }>({ get_state: {} })).key_size;
    const complaintsDoc = await this.q<DealingComplaintsResponse>({
      get_dealing_complaints: { epoch_id: epochId },
    });
    // read only once the dealing state is over (the dealer loop never reads it earlier)
    let read = this.dealingsRead.get(epochId);
    if (!read) {
      const dealers = await this.epochDealers(epochId, current);
      const dealings = new Map<string, (Uint8Array | undefined)[]>();
      for (const d of dealers) {
        const status = await this.q<DealerDealingsStatusResponse>({
          get_dealer_dealings_status: { epoch_id: epochId, dealer: d.address },
        });
        if (!status.all_dealings_fully_submitted) continue;
        const list: (Uint8Array | undefined)[] = [];
        for (let k = 0; k < keySize; k++) {
          const meta = await this.q<DealingMetadataResponse>({
            get_dealings_metadata: { epoch_id: epochId, dealer: d.address, dealing_index: k },
          });
          const count = Object.keys(meta.metadata?.submitted_chunks ?? {}).length;
          const parts: number[] = [];
          for (let c = 0; c < count; c++) {
            const chunk = await this.q<{ chunk: number[] | null }>({
              get_dealing_chunk: { epoch_id: epochId, dealer: d.address, dealing_index: k, chunk_index: c },
            });
            parts.push(...(chunk.chunk ?? []));
          }
          list.push(Uint8Array.from(parts));
        }
        dealings.set(d.address, list);
      }
      read = { dealers, dealings, checked: new Map() };
      this.dealingsRead.set(epochId, read);
    }
    const { dealers, dealings, checked } = read;
    const complaints: EpochComplaint[] = complaintsDoc.records.flatMap((r) =>
      r.complaints.flatMap((c) => {
        try {
          return [
            {
              complainer: r.complainer,
              dealer: c.dealer,
              dealingIndex: c.dealing_index,
              proof: base58.decode(c.proof),
            },
          ];
        } catch {
          return [];
        }
      }),
    );
    let resharing: EpochInput['resharing'];
    if (complaintsDoc.resharing) {
      const previousThreshold =
        (await this.q<number | null>({ get_epoch_threshold: { epoch_id: epochId - 1 } })) ?? 0;
      const previousShares = new Map<string, VerificationKey>();
      for (const s of await this.verifiedShares(epochId - 1)) {
        if (!s.verified) continue;
        try {
          previousShares.set(s.owner, this.decodeVk(s.share));
        } catch {
          // an undecodable share was never verified by honest members
        }
      }
      resharing = { previousThreshold, previousShares };
    }
    return {
      backend: this.o.params.backend,
      epochId,
      threshold: threshold ?? 0,
      keySize,
      dealers,
      dealings,
      complaints,
      resharing,
      checked,
    };
  }

  /** The judged epoch and this dealer's share of it (null when not a member), cached once final. */
  private async judged(
    epochId: number,
    current: boolean,
  ): Promise<{ result: EpochResult; share: { x: bigint; ys: bigint[] } | null }> {
    const have = this.results.get(epochId);
    if (have) return have;
    const input = await this.readEpoch(epochId, current);
    const result = evaluateEpoch(input);
    const me = input.dealers.find((d) => d.address === this.address);
    const share = me ? deriveSecretShare(this.o.params.backend, result, me.index, this.o.key.secret) : null;
    const out = { result, share };
    this.results.set(epochId, out);
    return out;
  }

  private async deal(epoch: DkgEpoch, resharing: boolean, m: EpochMemo): Promise<void> {
    if (!(await this.isRegistered())) return;
    const status = await this.q<DealerDealingsStatusResponse>({
      get_dealer_dealings_status: { epoch_id: epoch.epoch_id, dealer: this.address },
    });
    // all dealings go in one tx, so a dealer has posted all of them or none
    if (Object.values(status.dealing_submission_status).some((d) => d.has_metadata)) {
      m.dealt = true;
      return;
    }
    let secrets: bigint[] | undefined;
    if (resharing) {
      // only a dealer of the previous epoch with a verified share reshares it
      const prev = await this.q<VkShareResponse>({
        get_verification_key: { epoch_id: epoch.epoch_id - 1, owner: this.address },
      });
      if (!prev.share?.verified) {
        m.dealt = true;
        return;
      }
      const old = await this.judged(epoch.epoch_id - 1, false);
      if (!old.share) return;
      secrets = [old.share.x, ...old.share.ys];
    }
    const receivers = await this.epochDealers(epoch.epoch_id, true);
    const me = receivers.find((d) => d.address === this.address);
    const threshold = await this.q<number | null>({ get_current_epoch_threshold: {} });
    const keySize = (await this.q<{ key_size: number }>({ get_state: {} })).key_size;
    if (!me || !threshold) return;
    const msgs: Record<string, unknown>[] = [];
    for (let k = 0; k < keySize; k++) {
      const bytes = createDealing(
        this.o.params.backend,
        { epochId: epoch.epoch_id, dealerIndex: me.index, dealingIndex: k },
        threshold,
        receivers,
        this.o.rng,
        secrets?.[k],
      );
      const chunks: number[][] = [];
      for (let o = 0; o < bytes.length; o += MAX_DEALING_CHUNK_SIZE)
        chunks.push(Array.from(bytes.subarray(o, o + MAX_DEALING_CHUNK_SIZE)));
      msgs.push({
        commit_dealings_metadata: {
          dealing_index: k,
          chunks: chunks.map((c) => ({ size: c.length })),
          resharing,
        },
      });
      chunks.forEach((data, chunk_index) =>
        msgs.push({ commit_dealings_chunk: { chunk: { dealing_index: k, chunk_index, data } } }),
      );
    }
    await this.o.io.execute(msgs);
    m.dealt = true;
    this.o.logger.info(
      { epoch: epoch.epoch_id, threshold, receivers: receivers.length, resharing },
      'dkg: dealings posted',
    );
  }

  private async submitKeyShare(epoch: DkgEpoch, resharing: boolean, m: EpochMemo): Promise<void> {
    if (m.vkSubmitted || !(await this.isRegistered())) return;
    const id = epoch.epoch_id;
    if (!m.complained) {
      const doc = await this.q<DealingComplaintsResponse>({ get_dealing_complaints: { epoch_id: id } });
      const status = await this.q<DealerDealingsStatusResponse>({
        get_dealer_dealings_status: { epoch_id: id, dealer: this.address },
      });
      if (
        doc.records.some((r) => r.complainer === this.address) ||
        !status.all_dealings_fully_submitted ||
        doc.window_closed
      ) {
        m.complained = true;
      } else {
        const input = await this.readEpoch(id, true);
        const me = input.dealers.find((d) => d.address === this.address);
        const complaints = me
          ? reviewDealings(
              input,
              { address: this.address, index: me.index, secret: this.o.key.secret },
              this.o.rng,
            )
          : [];
        await this.o.io.execute([
          {
            commit_dealing_complaints: {
              complaints: complaints.map((c) => ({
                dealer: c.dealer,
                dealing_index: c.dealingIndex,
                proof: base58.encode(c.proof),
              })),
            },
          },
        ]);
        m.complained = true;
        if (complaints.length)
          this.o.logger.warn(
            { against: [...new Set(complaints.map((c) => c.dealer))] },
            'dkg: filed complaints',
          );
      }
    }
    const doc = await this.q<DealingComplaintsResponse>({ get_dealing_complaints: { epoch_id: id } });
    if (!doc.window_closed) return;
    const existing = await this.q<VkShareResponse>({
      get_verification_key: { epoch_id: id, owner: this.address },
    });
    if (existing.share) {
      m.vkSubmitted = true;
      return;
    }
    const { result, share } = await this.judged(id, true);
    if (!share) return;
    if (result.excluded.length)
      this.o.logger.warn({ excluded: result.excluded }, 'dkg: dealers excluded from the qualified set');
    const vk = verificationKeyOfShare(this.o.params, share);
    await this.o.io.execute([
      {
        commit_verification_key_share: {
          share: codecsFor(this.o.params.backend).verificationKey.toBase58(vk),
          resharing,
        },
      },
    ]);
    m.vkSubmitted = true;
    this.o.logger.info(
      { epoch: id, qualified: result.qualified.length },
      'dkg: verification-key share posted',
    );
  }

  private async vote(epoch: DkgEpoch, resharing: boolean, m: EpochMemo): Promise<void> {
    if (!(await this.isRegistered())) return;
    const id = epoch.epoch_id;
    const { result } = await this.judged(id, true);
    const good: string[] = [];
    for (const s of await this.verifiedShares(id)) {
      if (s.verified || m.voted.has(s.owner)) continue;
      m.voted.add(s.owner);
      try {
        checkVerificationKeyShare(this.o.params, result, s.node_index, this.decodeVk(s.share));
        good.push(s.owner);
      } catch (e) {
        this.o.logger.warn(
          { owner: s.owner, err: (e as Error).message },
          'dkg: verification-key share refused',
        );
      }
    }
    if (!good.length) return;
    const votes = good.map((owner) => ({ verify_verification_key_share: { owner, resharing } }));
    try {
      await this.o.io.execute(votes);
    } catch {
      // one refused vote fails the batch: vote one by one
      for (const v of votes)
        await this.o.io
          .execute([v])
          .catch((e: Error) => this.o.logger.debug({ err: e.message }, 'dkg: vote refused'));
    }
  }

  private async finish(epoch: DkgEpoch, m: EpochMemo): Promise<void> {
    if (m.keyEmitted) return;
    m.keyEmitted = true;
    if (!(await this.isRegistered())) return;
    const id = epoch.epoch_id;
    const { result, share } = await this.judged(id, true);
    if (!share) return;
    const verified = (await this.verifiedShares(id)).filter((s) => s.verified);
    const mine = verified.find((s) => s.owner === this.address);
    if (!mine) {
      this.o.logger.warn({ epoch: id }, 'dkg: this dealer holds no verified share of the epoch');
      return;
    }
    const t = result.threshold;
    const shares = verified.map((s) => ({ index: s.node_index, value: this.decodeVk(s.share) }));
    const aggregated = aggregateVerificationKeys(this.o.params, shares.slice(0, t), { threshold: t });
    const key: KeyShare = {
      index: mine.node_index,
      threshold: t,
      authorities: Math.max(...shares.map((s) => s.index)),
      attributes: BANDWIDTH_ATTRIBUTES,
      secretKey: share,
      verificationKey: verificationKeyOfShare(this.o.params, share),
      aggregatedVerificationKey: aggregated,
    };
    this.latest = { key, epochId: id };
    this.o.logger.info({ epoch: id, index: key.index, threshold: t }, 'dkg: key share ready');
    this.o.onKey?.(key, id);
    for (const w of this.waiters.splice(0)) w(this.latest);
  }
}
