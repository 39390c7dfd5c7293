/**
 * The mixnet contract's smart queries: Nym's (contracts/mixnet/src/contract.rs `query`, in
 * the shapes `@nymproject/contract-clients` 1.4.1 declares) and Nymph's own three
 * (`get_rewarded_set`, `get_layer_distribution`, `get_layered_topology`). Queries of Nym's
 * contract that Nymph does not model (nym-nodes, delegations, rewards, pending events) answer
 * UnsupportedMessageError.
 *
 * Paging: `start_next_after` is the last item's key when the page is full and null otherwise,
 * so a client following it stops without an extra empty page (Nym's contract always returns
 * the last key; clients that follow until an empty page work with both).
 */
import type {
  ContractStateParams,
  CurrentIntervalResponse,
  EpochStatus,
  GatewayBond,
  GatewayBondResponse,
  GatewayOwnershipResponse,
  LayerDistribution,
  LayeredTopologyResponse,
  MixNodeBond,
  MixNodeDetails,
  MixNodeRecord,
  MixOwnershipResponse,
  MixnetState,
  MixnodeDetailsByIdentityResponse,
  MixnodeDetailsResponse,
  MixnodeRewardingDetailsResponse,
  PagedGatewayResponse,
  PagedMixnodeBondsResponse,
  PagedMixnodesDetailsResponse,
  PagedRewardedSetResponse,
  PagedUnbondedMixnodesResponse,
  PreassignedGatewayIdsResponse,
  RewardedSetNodeStatus,
  UnbondedMixnode,
  UnbondedMixnodeResponse,
} from '../src/contracts/mixnet.js';
import { NYM_MIXNET_QUERY_MESSAGES } from '../src/contracts/nym-messages.js';
import { InvalidFieldError } from './errors.js';
import type { Env } from './types.js';
import * as v from './validate.js';
import * as schema from './mixnet-schemas.js';
import type { MixnetQueryName, QueryBody } from './mixnet-schemas.js';
import {
  BOND_PAGE_DEFAULT_LIMIT,
  BOND_PAGE_MAX_LIMIT,
  MIXNET_CONTRACT_NAME,
  MIXNET_CONTRACT_VERSION,
  PREASSIGNED_PAGE_DEFAULT_LIMIT,
  PREASSIGNED_PAGE_MAX_LIMIT,
  UNBONDED_PAGE_DEFAULT_LIMIT,
  UNBONDED_PAGE_MAX_LIMIT,
} from './mixnet-constants.js';
import { epochLengthNanos, NANOS_PER_SEC } from './mixnet-interval.js';
import { layerCounts, withStatus } from './mixnet-layers.js';
import {
  buildInformation,
  contractState,
  contractStateParams,
  nodeRewarding,
  rewardingParams,
  stakeSaturation,
} from './mixnet-nym.js';

const C = 'mixnet';
const QUERY_VARIANTS = Object.keys(schema.query) as MixnetQueryName[];

export function details(r: MixNodeRecord): MixNodeDetails {
  return {
    bond_information: r.bond,
    rewarding_details: nodeRewarding(r),
    pending_changes: { pledge_change: null, cost_params_change: null },
  };
}

/** Items after the cursor, up to `limit`, from a list in ascending key order. */
function pageOf<T, K>(
  items: Iterable<T>,
  key: (t: T) => K,
  after: K | null | undefined,
  limit: number,
): { items: T[]; next: K | null } {
  const out: T[] = [];
  for (const t of items) {
    if (after !== null && after !== undefined && !(key(t) > after)) continue;
    out.push(t);
    if (out.length === limit) break;
  }
  return { items: out, next: out.length === limit ? key(out[out.length - 1]) : null };
}

function sortedGateways(state: MixnetState): GatewayBond[] {
  return Object.keys(state.gateways)
    .sort()
    .map((k) => state.gateways[k]);
}

/** Unbonded mix nodes in ascending id order (integer-like keys iterate that way). */
function unbonded(state: MixnetState, keep: (u: UnbondedMixnode) => boolean): [number, UnbondedMixnode][] {
  return Object.entries(state.unbonded_mixnodes)
    .filter(([, u]) => keep(u))
    .map(([id, u]) => [Number(id), u]);
}

function pagedUnbonded(
  all: [number, UnbondedMixnode][],
  body: { start_after?: number | null; limit?: number },
): PagedUnbondedMixnodesResponse {
  const limit = v.pageLimit(body.limit, UNBONDED_PAGE_DEFAULT_LIMIT, UNBONDED_PAGE_MAX_LIMIT);
  const p = pageOf(all, (e) => e[0], body.start_after, limit);
  return { nodes: p.items, per_page: limit, start_next_after: p.next };
}

export function query(state: MixnetState, env: Env, msg: unknown): unknown {
  const [name, raw] = v.variant(C, msg, QUERY_VARIANTS, NYM_MIXNET_QUERY_MESSAGES, 'query');
  const body = <K extends MixnetQueryName>(k: K): QueryBody<K> => v.parse(C, schema.query[k], raw, k);
  switch (name) {
    case 'admin':
      body(name);
      return { admin: state.config.rewarding_validator_address };
    case 'get_contract_version':
      body(name);
      return buildInformation(MIXNET_CONTRACT_VERSION);
    case 'get_cw2_contract_version':
      body(name);
      return { contract: MIXNET_CONTRACT_NAME, version: MIXNET_CONTRACT_VERSION };
    case 'get_rewarding_validator_address':
      body(name);
      return state.config.rewarding_validator_address;
    case 'get_state_params':
      body(name);
      return contractStateParams(state) satisfies ContractStateParams;
    case 'get_state':
      body(name);
      return contractState(state, env.contract.address);
    case 'get_rewarding_params':
      body(name);
      return rewardingParams(state);
    case 'get_epoch_status':
      body(name);
      // Nymph advances an epoch within one block, so between blocks it is always in progress.
      return {
        being_advanced_by: state.config.rewarding_validator_address,
        state: 'in_progress',
      } satisfies EpochStatus;
    case 'get_current_interval_details': {
      body(name);
      const now = env.block.timeNanos;
      const epochOver = now >= BigInt(state.epoch_start_nanos) + epochLengthNanos(state.interval);
      const i = state.interval;
      return {
        interval: i,
        current_blocktime: Number(now / NANOS_PER_SEC),
        is_current_interval_over: epochOver && i.current_epoch_id + 1 >= i.epochs_in_interval,
        is_current_epoch_over: epochOver,
      } satisfies CurrentIntervalResponse;
    }
    case 'get_mix_node_bonds': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, BOND_PAGE_DEFAULT_LIMIT, BOND_PAGE_MAX_LIMIT);
      const p = pageOf(Object.values(state.mixnodes), (r) => r.bond.mix_id, b.start_after, limit);
      return {
        nodes: p.items.map((r) => r.bond),
        per_page: limit,
        start_next_after: p.next,
      } satisfies PagedMixnodeBondsResponse;
    }
    case 'get_mix_nodes_detailed': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, BOND_PAGE_DEFAULT_LIMIT, BOND_PAGE_MAX_LIMIT);
      const p = pageOf(Object.values(state.mixnodes), (r) => r.bond.mix_id, b.start_after, limit);
      return {
        nodes: p.items.map(details),
        per_page: limit,
        start_next_after: p.next,
      } satisfies PagedMixnodesDetailsResponse;
    }
    case 'get_unbonded_mix_nodes':
      return pagedUnbonded(
        unbonded(state, () => true),
        body(name),
      );
    case 'get_unbonded_mix_nodes_by_owner': {
      const b = body(name);
      return pagedUnbonded(
        unbonded(state, (u) => u.owner === b.owner),
        b,
      );
    }
    case 'get_unbonded_mix_nodes_by_identity_key': {
      const b = body(name);
      return pagedUnbonded(
        unbonded(state, (u) => u.identity_key === b.identity_key),
        b,
      );
    }
    case 'get_unbonded_mix_node_information': {
      const { mix_id } = body(name);
      return {
        mix_id,
        unbonded_info: state.unbonded_mixnodes[mix_id] ?? null,
      } satisfies UnbondedMixnodeResponse;
    }
    case 'get_mixnode_details': {
      const { mix_id } = body(name);
      const r = state.mixnodes[mix_id];
      return { mix_id, mixnode_details: r ? details(r) : null } satisfies MixnodeDetailsResponse;
    }
    case 'get_mixnode_rewarding_details': {
      const { mix_id } = body(name);
      const r = state.mixnodes[mix_id];
      return {
        mix_id,
        rewarding_details: r ? nodeRewarding(r) : null,
      } satisfies MixnodeRewardingDetailsResponse;
    }
    case 'get_stake_saturation': {
      const { mix_id } = body(name);
      return stakeSaturation(state, mix_id, state.mixnodes[mix_id]);
    }
    case 'get_bonded_mixnode_details_by_identity': {
      const { mix_identity } = body(name);
      const id = state.mixnode_identities[mix_identity];
      return {
        identity_key: mix_identity,
        mixnode_details: id === undefined ? null : details(state.mixnodes[id]),
      } satisfies MixnodeDetailsByIdentityResponse;
    }
    case 'get_owned_mixnode': {
      const { address } = body(name);
      const id = state.mixnode_owners[address];
      return {
        address,
        mixnode_details: id === undefined ? null : details(state.mixnodes[id]),
      } satisfies MixOwnershipResponse;
    }
    case 'get_gateways': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, BOND_PAGE_DEFAULT_LIMIT, BOND_PAGE_MAX_LIMIT);
      const p = pageOf(sortedGateways(state), (g) => g.gateway.identity_key, b.start_after, limit);
      return { nodes: p.items, per_page: limit, start_next_after: p.next } satisfies PagedGatewayResponse;
    }
    case 'get_gateway_bond': {
      const { identity } = body(name);
      return { identity, gateway: state.gateways[identity] ?? null } satisfies GatewayBondResponse;
    }
    case 'get_owned_gateway': {
      const { address } = body(name);
      const identity = state.gateway_owners[address];
      return {
        address,
        gateway: identity === undefined ? null : state.gateways[identity],
      } satisfies GatewayOwnershipResponse;
    }
    case 'get_preassigned_gateway_ids': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, PREASSIGNED_PAGE_DEFAULT_LIMIT, PREASSIGNED_PAGE_MAX_LIMIT);
      const ids = Object.keys(state.gateway_node_ids)
        .sort()
        .map((identity) => ({ identity, node_id: state.gateway_node_ids[identity] }));
      const p = pageOf(ids, (e) => e.identity, b.start_after, limit);
      return { ids: p.items, start_next_after: p.next } satisfies PreassignedGatewayIdsResponse;
    }
    case 'get_signing_nonce': {
      const { address } = body(name);
      return state.signing_nonces[address] ?? 0;
    }
    case 'get_rewarded_set': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, 1000, 1000);
      const p = pageOf(
        Object.entries(state.rewarded_set).map(([id, s]): [number, RewardedSetNodeStatus] => [Number(id), s]),
        (e) => e[0],
        b.start_after,
        limit,
      );
      return { nodes: p.items, start_next_after: p.next } satisfies PagedRewardedSetResponse;
    }
    case 'get_layer_distribution': {
      body(name);
      const c = layerCounts(withStatus(state, 'active'));
      return { layer1: c[0], layer2: c[1], layer3: c[2] } satisfies LayerDistribution;
    }
    case 'get_layered_topology': {
      body(name);
      const mixnodes: MixNodeBond[] = [];
      for (const [id, status] of Object.entries(state.rewarded_set)) {
        const rec = state.mixnodes[id];
        if (status === 'active' && rec) mixnodes.push(rec.bond);
      }
      return {
        interval_id: state.interval.id,
        epoch_id: state.interval.current_epoch_id,
        mixnodes,
        gateways: sortedGateways(state),
      } satisfies LayeredTopologyResponse;
    }
  }
  throw new InvalidFieldError(C, name, 'unhandled query');
}
