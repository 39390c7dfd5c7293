/**
 * Routes: the topology the client holds (refreshed periodically, and on demand for a
 * recipient on a gateway not seen yet), and the choice of one mix node per layer for each
 * packet, avoiding nodes that sat on repeatedly timed-out routes (Nym's
 * common/client-core/src/client/topology_control/; node health is Nymph's: a crashed node
 * stays in the topology until it unbonds).
 */
import {
  LAYERS,
  NoRouteError,
  randomIndex,
  type GatewayEntry,
  type MixNodeEntry,
  type Topology,
} from '../topology/index.js';
import { Timers, type Clock } from './clock.js';
import type { RandomBytes } from './crypto.js';
import type { TopologySource } from './topology-source.js';
import { silentLogger, type Logger } from './transport.js';

export interface HealthConfig {
  /** A node on this many consecutive timed-out routes is avoided for `suspectNodeMs`. */
  readonly suspectAfterFailures: number;
  readonly suspectNodeMs: number;
}

/**
 * Which mix nodes carried each unacknowledged fragment (its forward and ack routes), and
 * how their routes fared. Time is passed in; no timers.
 */
export class NodeHealth {
  private readonly nodes = new Map<number, { failures: number; suspectUntil: number }>();
  /** mix ids on the current routes (forward and ack) of each unacknowledged fragment */
  private readonly routes = new Map<string, number[]>();

  constructor(private readonly cfg: HealthConfig) {}

  /** A new attempt of fragment `key`: its earlier routes no longer count. */
  newAttempt(key: string): void {
    this.routes.delete(key);
  }

  noteRoute(key: string, nodes: readonly MixNodeEntry[]): void {
    const list = this.routes.get(key) ?? [];
    for (const n of nodes) list.push(n.mixId);
    this.routes.set(key, list);
  }

  /** The fragment was acknowledged (ok) or timed out: every node on its routes hears it. */
  outcome(key: string, ok: boolean, now: number): void {
    const ids = this.routes.get(key);
    if (!ids) return;
    this.routes.delete(key);
    for (const id of ids) {
      const h = this.nodes.get(id) ?? { failures: 0, suspectUntil: 0 };
      if (ok) h.failures = 0;
      else if (++h.failures >= this.cfg.suspectAfterFailures) h.suspectUntil = now + this.cfg.suspectNodeMs;
      this.nodes.set(id, h);
    }
  }

  /** Forget the routes of fragments that are no longer pending (failed or cancelled). */
  forgetUnless(pending: (key: string) => boolean): void {
    for (const k of this.routes.keys()) if (!pending(k)) this.routes.delete(k);
  }

  get tracked(): number {
    return this.routes.size;
  }

  failures(mixId: number): number {
    return this.nodes.get(mixId)?.failures ?? 0;
  }

  isSuspect(mixId: number, now: number): boolean {
    return (this.nodes.get(mixId)?.suspectUntil ?? 0) > now;
  }
}

export interface RoutesOptions extends HealthConfig {
  readonly source: TopologySource;
  readonly rng: RandomBytes;
  readonly now: () => number;
  readonly clock: Clock;
  readonly log?: Logger;
  /** Periodic topology refresh. */
  readonly topologyRefreshMs: number;
  /** Least time between extra refreshes for recipients on gateways not yet in the topology. */
  readonly onDemandTopologyRefreshMs: number;
}

export class Routes {
  readonly health: NodeHealth;
  private current: Topology | undefined;
  private readonly timers: Timers;
  private readonly lifetime = new AbortController();
  private readonly log: Logger;
  private onDemand: Promise<void> | undefined;
  private lastOnDemand = -Infinity;

  constructor(private readonly o: RoutesOptions) {
    this.health = new NodeHealth(o);
    this.timers = new Timers(o.clock);
    this.log = o.log ?? silentLogger;
  }

  get topology(): Topology | undefined {
    return this.current;
  }

  /** The topology, which `refresh` must have fetched once. */
  private get topo(): Topology {
    if (!this.current) throw new NoRouteError(1, [0, 0, 0]);
    return this.current;
  }

  async refresh(signal?: AbortSignal): Promise<void> {
    const { topology, skipped } = await this.o.source(signal);
    if (skipped.length)
      this.log.warn({ skipped: skipped.length, first: skipped[0] }, 'topology: invalid nodes skipped');
    this.current = topology;
  }

  /** Refresh every `topologyRefreshMs` until `stop`; a failed refresh keeps the old topology. */
  startRefreshing(): void {
    this.timers.after(this.o.topologyRefreshMs, () => {
      this.refresh(this.lifetime.signal)
        .catch((e) =>
          this.log.warn({ err: (e as Error).message }, 'topology refresh failed; keeping the old one'),
        )
        .finally(() => this.startRefreshing());
    });
  }

  stop(): void {
    this.timers.stop();
    this.lifetime.abort();
  }

  /** Throws a typed NoRouteError now when some layer is empty, rather than failing later. */
  assertRoutable(): void {
    const sizes = this.topo.layerSizes();
    for (const l of LAYERS) if (sizes[l - 1] === 0) throw new NoRouteError(l, sizes);
  }

  gateway(identity: string): GatewayEntry {
    return this.topo.gatewayByIdentity(identity); // throws GatewayNotFoundError
  }

  /**
   * A recipient's gateway may have joined since the last periodic refresh (minutes apart):
   * look again, at most once per `onDemandTopologyRefreshMs`. The caller then asks `gateway`, so
   * that an unknown gateway is a typed GatewayNotFoundError now, not a failure later.
   */
  async ensureGateway(identity: string, signal?: AbortSignal): Promise<void> {
    if (this.topo.hasGateway(identity)) return;
    const now = this.o.now();
    if (!this.onDemand && now - this.lastOnDemand >= this.o.onDemandTopologyRefreshMs) {
      this.lastOnDemand = now;
      this.onDemand = this.refresh(signal)
        .catch((e) => this.log.warn({ err: (e as Error).message }, 'on-demand topology refresh failed'))
        .finally(() => (this.onDemand = undefined));
    }
    if (this.onDemand) await this.onDemand;
  }

  /**
   * One healthy node per layer, for a new packet; with `key`, the route counts towards the
   * fate of that fragment. Suspect nodes are avoided unless a layer has nothing else.
   */
  mixRoute(key?: string): MixNodeEntry[] {
    const topo = this.topo;
    const now = this.o.now();
    const route = LAYERS.map((l) => {
      const all = topo.layer(l);
      if (all.length === 0) throw new NoRouteError(l, topo.layerSizes());
      const healthy = all.filter((n) => !this.health.isSuspect(n.mixId, now));
      const pool = healthy.length ? healthy : this.leastFailing(all);
      return pool[randomIndex(pool.length, this.o.rng)];
    });
    if (key !== undefined) this.health.noteRoute(key, route);
    return route;
  }

  /**
   * A failed route counts against every node on it, so when one node dies, live nodes that
   * shared its routes turn suspect too, and a whole layer can be suspect at once. They
   * differ in their counts: a route that succeeds resets its live nodes, while a dead
   * node's count only grows. So prefer the nodes within a few failures of the best.
   */
  private leastFailing(all: readonly MixNodeEntry[]): MixNodeEntry[] {
    const best = Math.min(...all.map((n) => this.health.failures(n.mixId)));
    return all.filter((n) => this.health.failures(n.mixId) <= best + this.o.suspectAfterFailures);
  }
}
