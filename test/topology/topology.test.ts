import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import type { GatewayBond, MixNodeBond } from '../../src/contracts/index.js';
import {
  GatewayNotFoundError,
  NoGatewayError,
  NoRouteError,
  Topology,
  TopologyError,
  TopologyFormatError,
  randomIndex,
} from '../../src/topology/index.js';
import type { RandomBytes } from '../../src/topology/index.js';

const enc = new TextEncoder();
const idKey = (i: number) => base58.encode(ed25519.getPublicKey(sha256(enc.encode(`id-${i}`))));
const spKey = (i: number) => base58.encode(x25519.getPublicKey(sha256(enc.encode(`sp-${i}`))));

function mix(i: number, layer: 1 | 2 | 3, over: Record<string, unknown> = {}): MixNodeBond {
  return {
    mix_id: i,
    owner: `n1owner${i}`,
    original_pledge: { denom: 'unym', amount: '100000000' },
    layer,
    mix_node: {
      host: `10.0.0.${i}`,
      mix_port: 1789,
      verloc_port: 1790,
      http_api_port: 8000,
      sphinx_key: spKey(i),
      identity_key: idKey(i),
      version: '1.1.20',
      ...over,
    },
    proxy: null,
    bonding_height: 3,
    is_unbonding: false,
  };
}

function gw(i: number, over: Record<string, unknown> = {}): GatewayBond {
  return {
    pledge_amount: { denom: 'unym', amount: '100000000' },
    owner: `n1gw${i}`,
    block_height: 4,
    gateway: {
      host: `gw${i}.example.org`,
      mix_port: 1789,
      clients_port: 9000,
      location: 'Earth',
      sphinx_key: spKey(100 + i),
      identity_key: idKey(100 + i),
      version: '1.1.20',
      ...over,
    },
    proxy: null,
  };
}

/** A deterministic byte stream (counter-mode SHA-256), so tests are repeatable. */
function seededRng(seed: number): RandomBytes {
  let counter = 0;
  let buf = new Uint8Array(0);
  return (n) => {
    while (buf.length < n) {
      const block = sha256(enc.encode(`${seed}:${counter++}`));
      const next = new Uint8Array(buf.length + block.length);
      next.set(buf);
      next.set(block, buf.length);
      buf = next;
    }
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}

const good = [mix(1, 1), mix(2, 2), mix(3, 3), mix(4, 1)];

describe('Topology.fromBonds', () => {
  it('groups mix nodes by layer and decodes keys', () => {
    const { topology, skipped } = Topology.fromBonds(good, [gw(1), gw(2)]);
    expect(skipped).toEqual([]);
    expect(topology.layerSizes()).toEqual([2, 1, 1]);
    expect(topology.layer(1).map((n) => n.mixId)).toEqual([1, 4]);
    const n = topology.layer(2)[0];
    expect(n).toMatchObject({ mixId: 2, host: '10.0.0.2', mixPort: 1789, identityKey: idKey(2) });
    expect(n.sphinxKeyBytes).toEqual(base58.decode(spKey(2)));
    expect(topology.isRoutable()).toBe(true);
    expect(topology.mixnodeById(4)?.layer).toBe(1);
    expect(topology.mixnodeByIdentity(idKey(3))?.mixId).toBe(3);
  });

  it('accepts detailed entries ({bond_information, ...}) as nym-api serves them', () => {
    const detailed = good.map((b) => ({ bond_information: b, rewarding_details: { operator: '1' } }));
    const { topology, skipped } = Topology.fromBonds(
      [...detailed, { bond_information: { ...mix(9, 1), layer: 0 } }],
      [],
    );
    expect(topology.layerSizes()).toEqual([2, 1, 1]);
    expect(skipped).toMatchObject([
      { kind: 'mixnode', id: 9, code: 'bad_layer', reason: 'layer is not 1, 2 or 3' },
    ]);
  });

  it('skips malformed nodes with reasons and keeps the rest', () => {
    const bad: unknown[] = [
      mix(10, 1, { host: 'not a host' }),
      mix(11, 1, { mix_port: 0 }),
      mix(12, 1, { sphinx_key: 'abc' }),
      mix(13, 1, { identity_key: '0OIl' }),
      { ...mix(14, 1), layer: 4 },
      { ...mix(15, 1), is_unbonding: true },
      { ...mix(16, 1), mix_id: -1 },
      { ...mix(1, 2), mix_node: { ...mix(1, 2).mix_node, identity_key: idKey(17) } }, // duplicate mix id
      mix(18, 1, { identity_key: idKey(2) }), // duplicate identity
      null,
      'string',
      { ...mix(19, 1), mix_node: undefined },
    ];
    const badGw: unknown[] = [
      gw(3, { clients_port: 70000 }),
      gw(4, { location: '' }),
      { owner: 'x' },
      gw(5, { identity_key: idKey(1) }),
    ];
    const { topology, skipped } = Topology.fromBonds([...good, ...bad], [gw(1), ...badGw]);
    expect(topology.layerSizes()).toEqual([2, 1, 1]);
    expect(topology.gateways.length).toBe(1);
    expect(skipped.length).toBe(bad.length + badGw.length);
    const reason = (id: number | string) => skipped.find((s) => s.id === id)?.reason;
    const code = (id: number | string) => skipped.find((s) => s.id === id)?.code;
    expect(reason(10)).toMatch(/^mix_node\.host is not an IP address or host name$/);
    expect(code(10)).toBe('bad_host');
    expect(reason(11)).toMatch(/^mix_node\.mix_port is not a port$/);
    expect(code(11)).toBe('bad_port');
    expect(reason(12)).toMatch(/^mix_node\.sphinx_key is 3 bytes, expected 32$/);
    expect(code(12)).toBe('bad_sphinx_key');
    expect(reason(13)).toMatch(/^mix_node\.identity_key is not base58$/);
    expect(code(13)).toBe('bad_identity_key');
    expect(reason(14)).toMatch(/layer/);
    expect(code(14)).toBe('bad_layer');
    expect(reason(15)).toMatch(/unbonding/);
    expect(code(15)).toBe('unbonding');
    expect(skipped.find((s) => s.index === 4 + 6)).toMatchObject({
      code: 'malformed',
      reason: 'mix_id is not a u32',
    });
    expect(reason(18)).toMatch(/duplicate identity_key/);
    expect(code(18)).toBe('duplicate');
    expect(skipped.find((s) => s.index === 4 + 7)?.reason).toMatch(/duplicate mix_id/);
    expect(skipped.find((s) => s.index === 4 + 9)).toMatchObject({
      code: 'malformed',
      reason: 'not an object',
    });
    expect(skipped.find((s) => s.index === 4 + 11)).toMatchObject({
      code: 'malformed',
      reason: 'mix_node is missing',
    });
    expect(skipped.find((s) => s.kind === 'gateway' && s.index === 1)).toMatchObject({
      code: 'bad_port',
      reason: 'gateway.clients_port is not a port',
    });
    expect(skipped.find((s) => s.kind === 'gateway' && s.index === 2)?.reason).toMatch(/location/);
    expect(skipped.find((s) => s.kind === 'gateway' && s.index === 3)?.reason).toBe('gateway is missing');
    expect(skipped.find((s) => s.kind === 'gateway' && s.index === 4)?.reason).toMatch(/duplicate/);
  });
});

describe('route and gateway selection', () => {
  it('picks one node per layer, from the given randomness', () => {
    const { topology } = Topology.fromBonds(good, [gw(1)]);
    const route = topology.chooseMixRoute(seededRng(1));
    expect(route.map((n) => n.layer)).toEqual([1, 2, 3]);
    const again = topology.chooseMixRoute(seededRng(1));
    expect(again.map((n) => n.mixId)).toEqual(route.map((n) => n.mixId));
    // Both layer-1 nodes get chosen over many draws.
    const rng = seededRng(2);
    const firsts = new Set(Array.from({ length: 50 }, () => topology.chooseMixRoute(rng)[0].mixId));
    expect(firsts).toEqual(new Set([1, 4]));
  });

  it('throws NoRouteError naming the empty layer', () => {
    const { topology } = Topology.fromBonds([mix(1, 1), mix(3, 3)], [gw(1)]);
    let err: unknown;
    try {
      topology.chooseMixRoute(seededRng(1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoRouteError);
    expect((err as NoRouteError).code).toBe('no_route');
    expect(err).toMatchObject({ layer: 2, layerSizes: [1, 0, 1] });
    expect(topology.isRoutable()).toBe(false);
    expect(() => Topology.empty().chooseMixRoute(seededRng(1))).toThrow(NoRouteError);
  });

  it('looks gateways up by identity and routes to them', () => {
    const { topology } = Topology.fromBonds(good, [gw(1), gw(2)]);
    expect(topology.gatewayByIdentity(idKey(102)).host).toBe('gw2.example.org');
    expect(topology.hasGateway(idKey(101))).toBe(true);
    expect(() => topology.gatewayByIdentity('nope')).toThrow(GatewayNotFoundError);
    expect(() => topology.gatewayByIdentity('nope')).toThrow(
      expect.objectContaining({ code: 'gateway_not_found', identity: 'nope' }),
    );
    const r = topology.routeTo(idKey(101), seededRng(3));
    expect(r.gateway.identityKey).toBe(idKey(101));
    expect(r.mixnodes).toHaveLength(3);
    expect(topology.gateways).toContain(topology.randomGateway(seededRng(4)));
    expect(() => Topology.empty().randomGateway(seededRng(1))).toThrow(NoGatewayError);
    expect(() => Topology.empty().randomGateway(seededRng(1))).toThrow(
      expect.objectContaining({ code: 'no_gateway' }),
    );
  });

  it('randomIndex is uniform-range and rejects bad inputs', () => {
    expect(() => randomIndex(0, seededRng(1))).toThrow(RangeError);
    expect(() => randomIndex(3, () => new Uint8Array(2))).toThrow(RangeError);
    // 0xffffffff is above the largest multiple of 3 below 2^32, so it is rejected and redrawn.
    let calls = 0;
    const rng: RandomBytes = () =>
      calls++ === 0 ? new Uint8Array([255, 255, 255, 255]) : new Uint8Array([0, 0, 0, 5]);
    expect(randomIndex(3, rng)).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('JSON', () => {
  it('uses nym-api field names and round-trips', () => {
    const { topology } = Topology.fromBonds(good, [gw(1)]);
    const json = topology.toJson();
    expect(json.mixnodes[0]).toEqual(good[0]);
    expect(json.mixnodes[0].mix_node.sphinx_key).toBe(spKey(1));
    expect(json.gateways[0]).toEqual(gw(1));
    const back = Topology.fromJson(JSON.stringify(json));
    expect(back.skipped).toEqual([]);
    expect(back.topology.toJson()).toEqual(json);
  });

  it('rejects documents that are not a topology', () => {
    expect(() => Topology.fromJson('{')).toThrow(TopologyFormatError);
    expect(() => Topology.fromJson([])).toThrow(TopologyFormatError);
    expect(() => Topology.fromJson({ mixnodes: [] })).toThrow(/gateways is missing/);
    expect(() => Topology.fromJson({ mixnodes: {}, gateways: [] })).toThrow(/mixnodes is not an array/);
    const err = (() => {
      try {
        Topology.fromJson(7);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as TopologyError).code).toBe('malformed_topology');
  });
});

describe('properties', () => {
  const bondArb = fc.record({
    layer: fc.constantFrom<1 | 2 | 3>(1, 2, 3),
    port: fc.integer({ min: 1, max: 65535 }),
    host: fc.constantFrom('1.2.3.4', '::1', 'node.example', 'localhost'),
  });

  it('JSON round trip is lossless for valid topologies', () => {
    fc.assert(
      fc.property(fc.array(bondArb, { maxLength: 20 }), fc.integer({ min: 0, max: 5 }), (nodes, gws) => {
        const bonds = nodes.map((n, i) => mix(i + 1, n.layer, { host: n.host, mix_port: n.port }));
        const gates = Array.from({ length: gws }, (_, i) => gw(i));
        const { topology, skipped } = Topology.fromBonds(bonds, gates);
        expect(skipped).toEqual([]);
        const back = Topology.fromJson(JSON.parse(JSON.stringify(topology.toJson())));
        expect(back.topology.toJson()).toEqual(topology.toJson());
        expect(back.topology.layerSizes()).toEqual(topology.layerSizes());
      }),
      { numRuns: 50 },
    );
  });

  it('routes always take one node from each layer when every layer is populated', () => {
    fc.assert(
      fc.property(fc.array(bondArb, { minLength: 3, maxLength: 20 }), fc.integer(), (nodes, seed) => {
        const bonds = nodes.map((n, i) => mix(i + 1, ([1, 2, 3] as const)[i % 3], { mix_port: n.port }));
        const { topology } = Topology.fromBonds(bonds, [gw(1)]);
        const route = topology.chooseMixRoute(seededRng(seed));
        route.forEach((n, i) => {
          expect(n.layer).toBe(i + 1);
          expect(topology.layer(n.layer)).toContain(n);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('never throws on arbitrary node data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 10 }),
        fc.array(fc.jsonValue(), { maxLength: 10 }),
        (m, g) => {
          const { topology, skipped } = Topology.fromBonds(m, g);
          expect(topology.mixnodes.length + skipped.filter((s) => s.kind === 'mixnode').length).toBe(
            m.length,
          );
          expect(topology.gateways.length + skipped.filter((s) => s.kind === 'gateway').length).toBe(
            g.length,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
