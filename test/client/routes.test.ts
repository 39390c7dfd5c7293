import { describe, expect, it } from 'vitest';
import { GatewayNotFoundError, NoRouteError, Topology } from '../../src/topology/index.js';
import { Routes } from '../../src/client/routes.js';
import type { TopologySource } from '../../src/client/topology-source.js';
import { FakeClock, seededRng, testNetwork } from './parts.js';

function routes(source: TopologySource, o: { suspectAfterFailures?: number } = {}) {
  const clock = new FakeClock();
  const r = new Routes({
    source,
    rng: seededRng('routes'),
    now: clock.now,
    clock,
    topologyRefreshMs: 60_000,
    onDemandTopologyRefreshMs: 1_000,
    suspectAfterFailures: o.suspectAfterFailures ?? 2,
    suspectNodeMs: 60_000,
  });
  return { r, clock };
}

const fixed =
  (t: Topology): TopologySource =>
  async () => ({ topology: t, skipped: [] });

describe('routes', () => {
  it('chooses one node per layer, spread over each layer', async () => {
    const net = testNetwork(3);
    const { r } = routes(fixed(net.topology));
    await r.refresh();
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    for (let i = 0; i < 200; i++)
      r.mixRoute().forEach((n, l) => {
        expect(n.layer).toBe(l + 1);
        seen[l].add(n.mixId);
      });
    expect(seen.map((s) => s.size)).toEqual([3, 3, 3]);
  });

  it('avoids a node on repeatedly timed-out routes, and trusts it again later', async () => {
    const net = testNetwork(2);
    const { r, clock } = routes(fixed(net.topology));
    await r.refresh();
    const dead = net.layers[1][0];
    // routes through the dead node time out; the others are acknowledged
    for (let i = 0; i < 40; i++) {
      const key = `f${i}`;
      const route = r.mixRoute(key);
      r.health.outcome(key, !route.some((n) => n.mixId === dead), clock.now());
    }
    expect(r.health.isSuspect(dead, clock.now())).toBe(true);
    for (let i = 0; i < 100; i++) expect(r.mixRoute().map((n) => n.mixId)).not.toContain(dead);
    clock.advance(60_001);
    const after = new Set<number>();
    for (let i = 0; i < 100; i++) for (const n of r.mixRoute()) after.add(n.mixId);
    expect(after.has(dead)).toBe(true);
  });

  it('when a whole layer is suspect, uses the nodes with the fewest failures', async () => {
    const net = testNetwork(2);
    const { r, clock } = routes(fixed(net.topology), { suspectAfterFailures: 1 });
    await r.refresh();
    const [a, b] = net.layers[0];
    // both layer-1 nodes fail once (suspect), then `a` fails many more times
    for (const [id, n] of [
      [a, 6],
      [b, 1],
    ] as const)
      for (let i = 0; i < n; i++) {
        const key = `${id}-${i}`;
        r.health.noteRoute(key, [net.topology.mixnodeById(id)!]);
        r.health.outcome(key, false, clock.now());
      }
    expect(r.health.isSuspect(a, 0) && r.health.isSuspect(b, 0)).toBe(true);
    for (let i = 0; i < 50; i++) expect(r.mixRoute()[0].mixId).toBe(b);
  });

  it('forgets the routes of fragments that are no longer pending', async () => {
    const { r } = routes(fixed(testNetwork(1).topology));
    await r.refresh();
    r.mixRoute('a');
    r.mixRoute('b');
    r.mixRoute('b'); // forward and ack route of one fragment
    expect(r.health.tracked).toBe(2);
    r.health.forgetUnless((k) => k === 'b');
    expect(r.health.tracked).toBe(1);
    r.health.newAttempt('b');
    expect(r.health.tracked).toBe(0);
  });

  it('rejects an empty layer with a typed NoRouteError', async () => {
    const net = testNetwork(1);
    const bonds = net.topology.toJson();
    const { topology } = Topology.fromBonds(
      bonds.mixnodes.filter((m) => m.layer !== 3),
      bonds.gateways,
    );
    const { r } = routes(fixed(topology));
    expect(() => r.assertRoutable()).toThrow(NoRouteError); // no topology yet
    await r.refresh();
    expect(() => r.assertRoutable()).toThrow(NoRouteError);
    expect(() => r.mixRoute()).toThrow(NoRouteError);
  });

  it('looks again for an unknown gateway, at most once per interval, then fails typed', async () => {
    const small = testNetwork(1, 1, 'small');
    const big = testNetwork(1, 2, 'small'); // the same nodes plus a second gateway
    const newcomer = big.topology.gateways.find((g) => !small.topology.hasGateway(g.identityKey))!;
    let fetches = 0;
    let current = small.topology;
    const { r, clock } = routes(async () => {
      fetches++;
      return { topology: current, skipped: [] };
    });
    await r.refresh();
    await r.ensureGateway(small.gatewayIdentity); // known: no fetch
    expect(fetches).toBe(1);
    await r.ensureGateway('unknown');
    expect(fetches).toBe(2);
    expect(() => r.gateway('unknown')).toThrow(GatewayNotFoundError);
    await r.ensureGateway('unknown'); // within the interval: no fetch
    expect(fetches).toBe(2);
    current = big.topology;
    clock.advance(1_000);
    await r.ensureGateway(newcomer.identityKey);
    expect(fetches).toBe(3);
    expect(r.gateway(newcomer.identityKey).identityKey).toBe(newcomer.identityKey);
  });

  it('refreshes periodically and keeps the old topology when a refresh fails', async () => {
    let fail = false;
    let fetches = 0;
    const net = testNetwork(1);
    const { r, clock } = routes(async () => {
      fetches++;
      if (fail) throw new Error('nym-api down');
      return { topology: net.topology, skipped: [] };
    });
    await r.refresh();
    r.startRefreshing();
    fail = true;
    clock.advance(60_000);
    await new Promise((res) => setImmediate(res));
    expect(fetches).toBe(2);
    expect(r.topology).toBe(net.topology);
    clock.advance(60_000);
    await new Promise((res) => setImmediate(res));
    expect(fetches).toBe(3);
    r.stop();
    clock.advance(600_000);
    expect(fetches).toBe(3);
  });
});
