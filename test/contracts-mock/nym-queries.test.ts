/**
 * The mixnet contract's answers in Nym's shapes (in process, no chain): the queries Nym's
 * contract clients use, gateway node ids and their migration, owner signatures as bytes, and
 * the typed refusal of Nym messages this contract does not model.
 */
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import {
  InvalidFieldError,
  UnknownMessageError,
  UnsupportedMessageError,
  migrateMixnetState,
  NYM_MIXNET_EXECUTE_MESSAGES,
  NYM_MIXNET_QUERY_MESSAGES,
  MIXNET_EXECUTE_VARIANTS,
  MIXNET_QUERY_VARIANTS,
} from '../../contracts-mock/index.js';
import type {
  MixStakeSaturationResponse,
  MixnetState,
  PagedUnbondedMixnodesResponse,
  PreassignedGatewayIdsResponse,
  RewardingParams,
} from '../../contracts-mock/index.js';
import {
  ADMIN,
  PLEDGE,
  address,
  bondGatewayMsg,
  bondMix,
  bondMixnodeMsg,
  deepFreeze,
  env,
  freshMixnet,
  mixnet,
  nodeKeys,
} from './helpers.js';

function exec(state: MixnetState, sender: string, msg: unknown, funds = [] as (typeof PLEDGE)[], height = 5) {
  return mixnet.execute(deepFreeze(state), env(height), { sender, funds }, msg);
}
const q = (s: MixnetState, msg: unknown): unknown => mixnet.query(s, env(), msg);

function bondGw(s: MixnetState, seed: number, height = 5): MixnetState {
  const sender = address(seed);
  return exec(
    s,
    sender,
    bondGatewayMsg(nodeKeys(seed), sender, s.signing_nonces[sender] ?? 0),
    [PLEDGE],
    height,
  ).state;
}

describe('gateway node ids', () => {
  it('come from the mix id counter, so node ids are unique across mix nodes and gateways', () => {
    let s = bondMix(freshMixnet(), 1);
    s = bondGw(s, 50);
    s = bondMix(s, 2);
    expect(Object.keys(s.mixnodes)).toEqual(['1', '3']);
    expect(s.gateway_node_ids).toEqual({ [nodeKeys(50).identity]: 2 });
    const r = exec(s, address(51), bondGatewayMsg(nodeKeys(51), address(51), 0), [PLEDGE]);
    expect(r.response.attributes).toContainEqual({ key: 'node_id', value: '4' });
    expect(r.response.events[0].attributes).toContainEqual({ key: 'node_id', value: '4' });
  });

  it('are paged by identity key as Nym pages them, and leave with the bond', () => {
    let s = freshMixnet();
    for (let i = 60; i < 65; i++) s = bondGw(s, i);
    const all = q(s, { get_preassigned_gateway_ids: {} }) as PreassignedGatewayIdsResponse;
    expect(all.ids.map((e) => e.identity)).toEqual([...all.ids.map((e) => e.identity)].sort());
    expect(new Set(all.ids.map((e) => e.node_id)).size).toBe(5);
    expect(all.start_next_after).toBeNull();
    const p1 = q(s, { get_preassigned_gateway_ids: { limit: 2 } }) as PreassignedGatewayIdsResponse;
    expect(p1.ids).toEqual(all.ids.slice(0, 2));
    expect(p1.start_next_after).toBe(all.ids[1].identity);
    const p2 = q(s, {
      get_preassigned_gateway_ids: { limit: 2, start_after: p1.start_next_after },
    }) as PreassignedGatewayIdsResponse;
    expect(p2.ids).toEqual(all.ids.slice(2, 4));
    const gone = exec(s, address(62), { unbond_gateway: {} }).state;
    const after = q(gone, { get_preassigned_gateway_ids: {} }) as PreassignedGatewayIdsResponse;
    expect(after.ids.map((e) => e.identity)).not.toContain(nodeKeys(62).identity);
    expect(() => q(s, { get_preassigned_gateway_ids: { start_after: 7 } })).toThrow(
      /get_preassigned_gateway_ids\.start_after': must be a string/,
    );
  });

  it('are assigned to a state written before they existed, deterministically, in bond order', () => {
    let s = bondMix(freshMixnet(), 1);
    s = bondGw(s, 70, 9);
    s = bondGw(s, 71, 4);
    s = bondGw(s, 72, 4);
    // The shape the chain stored before: no ids, no unbonded map, no bond epoch, no semver.
    const old = JSON.parse(JSON.stringify(s)) as Record<string, unknown> & MixnetState;
    delete (old as Partial<MixnetState>).gateway_node_ids;
    delete (old as Partial<MixnetState>).unbonded_mixnodes;
    delete (old.config as Partial<MixnetState['config']>).current_nym_node_semver;
    delete (old.mixnodes[1] as Partial<MixnetState['mixnodes'][string]>).last_rewarded_epoch;
    old.mix_id_counter = 1;
    const a = migrateMixnetState(JSON.parse(JSON.stringify(old)));
    const b = migrateMixnetState(JSON.parse(JSON.stringify(old)));
    expect(a).toEqual(b);
    const [k70, k71, k72] = [70, 71, 72].map((i) => nodeKeys(i).identity);
    // Height 4 before height 9; same height by identity key.
    const lowFirst = [k71, k72].sort();
    expect(a!.gateway_node_ids).toEqual({ [lowFirst[0]]: 2, [lowFirst[1]]: 3, [k70]: 4 });
    expect(a!.mix_id_counter).toBe(4);
    expect(a!.unbonded_mixnodes).toEqual({});
    expect(a!.mixnodes[1].last_rewarded_epoch).toBe(0);
    expect(migrateMixnetState(a)).toBeNull();
    // The next bond continues after the assigned ids.
    const next = bondMix(a!, 5);
    expect(Object.keys(next.mixnodes)).toEqual(['1', '5']);
  });
});

describe("Nym's queries", () => {
  it('answer rewarding details, saturation and rewarding params in cosmwasm Decimal strings', () => {
    const s = bondMix(freshMixnet(), 1);
    expect(q(s, { get_mixnode_rewarding_details: { mix_id: 1 } })).toEqual({
      mix_id: 1,
      rewarding_details: {
        cost_params: s.mixnodes[1].cost_params,
        operator: '100000000',
        delegates: '0',
        total_unit_reward: '0',
        unit_delegation: '1000000000',
        last_rewarded_epoch: 0,
        unique_delegations: 0,
      },
    });
    expect(q(s, { get_mixnode_rewarding_details: { mix_id: 9 } })).toEqual({
      mix_id: 9,
      rewarding_details: null,
    });
    const p = q(s, { get_rewarding_params: {} }) as RewardingParams;
    // 244,817,525,850,285 / 720 epochs × 2 %, and 1e14 / 240 rewarded nodes, rounded down.
    expect(p.interval.epoch_reward_budget).toBe('6800486829.174583333333333333');
    expect(p.interval.stake_saturation_point).toBe('416666666666.666666666666666666');
    expect(p.rewarded_set).toEqual({ entry_gateways: 0, exit_gateways: 0, mixnodes: 240, standby: 0 });
    const sat = q(s, { get_stake_saturation: { mix_id: 1 } }) as MixStakeSaturationResponse;
    expect(sat).toEqual({ mix_id: 1, current_saturation: '0.00024', uncapped_saturation: '0.00024' });
    expect(q(s, { get_stake_saturation: { mix_id: 2 } })).toEqual({
      mix_id: 2,
      current_saturation: null,
      uncapped_saturation: null,
    });
  });

  it('find a bonded node by identity and keep what remains of unbonded ones', () => {
    let s = bondMix(bondMix(freshMixnet(), 1), 2);
    const id1 = nodeKeys(1).identity;
    expect(q(s, { get_bonded_mixnode_details_by_identity: { mix_identity: id1 } })).toMatchObject({
      identity_key: id1,
      mixnode_details: { bond_information: { mix_id: 1 }, pending_changes: { pledge_change: null } },
    });
    s = exec(s, address(1), { unbond_mixnode: {} }, [], 7).state;
    s = exec(s, address(2), { unbond_mixnode: {} }, [], 8).state;
    expect(q(s, { get_bonded_mixnode_details_by_identity: { mix_identity: id1 } })).toEqual({
      identity_key: id1,
      mixnode_details: null,
    });
    const all = q(s, { get_unbonded_mix_nodes: {} }) as PagedUnbondedMixnodesResponse;
    expect(all).toEqual({
      nodes: [
        [1, { identity_key: id1, owner: address(1), proxy: null, unbonding_height: 7 }],
        [2, { identity_key: nodeKeys(2).identity, owner: address(2), proxy: null, unbonding_height: 8 }],
      ],
      per_page: 100,
      start_next_after: null,
    });
    const byOwner = q(s, {
      get_unbonded_mix_nodes_by_owner: { owner: address(2) },
    }) as PagedUnbondedMixnodesResponse;
    expect(byOwner.nodes.map((n) => n[0])).toEqual([2]);
    const byKey = q(s, {
      get_unbonded_mix_nodes_by_identity_key: { identity_key: id1, limit: 1 },
    }) as PagedUnbondedMixnodesResponse;
    expect(byKey).toMatchObject({ per_page: 1, start_next_after: 1 });
    expect(q(s, { get_unbonded_mix_node_information: { mix_id: 2 } })).toMatchObject({
      mix_id: 2,
      unbonded_info: { unbonding_height: 8 },
    });
    expect(q(s, { get_unbonded_mix_nodes: { start_after: 1, limit: 500 } })).toMatchObject({ per_page: 200 });
    // A re-bonded identity is a new node with a new id; the old record stays.
    s = bondMix(s, 1, 9);
    expect(Object.keys(s.mixnodes)).toEqual(['3']);
    expect(Object.keys(s.unbonded_mixnodes)).toEqual(['1', '2']);
  });

  it('answer state, version, epoch status and admin', () => {
    const s = freshMixnet();
    expect(q(s, { get_state: {} })).toMatchObject({
      owner: null,
      rewarding_validator_address: ADMIN,
      vesting_contract_address: env().contract.address,
      rewarding_denom: 'unym',
      params: { operators_params: { profit_margin: { minimum: '0', maximum: '1' } } },
    });
    expect(q(s, { get_contract_version: {} })).toMatchObject({
      contract_name: 'nym-mixnet-contract',
      build_version: '1.1.20',
    });
    expect(q(s, { get_cw2_contract_version: {} })).toEqual({
      contract: 'crates.io:nym-mixnet-contract',
      version: '1.1.20',
    });
    expect(q(s, { get_epoch_status: {} })).toEqual({ being_advanced_by: ADMIN, state: 'in_progress' });
    expect(q(s, { admin: {} })).toEqual({ admin: ADMIN });
    expect(q(s, { get_rewarding_validator_address: {} })).toBe(ADMIN);
    expect(() => q(s, { get_state: { x: 1 } })).toThrow(/get_state\.x': unknown field/);
  });
});

describe('owner signatures as bytes', () => {
  it("bond with Nym's MessageSignature (an array of byte values)", () => {
    const k = nodeKeys(3);
    const msg = bondMixnodeMsg(k, address(3), 0);
    const bytes = Array.from(base58.decode(msg.bond_mixnode.owner_signature));
    const r = exec(
      freshMixnet(),
      address(3),
      { bond_mixnode: { ...msg.bond_mixnode, owner_signature: bytes } },
      [PLEDGE],
    );
    expect(r.state.mixnode_owners[address(3)]).toBe(1);
    const gw = bondGatewayMsg(nodeKeys(4), address(4), 0);
    const gwBytes = Array.from(base58.decode(gw.bond_gateway.owner_signature));
    expect(
      exec(freshMixnet(), address(4), { bond_gateway: { ...gw.bond_gateway, owner_signature: gwBytes } }, [
        PLEDGE,
      ]).state.gateway_owners[address(4)],
    ).toBe(nodeKeys(4).identity);
  });

  it('refuses byte arrays that are not bytes, with the field path', () => {
    const msg = bondMixnodeMsg(nodeKeys(3), address(3), 0).bond_mixnode;
    for (const bad of [[256], [-1], [1.5], ['a'], new Array(129).fill(0), {}, 7]) {
      let err: unknown;
      try {
        exec(freshMixnet(), address(3), { bond_mixnode: { ...msg, owner_signature: bad } }, [PLEDGE]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidFieldError);
      expect((err as InvalidFieldError).field).toMatch(/^bond_mixnode\.owner_signature/);
      expect((err as InvalidFieldError).code).toBe('invalid_field');
    }
  });
});

describe("Nym's messages this contract does not model", () => {
  it('are refused with a typed UnsupportedMessageError naming the message', () => {
    const s = bondMix(freshMixnet(), 1);
    const unsupportedExec = NYM_MIXNET_EXECUTE_MESSAGES.filter(
      (m) => !(MIXNET_EXECUTE_VARIANTS as readonly string[]).includes(m),
    );
    const unsupportedQuery = NYM_MIXNET_QUERY_MESSAGES.filter(
      (m) => !(MIXNET_QUERY_VARIANTS as readonly string[]).includes(m),
    );
    expect(unsupportedExec).toContain('delegate');
    expect(unsupportedQuery).toContain('get_nym_nodes_detailed_paged');
    for (const name of unsupportedExec) {
      let err: unknown;
      try {
        exec(s, address(1), { [name]: {} });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedMessageError);
      expect(err).toMatchObject({ code: 'unsupported_message', variant: name, kind: 'execute' });
      expect((err as Error).message).toContain(`'${name}'`);
      expect((err as Error).message).toContain('unsupported by this chain');
    }
    for (const name of unsupportedQuery) {
      expect(() => q(s, { [name]: {} })).toThrow(UnsupportedMessageError);
    }
    // Names no Nym contract has stay unknown.
    expect(() => exec(s, address(1), { delegate_to_mixnode: {} })).toThrow(UnknownMessageError);
  });
});

describe('valibot field paths', () => {
  it('name array elements, missing and unknown keys', () => {
    const s = bondMix(bondMix(freshMixnet(), 1), 2);
    const set = [
      { mix_id: 1, layer: 1 },
      { mix_id: 2, layer: 7 },
    ];
    expect(() => exec(s, ADMIN, { advance_current_epoch: { new_rewarded_set: set } })).toThrow(
      "invalid field 'advance_current_epoch.new_rewarded_set[1].layer': must be between 1 and 3",
    );
    const msg = bondMixnodeMsg(nodeKeys(9), address(9), 0).bond_mixnode;
    const { host: _h, ...noHost } = msg.mix_node;
    expect(() => exec(s, address(9), { bond_mixnode: { ...msg, mix_node: noHost } }, [PLEDGE])).toThrow(
      "invalid field 'bond_mixnode.mix_node.host': is required",
    );
    expect(() => exec(s, address(9), { bond_mixnode: { ...msg, mix_node: [] } }, [PLEDGE])).toThrow(
      "invalid field 'bond_mixnode.mix_node': must be a JSON object",
    );
    expect(() => q(s, { get_mixnode_details: { mix_id: 1, extra: true } })).toThrow(
      "invalid field 'get_mixnode_details.extra': unknown field",
    );
  });
});
