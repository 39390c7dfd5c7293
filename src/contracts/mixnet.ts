/**
 * JSON shapes of the mixnet contract: Nym's legacy mix node and gateway messages and the
 * responses `@nymproject/contract-clients` 1.4.1 declares for them (common/cosmwasm-smart-
 * contracts/mixnet-contract at release/ts-sdk-1.4.1), plus Nymph's own topology queries.
 * Nymph adds `layer` to a mix node bond (Nym's type allows extra fields; Nym dropped the
 * field when roles replaced layers).
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

/**
 * Nym's `NodeRewarding` (mixnet-contract/src/mixnode.rs). Decimals are cosmwasm `Decimal`
 * strings. Nymph does no rewarding: `operator` stays the pledge, `delegates` and
 * `total_unit_reward` stay 0, `last_rewarded_epoch` is the absolute epoch of the bond.
 */
export interface NodeRewarding {
  cost_params: MixNodeCostParams;
  operator: string;
  delegates: string;
  total_unit_reward: string;
  /** Value of the theoretical unit delegation (Nym's UNIT_DELEGATION_BASE, 1e9). */
  unit_delegation: string;
  last_rewarded_epoch: number;
  unique_delegations: number;
}
/** @deprecated the old name of NodeRewarding */
export type MixNodeRewarding = NodeRewarding;

/** Ids of pending epoch events that change the node; Nymph applies changes at once, so null. */
export interface PendingMixNodeChanges {
  pledge_change: number | null;
  cost_params_change: number | null;
}

export interface MixNodeDetails {
  bond_information: MixNodeBond;
  rewarding_details: NodeRewarding;
  /** Always sent by the contract; optional as in Nym's declared type (serde default). */
  pending_changes?: PendingMixNodeChanges;
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

/** Nymph's own contract parameters, as kept in the state (`config.params`). */
export interface MixnetParams {
  minimum_mixnode_pledge: Coin;
  minimum_gateway_pledge: Coin;
  mixnode_rewarded_set_size: number;
  mixnode_active_set_size: number;
}

/** A `RangedValue<T>` (mixnet-contract/src/types.rs): the allowed range of an operator setting. */
export interface RangedValue {
  minimum: string;
  maximum: string;
}

/**
 * `get_state_params`, in the shape of Nym's `ContractStateParams` (mixnet-contract/src/types.rs,
 * config_score.rs) as `@nymproject/contract-clients` 1.4.1 declares it.
 */
export interface ContractStateParams {
  delegations_params: { minimum_delegation: Coin | null };
  operators_params: {
    minimum_pledge: Coin;
    profit_margin: RangedValue;
    interval_operating_cost: RangedValue;
  };
  config_score_params: {
    current_nym_node_semver: string;
    version_weights: { major: number; minor: number; patch: number; prerelease: number };
    version_score_formula_params: { penalty: string; penalty_scaling: string };
  };
}

/** `get_state`: Nym's `ContractState`. */
export interface ContractState {
  owner: string | null;
  rewarding_validator_address: string;
  /** Nymph has no vesting contract: the mixnet contract's own address stands in. */
  vesting_contract_address: string;
  rewarding_denom: string;
  params: ContractStateParams;
}

/** `get_contract_version`: Nym's `ContractBuildInformation` (contracts-common/src/types.rs). */
export interface ContractBuildInformation {
  contract_name: string;
  build_version: string;
  build_timestamp: string;
  commit_sha: string;
  commit_timestamp: string;
  commit_branch: string;
  rustc_version: string;
  cargo_debug: string;
  cargo_opt_level: string;
}

/** `get_cw2_contract_version`: cw2's `ContractVersion`. */
export interface Cw2ContractVersion {
  contract: string;
  version: string;
}

/** Nym's `RewardedSetParams` (reward_params.rs). */
export interface RewardedSetParams {
  entry_gateways: number;
  exit_gateways: number;
  mixnodes: number;
  standby: number;
}

/** Nym's `IntervalRewardParams`: decimals and percents as cosmwasm `Decimal` strings. */
export interface IntervalRewardParams {
  reward_pool: string;
  staking_supply: string;
  staking_supply_scale_factor: string;
  epoch_reward_budget: string;
  stake_saturation_point: string;
  sybil_resistance: string;
  active_set_work_factor: string;
  interval_pool_emission: string;
}

/** `get_rewarding_params`: Nym's `RewardingParams`. */
export interface RewardingParams {
  interval: IntervalRewardParams;
  rewarded_set: RewardedSetParams;
}

/** Nym's `EpochState` (interval.rs); Nymph advances an epoch in one step, so it is always in progress. */
export type EpochState =
  | 'in_progress'
  | 'reconciling_events'
  | { rewarding: { last_rewarded: number; final_node_id: number } }
  | { role_assignment: { next: string } };

/** `get_epoch_status`: Nym's `EpochStatus`. */
export interface EpochStatus {
  being_advanced_by: string;
  state: EpochState;
}

export interface MixnodeRewardingDetailsResponse {
  mix_id: number;
  rewarding_details: NodeRewarding | null;
}

export interface MixStakeSaturationResponse {
  mix_id: number;
  /** Saturation of the node's total stake, capped at 1. */
  current_saturation: string | null;
  uncapped_saturation: string | null;
}

export interface MixnodeDetailsByIdentityResponse {
  identity_key: string;
  mixnode_details: MixNodeDetails | null;
}

/** Nym's `UnbondedMixnode`: what is kept of a mix node once it unbonded. */
export interface UnbondedMixnode {
  identity_key: string;
  owner: string;
  proxy: string | null;
  unbonding_height: number;
}

export interface UnbondedMixnodeResponse {
  mix_id: number;
  unbonded_info: UnbondedMixnode | null;
}

export interface PagedUnbondedMixnodesResponse {
  nodes: [number, UnbondedMixnode][];
  per_page: number;
  start_next_after: number | null;
}

/** A gateway's node id, drawn at bond time from the counter that numbers mix nodes. */
export interface PreassignedId {
  identity: string;
  node_id: number;
}

/** `get_preassigned_gateway_ids`: Nym's `PreassignedGatewayIdsResponse` (gateway.rs). */
export interface PreassignedGatewayIdsResponse {
  ids: PreassignedId[];
  start_next_after?: string | null;
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
  /** Nym's name; what `config_score_params.current_nym_node_semver` reports. */
  current_nym_node_version?: string;
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
  params: MixnetParams;
  current_nym_node_semver: string;
}

export interface MixNodeRecord {
  bond: MixNodeBond;
  cost_params: MixNodeCostParams;
  /** Absolute epoch (total elapsed epochs) at bond time: Nym's initial `last_rewarded_epoch`. */
  last_rewarded_epoch: number;
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
  /** mix id -> what remains of an unbonded mix node (Nym keeps these for the explorer). */
  unbonded_mixnodes: Record<string, UnbondedMixnode>;
  /** gateway identity -> node id, from the same counter as mix ids (`mix_id_counter`). */
  gateway_node_ids: Record<string, number>;
}
