/**
 * The mixnet contract, in the message shapes of Nym's mixnet contract
 * (common/cosmwasm-smart-contracts/mixnet-contract, as `@nymproject/contract-clients` 1.4.1
 * declares them), for the legacy mix node and gateway bonds.
 *
 * Where Nymph differs from Nym (deliberately, for a local network):
 * - unbonding is immediate (Nym queues it to the epoch end); the pledge goes back by a
 *   bank sub-message at once;
 * - a newly bonded mix node joins the rewarded set at once, in the least-populated layer,
 *   so a fresh network routes before the first epoch advance;
 * - the rewarded set is chosen deterministically (lowest mix ids first) and layers are
 *   rebalanced with as few moves as possible; Nym samples by stake;
 * - the admin (rewarding validator) may advance the epoch before it is over;
 * - no delegations, no rewarding, no nym-nodes: those messages of Nym's contract answer
 *   UnsupportedMessageError.
 *
 * Messages are parsed with the valibot schemas of mixnet-schemas.ts; queries are in
 * mixnet-queries.ts. The state passed in is never mutated: every change builds new objects.
 */
import {
  AlreadyBondedError,
  DuplicateIdentityKeyError,
  InsufficientPledgeError,
  InvalidFieldError,
  InvalidFundsError,
  InvalidOwnerSignatureError,
  InvalidRewardedSetError,
  MissingFundsError,
  MixNodeNotFoundError,
  NoBondFoundError,
  UnauthorisedError,
} from './errors.js';
import type {
  GatewayBond,
  Layer,
  MixNodeBond,
  MixNodeCostParams,
  MixNodeRecord,
  MixnetState,
  RewardedSetNodeStatus,
} from '../src/contracts/mixnet.js';
import { NYM_MIXNET_EXECUTE_MESSAGES } from '../src/contracts/nym-messages.js';
import { verifyOwnerSignature } from '../src/contracts/signing.js';
import type { Coin, Contract, Env, Event, ExecuteResult, MessageInfo, Response } from './types.js';
import * as v from './validate.js';
import * as schema from './mixnet-schemas.js';
import type { ExecuteBody, MixnetExecuteName, MixnetQueryName } from './mixnet-schemas.js';
import {
  applyLayers,
  autoRewardedSet,
  layerCounts,
  leastPopulatedLayer,
  withStatus,
  type RewardedSetChoice,
} from './mixnet-layers.js';
import { epochLengthNanos, nextEpoch, rfc3339FromNanos } from './mixnet-interval.js';
import { migrateMixnetState } from './mixnet-migrate.js';
import { DEFAULT_NYM_NODE_SEMVER } from './mixnet-nym.js';
import { query } from './mixnet-queries.js';
import { MIXNET_CONTRACT_NAME, MIXNET_CONTRACT_VERSION, MIXNET_DEFAULTS } from './mixnet-constants.js';

export { leastPopulatedLayer, rebalanceLayers } from './mixnet-layers.js';
export { rfc3339FromNanos } from './mixnet-interval.js';
export { migrateMixnetState, assignGatewayNodeIds } from './mixnet-migrate.js';

const C = 'mixnet';
export {
  MIXNET_CONTRACT_NAME,
  MIXNET_CONTRACT_VERSION,
  MIXNET_DEFAULTS,
  BOND_PAGE_DEFAULT_LIMIT,
  BOND_PAGE_MAX_LIMIT,
} from './mixnet-constants.js';

export const MIXNET_EXECUTE_VARIANTS = Object.keys(schema.execute) as MixnetExecuteName[];
export const MIXNET_QUERY_VARIANTS = Object.keys(schema.query) as MixnetQueryName[];

// ---------------------------------------------------------------- helpers

/** The single pledge coin of a bond message. */
function pledge(info: MessageInfo, minimum: Coin): Coin {
  const denom = minimum.denom;
  if (info.funds.length === 0) throw new MissingFundsError(C, denom);
  if (info.funds.length > 1) throw new InvalidFundsError(C, `expected a single ${denom} coin`);
  const coin = info.funds[0];
  if (coin.denom !== denom) throw new InvalidFundsError(C, `expected ${denom}, got ${coin.denom}`);
  if (BigInt(coin.amount) === 0n) throw new MissingFundsError(C, denom);
  if (BigInt(coin.amount) < BigInt(minimum.amount)) {
    throw new InsufficientPledgeError(C, coin.amount, minimum.amount, denom);
  }
  return { denom: coin.denom, amount: coin.amount };
}

function noFunds(info: MessageInfo): void {
  if (info.funds.some((c) => BigInt(c.amount) > 0n)) {
    throw new InvalidFundsError(C, 'this message does not accept funds');
  }
}

function requireAdmin(state: MixnetState, info: MessageInfo, action: string): void {
  if (info.sender !== state.config.rewarding_validator_address)
    throw new UnauthorisedError(C, info.sender, action);
}

/** Cost params in the rewarding denom (checked against the state, so after parsing). */
function checkCostDenom(state: MixnetState, costs: MixNodeCostParams, field: string): MixNodeCostParams {
  const denom = state.config.rewarding_denom;
  if (costs.interval_operating_cost.denom !== denom) {
    throw new InvalidFieldError(C, `${field}.interval_operating_cost.denom`, `must be ${denom}`);
  }
  return costs;
}

/** Nym's `MessageSignature` as the verifier takes it: base58 text or bytes. */
function signatureBytes(sig: string | number[]): string | Uint8Array {
  return typeof sig === 'string' ? sig : Uint8Array.from(sig);
}

function omit<T>(rec: Record<string, T>, key: string): Record<string, T> {
  const out = { ...rec };
  delete out[key];
  return out;
}

function event(type: string, attrs: Record<string, string | number>): Event {
  return { type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value: String(value) })) };
}

function response(action: string, events: Event[] = [], messages: Response['messages'] = []): Response {
  return { attributes: [{ key: 'action', value: action }], events, messages };
}

function nextNonce(state: MixnetState, address: string): Record<string, number> {
  return { ...state.signing_nonces, [address]: (state.signing_nonces[address] ?? 0) + 1 };
}

function assertIdentityFree(state: MixnetState, identity: string): void {
  if (state.mixnode_identities[identity] !== undefined || state.gateways[identity] !== undefined) {
    throw new DuplicateIdentityKeyError(C, identity);
  }
}

function assertNotBonded(state: MixnetState, owner: string): void {
  if (state.mixnode_owners[owner] !== undefined) throw new AlreadyBondedError(C, owner, 'mixnode');
  if (state.gateway_owners[owner] !== undefined) throw new AlreadyBondedError(C, owner, 'gateway');
}

function ownedMixnode(state: MixnetState, owner: string): MixNodeRecord {
  const mixId = state.mixnode_owners[owner];
  if (mixId === undefined) throw new NoBondFoundError(C, owner, 'mixnode');
  return state.mixnodes[mixId];
}

function ownedGateway(state: MixnetState, owner: string): GatewayBond {
  const identity = state.gateway_owners[owner];
  if (identity === undefined) throw new NoBondFoundError(C, owner, 'gateway');
  return state.gateways[identity];
}

function advanceEpoch(state: MixnetState, env: Env, chosen?: RewardedSetChoice): ExecuteResult<MixnetState> {
  const { rewarded, layers } = chosen ?? autoRewardedSet(state);
  const next: MixnetState = {
    ...state,
    interval: nextEpoch(state.interval, env.block.timeNanos),
    epoch_start_nanos: env.block.timeNanos.toString(),
    mixnodes: applyLayers(state.mixnodes, layers),
    rewarded_set: rewarded,
  };
  const counts = layerCounts(withStatus(next, 'active'));
  const ev = event('advance_epoch', {
    new_current_epoch: next.interval.current_epoch_id,
    interval_id: next.interval.id,
    active_set_size: Object.values(rewarded).filter((s) => s === 'active').length,
    rewarded_set_size: Object.keys(rewarded).length,
    layer1: counts[0],
    layer2: counts[1],
    layer3: counts[2],
  });
  return { state: next, response: response('advance_current_epoch', [ev]) };
}

// ---------------------------------------------------------------- execute

function bondMixnode(
  state: MixnetState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'bond_mixnode'>,
): ExecuteResult<MixnetState> {
  const mixNode = body.mix_node;
  const costParams = checkCostDenom(state, body.cost_params, 'bond_mixnode.cost_params');
  const coin = pledge(info, state.config.params.minimum_mixnode_pledge);
  assertNotBonded(state, info.sender);
  assertIdentityFree(state, mixNode.identity_key);
  const nonce = state.signing_nonces[info.sender] ?? 0;
  const payload = {
    kind: 'mixnode-bonding' as const,
    sender: info.sender,
    nonce,
    pledge: coin,
    mix_node: mixNode,
    cost_params: costParams,
  };
  if (!verifyOwnerSignature(signatureBytes(body.owner_signature), payload)) {
    throw new InvalidOwnerSignatureError(C, mixNode.identity_key, nonce);
  }

  // Mix nodes and gateways draw ids from one counter, so node ids are unique across both.
  const mixId = state.mix_id_counter + 1;
  const { mixnode_active_set_size: activeSize, mixnode_rewarded_set_size: rewardedSize } =
    state.config.params;
  const active = withStatus(state, 'active');
  const standby = withStatus(state, 'standby');
  let status: RewardedSetNodeStatus | undefined;
  let group: MixNodeRecord[];
  if (active.length < activeSize) [status, group] = ['active', active];
  else if (active.length + standby.length < Math.max(rewardedSize, activeSize))
    [status, group] = ['standby', standby];
  else [status, group] = [undefined, withStatus(state, undefined)];
  const layer = leastPopulatedLayer(layerCounts(group));

  const bond: MixNodeBond = {
    mix_id: mixId,
    owner: info.sender,
    original_pledge: coin,
    layer,
    mix_node: mixNode,
    proxy: null,
    bonding_height: env.block.height,
    is_unbonding: false,
  };
  const record: MixNodeRecord = {
    bond,
    cost_params: costParams,
    last_rewarded_epoch: state.interval.total_elapsed_epochs,
  };
  const next: MixnetState = {
    ...state,
    mix_id_counter: mixId,
    mixnodes: { ...state.mixnodes, [mixId]: record },
    mixnode_owners: { ...state.mixnode_owners, [info.sender]: mixId },
    mixnode_identities: { ...state.mixnode_identities, [mixNode.identity_key]: mixId },
    rewarded_set: status ? { ...state.rewarded_set, [mixId]: status } : state.rewarded_set,
    signing_nonces: nextNonce(state, info.sender),
  };
  const ev = event('mixnode_bonding', {
    mix_id: mixId,
    owner: info.sender,
    identity_key: mixNode.identity_key,
    amount: `${coin.amount}${coin.denom}`,
    layer,
    status: status ?? 'inactive',
  });
  const res = response('bond_mixnode', [ev]);
  res.attributes.push({ key: 'mix_id', value: String(mixId) });
  return { state: next, response: res };
}

function unbondMixnode(state: MixnetState, env: Env, info: MessageInfo): ExecuteResult<MixnetState> {
  noFunds(info);
  const rec = ownedMixnode(state, info.sender);
  const mixId = rec.bond.mix_id;
  const identity = rec.bond.mix_node.identity_key;
  const next: MixnetState = {
    ...state,
    mixnodes: omit(state.mixnodes, String(mixId)),
    mixnode_owners: omit(state.mixnode_owners, info.sender),
    mixnode_identities: omit(state.mixnode_identities, identity),
    rewarded_set: omit(state.rewarded_set, String(mixId)),
    unbonded_mixnodes: {
      ...state.unbonded_mixnodes,
      [mixId]: {
        identity_key: identity,
        owner: info.sender,
        proxy: null,
        unbonding_height: env.block.height,
      },
    },
  };
  const refund = rec.bond.original_pledge;
  const ev = event('mixnode_unbonding', {
    mix_id: mixId,
    owner: info.sender,
    identity_key: identity,
    amount: `${refund.amount}${refund.denom}`,
  });
  return { state: next, response: refundResponse('unbond_mixnode', ev, info.sender, refund) };
}

/** An unbonding's response: its event, and the pledge sent back to the owner. */
function refundResponse(action: string, ev: Event, owner: string, refund: Coin): Response {
  return response(action, [ev], [{ bank: { send: { to_address: owner, amount: [refund] } } }]);
}

function updateMixnodeConfig(
  state: MixnetState,
  info: MessageInfo,
  body: ExecuteBody<'update_mixnode_config'>,
): ExecuteResult<MixnetState> {
  const update = body.new_config;
  noFunds(info);
  const rec = ownedMixnode(state, info.sender);
  const mixId = rec.bond.mix_id;
  const bond = { ...rec.bond, mix_node: { ...rec.bond.mix_node, ...update } };
  return {
    state: { ...state, mixnodes: { ...state.mixnodes, [mixId]: { ...rec, bond } } },
    response: response('update_mixnode_config', [
      event('mixnode_config_update', { mix_id: mixId, ...update }),
    ]),
  };
}

/** Nym's `update_cost_params` (applied at once; Nym waits for the interval end). */
function updateCostParams(
  state: MixnetState,
  info: MessageInfo,
  body: ExecuteBody<'update_cost_params'>,
): ExecuteResult<MixnetState> {
  const costs = checkCostDenom(state, body.new_costs, 'update_cost_params.new_costs');
  noFunds(info);
  const rec = ownedMixnode(state, info.sender);
  const mixId = rec.bond.mix_id;
  return {
    state: { ...state, mixnodes: { ...state.mixnodes, [mixId]: { ...rec, cost_params: costs } } },
    response: response('update_cost_params', [
      event('mixnode_cost_params_update', {
        mix_id: mixId,
        profit_margin_percent: costs.profit_margin_percent,
        interval_operating_cost: `${costs.interval_operating_cost.amount}${costs.interval_operating_cost.denom}`,
      }),
    ]),
  };
}

function bondGateway(
  state: MixnetState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'bond_gateway'>,
): ExecuteResult<MixnetState> {
  const gateway = body.gateway;
  const coin = pledge(info, state.config.params.minimum_gateway_pledge);
  assertNotBonded(state, info.sender);
  assertIdentityFree(state, gateway.identity_key);
  const nonce = state.signing_nonces[info.sender] ?? 0;
  const payload = { kind: 'gateway-bonding' as const, sender: info.sender, nonce, pledge: coin, gateway };
  if (!verifyOwnerSignature(signatureBytes(body.owner_signature), payload)) {
    throw new InvalidOwnerSignatureError(C, gateway.identity_key, nonce);
  }
  const bond: GatewayBond = {
    pledge_amount: coin,
    owner: info.sender,
    block_height: env.block.height,
    gateway,
    proxy: null,
  };
  const nodeId = state.mix_id_counter + 1;
  const next: MixnetState = {
    ...state,
    mix_id_counter: nodeId,
    gateways: { ...state.gateways, [gateway.identity_key]: bond },
    gateway_owners: { ...state.gateway_owners, [info.sender]: gateway.identity_key },
    gateway_node_ids: { ...state.gateway_node_ids, [gateway.identity_key]: nodeId },
    signing_nonces: nextNonce(state, info.sender),
  };
  const ev = event('gateway_bonding', {
    owner: info.sender,
    identity_key: gateway.identity_key,
    node_id: nodeId,
    amount: `${coin.amount}${coin.denom}`,
  });
  const res = response('bond_gateway', [ev]);
  res.attributes.push({ key: 'node_id', value: String(nodeId) });
  return { state: next, response: res };
}

function unbondGateway(state: MixnetState, info: MessageInfo): ExecuteResult<MixnetState> {
  noFunds(info);
  const bond = ownedGateway(state, info.sender);
  const identity = bond.gateway.identity_key;
  const next: MixnetState = {
    ...state,
    gateways: omit(state.gateways, identity),
    gateway_owners: omit(state.gateway_owners, info.sender),
    gateway_node_ids: omit(state.gateway_node_ids, identity),
  };
  const refund = bond.pledge_amount;
  const ev = event('gateway_unbonding', {
    owner: info.sender,
    identity_key: identity,
    amount: `${refund.amount}${refund.denom}`,
  });
  return { state: next, response: refundResponse('unbond_gateway', ev, info.sender, refund) };
}

function updateGatewayConfig(
  state: MixnetState,
  info: MessageInfo,
  body: ExecuteBody<'update_gateway_config'>,
): ExecuteResult<MixnetState> {
  const update = body.new_config;
  noFunds(info);
  const bond = ownedGateway(state, info.sender);
  const identity = bond.gateway.identity_key;
  const next = { ...bond, gateway: { ...bond.gateway, ...update } };
  return {
    state: { ...state, gateways: { ...state.gateways, [identity]: next } },
    response: response('update_gateway_config', [
      event('gateway_config_update', { identity_key: identity, ...update }),
    ]),
  };
}

function assignNodeLayer(
  state: MixnetState,
  info: MessageInfo,
  body: ExecuteBody<'assign_node_layer'>,
): ExecuteResult<MixnetState> {
  const mixId = body.mix_id;
  const layer = body.layer as Layer;
  requireAdmin(state, info, 'assign node layers');
  noFunds(info);
  const rec = state.mixnodes[mixId];
  if (!rec) throw new MixNodeNotFoundError(C, mixId);
  return {
    state: { ...state, mixnodes: { ...state.mixnodes, [mixId]: { ...rec, bond: { ...rec.bond, layer } } } },
    response: response('assign_node_layer', [event('assign_layer', { mix_id: mixId, layer })]),
  };
}

function advanceCurrentEpoch(
  state: MixnetState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'advance_current_epoch'>,
): ExecuteResult<MixnetState> {
  const entries = body.new_rewarded_set ?? [];
  const expected = body.expected_active_set_size;
  requireAdmin(state, info, 'advance the epoch');
  noFunds(info);
  // An empty set asks the contract to choose (what the beginBlock schedule does).
  if (entries.length === 0) return advanceEpoch(state, env);

  const { mixnode_active_set_size: activeSize, mixnode_rewarded_set_size: rewardedSize } =
    state.config.params;
  if (entries.length > Math.max(activeSize, rewardedSize)) {
    throw new InvalidRewardedSetError(C, `${entries.length} nodes exceed the rewarded set size`);
  }
  const activeCount = Math.min(expected ?? activeSize, entries.length);
  if (activeCount > activeSize) {
    throw new InvalidRewardedSetError(C, `expected active set size ${activeCount} exceeds ${activeSize}`);
  }
  const seen = new Set<number>();
  const rewarded: Record<string, RewardedSetNodeStatus> = {};
  const layers = new Map<number, Layer>();
  entries.forEach((e, i) => {
    if (seen.has(e.mix_id)) throw new InvalidRewardedSetError(C, `mix node ${e.mix_id} appears twice`);
    if (!state.mixnodes[e.mix_id]) throw new MixNodeNotFoundError(C, e.mix_id);
    seen.add(e.mix_id);
    rewarded[e.mix_id] = i < activeCount ? 'active' : 'standby';
    layers.set(e.mix_id, e.layer as Layer);
  });
  // Record keys must iterate in ascending id order like every other map in the state.
  const sorted: Record<string, RewardedSetNodeStatus> = {};
  for (const id of [...seen].sort((a, b) => a - b)) sorted[id] = rewarded[id];
  return advanceEpoch(state, env, { rewarded: sorted, layers });
}

function updateIntervalConfig(
  state: MixnetState,
  info: MessageInfo,
  body: ExecuteBody<'update_interval_config'>,
): ExecuteResult<MixnetState> {
  const { epochs_in_interval: epochs, epoch_duration_secs: secs } = body;
  requireAdmin(state, info, 'update the interval config');
  noFunds(info);
  const interval = { ...state.interval, epochs_in_interval: epochs, epoch_length: { secs, nanos: 0 } };
  return {
    state: { ...state, interval },
    response: response('update_interval_config', [
      event('interval_config_update', { epochs_in_interval: epochs, epoch_duration_secs: secs }),
    ]),
  };
}

// ---------------------------------------------------------------- contract

function instantiate(env: Env, info: MessageInfo, msg: unknown): ExecuteResult<MixnetState> {
  v.checkFunds(C, info.funds);
  const o = v.parse(C, schema.instantiate, msg, '');
  const d = MIXNET_DEFAULTS;
  const denom = o.rewarding_denom ?? d.rewarding_denom;
  const active = o.mixnode_active_set_size ?? d.mixnode_active_set_size;
  const rewarded = o.mixnode_rewarded_set_size ?? Math.max(d.mixnode_rewarded_set_size, active);
  if (rewarded < active) {
    throw new InvalidFieldError(C, 'mixnode_rewarded_set_size', 'must be at least the active set size');
  }
  noFunds(info);
  const now = env.block.timeNanos;
  const state: MixnetState = {
    config: {
      rewarding_validator_address: o.rewarding_validator_address,
      rewarding_denom: denom,
      params: {
        minimum_mixnode_pledge: { denom, amount: o.minimum_mixnode_pledge ?? d.minimum_mixnode_pledge },
        minimum_gateway_pledge: { denom, amount: o.minimum_gateway_pledge ?? d.minimum_gateway_pledge },
        mixnode_rewarded_set_size: rewarded,
        mixnode_active_set_size: active,
      },
      current_nym_node_semver: o.current_nym_node_version ?? DEFAULT_NYM_NODE_SEMVER,
    },
    interval: {
      id: 0,
      epochs_in_interval: o.epochs_in_interval ?? d.epochs_in_interval,
      current_epoch_start: rfc3339FromNanos(now),
      current_epoch_id: 0,
      epoch_length: { secs: o.epoch_duration_secs ?? d.epoch_duration_secs, nanos: 0 },
      total_elapsed_epochs: 0,
    },
    epoch_start_nanos: now.toString(),
    mix_id_counter: 0,
    mixnodes: {},
    mixnode_owners: {},
    mixnode_identities: {},
    gateways: {},
    gateway_owners: {},
    rewarded_set: {},
    signing_nonces: {},
    unbonded_mixnodes: {},
    gateway_node_ids: {},
  };
  return { state, response: response('instantiate') };
}

function execute(state: MixnetState, env: Env, info: MessageInfo, msg: unknown): ExecuteResult<MixnetState> {
  v.checkFunds(C, info.funds);
  const [name, raw] = v.variant(C, msg, MIXNET_EXECUTE_VARIANTS, NYM_MIXNET_EXECUTE_MESSAGES, 'execute');
  const body = <K extends MixnetExecuteName>(k: K): ExecuteBody<K> => v.parse(C, schema.execute[k], raw, k);
  switch (name) {
    case 'bond_mixnode':
      return bondMixnode(state, env, info, body(name));
    case 'unbond_mixnode':
      body(name);
      return unbondMixnode(state, env, info);
    case 'update_mixnode_config':
      return updateMixnodeConfig(state, info, body(name));
    case 'update_cost_params':
      return updateCostParams(state, info, body(name));
    case 'bond_gateway':
      return bondGateway(state, env, info, body(name));
    case 'unbond_gateway':
      body(name);
      return unbondGateway(state, info);
    case 'update_gateway_config':
      return updateGatewayConfig(state, info, body(name));
    case 'assign_node_layer':
      return assignNodeLayer(state, info, body(name));
    case 'advance_current_epoch':
      return advanceCurrentEpoch(state, env, info, body(name));
    case 'update_interval_config':
      return updateIntervalConfig(state, info, body(name));
  }
  throw new InvalidFieldError(C, name, 'unhandled message');
}

function epochDueNanos(state: MixnetState): bigint {
  return BigInt(state.epoch_start_nanos) + epochLengthNanos(state.interval);
}

/** Scheduled epoch advance: one bigint comparison when nothing is due. */
function beginBlock(state: MixnetState, env: Env): ExecuteResult<MixnetState> | null {
  if (env.block.timeNanos < epochDueNanos(state)) return null;
  return advanceEpoch(state, env);
}

export const mixnetContract: Contract<MixnetState> = {
  name: MIXNET_CONTRACT_NAME,
  version: MIXNET_CONTRACT_VERSION,
  instantiate,
  execute,
  query,
  beginBlock,
  nextScheduledNanos: epochDueNanos,
  migrate: migrateMixnetState,
};
