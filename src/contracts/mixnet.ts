/**
 * JSON shapes of the mixnet contract, after Nym's Coconut-era mixnet contract
 * (common/cosmwasm-smart-contracts/mixnet-contract, nym-binaries-v1.1.x).
 */
import type { Coin } from './coin.js';

export type Layer = 1 | 2 | 3;
export const LAYERS: readonly Layer[] = [1, 2, 3];

export interface MixNode {
  host: string;
  mix_port: number;
  verloc_port: number;
  http_api_port: number;
  /** base58 x25519 public key */
  sphinx_key: string;
  /** base58 ed25519 public key */
  identity_key: string;
  version: string;
}

export interface Gateway {
  host: string;
  mix_port: number;
  clients_port: number;
  location: string;
  sphinx_key: string;
  identity_key: string;
  version: string;
}

export interface MixNodeCostParams {
  /** Decimal string in [0, 1], e.g. "0.1". */
  profit_margin_percent: string;
  interval_operating_cost: Coin;
}

export interface MixNodeBond {
  mix_id: number;
  owner: string;
  original_pledge: Coin;
  layer: Layer;
  mix_node: MixNode;
  proxy: string | null;
  bonding_height: number;
  is_unbonding: boolean;
}

export interface MixNodeRewarding {
  cost_params: MixNodeCostParams;
  /** Operator's stake (the pledge), decimal string. Nymph does no rewarding: it stays the pledge. */
  operator: string;
  delegates: string;
  unique_delegations: number;
}

export interface MixNodeDetails {
  bond_information: MixNodeBond;
  rewarding_details: MixNodeRewarding;
}

export interface GatewayBond {
  pledge_amount: Coin;
  owner: string;
  block_height: number;
  gateway: Gateway;
  proxy: string | null;
}

export type RewardedSetNodeStatus = 'active' | 'standby';

export interface Interval {
  id: number;
  epochs_in_interval: number;
  /** RFC 3339 */
  current_epoch_start: string;
  current_epoch_id: number;
  epoch_length: { secs: number; nanos: number };
  total_elapsed_epochs: number;
}

export interface CurrentIntervalResponse {
  interval: Interval;
  /** Block time in seconds. */
  current_blocktime: number;
  is_current_interval_over: boolean;
  is_current_epoch_over: boolean;
}

export interface ContractStateParams {
  minimum_mixnode_pledge: Coin;
  minimum_gateway_pledge: Coin;
  mixnode_rewarded_set_size: number;
  mixnode_active_set_size: number;
}

export interface LayerDistribution {
  layer1: number;
  layer2: number;
  layer3: number;
}

export interface PagedMixnodeBondsResponse {
  nodes: MixNodeBond[];
  per_page: number;
  start_next_after: number | null;
}

export interface PagedMixnodesDetailsResponse {
  nodes: MixNodeDetails[];
  per_page: number;
  start_next_after: number | null;
}

export interface PagedGatewayResponse {
  nodes: GatewayBond[];
  per_page: number;
  start_next_after: string | null;
}

export interface PagedRewardedSetResponse {
  nodes: [number, RewardedSetNodeStatus][];
  start_next_after: number | null;
}

export interface GatewayBondResponse {
  identity: string;
  gateway: GatewayBond | null;
}

export interface GatewayOwnershipResponse {
  address: string;
  gateway: GatewayBond | null;
}

export interface MixOwnershipResponse {
  address: string;
  mixnode_details: MixNodeDetails | null;
}

export interface MixnodeDetailsResponse {
  mix_id: number;
  mixnode_details: MixNodeDetails | null;
}

/** Everything a client needs to route, in one query: the active set with layers, and gateways. */
export interface LayeredTopologyResponse {
  interval_id: number;
  epoch_id: number;
  mixnodes: MixNodeBond[];
  gateways: GatewayBond[];
}

export interface MixnetInstantiateMsg {
  rewarding_validator_address: string;
  rewarding_denom?: string;
  epochs_in_interval?: number;
  epoch_duration_secs?: number;
  minimum_mixnode_pledge?: string;
  minimum_gateway_pledge?: string;
  mixnode_rewarded_set_size?: number;
  mixnode_active_set_size?: number;
}

export interface MixnetConfig {
  rewarding_validator_address: string;
  rewarding_denom: string;
  params: ContractStateParams;
}

export interface MixNodeRecord {
  bond: MixNodeBond;
  cost_params: MixNodeCostParams;
}

/**
 * The whole contract state. Maps are plain objects so the state is JSON as is; mix ids are
 * integer-like keys, which JavaScript iterates in ascending order.
 */
export interface MixnetState {
  config: MixnetConfig;
  interval: Interval;
  /** Start of the current epoch in nanoseconds since the Unix epoch, decimal string. */
  epoch_start_nanos: string;
  mix_id_counter: number;
  mixnodes: Record<string, MixNodeRecord>;
  mixnode_owners: Record<string, number>;
  mixnode_identities: Record<string, number>;
  gateways: Record<string, GatewayBond>;
  gateway_owners: Record<string, string>;
  rewarded_set: Record<string, RewardedSetNodeStatus>;
  signing_nonces: Record<string, number>;
}
