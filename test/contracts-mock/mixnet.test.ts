import { describe, expect, it } from 'vitest';
import {
  AlreadyBondedError,
  ContractError,
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
  UnknownMessageError,
  genesisContracts,
  rfc3339FromNanos,
} from '../../contracts-mock/index.js';
import type {
  CurrentIntervalResponse,
  GatewayBondResponse,
  LayerDistribution,
  LayeredTopologyResponse,
  MixnetState,
  PagedGatewayResponse,
  PagedMixnodeBondsResponse,
  PagedMixnodesDetailsResponse,
  PagedRewardedSetResponse,
} from '../../contracts-mock/index.js';
import {
  ADMIN,
  PLEDGE,
  T0,
  address,
  bondGatewayMsg,
  bondMix,
  bondMixnodeMsg,
  deepFreeze,
  env,
  freshMixnet,
  gateway,
  mixNode,
  mixnet,
  nodeKeys,
} from './helpers.js';

const HOUR = 3600n * 1_000_000_000n;

function exec(
  state: MixnetState,
  sender: string,
  msg: unknown,
  funds = [] as { denom: string; amount: string }[],
) {
  return mixnet.execute(deepFreeze(state), env(5), { sender, funds }, msg);
}

function withNodes(n: number): MixnetState {
  let s = freshMixnet();
  for (let i = 1; i <= n; i++) s = bondMix(s, i);
  return s;
}

describe('mixnet instantiate', () => {
  it('sets defaults and the admin', () => {
    const s = freshMixnet();
    expect(s.config.rewarding_validator_address).toBe(ADMIN);
    expect(s.config.params.minimum_mixnode_pledge).toEqual({ denom: 'unym', amount: '100000000' });
    expect(s.interval).toMatchObject({ id: 0, current_epoch_id: 0, epoch_length: { secs: 3600, nanos: 0 } });
    expect(s.interval.current_epoch_start).toBe(rfc3339FromNanos(T0));
  });

  it('takes genesis options', () => {
    const s = freshMixnet({
      epochDurationSecs: 60,
      minimumMixnodePledge: '5',
      activeSetSize: 6,
      rewardedSetSize: 9,
    });
    expect(s.interval.epoch_length.secs).toBe(60);
    expect(s.config.params).toMatchObject({ mixnode_active_set_size: 6, mixnode_rewarded_set_size: 9 });
    expect(s.config.params.minimum_mixnode_pledge.amount).toBe('5');
  });

  it('rejects a bad admin, bad sizes and unknown fields', () => {
    const i = { sender: ADMIN, funds: [] };
    expect(() => mixnet.instantiate(env(), i, { rewarding_validator_address: 'nope' })).toThrow(
      InvalidFieldError,
    );
    expect(() =>
      mixnet.instantiate(env(), i, {
        rewarding_validator_address: ADMIN,
        mixnode_active_set_size: 10,
        mixnode_rewarded_set_size: 5,
      }),
    ).toThrow(/at least the active set size/);
    expect(() => mixnet.instantiate(env(), i, { rewarding_validator_address: ADMIN, extra: 1 })).toThrow(
      /unknown field/,
    );
    expect(() =>
      mixnet.instantiate(env(), { sender: ADMIN, funds: [PLEDGE] }, genesisContracts(ADMIN)[0].msg),
    ).toThrow(InvalidFundsError);
  });
});

describe('bond_mixnode', () => {
  it('bonds, emits the mix id, bumps the nonce and places layers round-robin', () => {
    let s = freshMixnet();
    const layers: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const sender = address(i);
      const r = exec(s, sender, bondMixnodeMsg(nodeKeys(i), sender, 0), [PLEDGE]);
      expect(r.response.attributes).toContainEqual({ key: 'mix_id', value: String(i) });
      const ev = r.response.events.find((e) => e.type === 'mixnode_bonding');
      expect(ev?.attributes).toContainEqual({ key: 'identity_key', value: nodeKeys(i).identity });
      s = r.state;
      layers.push(s.mixnodes[i].bond.layer);
      expect(s.signing_nonces[sender]).toBe(1);
    }
    expect(layers).toEqual([1, 2, 3, 1, 2, 3]);
    expect(s.rewarded_set[1]).toBe('active');
    expect(s.mixnodes[1].bond).toMatchObject({
      owner: address(1),
      bonding_height: 5,
      original_pledge: PLEDGE,
    });
  });

  it('never mutates the input state', () => {
    const s = withNodes(2);
    const copy = structuredClone(s);
    exec(s, address(3), bondMixnodeMsg(nodeKeys(3), address(3), 0), [PLEDGE]);
    expect(s).toEqual(copy);
  });

  it('rejects a signature by another key, for another sender, or with a stale nonce', () => {
    const s = freshMixnet();
    const keys = nodeKeys(1);
    const forged = bondMixnodeMsg(nodeKeys(2), address(1), 0, mixNode(keys));
    expect(() => exec(s, address(1), forged, [PLEDGE])).toThrow(InvalidOwnerSignatureError);
    const otherSender = bondMixnodeMsg(keys, address(2), 0);
    expect(() => exec(s, address(1), otherSender, [PLEDGE])).toThrow(InvalidOwnerSignatureError);
    // Replay: bond, unbond, then try the same signed message again.
    const msg = bondMixnodeMsg(keys, address(1), 0);
    let t = exec(s, address(1), msg, [PLEDGE]).state;
    t = exec(t, address(1), { unbond_mixnode: {} }).state;
    expect(() => exec(t, address(1), msg, [PLEDGE])).toThrow(InvalidOwnerSignatureError);
    expect(() => exec(t, address(1), bondMixnodeMsg(keys, address(1), 1), [PLEDGE])).not.toThrow();
    // A different pledge than the one signed.
    expect(() => exec(s, address(1), msg, [{ denom: 'unym', amount: '200000000' }])).toThrow(
      InvalidOwnerSignatureError,
    );
    const garbage = { bond_mixnode: { ...msg.bond_mixnode, owner_signature: 'not base58 0OIl' } };
    expect(() => exec(s, address(1), garbage, [PLEDGE])).toThrow(InvalidOwnerSignatureError);
  });

  it('rejects missing, wrong and insufficient funds', () => {
    const s = freshMixnet();
    const msg = bondMixnodeMsg(nodeKeys(1), address(1), 0);
    expect(() => exec(s, address(1), msg, [])).toThrow(MissingFundsError);
    expect(() => exec(s, address(1), msg, [{ denom: 'unym', amount: '0' }])).toThrow(MissingFundsError);
    expect(() => exec(s, address(1), msg, [{ denom: 'unyx', amount: '100000000' }])).toThrow(
      InvalidFundsError,
    );
    expect(() => exec(s, address(1), msg, [PLEDGE, { denom: 'unyx', amount: '1' }])).toThrow(
      InvalidFundsError,
    );
    const low = { denom: 'unym', amount: '99999999' };
    const err = (() => {
      try {
        exec(s, address(1), bondMixnodeMsg(nodeKeys(1), address(1), 0, undefined, low), [low]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InsufficientPledgeError);
    expect(err).toMatchObject({ received: '99999999', minimum: '100000000' });
  });

  it('rejects a second bond by the same owner and a reused identity key', () => {
    const s = withNodes(1);
    expect(() => exec(s, address(1), bondMixnodeMsg(nodeKeys(5), address(1), 1), [PLEDGE])).toThrow(
      AlreadyBondedError,
    );
    expect(() => exec(s, address(2), bondMixnodeMsg(nodeKeys(1), address(2), 0), [PLEDGE])).toThrow(
      DuplicateIdentityKeyError,
    );
    expect(() => exec(s, address(2), bondGatewayMsg(nodeKeys(1), address(2), 0), [PLEDGE])).toThrow(
      DuplicateIdentityKeyError,
    );
  });

  const keys = nodeKeys(1);
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['empty host', { host: '' }, /host/],
    ['host with spaces', { host: 'a b' }, /host.*not an IP/],
    ['bad ipv4', { host: '300.1.1.1' }, /host/],
    ['bad ipv6', { host: '1::2::3' }, /host/],
    ['port 0', { mix_port: 0 }, /mix_port/],
    ['port 65536', { verloc_port: 65536 }, /verloc_port/],
    ['fractional port', { http_api_port: 80.5 }, /http_api_port.*integer/],
    ['string port', { mix_port: '1789' }, /mix_port/],
    ['bad base58 key', { sphinx_key: '0OIl' + keys.sphinx.slice(4) }, /sphinx_key.*base58/],
    ['short key', { identity_key: keys.identity.slice(0, 20) }, /identity_key.*expected 32/],
    ['long version', { version: 'x'.repeat(65) }, /version/],
    ['control chars', { version: '1.0\n' }, /control/],
    ['extra field', { extra: 1 }, /unknown field/],
  ];
  for (const [name, over, re] of bad) {
    it(`rejects ${name}`, () => {
      const node = { ...mixNode(keys), ...over };
      const msg = { bond_mixnode: { ...bondMixnodeMsg(keys, address(1), 0).bond_mixnode, mix_node: node } };
      let err: unknown;
      try {
        exec(freshMixnet(), address(1), msg, [PLEDGE]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidFieldError);
      expect((err as Error).message).toMatch(re);
    });
  }

  it('rejects missing fields and bad cost params', () => {
    const base = bondMixnodeMsg(keys, address(1), 0).bond_mixnode;
    const { sphinx_key: _s, ...noSphinx } = base.mix_node;
    const s = freshMixnet();
    expect(() => exec(s, address(1), { bond_mixnode: { ...base, mix_node: noSphinx } }, [PLEDGE])).toThrow(
      /sphinx_key/,
    );
    for (const pm of ['1.5', '-0.1', 'abc', '2']) {
      const costs = { ...base.cost_params, profit_margin_percent: pm };
      expect(() => exec(s, address(1), { bond_mixnode: { ...base, cost_params: costs } }, [PLEDGE])).toThrow(
        /profit_margin_percent/,
      );
    }
    const costs = { ...base.cost_params, interval_operating_cost: { denom: 'unyx', amount: '1' } };
    expect(() => exec(s, address(1), { bond_mixnode: { ...base, cost_params: costs } }, [PLEDGE])).toThrow(
      /interval_operating_cost.denom/,
    );
    expect(() => exec(s, address(1), { bond_mixnode: { mix_node: base.mix_node } }, [PLEDGE])).toThrow(
      InvalidFieldError,
    );
  });

  it('accepts IPv6 and host names', () => {
    const s = freshMixnet();
    for (const host of ['::1', 'fe80::1', '2001:db8::8a2e:370:7334', 'mix-1.example.org', 'localhost']) {
      const node = mixNode(keys, { host });
      expect(() => exec(s, address(1), bondMixnodeMsg(keys, address(1), 0, node), [PLEDGE])).not.toThrow();
    }
  });
});

describe('unbond and update', () => {
  it('unbond_mixnode returns the pledge and removes every trace', () => {
    const s = withNodes(2);
    const r = exec(s, address(1), { unbond_mixnode: {} });
    expect(r.response.messages).toEqual([{ bank: { send: { to_address: address(1), amount: [PLEDGE] } } }]);
    expect(r.state.mixnodes[1]).toBeUndefined();
    expect(r.state.mixnode_owners[address(1)]).toBeUndefined();
    expect(r.state.mixnode_identities[nodeKeys(1).identity]).toBeUndefined();
    expect(r.state.rewarded_set[1]).toBeUndefined();
    expect(r.state.mixnodes[2]).toBeDefined();
    expect(() => exec(r.state, address(1), { unbond_mixnode: {} })).toThrow(NoBondFoundError);
    expect(() => exec(s, address(2), { unbond_mixnode: {} }, [PLEDGE])).toThrow(InvalidFundsError);
    expect(() => exec(s, address(2), { unbond_mixnode: { x: 1 } })).toThrow(/unknown field/);
  });

  it('update_mixnode_config changes the network fields, not the keys', () => {
    const s = withNodes(1);
    const new_config = {
      host: '10.0.0.2',
      mix_port: 2000,
      verloc_port: 2001,
      http_api_port: 2002,
      version: '1.2',
    };
    const r = exec(s, address(1), { update_mixnode_config: { new_config } });
    expect(r.state.mixnodes[1].bond.mix_node).toMatchObject({
      ...new_config,
      identity_key: nodeKeys(1).identity,
    });
    expect(() => exec(s, address(2), { update_mixnode_config: { new_config } })).toThrow(NoBondFoundError);
    expect(() =>
      exec(s, address(1), { update_mixnode_config: { new_config: { ...new_config, sphinx_key: 'x' } } }),
    ).toThrow(/unknown field/);
    expect(() =>
      exec(s, address(1), { update_mixnode_config: { new_config: { ...new_config, mix_port: 0 } } }),
    ).toThrow(InvalidFieldError);
  });

  it("update_cost_params (Nym's name; the old Nymph name is unknown)", () => {
    const s = withNodes(1);
    const new_costs = {
      profit_margin_percent: '0.2',
      interval_operating_cost: { denom: 'unym', amount: '1' },
    };
    const r = exec(s, address(1), { update_cost_params: { new_costs } });
    expect(r.state.mixnodes[1].cost_params).toEqual(new_costs);
    expect(() => exec(s, address(3), { update_cost_params: { new_costs } })).toThrow(NoBondFoundError);
    expect(() => exec(s, address(1), { update_mixnode_cost_params: { new_costs } })).toThrow(
      UnknownMessageError,
    );
    const wrongDenom = { ...new_costs, interval_operating_cost: { denom: 'unyx', amount: '1' } };
    expect(() => exec(s, address(1), { update_cost_params: { new_costs: wrongDenom } })).toThrow(
      /update_cost_params\.new_costs\.interval_operating_cost\.denom/,
    );
  });

  it('bond_gateway, update_gateway_config, unbond_gateway', () => {
    const k = nodeKeys(50);
    const sender = address(50);
    let s = freshMixnet();
    s = exec(s, sender, bondGatewayMsg(k, sender, 0), [PLEDGE]).state;
    expect(s.gateways[k.identity]).toMatchObject({ owner: sender, pledge_amount: PLEDGE, block_height: 5 });
    expect(s.signing_nonces[sender]).toBe(1);
    expect(() => exec(s, sender, bondGatewayMsg(nodeKeys(51), sender, 1), [PLEDGE])).toThrow(
      AlreadyBondedError,
    );
    expect(() => exec(s, sender, bondMixnodeMsg(nodeKeys(51), sender, 1), [PLEDGE])).toThrow(
      AlreadyBondedError,
    );
    const new_config = { host: '::1', mix_port: 1, clients_port: 2, location: 'Mars', version: '2' };
    s = exec(s, sender, { update_gateway_config: { new_config } }).state;
    expect(s.gateways[k.identity].gateway).toMatchObject({ ...new_config, sphinx_key: k.sphinx });
    const r = exec(s, sender, { unbond_gateway: {} });
    expect(r.response.messages).toEqual([{ bank: { send: { to_address: sender, amount: [PLEDGE] } } }]);
    expect(r.state.gateways).toEqual({});
    expect(() => exec(r.state, sender, { unbond_gateway: {} })).toThrow(NoBondFoundError);
    expect(() => exec(r.state, sender, { update_gateway_config: { new_config } })).toThrow(NoBondFoundError);
  });

  it('bond_gateway rejects bad signatures, fields and funds', () => {
    const k = nodeKeys(50);
    const s = freshMixnet();
    expect(() => exec(s, address(50), bondGatewayMsg(k, address(51), 0), [PLEDGE])).toThrow(
      InvalidOwnerSignatureError,
    );
    expect(() => exec(s, address(50), bondGatewayMsg(k, address(50), 0), [])).toThrow(MissingFundsError);
    const badLoc = bondGatewayMsg(k, address(50), 0, gateway(k, { location: '' }));
    expect(() => exec(s, address(50), badLoc, [PLEDGE])).toThrow(/location/);
    const badPort = bondGatewayMsg(k, address(50), 0, gateway(k, { clients_port: -1 }));
    expect(() => exec(s, address(50), badPort, [PLEDGE])).toThrow(/clients_port/);
  });
});

describe('epochs and layers', () => {
  it('assign_node_layer is admin only and validated', () => {
    const s = withNodes(2);
    const r = exec(s, ADMIN, { assign_node_layer: { mix_id: 2, layer: 3 } });
    expect(r.state.mixnodes[2].bond.layer).toBe(3);
    expect(() => exec(s, address(1), { assign_node_layer: { mix_id: 2, layer: 3 } })).toThrow(
      UnauthorisedError,
    );
    expect(() => exec(s, ADMIN, { assign_node_layer: { mix_id: 9, layer: 3 } })).toThrow(
      MixNodeNotFoundError,
    );
    expect(() => exec(s, ADMIN, { assign_node_layer: { mix_id: 2, layer: 4 } })).toThrow(InvalidFieldError);
  });

  it('advance_current_epoch rebalances layers with few moves', () => {
    let s = withNodes(9); // 3/3/3
    for (const i of [1, 4, 7, 2]) s = exec(s, address(i), { unbond_mixnode: {} }).state; // layer1 empty-ish
    const before = mixnet.query(s, env(), { get_layer_distribution: {} }) as LayerDistribution;
    expect(before).toEqual({ layer1: 0, layer2: 2, layer3: 3 });
    const r = exec(s, ADMIN, {
      advance_current_epoch: { new_rewarded_set: [], expected_active_set_size: 0 },
    });
    const after = mixnet.query(r.state, env(), { get_layer_distribution: {} }) as LayerDistribution;
    expect(after).toEqual({ layer1: 1, layer2: 2, layer3: 2 });
    const moved = Object.keys(r.state.mixnodes).filter(
      (id) => r.state.mixnodes[id].bond.layer !== s.mixnodes[id].bond.layer,
    );
    // One move suffices: the newest node of layer 3 goes to layer 1.
    expect(moved).toEqual(['9']);
    expect(r.state.interval.current_epoch_id).toBe(1);
    expect(r.state.interval.total_elapsed_epochs).toBe(1);
    expect(r.response.events[0].type).toBe('advance_epoch');
  });

  it('advance_current_epoch with an explicit set', () => {
    const s = withNodes(4);
    const set = [
      { mix_id: 4, layer: 1 },
      { mix_id: 3, layer: 2 },
      { mix_id: 1, layer: 3 },
    ];
    const r = exec(s, ADMIN, {
      advance_current_epoch: { new_rewarded_set: set, expected_active_set_size: 2 },
    });
    expect(r.state.rewarded_set).toEqual({ 1: 'standby', 3: 'active', 4: 'active' });
    expect(r.state.mixnodes[4].bond.layer).toBe(1);
    const rs = mixnet.query(r.state, env(), { get_rewarded_set: {} }) as PagedRewardedSetResponse;
    expect(rs.nodes).toEqual([
      [1, 'standby'],
      [3, 'active'],
      [4, 'active'],
    ]);
    const topo = mixnet.query(r.state, env(), { get_layered_topology: {} }) as LayeredTopologyResponse;
    expect(topo.mixnodes.map((m) => m.mix_id)).toEqual([3, 4]);
    expect(() => exec(s, ADMIN, { advance_current_epoch: { new_rewarded_set: [set[0], set[0]] } })).toThrow(
      InvalidRewardedSetError,
    );
    expect(() =>
      exec(s, ADMIN, { advance_current_epoch: { new_rewarded_set: [{ mix_id: 77, layer: 1 }] } }),
    ).toThrow(MixNodeNotFoundError);
    expect(() => exec(s, ADMIN, { advance_current_epoch: { new_rewarded_set: 'x' } })).toThrow(
      InvalidFieldError,
    );
    expect(() => exec(s, address(1), { advance_current_epoch: {} })).toThrow(UnauthorisedError);
  });

  it('rolls over into a new interval', () => {
    let s = freshMixnet({ epochsInInterval: 2 });
    s = exec(s, ADMIN, { advance_current_epoch: {} }).state;
    expect(s.interval).toMatchObject({ id: 0, current_epoch_id: 1 });
    s = exec(s, ADMIN, { advance_current_epoch: {} }).state;
    expect(s.interval).toMatchObject({ id: 1, current_epoch_id: 0, total_elapsed_epochs: 2 });
  });

  it('beginBlock advances only when the epoch is over', () => {
    const s = deepFreeze(withNodes(1));
    expect(mixnet.beginBlock?.(s, env(3, T0 + HOUR - 1n))).toBeNull();
    const r = mixnet.beginBlock?.(s, env(3, T0 + HOUR));
    expect(r?.state.interval.current_epoch_id).toBe(1);
    expect(r?.state.epoch_start_nanos).toBe((T0 + HOUR).toString());
    expect(r?.state.interval.current_epoch_start).toBe(rfc3339FromNanos(T0 + HOUR));
  });

  it('update_interval_config', () => {
    const s = freshMixnet();
    const r = exec(s, ADMIN, { update_interval_config: { epochs_in_interval: 5, epoch_duration_secs: 30 } });
    expect(r.state.interval).toMatchObject({ epochs_in_interval: 5, epoch_length: { secs: 30, nanos: 0 } });
    expect(mixnet.beginBlock?.(r.state, env(3, T0 + 30n * 1_000_000_000n))).not.toBeNull();
    expect(() =>
      exec(s, address(1), { update_interval_config: { epochs_in_interval: 5, epoch_duration_secs: 30 } }),
    ).toThrow(UnauthorisedError);
    expect(() =>
      exec(s, ADMIN, { update_interval_config: { epochs_in_interval: 0, epoch_duration_secs: 30 } }),
    ).toThrow(InvalidFieldError);
  });

  it('standby and inactive nodes when the sets are full', () => {
    let s = freshMixnet({ activeSetSize: 3, rewardedSetSize: 4 });
    for (let i = 1; i <= 6; i++) s = bondMix(s, i);
    expect(s.rewarded_set).toEqual({ 1: 'active', 2: 'active', 3: 'active', 4: 'standby' });
    const topo = mixnet.query(s, env(), { get_layered_topology: {} }) as LayeredTopologyResponse;
    expect(topo.mixnodes.map((m) => [m.mix_id, m.layer])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});

describe('mixnet queries', () => {
  it('pages mix nodes and details', () => {
    const s = withNodes(5);
    const p1 = mixnet.query(s, env(), { get_mix_node_bonds: { limit: 2 } }) as PagedMixnodeBondsResponse;
    expect(p1.nodes.map((n) => n.mix_id)).toEqual([1, 2]);
    expect(p1).toMatchObject({ per_page: 2, start_next_after: 2 });
    const p3 = mixnet.query(s, env(), {
      get_mix_node_bonds: { start_after: 4, limit: 2 },
    }) as PagedMixnodeBondsResponse;
    expect(p3.nodes.map((n) => n.mix_id)).toEqual([5]);
    expect(p3.start_next_after).toBeNull();
    const d = mixnet.query(s, env(), { get_mix_nodes_detailed: {} }) as PagedMixnodesDetailsResponse;
    expect(d.nodes).toHaveLength(5);
    expect(d.nodes[0].rewarding_details).toMatchObject({
      operator: '100000000',
      cost_params: { profit_margin_percent: '0.1' },
    });
    expect(mixnet.query(s, env(), { get_mixnode_details: { mix_id: 3 } })).toMatchObject({
      mix_id: 3,
      mixnode_details: { bond_information: { mix_id: 3 } },
    });
    expect(mixnet.query(s, env(), { get_mixnode_details: { mix_id: 30 } })).toEqual({
      mix_id: 30,
      mixnode_details: null,
    });
    expect(mixnet.query(s, env(), { get_owned_mixnode: { address: address(2) } })).toMatchObject({
      mixnode_details: { bond_information: { mix_id: 2 } },
    });
    expect(mixnet.query(s, env(), { get_owned_mixnode: { address: address(9) } })).toMatchObject({
      mixnode_details: null,
    });
    // Limits are clamped, not rejected.
    const big = mixnet.query(s, env(), {
      get_mix_node_bonds: { limit: 100000 },
    }) as PagedMixnodeBondsResponse;
    expect(big.per_page).toBe(100);
  });

  it('gateways, bonds and ownership', () => {
    let s = freshMixnet();
    const ids: string[] = [];
    for (let i = 60; i < 65; i++) {
      s = exec(s, address(i), bondGatewayMsg(nodeKeys(i), address(i), 0), [PLEDGE]).state;
      ids.push(nodeKeys(i).identity);
    }
    ids.sort();
    const p1 = mixnet.query(s, env(), { get_gateways: { limit: 3 } }) as PagedGatewayResponse;
    expect(p1.nodes.map((g) => g.gateway.identity_key)).toEqual(ids.slice(0, 3));
    const p2 = mixnet.query(s, env(), {
      get_gateways: { start_after: p1.start_next_after, limit: 3 },
    }) as PagedGatewayResponse;
    expect(p2.nodes.map((g) => g.gateway.identity_key)).toEqual(ids.slice(3));
    expect(p2.start_next_after).toBeNull();
    const b = mixnet.query(s, env(), { get_gateway_bond: { identity: ids[0] } }) as GatewayBondResponse;
    expect(b.gateway?.gateway.identity_key).toBe(ids[0]);
    expect(mixnet.query(s, env(), { get_gateway_bond: { identity: 'x' } })).toEqual({
      identity: 'x',
      gateway: null,
    });
    expect(mixnet.query(s, env(), { get_owned_gateway: { address: address(60) } })).toMatchObject({
      gateway: { owner: address(60) },
    });
  });

  it('interval details, nonce, state params, layered topology', () => {
    const s = withNodes(3);
    const i = mixnet.query(s, env(1, T0 + HOUR + 1n), {
      get_current_interval_details: {},
    }) as CurrentIntervalResponse;
    expect(i).toMatchObject({ is_current_epoch_over: true, is_current_interval_over: false });
    expect(i.current_blocktime).toBe(Number((T0 + HOUR + 1n) / 1_000_000_000n));
    expect(mixnet.query(s, env(), { get_signing_nonce: { address: address(1) } })).toBe(1);
    expect(mixnet.query(s, env(), { get_signing_nonce: { address: address(99) } })).toBe(0);
    expect(mixnet.query(s, env(), { get_state_params: {} })).toMatchObject({
      delegations_params: { minimum_delegation: null },
      operators_params: { minimum_pledge: s.config.params.minimum_mixnode_pledge },
    });
    const t = mixnet.query(s, env(), { get_layered_topology: {} }) as LayeredTopologyResponse;
    expect(t.mixnodes.map((m) => m.layer)).toEqual([1, 2, 3]);
    expect(t).toMatchObject({ interval_id: 0, epoch_id: 0, gateways: [] });
  });

  it('rejects unknown and malformed queries', () => {
    const s = freshMixnet();
    expect(() => mixnet.query(s, env(), { get_everything: {} })).toThrow(UnknownMessageError);
    expect(() => mixnet.query(s, env(), {})).toThrow(InvalidFieldError);
    expect(() => mixnet.query(s, env(), { get_gateways: {}, get_rewarded_set: {} })).toThrow(
      InvalidFieldError,
    );
    expect(() => mixnet.query(s, env(), { get_mix_node_bonds: { limit: -1 } })).toThrow(InvalidFieldError);
    expect(() => mixnet.query(s, env(), { get_mix_node_bonds: { start_after: 'a' } })).toThrow(
      InvalidFieldError,
    );
    expect(() => mixnet.query(s, env(), { get_layer_distribution: null })).toThrow(InvalidFieldError);
    expect(() => mixnet.query(s, env(), 'get_gateways')).toThrow(ContractError);
  });

  it('rejects unknown execute variants', () => {
    expect(() => exec(freshMixnet(), ADMIN, { delegate_to_mixnode: {} })).toThrow(UnknownMessageError);
    expect(() => exec(freshMixnet(), ADMIN, null)).toThrow(InvalidFieldError);
  });
});
