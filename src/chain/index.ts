/** Typed CosmJS clients for Nymph's contracts: read-only and signing kept apart. */
export { MixnetQueryClient, MixnetSigningClient } from './mixnet.js';
export type {
  BondGatewayArgs,
  BondMixnodeArgs,
  GatewayConfigUpdate,
  MixNodeConfigUpdate,
  OwnerProof,
  PageArgs,
} from './mixnet.js';
export { BandwidthQueryClient, BandwidthSigningClient, BANDWIDTH_VOUCHER_INFO } from './bandwidth.js';
export type { DepositArgs, SpendArgs } from './bandwidth.js';
export { findWasmAttribute, DEFAULT_MAX_PAGES } from './base.js';
export type { QueryClientOptions, SigningClientOptions, TxResult } from './base.js';
export { withDeadline, DEFAULT_QUERY_TIMEOUT_MS, DEFAULT_TX_TIMEOUT_MS } from './call.js';
export type { CallOptions } from './call.js';
export {
  connectQueryClients,
  connectSigningClients,
  connectMixnetSigningClient,
  connectBandwidthSigningClient,
  walletFromMnemonic,
  NYX_PREFIX,
  DEFAULT_GAS_PRICE,
  DEFAULT_BROADCAST_POLL_INTERVAL_MS,
} from './connect.js';
export type {
  ConnectQueryOptions,
  ConnectSigningOptions,
  ContractAddresses,
  QueryClients,
  SigningClients,
} from './connect.js';
export { gatewayOwnerSignature, identityKeyFromSecret, mixnodeOwnerSignature } from './owner-signature.js';
export {
  ChainAbortedError,
  ChainTimeoutError,
  ChainUnavailableError,
  InvalidArgumentError,
  QueryFailedError,
  TxRejectedError,
  UnexpectedResponseError,
} from './errors.js';
export { fetchTopology } from './topology.js';
export type { ChainTopology } from './topology.js';
export { accountWallet, accountAddresses, mnemonicSeed } from './wallet.js';
