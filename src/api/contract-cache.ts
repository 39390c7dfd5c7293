/**
 * The contract cache: polls the mixnet contract on an interval, validates what it reads,
 * and keeps one immutable snapshot. Each snapshot carries the pre-serialised JSON of every
 * topology route with its ETag, built once when the contract data changes, so serving a
 * route is a buffer write (no JSON.stringify per request).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  CurrentIntervalResponse,
  GatewayBond,
  Interval,
  LayeredTopologyResponse,
  MixNodeBond,
  MixNodeDetails,
  RewardedSetNodeStatus,
} from '../contracts/index.js';
import { Topology } from '../topology/index.js';
import type { SkippedNode } from '../topology/index.js';
import type { ApiMetrics } from './metrics.js';

/** Bounded metric label for a skip reason (the reasons themselves carry numbers). */
export function skipCategory(reason: string): string {
  if (/duplicate/.test(reason)) return 'duplicate';
  if (/unbonding/.test(reason)) return 'unbonding';
  if (/sphinx_key/.test(reason)) return 'bad_sphinx_key';
  if (/identity_key/.test(reason)) return 'bad_identity_key';
  if (/host/.test(reason)) return 'bad_host';
  if (/port/.test(reason)) return 'bad_port';
  if (/layer/.test(reason)) return 'bad_layer';
  return 'malformed';
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate contract entries with the topology room's rules (one bad node never spoils the
 * rest). Detailed entries keep their rewarding details; their bond is the validated copy.
 */
export function validateEntries(
  rawMixnodes: readonly unknown[],
  rawGateways: readonly unknown[],
): { mixnodes: MixNodeDetails[]; gateways: GatewayBond[]; skipped: SkippedNode[] } {
  const bonds = rawMixnodes.map((d) => (isObj(d) ? d.bond_information : d));
  const { topology, skipped } = Topology.fromBonds(bonds, rawGateways);
  const valid = new Map<number, MixNodeBond>();
  for (const layer of [1, 2, 3] as const) for (const n of topology.layer(layer)) valid.set(n.mixId, n.bond);
  const mixnodes: MixNodeDetails[] = [];
  for (const d of rawMixnodes) {
    if (!isObj(d) || !isObj(d.bond_information)) continue;
    const id = d.bond_information.mix_id as number;
    const bond = valid.get(id);
    if (!bond) continue;
    valid.delete(id); // a duplicate mix_id later in the list was skipped: keep the first only
    mixnodes.push({
      bond_information: bond,
      // Not used by clients; passed through when it is an object, never anything else.
      rewarding_details: (isObj(d.rewarding_details)
        ? d.rewarding_details
        : null) as unknown as MixNodeDetails['rewarding_details'],
    });
  }
  mixnodes.sort((a, b) => a.bond_information.mix_id - b.bond_information.mix_id);
  return { mixnodes, gateways: topology.gateways.map((g) => g.bond), skipped };
}

/** What the cache needs from the chain. Every call honours its AbortSignal. */
export interface MixnetSource {
  /** Every bonded mix node with its rewarding details (all pages). */
  getMixNodesDetailed(signal: AbortSignal): Promise<unknown[]>;
  /** Every bonded gateway (all pages). */
  getGateways(signal: AbortSignal): Promise<unknown[]>;
  /** The rewarded set: mix_id -> status (all pages). */
  getRewardedSet(signal: AbortSignal): Promise<ReadonlyMap<number, RewardedSetNodeStatus>>;
  getCurrentInterval(signal: AbortSignal): Promise<CurrentIntervalResponse>;
}

/** One pre-serialised route body. */
export interface Serialised {
  body: Buffer;
  etag: string;
}

/** `/v1/mixnodes/detailed` entries, after Nym's MixNodeBondAnnotated. */
export interface MixNodeBondAnnotated {
  mixnode_details: MixNodeDetails;
  stake_saturation: string;
  uncapped_stake_saturation: string;
  performance: string;
  estimated_operator_apy: string;
  estimated_delegators_apy: string;
  family: null;
}

/** Routes served from the snapshot. */
export type CachedRoute =
  'mixnodes' | 'mixnodes_detailed' | 'active' | 'rewarded' | 'gateways' | 'epoch' | 'topology';

export interface CacheSnapshot {
  /** Increments on every change. */
  version: number;
  /** ms since the Unix epoch of the refresh that built it. */
  builtAt: number;
  mixnodes: MixNodeDetails[];
  active: MixNodeDetails[];
  rewarded: MixNodeDetails[];
  gateways: GatewayBond[];
  interval: Interval;
  topology: LayeredTopologyResponse;
  serialised: Record<CachedRoute, Serialised>;
}

function serialise(value: unknown): Serialised {
  const body = Buffer.from(JSON.stringify(value));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag };
}

const annotate = (d: MixNodeDetails): MixNodeBondAnnotated => ({
  mixnode_details: d,
  // Nymph does no rewarding or monitoring: saturation is pledge-only and every node is
  // assumed to perform (Nym computes these from stake and network monitor reports).
  stake_saturation: '0',
  uncapped_stake_saturation: '0',
  performance: '1',
  estimated_operator_apy: '0',
  estimated_delegators_apy: '0',
  family: null,
});

/** Build a snapshot from validated contract data. Pure. */
export function buildSnapshot(
  version: number,
  mixnodes: MixNodeDetails[],
  gateways: GatewayBond[],
  rewardedSet: ReadonlyMap<number, RewardedSetNodeStatus>,
  interval: Interval,
  now: number,
): CacheSnapshot {
  const active = mixnodes.filter((d) => rewardedSet.get(d.bond_information.mix_id) === 'active');
  const rewarded = mixnodes.filter((d) => rewardedSet.has(d.bond_information.mix_id));
  const activeBonds: MixNodeBond[] = active.map((d) => d.bond_information);
  const topology: LayeredTopologyResponse = {
    interval_id: interval.id,
    epoch_id: interval.current_epoch_id,
    mixnodes: activeBonds,
    gateways,
  };
  return {
    version,
    builtAt: now,
    mixnodes,
    active,
    rewarded,
    gateways,
    interval,
    topology,
    serialised: {
      mixnodes: serialise(mixnodes),
      mixnodes_detailed: serialise(mixnodes.map(annotate)),
      active: serialise(active),
      rewarded: serialise(rewarded),
      gateways: serialise(gateways),
      epoch: serialise(interval),
      topology: serialise(topology),
    },
  };
}

export interface ContractCacheOptions {
  source: MixnetSource;
  refreshIntervalMs: number;
  retryBackoffMs: number;
  /** Timeout for one whole refresh. */
  timeoutMs: number;
  logger: Logger;
  metrics: ApiMetrics;
}

export class ContractCache {
  private snap: CacheSnapshot | null = null;
  private fingerprint = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly stopper = new AbortController();
  private running: Promise<void> | null = null;
  private failures = 0;
  private refreshCount = 0;
  private waiters: { after: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Skipped entries already logged (log once per node and reason). */
  private readonly loggedSkips = new Set<string>();

  constructor(private readonly opts: ContractCacheOptions) {}

  get snapshot(): CacheSnapshot | null {
    return this.snap;
  }

  /** Number of completed refreshes (successful or not). */
  get refreshes(): number {
    return this.refreshCount;
  }

  /** Start polling; resolves after the first refresh attempt (which may have failed). */
  async start(): Promise<void> {
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    for (const w of this.waiters.splice(0)) w.reject(new Error('nym-api: contract cache stopped'));
  }

  /** Resolves once a refresh that *started* after this call has completed. */
  waitForRefresh(signal?: AbortSignal): Promise<void> {
    const after = this.refreshCount + (this.running ? 1 : 0);
    return new Promise((resolve, reject) => {
      const w = { after, resolve, reject };
      this.waiters.push(w);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  /** Refresh now (also used by the timer). */
  async refresh(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.doRefresh().finally(() => {
      this.running = null;
      this.refreshCount++;
      const done = this.waiters.filter((w) => w.after < this.refreshCount);
      this.waiters = this.waiters.filter((w) => w.after >= this.refreshCount);
      for (const w of done) w.resolve();
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    if (this.stopper.signal.aborted) return;
    await this.refresh();
    if (this.stopper.signal.aborted) return;
    const { refreshIntervalMs, retryBackoffMs } = this.opts;
    const delay =
      this.failures === 0
        ? refreshIntervalMs
        : Math.min(refreshIntervalMs, retryBackoffMs * 2 ** Math.min(this.failures - 1, 16));
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref?.();
  }

  private async doRefresh(): Promise<void> {
    const { source, logger, metrics } = this.opts;
    const end = metrics.refreshDuration.startTimer();
    const signal = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.opts.timeoutMs)]);
    try {
      const [rawMixnodes, rawGateways, rewardedPairs, current] = await Promise.all([
        source.getMixNodesDetailed(signal),
        source.getGateways(signal),
        source.getRewardedSet(signal),
        source.getCurrentInterval(signal),
      ]);
      const valid = validateEntries(rawMixnodes, rawGateways);
      for (const s of valid.skipped) {
        metrics.skippedNodes.inc({ kind: s.kind, reason: skipCategory(s.reason) });
        const key = `${s.kind}:${s.id}:${s.reason}`;
        if (!this.loggedSkips.has(key)) {
          this.loggedSkips.add(key);
          logger.warn(
            { kind: s.kind, id: s.id, reason: s.reason },
            'skipping malformed node from the mixnet contract',
          );
        }
      }
      const mix = { ok: valid.mixnodes };
      const gw = { ok: valid.gateways };
      const rewarded = new Map<number, RewardedSetNodeStatus>();
      for (const [id, status] of rewardedPairs) {
        if (typeof id === 'number' && (status === 'active' || status === 'standby')) rewarded.set(id, status);
      }
      const interval = current?.interval;
      if (!interval || typeof interval.id !== 'number' || typeof interval.current_epoch_id !== 'number') {
        throw new Error('current interval response is malformed');
      }
      // Rebuild the serialised bodies only when the data changed.
      const fp = createHash('sha256')
        .update(JSON.stringify([mix.ok, gw.ok, [...rewarded], interval]))
        .digest('hex');
      this.failures = 0;
      metrics.markRefreshed();
      if (fp === this.fingerprint && this.snap) {
        metrics.refreshes.inc({ outcome: 'unchanged' });
        return;
      }
      this.fingerprint = fp;
      this.snap = buildSnapshot((this.snap?.version ?? 0) + 1, mix.ok, gw.ok, rewarded, interval, Date.now());
      metrics.cachedNodes.set({ kind: 'mixnodes' }, this.snap.mixnodes.length);
      metrics.cachedNodes.set({ kind: 'active' }, this.snap.active.length);
      metrics.cachedNodes.set({ kind: 'gateways' }, this.snap.gateways.length);
      metrics.refreshes.inc({ outcome: 'ok' });
      logger.debug(
        {
          version: this.snap.version,
          mixnodes: mix.ok.length,
          active: this.snap.active.length,
          gateways: gw.ok.length,
        },
        'contract cache updated',
      );
    } catch (err) {
      if (this.stopper.signal.aborted) return;
      this.failures++;
      metrics.refreshes.inc({ outcome: 'error' });
      // Log the first failure of a streak, then every tenth, so a dead chain does not flood.
      if (this.failures === 1 || this.failures % 10 === 0) {
        logger.warn(
          { err: (err as Error).message, failures: this.failures },
          'contract cache refresh failed',
        );
      }
    } finally {
      end();
    }
  }
}
