/**
 * The mixnet contract, in the message shapes of Nym's Coconut-era mixnet contract.
 *
 * Where Nymph differs from Nym (deliberately, for a local network):
 * - unbonding is immediate (Nym queues it to the epoch end); the pledge goes back by a
 *   bank sub-message at once;
 * - a newly bonded mix node joins the rewarded set at once, in the least-populated layer,
 *   so a fresh network routes before the first epoch advance;
 * - the rewarded set is chosen deterministically (lowest mix ids first) and layers are
 *   rebalanced with as few moves as possible; Nym samples by stake;
 * - the admin (rewarding validator) may advance the epoch before it is over;
 * - no delegations and no rewarding.
 *
 * The state passed in is never mutated: every change builds new objects.
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
  ContractStateParams,
  CurrentIntervalResponse,
  Gateway,
  GatewayBond,
  GatewayBondResponse,
  GatewayOwnershipResponse,
  Interval,
  Layer,
  LayerDistribution,
  LayeredTopologyResponse,
  MixNode,
  MixNodeBond,
  MixNodeCostParams,
  MixNodeDetails,
  MixNodeRecord,
  MixOwnershipResponse,
  MixnetState,
  MixnodeDetailsResponse,
  PagedGatewayResponse,
  PagedMixnodeBondsResponse,
  PagedMixnodesDetailsResponse,
  PagedRewardedSetResponse,
  RewardedSetNodeStatus,
} from '../src/contracts/mixnet.js';
import { verifyOwnerSignature } from '../src/contracts/signing.js';
import type { Coin, Contract, Env, Event, ExecuteResult, MessageInfo, Response } from './types.js';
import * as v from './validate.js';

const C = 'mixnet';
export const MIXNET_CONTRACT_NAME = 'crates.io:nym-mixnet-contract';
export const MIXNET_CONTRACT_VERSION = '1.1.20';

/** Defaults of a fresh contract. Nym's mainnet minimum pledge is 100 NYM; an epoch is one hour. */
export const MIXNET_DEFAULTS = {
  rewarding_denom: 'unym',
  epochs_in_interval: 720,
  epoch_duration_secs: 3600,
  minimum_mixnode_pledge: '100000000',
  minimum_gateway_pledge: '100000000',
  mixnode_rewarded_set_size: 240,
  mixnode_active_set_size: 240,
} as const;

/** Paging limits (Nym: default 50, max 75-100 depending on the query). */
export const BOND_PAGE_DEFAULT_LIMIT = 50;
export const BOND_PAGE_MAX_LIMIT = 100;

const NANOS_PER_SEC = 1_000_000_000n;

export const MIXNET_EXECUTE_VARIANTS = [
  'bond_mixnode',
  'unbond_mixnode',
  'update_mixnode_config',
  'update_mixnode_cost_params',
  'bond_gateway',
  'unbond_gateway',
  'update_gateway_config',
  'assign_node_layer',
  'advance_current_epoch',
  'update_interval_config',
] as const;

export const MIXNET_QUERY_VARIANTS = [
  'get_state_params',
  'get_mix_node_bonds',
  'get_mix_nodes_detailed',
  'get_mixnode_details',
  'get_owned_mixnode',
  'get_gateways',
  'get_gateway_bond',
  'get_owned_gateway',
  'get_rewarded_set',
  'get_layer_distribution',
  'get_current_interval_details',
  'get_signing_nonce',
  'get_layered_topology',
] as const;

/** RFC 3339 with nanosecond precision, as `time::OffsetDateTime` prints it. */
export function rfc3339FromNanos(nanos: bigint): string {
  const secs = nanos / NANOS_PER_SEC;
  const frac = nanos % NANOS_PER_SEC;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
}

// ---------------------------------------------------------------- validation

function parseMixNode(x: unknown, field: string): MixNode {
  const o = v.object(C, x, field, [
    'host',
    'mix_port',
    'verloc_port',
    'http_api_port',
    'sphinx_key',
    'identity_key',
    'version',
  ]);
  return {
    host: v.host(C, o.host, `${field}.host`),
    mix_port: v.port(C, o.mix_port, `${field}.mix_port`),
    verloc_port: v.port(C, o.verloc_port, `${field}.verloc_port`),
    http_api_port: v.port(C, o.http_api_port, `${field}.http_api_port`),
    sphinx_key: v.key32(C, o.sphinx_key, `${field}.sphinx_key`),
    identity_key: v.key32(C, o.identity_key, `${field}.identity_key`),
    version: v.string(C, o.version, `${field}.version`, 64),
  };
}

function parseGateway(x: unknown, field: string): Gateway {
  const o = v.object(C, x, field, [
    'host',
    'mix_port',
    'clients_port',
    'location',
    'sphinx_key',
    'identity_key',
    'version',
  ]);
  return {
    host: v.host(C, o.host, `${field}.host`),
    mix_port: v.port(C, o.mix_port, `${field}.mix_port`),
    clients_port: v.port(C, o.clients_port, `${field}.clients_port`),
    location: v.string(C, o.location, `${field}.location`, 128),
    sphinx_key: v.key32(C, o.sphinx_key, `${field}.sphinx_key`),
    identity_key: v.key32(C, o.identity_key, `${field}.identity_key`),
    version: v.string(C, o.version, `${field}.version`, 64),
  };
}

function parseCostParams(x: unknown, field: string, denom: string): MixNodeCostParams {
  const o = v.object(C, x, field, ['profit_margin_percent', 'interval_operating_cost']);
  const cost = v.coin(C, o.interval_operating_cost, `${field}.interval_operating_cost`);
  if (cost.denom !== denom) {
    throw new InvalidFieldError(C, `${field}.interval_operating_cost.denom`, `must be ${denom}`);
  }
  return {
    profit_margin_percent: v.fraction(C, o.profit_margin_percent, `${field}.profit_margin_percent`),
    interval_operating_cost: cost,
  };
}

function parseLayer(x: unknown, field: string): Layer {
  return v.uint(C, x, field, 3, 1) as Layer;
}

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

// ---------------------------------------------------------------- layers

function withStatus(state: MixnetState, status: RewardedSetNodeStatus | undefined): MixNodeRecord[] {
  return Object.values(state.mixnodes).filter((r) => state.rewarded_set[r.bond.mix_id] === status);
}

function layerCounts(records: readonly MixNodeRecord[]): [number, number, number] {
  const counts: [number, number, number] = [0, 0, 0];
  for (const r of records) counts[r.bond.layer - 1]++;
  return counts;
}

/** The least-populated layer; ties go to the lowest layer. */
export function leastPopulatedLayer(counts: readonly number[]): Layer {
  let best = 0;
  for (let i = 1; i < 3; i++) if (counts[i] < counts[best]) best = i;
  return (best + 1) as Layer;
}

/**
 * Rebalance a group so layer sizes differ by at most one, keeping as many nodes in place
 * as possible: repeatedly move the newest node of the largest layer to the smallest.
 * Returns mix_id -> layer for the whole group.
 */
export function rebalanceLayers(nodes: readonly { mix_id: number; layer: Layer }[]): Map<number, Layer> {
  const byLayer: number[][] = [[], [], []];
  for (const n of [...nodes].sort((a, b) => a.mix_id - b.mix_id)) byLayer[n.layer - 1].push(n.mix_id);
  for (;;) {
    let hi = 0;
    let lo = 0;
    for (let i = 1; i < 3; i++) {
      if (byLayer[i].length > byLayer[hi].length) hi = i;
      if (byLayer[i].length < byLayer[lo].length) lo = i;
    }
    if (byLayer[hi].length - byLayer[lo].length <= 1) break;
    byLayer[lo].push(byLayer[hi].pop() as number);
    byLayer[lo].sort((a, b) => a - b);
  }
  const out = new Map<number, Layer>();
  byLayer.forEach((ids, i) => ids.forEach((id) => out.set(id, (i + 1) as Layer)));
  return out;
}

// ---------------------------------------------------------------- state helpers

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

function details(r: MixNodeRecord): MixNodeDetails {
  return {
    bond_information: r.bond,
    rewarding_details: {
      cost_params: r.cost_params,
      operator: r.bond.original_pledge.amount,
      delegates: '0',
      unique_delegations: 0,
    },
  };
}

/**
 * Choose the rewarded set for a new epoch: the lowest mix ids, active first, each group
 * rebalanced over the three layers. Deterministic, so every validator computes the same.
 */
function autoRewardedSet(state: MixnetState): {
  rewarded: Record<string, RewardedSetNodeStatus>;
  layers: Map<number, Layer>;
} {
  const { mixnode_active_set_size: active, mixnode_rewarded_set_size: rewardedSize } = state.config.params;
  const all = Object.values(state.mixnodes).map((r) => ({ mix_id: r.bond.mix_id, layer: r.bond.layer }));
  const chosen = all.slice(0, Math.max(rewardedSize, active));
  const act = chosen.slice(0, active);
  const stb = chosen.slice(active);
  const rewarded: Record<string, RewardedSetNodeStatus> = {};
  for (const n of act) rewarded[n.mix_id] = 'active';
  for (const n of stb) rewarded[n.mix_id] = 'standby';
  const layers = new Map([...rebalanceLayers(act), ...rebalanceLayers(stb)]);
  return { rewarded, layers };
}

function applyLayers(
  mixnodes: Record<string, MixNodeRecord>,
  layers: Map<number, Layer>,
): Record<string, MixNodeRecord> {
  const out: Record<string, MixNodeRecord> = {};
  for (const [id, r] of Object.entries(mixnodes)) {
    const layer = layers.get(r.bond.mix_id);
    out[id] = layer === undefined || layer === r.bond.layer ? r : { ...r, bond: { ...r.bond, layer } };
  }
  return out;
}

function advanceInterval(
  state: MixnetState,
  nowNanos: bigint,
): { interval: Interval; epoch_start_nanos: string } {
  const i = state.interval;
  const nextEpoch = i.current_epoch_id + 1;
  const rollover = nextEpoch >= i.epochs_in_interval;
  return {
    interval: {
      ...i,
      id: rollover ? i.id + 1 : i.id,
      current_epoch_id: rollover ? 0 : nextEpoch,
      current_epoch_start: rfc3339FromNanos(nowNanos),
      total_elapsed_epochs: i.total_elapsed_epochs + 1,
    },
    epoch_start_nanos: nowNanos.toString(),
  };
}

function epochLengthNanos(i: Interval): bigint {
  return BigInt(i.epoch_length.secs) * NANOS_PER_SEC + BigInt(i.epoch_length.nanos);
}

function advanceEpoch(
  state: MixnetState,
  env: Env,
  chosen?: { rewarded: Record<string, RewardedSetNodeStatus>; layers: Map<number, Layer> },
): ExecuteResult<MixnetState> {
  const { rewarded, layers } = chosen ?? autoRewardedSet(state);
  const next: MixnetState = {
    ...state,
    ...advanceInterval(state, env.block.timeNanos),
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
  body: v.Obj,
): ExecuteResult<MixnetState> {
  v.object(C, body, 'bond_mixnode', ['mix_node', 'cost_params', 'owner_signature']);
  const mixNode = parseMixNode(body.mix_node, 'bond_mixnode.mix_node');
  const costParams = parseCostParams(
    body.cost_params,
    'bond_mixnode.cost_params',
    state.config.rewarding_denom,
  );
  const signature = v.string(C, body.owner_signature, 'bond_mixnode.owner_signature', 128);
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
  if (!verifyOwnerSignature(signature, payload)) {
    throw new InvalidOwnerSignatureError(C, mixNode.identity_key, nonce);
  }

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
  const next: MixnetState = {
    ...state,
    mix_id_counter: mixId,
    mixnodes: { ...state.mixnodes, [mixId]: { bond, cost_params: costParams } },
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

function unbondMixnode(state: MixnetState, info: MessageInfo, body: v.Obj): ExecuteResult<MixnetState> {
  v.object(C, body, 'unbond_mixnode', []);
  noFunds(info);
  const mixId = state.mixnode_owners[info.sender];
  if (mixId === undefined) throw new NoBondFoundError(C, info.sender, 'mixnode');
  const rec = state.mixnodes[mixId];
  const next: MixnetState = {
    ...state,
    mixnodes: omit(state.mixnodes, String(mixId)),
    mixnode_owners: omit(state.mixnode_owners, info.sender),
    mixnode_identities: omit(state.mixnode_identities, rec.bond.mix_node.identity_key),
    rewarded_set: omit(state.rewarded_set, String(mixId)),
  };
  const refund = rec.bond.original_pledge;
  const ev = event('mixnode_unbonding', {
    mix_id: mixId,
    owner: info.sender,
    identity_key: rec.bond.mix_node.identity_key,
    amount: `${refund.amount}${refund.denom}`,
  });
  return { state: next, response: refundResponse('unbond_mixnode', ev, info.sender, refund) };
}

/** An unbonding's response: its event, and the pledge sent back to the owner. */
function refundResponse(action: string, ev: Event, owner: string, refund: Coin): Response {
  return response(action, [ev], [{ bank: { send: { to_address: owner, amount: [refund] } } }]);
}

function updateMixnodeConfig(state: MixnetState, info: MessageInfo, body: v.Obj): ExecuteResult<MixnetState> {
  v.object(C, body, 'update_mixnode_config', ['new_config']);
  const f = 'update_mixnode_config.new_config';
  const o = v.object(C, body.new_config, f, ['host', 'mix_port', 'verloc_port', 'http_api_port', 'version']);
  const update = {
    host: v.host(C, o.host, `${f}.host`),
    mix_port: v.port(C, o.mix_port, `${f}.mix_port`),
    verloc_port: v.port(C, o.verloc_port, `${f}.verloc_port`),
    http_api_port: v.port(C, o.http_api_port, `${f}.http_api_port`),
    version: v.string(C, o.version, `${f}.version`, 64),
  };
  noFunds(info);
  const mixId = state.mixnode_owners[info.sender];
  if (mixId === undefined) throw new NoBondFoundError(C, info.sender, 'mixnode');
  const rec = state.mixnodes[mixId];
  const bond = { ...rec.bond, mix_node: { ...rec.bond.mix_node, ...update } };
  return {
    state: { ...state, mixnodes: { ...state.mixnodes, [mixId]: { ...rec, bond } } },
    response: response('update_mixnode_config', [
      event('mixnode_config_update', { mix_id: mixId, ...update }),
    ]),
  };
}

function updateMixnodeCostParams(
  state: MixnetState,
  info: MessageInfo,
  body: v.Obj,
): ExecuteResult<MixnetState> {
  v.object(C, body, 'update_mixnode_cost_params', ['new_costs']);
  const costs = parseCostParams(
    body.new_costs,
    'update_mixnode_cost_params.new_costs',
    state.config.rewarding_denom,
  );
  noFunds(info);
  const mixId = state.mixnode_owners[info.sender];
  if (mixId === undefined) throw new NoBondFoundError(C, info.sender, 'mixnode');
  const rec = state.mixnodes[mixId];
  return {
    state: { ...state, mixnodes: { ...state.mixnodes, [mixId]: { ...rec, cost_params: costs } } },
    response: response('update_mixnode_cost_params', [
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
  body: v.Obj,
): ExecuteResult<MixnetState> {
  v.object(C, body, 'bond_gateway', ['gateway', 'owner_signature']);
  const gateway = parseGateway(body.gateway, 'bond_gateway.gateway');
  const signature = v.string(C, body.owner_signature, 'bond_gateway.owner_signature', 128);
  const coin = pledge(info, state.config.params.minimum_gateway_pledge);
  assertNotBonded(state, info.sender);
  assertIdentityFree(state, gateway.identity_key);
  const nonce = state.signing_nonces[info.sender] ?? 0;
  if (
    !verifyOwnerSignature(signature, {
      kind: 'gateway-bonding',
      sender: info.sender,
      nonce,
      pledge: coin,
      gateway,
    })
  ) {
    throw new InvalidOwnerSignatureError(C, gateway.identity_key, nonce);
  }
  const bond: GatewayBond = {
    pledge_amount: coin,
    owner: info.sender,
    block_height: env.block.height,
    gateway,
    proxy: null,
  };
  const next: MixnetState = {
    ...state,
    gateways: { ...state.gateways, [gateway.identity_key]: bond },
    gateway_owners: { ...state.gateway_owners, [info.sender]: gateway.identity_key },
    signing_nonces: nextNonce(state, info.sender),
  };
  const ev = event('gateway_bonding', {
    owner: info.sender,
    identity_key: gateway.identity_key,
    amount: `${coin.amount}${coin.denom}`,
  });
  return { state: next, response: response('bond_gateway', [ev]) };
}

function unbondGateway(state: MixnetState, info: MessageInfo, body: v.Obj): ExecuteResult<MixnetState> {
  v.object(C, body, 'unbond_gateway', []);
  noFunds(info);
  const identity = state.gateway_owners[info.sender];
  if (identity === undefined) throw new NoBondFoundError(C, info.sender, 'gateway');
  const bond = state.gateways[identity];
  const next: MixnetState = {
    ...state,
    gateways: omit(state.gateways, identity),
    gateway_owners: omit(state.gateway_owners, info.sender),
  };
  const refund = bond.pledge_amount;
  const ev = event('gateway_unbonding', {
    owner: info.sender,
    identity_key: identity,
    amount: `${refund.amount}${refund.denom}`,
  });
  return { state: next, response: refundResponse('unbond_gateway', ev, info.sender, refund) };
}

function updateGatewayConfig(state: MixnetState, info: MessageInfo, body: v.Obj): ExecuteResult<MixnetState> {
  v.object(C, body, 'update_gateway_config', ['new_config']);
  const f = 'update_gateway_config.new_config';
  const o = v.object(C, body.new_config, f, ['host', 'mix_port', 'clients_port', 'location', 'version']);
  const update = {
    host: v.host(C, o.host, `${f}.host`),
    mix_port: v.port(C, o.mix_port, `${f}.mix_port`),
    clients_port: v.port(C, o.clients_port, `${f}.clients_port`),
    location: v.string(C, o.location, `${f}.location`, 128),
    version: v.string(C, o.version, `${f}.version`, 64),
  };
  noFunds(info);
  const identity = state.gateway_owners[info.sender];
  if (identity === undefined) throw new NoBondFoundError(C, info.sender, 'gateway');
  const bond = state.gateways[identity];
  const next = { ...bond, gateway: { ...bond.gateway, ...update } };
  return {
    state: { ...state, gateways: { ...state.gateways, [identity]: next } },
    response: response('update_gateway_config', [
      event('gateway_config_update', { identity_key: identity, ...update }),
    ]),
  };
}

function assignNodeLayer(state: MixnetState, info: MessageInfo, body: v.Obj): ExecuteResult<MixnetState> {
  v.object(C, body, 'assign_node_layer', ['mix_id', 'layer']);
  const mixId = v.uint(C, body.mix_id, 'assign_node_layer.mix_id');
  const layer = parseLayer(body.layer, 'assign_node_layer.layer');
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
  body: v.Obj,
): ExecuteResult<MixnetState> {
  v.object(C, body, 'advance_current_epoch', ['new_rewarded_set', 'expected_active_set_size']);
  const f = 'advance_current_epoch';
  const set = body.new_rewarded_set;
  if (set !== undefined && set !== null && !Array.isArray(set)) {
    throw new InvalidFieldError(C, `${f}.new_rewarded_set`, 'must be an array');
  }
  const entries = (Array.isArray(set) ? set : []).map((e, i) => {
    const o = v.object(C, e, `${f}.new_rewarded_set[${i}]`, ['mix_id', 'layer']);
    return {
      mix_id: v.uint(C, o.mix_id, `${f}.new_rewarded_set[${i}].mix_id`),
      layer: parseLayer(o.layer, `${f}.new_rewarded_set[${i}].layer`),
    };
  });
  const expected = v.optionalUint(C, body.expected_active_set_size, `${f}.expected_active_set_size`);
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
    layers.set(e.mix_id, e.layer);
  });
  // Record keys must iterate in ascending id order like every other map in the state.
  const sorted: Record<string, RewardedSetNodeStatus> = {};
  for (const id of [...seen].sort((a, b) => a - b)) sorted[id] = rewarded[id];
  return advanceEpoch(state, env, { rewarded: sorted, layers });
}

function updateIntervalConfig(
  state: MixnetState,
  info: MessageInfo,
  body: v.Obj,
): ExecuteResult<MixnetState> {
  v.object(C, body, 'update_interval_config', [
    'epochs_in_interval',
    'epoch_duration_secs',
    'force_immediately',
  ]);
  const f = 'update_interval_config';
  const epochs = v.uint(C, body.epochs_in_interval, `${f}.epochs_in_interval`, v.U32_MAX, 1);
  const secs = v.uint(C, body.epoch_duration_secs, `${f}.epoch_duration_secs`, 365 * 24 * 3600, 1);
  if (body.force_immediately !== undefined && typeof body.force_immediately !== 'boolean') {
    throw new InvalidFieldError(C, `${f}.force_immediately`, 'must be a boolean');
  }
  requireAdmin(state, info, 'update the interval config');
  noFunds(info);
  const interval: Interval = {
    ...state.interval,
    epochs_in_interval: epochs,
    epoch_length: { secs, nanos: 0 },
  };
  return {
    state: { ...state, interval },
    response: response('update_interval_config', [
      event('interval_config_update', { epochs_in_interval: epochs, epoch_duration_secs: secs }),
    ]),
  };
}

// ---------------------------------------------------------------- queries

function pageMixIds(
  state: MixnetState,
  body: v.Obj,
  field: string,
): { ids: MixNodeRecord[]; next: number | null; limit: number } {
  v.object(C, body, field, ['start_after', 'limit']);
  const limit = v.pageLimit(C, body.limit, BOND_PAGE_DEFAULT_LIMIT, BOND_PAGE_MAX_LIMIT);
  const after = v.optionalUint(C, body.start_after, `${field}.start_after`) ?? 0;
  const out: MixNodeRecord[] = [];
  // Records iterate in ascending mix id order (integer-like keys).
  for (const r of Object.values(state.mixnodes)) {
    if (r.bond.mix_id <= after) continue;
    out.push(r);
    if (out.length === limit) break;
  }
  return { ids: out, next: out.length === limit ? out[out.length - 1].bond.mix_id : null, limit };
}

function sortedGateways(state: MixnetState): GatewayBond[] {
  return Object.keys(state.gateways)
    .sort()
    .map((k) => state.gateways[k]);
}

function query(state: MixnetState, env: Env, msg: unknown): unknown {
  const [name, body] = v.variant(C, msg, MIXNET_QUERY_VARIANTS);
  switch (name) {
    case 'get_state_params': {
      v.object(C, body, name, []);
      return state.config.params satisfies ContractStateParams;
    }
    case 'get_mix_node_bonds': {
      const p = pageMixIds(state, body, name);
      return {
        nodes: p.ids.map((r) => r.bond),
        per_page: p.limit,
        start_next_after: p.next,
      } satisfies PagedMixnodeBondsResponse;
    }
    case 'get_mix_nodes_detailed': {
      const p = pageMixIds(state, body, name);
      return {
        nodes: p.ids.map(details),
        per_page: p.limit,
        start_next_after: p.next,
      } satisfies PagedMixnodesDetailsResponse;
    }
    case 'get_mixnode_details': {
      v.object(C, body, name, ['mix_id']);
      const mixId = v.uint(C, body.mix_id, `${name}.mix_id`);
      const r = state.mixnodes[mixId];
      return { mix_id: mixId, mixnode_details: r ? details(r) : null } satisfies MixnodeDetailsResponse;
    }
    case 'get_owned_mixnode': {
      v.object(C, body, name, ['address']);
      const address = v.string(C, body.address, `${name}.address`, 128);
      const id = state.mixnode_owners[address];
      return {
        address,
        mixnode_details: id === undefined ? null : details(state.mixnodes[id]),
      } satisfies MixOwnershipResponse;
    }
    case 'get_gateways': {
      v.object(C, body, name, ['start_after', 'limit']);
      const limit = v.pageLimit(C, body.limit, BOND_PAGE_DEFAULT_LIMIT, BOND_PAGE_MAX_LIMIT);
      const after =
        body.start_after === undefined || body.start_after === null
          ? null
          : v.string(C, body.start_after, `${name}.start_after`, 64);
      const all = sortedGateways(state);
      const from = after === null ? 0 : all.findIndex((g) => g.gateway.identity_key > after);
      const nodes = from < 0 ? [] : all.slice(from, from + limit);
      return {
        nodes,
        per_page: limit,
        start_next_after: nodes.length === limit ? nodes[nodes.length - 1].gateway.identity_key : null,
      } satisfies PagedGatewayResponse;
    }
    case 'get_gateway_bond': {
      v.object(C, body, name, ['identity']);
      const identity = v.string(C, body.identity, `${name}.identity`, 64);
      return { identity, gateway: state.gateways[identity] ?? null } satisfies GatewayBondResponse;
    }
    case 'get_owned_gateway': {
      v.object(C, body, name, ['address']);
      const address = v.string(C, body.address, `${name}.address`, 128);
      const identity = state.gateway_owners[address];
      return {
        address,
        gateway: identity === undefined ? null : state.gateways[identity],
      } satisfies GatewayOwnershipResponse;
    }
    case 'get_rewarded_set': {
      v.object(C, body, name, ['start_after', 'limit']);
      const limit = v.pageLimit(C, body.limit, 1000, 1000);
      const after = v.optionalUint(C, body.start_after, `${name}.start_after`) ?? 0;
      const nodes: [number, RewardedSetNodeStatus][] = [];
      for (const [id, status] of Object.entries(state.rewarded_set)) {
        if (Number(id) <= after) continue;
        nodes.push([Number(id), status]);
        if (nodes.length === limit) break;
      }
      return {
        nodes,
        start_next_after: nodes.length === limit ? nodes[nodes.length - 1][0] : null,
      } satisfies PagedRewardedSetResponse;
    }
    case 'get_layer_distribution': {
      v.object(C, body, name, []);
      const c = layerCounts(withStatus(state, 'active'));
      return { layer1: c[0], layer2: c[1], layer3: c[2] } satisfies LayerDistribution;
    }
    case 'get_current_interval_details': {
      v.object(C, body, name, []);
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
    case 'get_signing_nonce': {
      v.object(C, body, name, ['address']);
      const address = v.string(C, body.address, `${name}.address`, 128);
      return state.signing_nonces[address] ?? 0;
    }
    case 'get_layered_topology': {
      v.object(C, body, name, []);
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

// ---------------------------------------------------------------- contract

function instantiate(env: Env, info: MessageInfo, msg: unknown): ExecuteResult<MixnetState> {
  v.checkFunds(C, info.funds);
  const o = v.object(C, msg, 'instantiate', [
    'rewarding_validator_address',
    'rewarding_denom',
    'epochs_in_interval',
    'epoch_duration_secs',
    'minimum_mixnode_pledge',
    'minimum_gateway_pledge',
    'mixnode_rewarded_set_size',
    'mixnode_active_set_size',
  ]);
  const d = MIXNET_DEFAULTS;
  const admin = v.address(C, o.rewarding_validator_address, 'rewarding_validator_address');
  const denom =
    o.rewarding_denom === undefined
      ? d.rewarding_denom
      : v.string(C, o.rewarding_denom, 'rewarding_denom', 128);
  const epochs =
    v.optionalUint(C, o.epochs_in_interval, 'epochs_in_interval', v.U32_MAX, 1) ?? d.epochs_in_interval;
  const secs =
    v.optionalUint(C, o.epoch_duration_secs, 'epoch_duration_secs', 365 * 24 * 3600, 1) ??
    d.epoch_duration_secs;
  const minMix =
    o.minimum_mixnode_pledge === undefined
      ? d.minimum_mixnode_pledge
      : v.amount(C, o.minimum_mixnode_pledge, 'minimum_mixnode_pledge');
  const minGw =
    o.minimum_gateway_pledge === undefined
      ? d.minimum_gateway_pledge
      : v.amount(C, o.minimum_gateway_pledge, 'minimum_gateway_pledge');
  const active =
    v.optionalUint(C, o.mixnode_active_set_size, 'mixnode_active_set_size', 10_000, 1) ??
    d.mixnode_active_set_size;
  const rewarded =
    v.optionalUint(C, o.mixnode_rewarded_set_size, 'mixnode_rewarded_set_size', 10_000, 1) ??
    Math.max(d.mixnode_rewarded_set_size, active);
  if (rewarded < active) {
    throw new InvalidFieldError(C, 'mixnode_rewarded_set_size', 'must be at least the active set size');
  }
  noFunds(info);
  const now = env.block.timeNanos;
  const state: MixnetState = {
    config: {
      rewarding_validator_address: admin,
      rewarding_denom: denom,
      params: {
        minimum_mixnode_pledge: { denom, amount: minMix },
        minimum_gateway_pledge: { denom, amount: minGw },
        mixnode_rewarded_set_size: rewarded,
        mixnode_active_set_size: active,
      },
    },
    interval: {
      id: 0,
      epochs_in_interval: epochs,
      current_epoch_start: rfc3339FromNanos(now),
      current_epoch_id: 0,
      epoch_length: { secs, nanos: 0 },
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
  };
  return { state, response: response('instantiate') };
}

function execute(state: MixnetState, env: Env, info: MessageInfo, msg: unknown): ExecuteResult<MixnetState> {
  v.checkFunds(C, info.funds);
  const [name, body] = v.variant(C, msg, MIXNET_EXECUTE_VARIANTS);
  switch (name) {
    case 'bond_mixnode':
      return bondMixnode(state, env, info, body);
    case 'unbond_mixnode':
      return unbondMixnode(state, info, body);
    case 'update_mixnode_config':
      return updateMixnodeConfig(state, info, body);
    case 'update_mixnode_cost_params':
      return updateMixnodeCostParams(state, info, body);
    case 'bond_gateway':
      return bondGateway(state, env, info, body);
    case 'unbond_gateway':
      return unbondGateway(state, info, body);
    case 'update_gateway_config':
      return updateGatewayConfig(state, info, body);
    case 'assign_node_layer':
      return assignNodeLayer(state, info, body);
    case 'advance_current_epoch':
      return advanceCurrentEpoch(state, env, info, body);
    case 'update_interval_config':
      return updateIntervalConfig(state, info, body);
  }
  throw new InvalidFieldError(C, name, 'unhandled message');
}

/** Scheduled epoch advance: one bigint comparison when nothing is due. */
function beginBlock(state: MixnetState, env: Env): ExecuteResult<MixnetState> | null {
  const due = BigInt(state.epoch_start_nanos) + epochLengthNanos(state.interval);
  if (env.block.timeNanos < due) return null;
  return advanceEpoch(state, env);
}

export const mixnetContract: Contract<MixnetState> = {
  name: MIXNET_CONTRACT_NAME,
  version: MIXNET_CONTRACT_VERSION,
  instantiate,
  execute,
  query,
  beginBlock,
};
