import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ContractError, rebalanceLayers } from '../../contracts-mock/index.js';
import type {
  Layer,
  LayerDistribution,
  MixnetState,
  PagedGatewayResponse,
  PagedMixnodeBondsResponse,
} from '../../contracts-mock/index.js';
import {
  ADMIN,
  PLEDGE,
  address,
  bandwidth,
  bondGatewayMsg,
  bondMixnodeMsg,
  deepFreeze,
  env,
  freshBandwidth,
  freshMixnet,
  mixnet,
  nodeKeys,
} from './helpers.js';

const POOL = 40;
// Signing is the slow part: sign each account's first bond once.
const mixMsgs = Array.from({ length: POOL + 1 }, (_, i) =>
  i === 0 ? null : bondMixnodeMsg(nodeKeys(i), address(i), 0),
);
const gwMsgs = Array.from({ length: POOL + 1 }, (_, i) =>
  i === 0 ? null : bondGatewayMsg(nodeKeys(1000 + i), address(1000 + i), 0),
);

type Op = { bond: true } | { unbond: number };
const ops = fc.array(
  fc.oneof(
    fc.constant<Op>({ bond: true }),
    fc.nat(50).map<Op>((n) => ({ unbond: n })),
  ),
  {
    maxLength: POOL,
  },
);

function run(opsList: Op[], sizes: { activeSetSize?: number; rewardedSetSize?: number } = {}): MixnetState {
  let s = freshMixnet(sizes);
  let next = 1;
  for (const op of opsList) {
    s = deepFreeze(s);
    if ('bond' in op) {
      if (next > POOL) continue;
      s = mixnet.execute(s, env(), { sender: address(next), funds: [PLEDGE] }, mixMsgs[next]).state;
      next++;
    } else {
      const owners = Object.keys(s.mixnode_owners);
      if (owners.length === 0) continue;
      s = mixnet.execute(
        s,
        env(),
        { sender: owners[op.unbond % owners.length], funds: [] },
        { unbond_mixnode: {} },
      ).state;
    }
  }
  return s;
}

const spread = (d: LayerDistribution) =>
  Math.max(d.layer1, d.layer2, d.layer3) - Math.min(d.layer1, d.layer2, d.layer3);

describe('mixnet contract properties', () => {
  it('bonds alone keep the active layers balanced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: POOL }), (n) => {
        const s = run(Array.from({ length: n }, () => ({ bond: true as const })));
        expect(
          spread(mixnet.query(s, env(), { get_layer_distribution: {} }) as LayerDistribution),
        ).toBeLessThanOrEqual(1);
      }),
      { numRuns: 15 },
    );
  });

  it('any bonds and unbonds, then an epoch advance, leave every group balanced', () => {
    fc.assert(
      fc.property(
        ops,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        (list, active, extra) => {
          const s = run(list, { activeSetSize: active, rewardedSetSize: active + extra });
          const after = mixnet.execute(
            deepFreeze(s),
            env(),
            { sender: ADMIN, funds: [] },
            { advance_current_epoch: {} },
          ).state;
          expect(
            spread(mixnet.query(after, env(), { get_layer_distribution: {} }) as LayerDistribution),
          ).toBeLessThanOrEqual(1);
          const bonded = Object.keys(after.mixnodes).length;
          const statuses = Object.values(after.rewarded_set);
          expect(statuses.filter((x) => x === 'active').length).toBe(Math.min(active, bonded));
          expect(statuses.length).toBe(Math.min(active + extra, bonded));
          const standby = Object.values(after.mixnodes).filter(
            (r) => after.rewarded_set[r.bond.mix_id] === 'standby',
          );
          const c = [1, 2, 3].map((l) => standby.filter((r) => r.bond.layer === l).length);
          expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('paging returns every mix node exactly once, in order', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 12 }), (list, limit) => {
        const s = run(list);
        const seen: number[] = [];
        let after: number | null | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const body: Record<string, unknown> = { limit };
          if (after) body.start_after = after;
          const page = mixnet.query(s, env(), { get_mix_node_bonds: body }) as PagedMixnodeBondsResponse;
          seen.push(...page.nodes.map((n) => n.mix_id));
          after = page.start_next_after;
          if (after === null) break;
        }
        expect(seen).toEqual(
          Object.keys(s.mixnodes)
            .map(Number)
            .sort((a, b) => a - b),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('paging returns every gateway exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 7 }), (n, limit) => {
        let s = freshMixnet();
        for (let i = 1; i <= n; i++) {
          s = mixnet.execute(s, env(), { sender: address(1000 + i), funds: [PLEDGE] }, gwMsgs[i]).state;
        }
        const seen: string[] = [];
        let after: string | null = null;
        do {
          const body: Record<string, unknown> = after === null ? { limit } : { limit, start_after: after };
          const page = mixnet.query(s, env(), { get_gateways: body }) as PagedGatewayResponse;
          seen.push(...page.nodes.map((g) => g.gateway.identity_key));
          after = page.start_next_after;
        } while (after !== null);
        expect(seen).toEqual(Object.keys(s.gateways).sort());
        expect(new Set(seen).size).toBe(n);
      }),
      { numRuns: 20 },
    );
  });

  it('rebalanceLayers moves the fewest nodes and balances', () => {
    const node = fc.record({ layer: fc.constantFrom<Layer>(1, 2, 3) });
    fc.assert(
      fc.property(fc.array(node, { maxLength: 60 }), (nodes) => {
        const input = nodes.map((n, i) => ({ mix_id: i + 1, layer: n.layer }));
        const out = rebalanceLayers(input);
        const counts = [1, 2, 3].map((l) => [...out.values()].filter((x) => x === l).length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        const before = [1, 2, 3].map((l) => input.filter((x) => x.layer === l).length);
        const target = Math.ceil(input.length / 3);
        // Lower bound on moves: every node above the target size of its layer must move.
        const minMoves = before.reduce((acc, c) => acc + Math.max(0, c - target), 0);
        const moves = input.filter((x) => out.get(x.mix_id) !== x.layer).length;
        expect(moves).toBeLessThanOrEqual(minMoves + 2);
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary messages are rejected with a ContractError, never anything else', () => {
    const s = deepFreeze(run([{ bond: true }, { bond: true }]));
    const b = deepFreeze(freshBandwidth());
    const variants = [
      'bond_mixnode',
      'bond_gateway',
      'unbond_mixnode',
      'update_mixnode_config',
      'update_gateway_config',
      'assign_node_layer',
      'advance_current_epoch',
      'deposit_funds',
      'spend_credential',
      'get_mix_node_bonds',
      'get_gateways',
      'get_signing_nonce',
      'get_deposit',
      'get_spent_credential',
    ];
    const msg = fc.oneof(
      fc.jsonValue(),
      fc
        .record({ v: fc.constantFrom(...variants), body: fc.jsonValue() })
        .map(({ v, body }) => ({ [v]: body })),
      fc
        .record({ v: fc.constantFrom(...variants), body: fc.dictionary(fc.string(), fc.jsonValue()) })
        .map(({ v, body }) => ({ [v]: body })),
    );
    const funds = fc.array(
      fc.record({
        denom: fc.constantFrom('unym', 'unyx'),
        // Mostly valid amounts, sometimes garbage the chain should never send.
        amount: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String), fc.string()),
      }),
      { maxLength: 2 },
    );
    fc.assert(
      fc.property(msg, funds, fc.constantFrom(ADMIN, address(1), address(7)), (m, f, sender) => {
        for (const call of [
          () => mixnet.execute(s, env(), { sender, funds: f }, m),
          () => mixnet.query(s, env(), m),
          () => bandwidth.execute(b, env(), { sender, funds: f }, m),
          () => bandwidth.query(b, env(), m),
        ]) {
          try {
            call();
          } catch (e) {
            expect(e).toBeInstanceOf(ContractError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
