/**
 * Factories: connect to a chain over CometBFT JSON-RPC and get typed contract clients.
 * `broadcastPollIntervalMs` defaults to 50 ms here because CosmJS's 3 s default sleeps
 * before its first poll, which dominates every tx on a local chain.
 */
import { makeCosmoshubPath } from '@cosmjs/amino';
import { accountWallet, NYX_PREFIX } from './wallet.js';
import { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import type { OfflineSigner } from '@cosmjs/proto-signing';
import { DirectSecp256k1HdWallet } from '@cosmjs/proto-signing';
import { GasPrice } from '@cosmjs/stargate';
import type { StdFee } from '@cosmjs/stargate';
import { BandwidthQueryClient, BandwidthSigningClient } from './bandwidth.js';
import type { CallOptions } from './call.js';
import { DEFAULT_QUERY_TIMEOUT_MS, translateQueryError, withDeadline } from './call.js';
import { InvalidArgumentError } from './errors.js';
import { MixnetQueryClient, MixnetSigningClient } from './mixnet.js';

export const DEFAULT_GAS_PRICE = '0.025unym';
export const DEFAULT_BROADCAST_POLL_INTERVAL_MS = 50;

export interface ContractAddresses {
  mixnet: string;
  bandwidth: string;
}

export interface ConnectQueryOptions extends CallOptions {
  rpcUrl: string;
  contracts: ContractAddresses;
  queryTimeoutMs?: number;
}

export interface ConnectSigningOptions extends ConnectQueryOptions {
  /** BIP39 mnemonic (HD path m/44'/118'/0'/0/0, prefix "n"), or a ready signer. */
  mnemonic?: string;
  wallet?: OfflineSigner;
  /** e.g. "0.025unym" */
  gasPrice?: string;
  fee?: StdFee | 'auto' | number;
  broadcastPollIntervalMs?: number;
  txTimeoutMs?: number;
  /** Which of the signer's accounts sends (default the first). */
  accountIndex?: number;
}

export interface QueryClients {
  client: CosmWasmClient;
  mixnet: MixnetQueryClient;
  bandwidth: BandwidthQueryClient;
  disconnect(): void;
}

export interface SigningClients {
  client: SigningCosmWasmClient;
  address: string;
  mixnet: MixnetSigningClient;
  bandwidth: BandwidthSigningClient;
  disconnect(): void;
}

export async function connectQueryClients(opts: ConnectQueryOptions): Promise<QueryClients> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  let client: CosmWasmClient;
  try {
    client = await withDeadline('connect', timeoutMs, opts.signal, () => CosmWasmClient.connect(opts.rpcUrl));
  } catch (err) {
    throw translateQueryError('connect', opts.rpcUrl, err);
  }
  const o = { rpcUrl: opts.rpcUrl, queryTimeoutMs: opts.queryTimeoutMs };
  return {
    client,
    mixnet: new MixnetQueryClient(client, opts.contracts.mixnet, o),
    bandwidth: new BandwidthQueryClient(client, opts.contracts.bandwidth, o),
    disconnect: () => client.disconnect(),
  };
}

export async function walletFromMnemonic(mnemonic: string, accounts = 1): Promise<DirectSecp256k1HdWallet> {
  try {
    return await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: NYX_PREFIX,
      hdPaths: Array.from({ length: accounts }, (_, i) => makeCosmoshubPath(i)),
    });
  } catch (err) {
    throw new InvalidArgumentError('mnemonic', err instanceof Error ? err.message : String(err));
  }
}

export async function connectSigningClients(opts: ConnectSigningOptions): Promise<SigningClients> {
  const index = opts.accountIndex ?? 0;
  let signer: OfflineSigner;
  if (opts.wallet) signer = opts.wallet;
  // only the one account, derived natively (see wallet.ts)
  else if (opts.mnemonic) signer = await accountWallet(opts.mnemonic, index);
  else throw new InvalidArgumentError('mnemonic', 'either mnemonic or wallet is required');
  const accounts = await signer.getAccounts();
  const account = opts.wallet ? accounts[index] : accounts[0];
  if (!account) throw new InvalidArgumentError('accountIndex', `signer has no account ${index}`);
  let gasPrice: GasPrice;
  try {
    gasPrice = GasPrice.fromString(opts.gasPrice ?? DEFAULT_GAS_PRICE);
  } catch (err) {
    throw new InvalidArgumentError('gasPrice', err instanceof Error ? err.message : String(err));
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  let client: SigningCosmWasmClient;
  try {
    client = await withDeadline('connect', timeoutMs, opts.signal, () =>
      SigningCosmWasmClient.connectWithSigner(opts.rpcUrl, signer, {
        gasPrice,
        broadcastPollIntervalMs: opts.broadcastPollIntervalMs ?? DEFAULT_BROADCAST_POLL_INTERVAL_MS,
        broadcastTimeoutMs: opts.txTimeoutMs,
      }),
    );
  } catch (err) {
    throw translateQueryError('connect', opts.rpcUrl, err);
  }
  const o = {
    rpcUrl: opts.rpcUrl,
    queryTimeoutMs: opts.queryTimeoutMs,
    txTimeoutMs: opts.txTimeoutMs,
    fee: opts.fee,
  };
  return {
    client,
    address: account.address,
    mixnet: new MixnetSigningClient(client, account.address, opts.contracts.mixnet, o),
    bandwidth: new BandwidthSigningClient(client, account.address, opts.contracts.bandwidth, o),
    disconnect: () => client.disconnect(),
  };
}

/** Only the mixnet signing client (node operators bonding themselves). */
export async function connectMixnetSigningClient(
  opts: Omit<ConnectSigningOptions, 'contracts'> & { contractAddress: string },
): Promise<MixnetSigningClient> {
  const c = await connectSigningClients({
    ...opts,
    contracts: { mixnet: opts.contractAddress, bandwidth: '' },
  });
  return c.mixnet;
}

/** Only the bandwidth signing client (clients depositing, gateways spending). */
export async function connectBandwidthSigningClient(
  opts: Omit<ConnectSigningOptions, 'contracts'> & { contractAddress: string },
): Promise<BandwidthSigningClient> {
  const c = await connectSigningClients({
    ...opts,
    contracts: { mixnet: '', bandwidth: opts.contractAddress },
  });
  return c.bandwidth;
}

export { NYX_PREFIX };
