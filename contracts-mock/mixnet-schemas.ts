/**
 * The mixnet contract's message bodies as valibot schemas, in the JSON shapes of Nym's
 * `ExecuteMsg` / `QueryMsg` / `InstantiateMsg` (common/cosmwasm-smart-contracts/mixnet-contract/
 * src/msg.rs). Entry order is the order the structs declare, so parsed objects serialise (and
 * are stored) in Nym's field order. Rules that need the state (the rewarding denom) are checked
 * by the handlers after parsing.
 */
import * as v from 'valibot';
import {
  address,
  amount,
  coin,
  empty,
  fraction,
  host,
  key32,
  optionalUint,
  page,
  port,
  record,
  text,
  uint,
  U32_MAX,
} from './validate.js';

const MAX_EPOCH_SECS = 365 * 24 * 3600;

export const layer = uint(3, 1);

export const mixNode = record({
  host,
  mix_port: port,
  verloc_port: port,
  http_api_port: port,
  sphinx_key: key32,
  identity_key: key32,
  version: text(64),
});

export const gateway = record({
  host,
  mix_port: port,
  clients_port: port,
  location: text(128),
  sphinx_key: key32,
  identity_key: key32,
  version: text(64),
});

export const costParams = record({ profit_margin_percent: fraction, interval_operating_cost: coin });

/**
 * Nym's `MessageSignature`: base58 text (what its serde impl reads) or an array of bytes (what
 * `@nymproject/contract-clients` declares and sends). Whether it verifies is checked later.
 */
export const ownerSignature = v.union(
  [text(128), v.pipe(v.array(uint(255)), v.maxLength(128, 'must be at most 128 bytes'))],
  'must be a base58 string or an array of bytes',
);

export const execute = {
  bond_mixnode: record({ mix_node: mixNode, cost_params: costParams, owner_signature: ownerSignature }),
  unbond_mixnode: empty,
  update_mixnode_config: record({
    new_config: record({ host, mix_port: port, verloc_port: port, http_api_port: port, version: text(64) }),
  }),
  update_cost_params: record({ new_costs: costParams }),
  bond_gateway: record({ gateway, owner_signature: ownerSignature }),
  unbond_gateway: empty,
  update_gateway_config: record({
    new_config: record({ host, mix_port: port, clients_port: port, location: text(128), version: text(64) }),
  }),
  assign_node_layer: record({ mix_id: uint(), layer }),
  advance_current_epoch: record({
    new_rewarded_set: v.nullish(v.array(record({ mix_id: uint(), layer }), 'must be an array')),
    expected_active_set_size: optionalUint(),
  }),
  update_interval_config: record({
    epochs_in_interval: uint(U32_MAX, 1),
    epoch_duration_secs: uint(MAX_EPOCH_SECS, 1),
    force_immediately: v.optional(v.boolean('must be a boolean')),
  }),
} as const;

const mixId = record({ mix_id: uint() });
const byAddress = record({ address: text(128) });

export const query = {
  admin: empty,
  get_contract_version: empty,
  get_cw2_contract_version: empty,
  get_rewarding_validator_address: empty,
  get_state_params: empty,
  get_state: empty,
  get_rewarding_params: empty,
  get_epoch_status: empty,
  get_current_interval_details: empty,
  get_mix_node_bonds: page(uint()),
  get_mix_nodes_detailed: page(uint()),
  get_unbonded_mix_nodes: page(uint()),
  get_unbonded_mix_nodes_by_owner: record({
    owner: text(128),
    start_after: v.nullish(uint()),
    limit: optionalUint(),
  }),
  get_unbonded_mix_nodes_by_identity_key: record({
    identity_key: text(64),
    start_after: v.nullish(uint()),
    limit: optionalUint(),
  }),
  get_owned_mixnode: byAddress,
  get_mixnode_details: mixId,
  get_mixnode_rewarding_details: mixId,
  get_stake_saturation: mixId,
  get_unbonded_mix_node_information: mixId,
  get_bonded_mixnode_details_by_identity: record({ mix_identity: text(64) }),
  get_gateways: page(text(64)),
  get_gateway_bond: record({ identity: text(64) }),
  get_owned_gateway: byAddress,
  get_preassigned_gateway_ids: page(text(64)),
  get_signing_nonce: byAddress,
  // Nymph's own: the rewarded set as a list, layer counts, and the routing topology in one query.
  get_rewarded_set: page(uint()),
  get_layer_distribution: empty,
  get_layered_topology: empty,
} as const;

export const instantiate = record({
  rewarding_validator_address: address,
  rewarding_denom: v.optional(text(128)),
  epochs_in_interval: optionalUint(U32_MAX, 1),
  epoch_duration_secs: optionalUint(MAX_EPOCH_SECS, 1),
  minimum_mixnode_pledge: v.optional(amount),
  minimum_gateway_pledge: v.optional(amount),
  mixnode_rewarded_set_size: optionalUint(10_000, 1),
  mixnode_active_set_size: optionalUint(10_000, 1),
  current_nym_node_version: v.optional(text(64)),
});

export type MixnetExecuteName = keyof typeof execute;
export type MixnetQueryName = keyof typeof query;
export type ExecuteBody<K extends MixnetExecuteName> = v.InferOutput<(typeof execute)[K]>;
export type QueryBody<K extends MixnetQueryName> = v.InferOutput<(typeof query)[K]>;
