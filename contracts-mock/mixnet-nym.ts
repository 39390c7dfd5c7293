/**
 * Answers in the shapes of Nym's mixnet contract for what Nymph keeps differently or does not
 * keep at all (no rewarding, no delegations, no version scores): contract parameters, rewarding
 * parameters, a node's rewarding details and stake saturation, build information. Values are
 * derived from Nymph's state and Nym's defaults, each with its source.
 */
import type {
  ContractBuildInformation,
  ContractState,
  ContractStateParams,
  MixNodeRecord,
  MixStakeSaturationResponse,
  MixnetState,
  NodeRewarding,
  RewardingParams,
} from '../src/contracts/mixnet.js';
import {
  decimalFromInt,
  DECIMAL_ONE,
  divDecimal,
  formatDecimal,
  mulDecimal,
  parseDecimal,
} from './decimal.js';

/** What `config_score_params.current_nym_node_semver` reports when instantiate named none. */
export const DEFAULT_NYM_NODE_SEMVER = '1.1.20';

/** Nym's `UNIT_DELEGATION_BASE` (mixnet-contract/src/constants.rs): 1e9 as a Decimal. */
export const UNIT_DELEGATION_BASE = '1000000000';

/** Nym's `OperatingCostRange::default()` maximum: the token supply, 1e15 unym. */
const MAX_OPERATING_COST = '1000000000000000';

/**
 * Nym's defaults for a fresh mixnet contract (common/commands/src/validator/cosmwasm/
 * generators/mixnet.rs): pool 244,817,525,850,285; staking supply 1e14; scale factor 50%;
 * sybil resistance 30%; active set work factor 10; interval pool emission 2%.
 */
const REWARDING_DEFAULTS = {
  reward_pool: '244817525850285',
  staking_supply: '100000000000000',
  staking_supply_scale_factor: '0.5',
  sybil_resistance: '0.3',
  active_set_work_factor: '10',
  interval_pool_emission: '0.02',
} as const;

export function contractStateParams(state: MixnetState): ContractStateParams {
  return {
    delegations_params: { minimum_delegation: null },
    operators_params: {
      minimum_pledge: state.config.params.minimum_mixnode_pledge,
      profit_margin: { minimum: '0', maximum: '1' },
      interval_operating_cost: { minimum: '0', maximum: MAX_OPERATING_COST },
    },
    config_score_params: {
      current_nym_node_semver: state.config.current_nym_node_semver,
      // OutdatedVersionWeights::default() and VersionScoreFormulaParams::default() (config_score.rs)
      version_weights: { major: 100, minor: 10, patch: 1, prerelease: 1 },
      version_score_formula_params: { penalty: '0.995', penalty_scaling: '1.65' },
    },
  };
}

export function contractState(state: MixnetState, contractAddress: string): ContractState {
  return {
    owner: null,
    rewarding_validator_address: state.config.rewarding_validator_address,
    vesting_contract_address: contractAddress,
    rewarding_denom: state.config.rewarding_denom,
    params: contractStateParams(state),
  };
}

/**
 * As Nym's `InitialRewardingParams::into_rewarding_params` (msg.rs): the epoch budget is the
 * pool over the epochs of an interval times the emission; the saturation point is the staking
 * supply over the rewarded set size. Nymph's rewarded set holds mix nodes only.
 */
export function rewardingParams(state: MixnetState): RewardingParams {
  const d = REWARDING_DEFAULTS;
  const { mixnode_active_set_size: active, mixnode_rewarded_set_size: rewarded } = state.config.params;
  const rewardedSet = {
    entry_gateways: 0,
    exit_gateways: 0,
    mixnodes: active,
    standby: Math.max(0, rewarded - active),
  };
  const size = rewardedSet.mixnodes + rewardedSet.standby;
  const budget = mulDecimal(
    divDecimal(decimalFromInt(d.reward_pool), decimalFromInt(state.interval.epochs_in_interval)),
    parseDecimal(d.interval_pool_emission),
  );
  const saturation = divDecimal(decimalFromInt(d.staking_supply), decimalFromInt(Math.max(size, 1)));
  return {
    interval: {
      reward_pool: d.reward_pool,
      staking_supply: d.staking_supply,
      staking_supply_scale_factor: d.staking_supply_scale_factor,
      epoch_reward_budget: formatDecimal(budget),
      stake_saturation_point: formatDecimal(saturation),
      sybil_resistance: d.sybil_resistance,
      active_set_work_factor: d.active_set_work_factor,
      interval_pool_emission: d.interval_pool_emission,
    },
    rewarded_set: rewardedSet,
  };
}

/** Nym's `NodeRewarding::initialise_new` for the pledge, never rewarded since. */
export function nodeRewarding(r: MixNodeRecord): NodeRewarding {
  return {
    cost_params: r.cost_params,
    // A Uint128 amount (digits, no leading zero) is already its own Decimal text.
    operator: r.bond.original_pledge.amount,
    delegates: '0',
    total_unit_reward: '0',
    unit_delegation: UNIT_DELEGATION_BASE,
    last_rewarded_epoch: r.last_rewarded_epoch,
    unique_delegations: 0,
  };
}

/** As Nym's `bond_saturation` / `uncapped_bond_saturation`: the node's stake over the saturation point. */
export function stakeSaturation(
  state: MixnetState,
  mixId: number,
  r: MixNodeRecord | undefined,
): MixStakeSaturationResponse {
  if (!r) return { mix_id: mixId, current_saturation: null, uncapped_saturation: null };
  const point = parseDecimal(rewardingParams(state).interval.stake_saturation_point);
  const uncapped = divDecimal(decimalFromInt(r.bond.original_pledge.amount), point);
  return {
    mix_id: mixId,
    current_saturation: formatDecimal(uncapped > DECIMAL_ONE ? DECIMAL_ONE : uncapped),
    uncapped_saturation: formatDecimal(uncapped),
  };
}

/**
 * Nym's `ContractBuildInformation` (contracts-common/src/types.rs). A contract written in
 * TypeScript has no cargo build: the git fields read "UNKNOWN", as Nym's do when vergen has
 * no value.
 */
export function buildInformation(version: string): ContractBuildInformation {
  return {
    contract_name: 'nym-mixnet-contract',
    build_version: version,
    build_timestamp: 'UNKNOWN',
    commit_sha: 'UNKNOWN',
    commit_timestamp: 'UNKNOWN',
    commit_branch: 'UNKNOWN',
    rustc_version: 'none (TypeScript contract)',
    cargo_debug: 'false',
    cargo_opt_level: 'none',
  };
}
