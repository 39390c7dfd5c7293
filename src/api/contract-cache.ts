/**
 * The contract cache: polls the mixnet contract on an interval, validates what it reads,
 * and keeps one immutable snapshot. Each snapshot carries the pre-serialised JSON of every
 * topology route with its ETag, built once when the contract data changes, so serving a
 * route is a buffer write (no JSON.stringify per request).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import * as v from 'valibot';
import type {
  GatewayBond,
  Interval,
  LayeredTopologyResponse,
  MixNodeBond,
  MixNodeDetails,
  RewardedSetNodeStatus,
} from '../contracts/index.js';
import { describeIssue, IntervalSchema, Topology, u32 } from '../topology/index.js';
import type { SkippedNode } from '../topology/index.js';
import { deadline } from '../api-client/deadline.js';
import { MalformedContractDataError } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import {
  buildNymBodies,
  DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS,
  keyRotationInfo,
  pageBody,
} from './nym-nodes.js';
import { withRotationKeys } from './sphinx-keys.js';
import type { MixnetWebsockets } from '../api-client/sphinx-keys.js';
import type { NymBodies, NymInputs, NymListing, NymSkip } from './nym-nodes.js';
import { cachingResolver, resolveHosts } from './resolve.js';
import type { HostResolver } from './resolve.js';

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

/**
 * What the cache needs from the chain. Every call honours its AbortSignal. Answers are
 * contract JSON, read with schemas here: nothing is trusted for its shape.
 */
export interface MixnetSource {
  /** Every bonded mix node with its rewarding details (all pages). */
  getMixNodesDetailed(signal: AbortSignal): Promise<unknown[]>;
  /** Every bonded gateway (all pages). */
  getGateways(signal: AbortSignal): Promise<unknown[]>;
  /** The rewarded set: mix_id -> status (all pages). */
  getRewardedSet(signal: AbortSignal): Promise<ReadonlyMap<unknown, unknown>>;
  /** `get_current_interval_details`. */
  getCurrentInterval(signal: AbortSignal): Promise<unknown>;
  /**
   * Every `{identity, node_id}` of `get_preassigned_gateway_ids` (all pages), or null when
   * the contract does not answer that query (its gateways then get no node id).
   */
  getPreassignedGatewayIds(signal: AbortSignal): Promise<unknown[] | null>;
}

const CurrentIntervalSchema = v.looseObject({ interval: IntervalSchema });
const RewardedEntrySchema = v.tuple([u32(), v.picklist(['active', 'standby'])]);
const PreassignedIdSchema = v.object({ identity: v.string(), node_id: u32() });

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
  | 'mixnodes'
  | 'mixnodes_detailed'
  | 'active'
  | 'rewarded'
  | 'gateways'
  | 'epoch'
  | 'topology'
  | 'rewarded_set'
  | 'key_rotation';

/** Nym's node listings of one snapshot: every node's JSON, and the unpaged body ready to write. */
export interface NymSnapshot extends Omit<NymBodies, 'rewardedSet' | 'keyRotation'> {
  full: Record<NymListing, Serialised>;
}

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
  nym: NymSnapshot;
}

/** The body (JSON of `value`, or `text` when already JSON) with its ETag. */
export function serialise(value: unknown, text?: string): Serialised {
  const body = Buffer.from(text ?? JSON.stringify(value));
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

const NO_NYM_INPUTS: NymInputs = {
  gatewayIds: new Map(),
  addresses: new Map(),
  keyRotationValidityEpochs: DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS,
};

/** Build a snapshot from validated contract data. Pure. */
export function buildSnapshot(
  version: number,
  mixnodes: MixNodeDetails[],
  gateways: GatewayBond[],
  rewardedSet: ReadonlyMap<number, RewardedSetNodeStatus>,
  interval: Interval,
  now: number,
  nymInputs: NymInputs = NO_NYM_INPUTS,
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
  const {
    rewardedSet: nymRewardedSet,
    keyRotation,
    ...bodies
  } = buildNymBodies(mixnodes, gateways, rewardedSet, interval, now, nymInputs);
  const full = (listing: NymListing, metadata: string): Serialised =>
    serialise(undefined, pageBody(bodies.listings[listing], metadata, 0));
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
      rewarded_set: serialise(nymRewardedSet),
      key_rotation: serialise(keyRotation),
    },
    nym: {
      ...bodies,
      full: {
        all: full('all', bodies.metadataPlain),
        mixnodes_active: full('mixnodes_active', bodies.metadataFresh),
        mixnodes_all: full('mixnodes_all', bodies.metadataFresh),
        entry_gateways: full('entry_gateways', bodies.metadataFresh),
        exit_gateways: full('exit_gateways', bodies.metadataFresh),
      },
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
  /** Resolves bonded host names for Nym's `ip_addresses` (default: the system resolver, cached). */
  resolveHost?: HostResolver;
  /** Nym's key rotation validity, in epochs (default 24, as Nym's contract). */
  keyRotationValidityEpochs?: number;
  /** Nodes' announced Sphinx keys: the topology shows each node's key of the current rotation. */
  sphinxKeys?: {
    readonly version: number;
    keyFor(identity: string, rotation: number): string | undefined;
    /** A gateway's announced client ports (`wss_port` in the Nym routes). */
    websocketsOf?(identity: string): MixnetWebsockets | undefined;
  };
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
  private readonly resolveHost: HostResolver;
  private loggedNoGatewayIds = false;

  constructor(private readonly opts: ContractCacheOptions) {
    this.resolveHost = opts.resolveHost ?? cachingResolver();
  }

  private logOnce(key: string, log: () => void): void {
    if (this.loggedSkips.has(key)) return;
    this.loggedSkips.add(key);
    log();
  }

  get snapshot(): CacheSnapshot | null {
    return this.snap;
  }

  /** Whether a mix node or gateway with this identity is bonded (in the current snapshot). */
  isBonded(identity: string): boolean {
    const s = this.snap;
    if (!s) return false;
    return (
      s.mixnodes.some((d) => d.bond_information.mix_node.identity_key === identity) ||
      s.gateways.some((g) => g.gateway.identity_key === identity)
    );
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
    const time = deadline(this.opts.timeoutMs, this.stopper.signal);
    const { signal } = time;
    try {
      const [rawMixnodes, rawGateways, rewardedPairs, current, rawGatewayIds] = await Promise.all([
        source.getMixNodesDetailed(signal),
        source.getGateways(signal),
        source.getRewardedSet(signal),
        source.getCurrentInterval(signal),
        source.getPreassignedGatewayIds(signal),
      ]);
      const valid = validateEntries(rawMixnodes, rawGateways);
      for (const s of valid.skipped) {
        metrics.skippedNodes.inc({ kind: s.kind, reason: s.code });
        this.logOnce(`${s.kind}:${s.id}:${s.reason}`, () =>
          logger.warn(
            { kind: s.kind, id: s.id, code: s.code, reason: s.reason },
            'skipping malformed node from the mixnet contract',
          ),
        );
      }
      const interval0 = v.safeParse(CurrentIntervalSchema, current, { abortEarly: true });
      const validity = this.opts.keyRotationValidityEpochs ?? DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS;
      const keyed =
        this.opts.sphinxKeys && interval0.success
          ? withRotationKeys(
              valid.mixnodes,
              valid.gateways,
              keyRotationInfo(interval0.output.interval, validity).progress.current_key_rotation_id,
              (id, r) => this.opts.sphinxKeys!.keyFor(id, r),
              (id) => this.opts.sphinxKeys!.websocketsOf?.(id),
            )
          : valid;
      const mix = { ok: keyed.mixnodes };
      const gw = { ok: keyed.gateways };
      const rewarded = new Map<number, RewardedSetNodeStatus>();
      for (const pair of rewardedPairs) {
        const r = v.safeParse(RewardedEntrySchema, pair);
        if (r.success) rewarded.set(r.output[0], r.output[1]);
      }
      const parsedInterval = v.safeParse(CurrentIntervalSchema, current, { abortEarly: true });
      if (!parsedInterval.success) {
        const { path, message } = describeIssue(parsedInterval.issues[0]);
        throw new MalformedContractDataError('get_current_interval_details', `${path} ${message}`.trim());
      }
      const interval = parsedInterval.output.interval;
      const gatewayIds = this.readGatewayIds(rawGatewayIds);
      const addresses = await resolveHosts(
        [...mix.ok.map((d) => d.bond_information.mix_node.host), ...gw.ok.map((g) => g.gateway.host)],
        this.resolveHost,
        signal,
      );
      const nymInputs: NymInputs = {
        gatewayIds,
        addresses,
        keyRotationValidityEpochs:
          this.opts.keyRotationValidityEpochs ?? DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS,
      };
      // Rebuild the serialised bodies only when the data changed.
      const fp = createHash('sha256')
        .update(
          JSON.stringify([
            mix.ok,
            gw.ok,
            [...rewarded],
            interval,
            [...gatewayIds],
            [...addresses],
            this.opts.sphinxKeys?.version ?? 0,
          ]),
        )
        .digest('hex');
      this.failures = 0;
      metrics.markRefreshed();
      if (fp === this.fingerprint && this.snap) {
        this.countNymSkips(this.snap.nym.skipped);
        metrics.refreshes.inc({ outcome: 'unchanged' });
        return;
      }
      this.fingerprint = fp;
      this.snap = buildSnapshot(
        (this.snap?.version ?? 0) + 1,
        mix.ok,
        gw.ok,
        rewarded,
        interval,
        Date.now(),
        nymInputs,
      );
      this.countNymSkips(this.snap.nym.skipped);
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
      time.clear();
      end();
    }
  }

  /** Gateway identity -> node id, from `get_preassigned_gateway_ids` (entries that do not parse are dropped). */
  private readGatewayIds(raw: unknown[] | null): Map<string, number> {
    const ids = new Map<string, number>();
    if (raw === null) {
      if (!this.loggedNoGatewayIds) {
        this.loggedNoGatewayIds = true;
        this.opts.logger.warn(
          'the mixnet contract does not answer get_preassigned_gateway_ids: gateways get no node id and are left out of the Nym routes',
        );
      }
      return ids;
    }
    for (const entry of raw) {
      const r = v.safeParse(PreassignedIdSchema, entry);
      if (r.success) ids.set(r.output.identity, r.output.node_id);
      else
        this.logOnce(`gateway-id:${JSON.stringify(entry)?.slice(0, 200)}`, () =>
          this.opts.logger.warn({ entry }, 'skipping malformed preassigned gateway id'),
        );
    }
    return ids;
  }

  /** Count (every refresh) and log (once) the nodes Nym's listings leave out. */
  private countNymSkips(skipped: readonly NymSkip[]): void {
    for (const s of skipped) {
      this.opts.metrics.skippedNodes.inc({ kind: s.kind, reason: s.code });
      this.logOnce(`nym:${s.kind}:${s.id}:${s.code}`, () =>
        this.opts.logger.warn(
          { kind: s.kind, id: s.id, code: s.code },
          s.code === 'no_node_id'
            ? 'gateway has no preassigned node id: left out of the Nym routes'
            : 'node left out of the Nym routes',
        ),
      );
    }
  }
}
