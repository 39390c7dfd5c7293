/**
 * The localnet's DKG, from the outside: the admin (account 0, the contracts' admin) puts the
 * nym-apis' accounts in the coconut-dkg contract's signer group and starts its first epoch;
 * then `up` waits until the epoch is in progress and reads the master verification key from
 * the verified key shares on chain (the nym-apis do the DKG themselves, src/api/dkg-dealer.ts).
 */
import { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import type { ChainInfo } from '../chain/index.js';
import { accountAddresses, accountWallet } from '../../src/chain/index.js';
import {
  aggregateVerificationKeys,
  codecsFor,
  loadBackend,
  voucherParameters,
} from '../../src/coconut/index.js';
import { epochStateName, type DkgEpoch, type PagedVKSharesResponse } from '../../src/contracts/index.js';
import { DkgTimeoutError, NoDkgContractError } from './errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Group = the nym-apis' accounts, then `initiate_dkg`; nothing when the DKG already began. */
export async function initiateDkg(
  chain: ChainInfo,
  apiAccounts: number[],
  signal?: AbortSignal,
): Promise<void> {
  const contract = chain.contracts.coconut_dkg;
  if (!contract) throw new NoDkgContractError();
  const wallet = await accountWallet(chain.mnemonic, 0);
  const [admin] = await wallet.getAccounts();
  const client = await SigningCosmWasmClient.connectWithSigner(chain.rpc, wallet, {
    gasPrice: GasPrice.fromString(chain.gas_price),
    broadcastPollIntervalMs: 100,
  });
  try {
    signal?.throwIfAborted();
    const epoch = (await client.queryContractSmart(contract, { get_current_epoch_state: {} })) as DkgEpoch;
    if (epochStateName(epoch.state) !== 'waiting_initialisation') return;
    const all = await accountAddresses(chain.mnemonic, Math.max(...apiAccounts) + 1);
    const members = apiAccounts.map((i) => ({ addr: all[i], weight: 1 }));
    await client.executeMultiple(
      admin.address,
      [
        { contractAddress: contract, msg: { update_members: { add: members, remove: [] } } },
        { contractAddress: contract, msg: { initiate_dkg: {} } },
      ],
      'auto',
    );
  } finally {
    client.disconnect();
  }
}

export interface DkgOutcome {
  epoch: number;
  threshold: number;
  dealers: number;
  /** base58 of the master verification key, aggregated from the verified shares. */
  verificationKey: string;
}

/** Until the contract's epoch is in progress; then the master key from its verified shares. */
export async function waitForDkg(
  chain: ChainInfo,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DkgOutcome> {
  const contract = chain.contracts.coconut_dkg;
  const client = await CosmWasmClient.connect(chain.rpc);
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const epoch = (await client.queryContractSmart(contract, { get_current_epoch_state: {} })) as DkgEpoch;
      if (epochStateName(epoch.state) === 'in_progress') {
        const threshold = (await client.queryContractSmart(contract, {
          get_current_epoch_threshold: {},
        })) as number;
        const page = (await client.queryContractSmart(contract, {
          get_verification_keys: { epoch_id: epoch.epoch_id, limit: 100 },
        })) as PagedVKSharesResponse;
        const backend = await loadBackend('mcl');
        const codec = codecsFor(backend).verificationKey;
        const verified = page.shares
          .filter((s) => s.verified)
          .map((s) => ({ index: s.node_index, value: codec.fromBase58(backend, s.share) }));
        const master = aggregateVerificationKeys(voucherParameters(backend), verified.slice(0, threshold), {
          threshold,
        });
        return {
          epoch: epoch.epoch_id,
          threshold,
          dealers: epoch.state_progress.registered_dealers,
          verificationKey: codec.toBase58(master),
        };
      }
      if (Date.now() > end) throw new DkgTimeoutError(epoch.state, timeoutMs);
      await sleep(200);
    }
  } finally {
    client.disconnect();
  }
}
