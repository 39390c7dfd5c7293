/**
 * The TOML tables every node shares: `[chain]` (where and as whom it bonds) and `[outbound]`
 * (its connection pool to next hops). The mix node's and gateway's own tables build on them.
 *
 *   [chain]     rpc_url, mnemonic, account_index, mixnet_contract, bandwidth_contract,
 *               pledge_amount, pledge_denom, timeout_ms (no rpc_url: the node does not bond)
 *   [outbound]  max_queued_packets, connect_timeout_ms, reconnect_initial_ms, reconnect_max_ms,
 *               max_failed_attempts, idle_close_ms
 *   [inbound]   max_connections, max_connections_per_host, first_frame_timeout_ms, idle_timeout_ms
 *   [sphinx]    key rotation and replay filters (key-rotation.ts):
 *               api_urls: nym-apis whose `/v1/epoch/key-rotation-info` sets the schedule and
 *                 to which the node announces its keys; without them,
 *               local_epoch_secs (> 0): epochs of that length counted from the Unix epoch,
 *                 local_validity_epochs a rotation (nodes agree with no coordination);
 *                 0 and no api_urls: one key, never rotated;
 *               poll_ms, announce_every_ms; packets_per_second (expected rate, Nym's
 *               initial_expected_packets_per_second), false_positive_rate (1e-5),
 *               size_multiplier (1.12), snapshot_secs (600): the replay filters' sizing
 */
import type { ChainConfig } from './bond.js';
import type { ConnectionPoolOptions } from './connection-pool.js';
import type { InboundLimits } from './pipeline.js';
import { optNumber, optString, optStringArray, section, type TomlTable } from './config.js';
import { NodeConfigError } from './errors.js';
import { DEFAULT_REPLAY_SIZING, type NodeSphinxOptions, type SphinxKeyAnnouncement } from './key-rotation.js';
import { localRotationInfo } from './rotation-schedule.js';
import { fetchKeyRotationInfo } from '../api-client/nym-nodes.js';
import { announceSphinxKeys, signSphinxKeys } from '../api-client/sphinx-keys.js';
import type { NodeKeys } from './keys.js';

export interface NodeChainOptions {
  rpcUrl: string;
  mnemonic: string;
  /** Which account of the mnemonic owns the bond (m/44'/118'/0'/0/index). */
  accountIndex?: number;
  mixnetContract: string;
  bandwidthContract?: string;
}

export function chainToml(c: NodeChainOptions): TomlTable {
  return {
    rpc_url: c.rpcUrl,
    mnemonic: c.mnemonic,
    account_index: c.accountIndex ?? 0,
    mixnet_contract: c.mixnetContract,
    bandwidth_contract: c.bandwidthContract ?? '',
    pledge_amount: '100000000',
    pledge_denom: 'unym',
  };
}

export function outboundFromToml(t: TomlTable): ConnectionPoolOptions {
  const o = section(t, 'outbound');
  return {
    maxQueuedPackets: optNumber(o, 'max_queued_packets'),
    connectTimeoutMs: optNumber(o, 'connect_timeout_ms'),
    reconnectInitialMs: optNumber(o, 'reconnect_initial_ms'),
    reconnectMaxMs: optNumber(o, 'reconnect_max_ms'),
    maxFailedAttempts: optNumber(o, 'max_failed_attempts'),
    idleCloseMs: optNumber(o, 'idle_close_ms'),
  };
}

export function inboundFromToml(t: TomlTable): InboundLimits {
  const i = section(t, 'inbound');
  return {
    maxConnections: optNumber(i, 'max_connections'),
    maxConnectionsPerHost: optNumber(i, 'max_connections_per_host'),
    firstFrameTimeoutMs: optNumber(i, 'first_frame_timeout_ms'),
    idleTimeoutMs: optNumber(i, 'idle_timeout_ms'),
  };
}

export function chainFromToml(t: TomlTable): ChainConfig | undefined {
  const c = section(t, 'chain');
  const rpcUrl = optString(c, 'rpc_url', '');
  if (!rpcUrl) return undefined;
  const mnemonic = optString(c, 'mnemonic', '');
  const mixnet = optString(c, 'mixnet_contract', '');
  if (!mnemonic) throw new NodeConfigError('chain.mnemonic', 'required when chain.rpc_url is set');
  if (!mixnet) throw new NodeConfigError('chain.mixnet_contract', 'required when chain.rpc_url is set');
  return {
    rpcUrl,
    mnemonic,
    accountIndex: optNumber(c, 'account_index', 0),
    contracts: { mixnet, bandwidth: optString(c, 'bandwidth_contract', '') },
    pledge: {
      denom: optString(c, 'pledge_denom', 'unym'),
      amount: optString(c, 'pledge_amount', '100000000'),
    },
    timeoutMs: optNumber(c, 'timeout_ms'),
  };
}

/** The `[sphinx]` table a node's `init` writes. */
export function sphinxToml(
  o: { apiUrls?: string[]; localEpochSecs?: number; packetsPerSecond?: number } = {},
): TomlTable {
  return {
    api_urls: o.apiUrls ?? [],
    local_epoch_secs: o.localEpochSecs ?? 0,
    local_validity_epochs: 24,
    poll_ms: 60_000,
    announce_every_ms: 60_000,
    packets_per_second: o.packetsPerSecond ?? DEFAULT_REPLAY_SIZING.packetsPerSecond,
    false_positive_rate: DEFAULT_REPLAY_SIZING.falsePositiveRate,
    size_multiplier: DEFAULT_REPLAY_SIZING.multiplier,
    snapshot_secs: DEFAULT_REPLAY_SIZING.snapshotMs / 1000,
  };
}

/** The first nym-api that answers `/v1/epoch/key-rotation-info`. */
export function keyRotationInfoFrom(
  urls: readonly string[],
  timeoutMs = 5_000,
): NonNullable<NodeSphinxOptions['info']> {
  return async (signal) => {
    const causes: string[] = [];
    for (const url of urls) {
      try {
        return await fetchKeyRotationInfo(url, { signal, timeoutMs });
      } catch (e) {
        if (signal.aborted) throw e;
        causes.push(`${url}: ${(e as Error).message}`);
      }
    }
    throw new NodeConfigError('sphinx.api_urls', `no nym-api answered: ${causes.join('; ')}`);
  };
}

/**
 * What a node announces to nym-api: its Sphinx keys and, from a gateway, its client ports
 * (Nym's `mixnet_websockets`; `wssPort` null without TLS). With `websockets` the signed
 * announcement is v2 (src/api-client/sphinx-keys.ts), else v1.
 */
export interface NodeAnnouncement extends SphinxKeyAnnouncement {
  websockets?: { wsPort: number; wssPort: number | null };
}
export type AnnounceFn = (a: NodeAnnouncement, signal: AbortSignal) => Promise<void>;

/** A node's `[sphinx]` options, with an announcement that may carry a gateway's ports. */
export type NodeAnnounceOptions = Omit<NodeSphinxOptions, 'announce'> & { announce?: AnnounceFn };

/**
 * Announces the keys (and a gateway's ports) to every nym-api; fails only when none holds
 * them. A nym-api that took these facts is not asked again (nor is the announcement signed
 * again) until they change: the periodic call is a retry for the nym-apis that have not,
 * not a heartbeat (nym-api keeps what it took across restarts).
 */
export function announceTo(urls: readonly string[], keys: NodeKeys, timeoutMs = 5_000): AnnounceFn {
  const taken = new Map<string, string>(); // url -> the facts it took
  return async (a, signal) => {
    const fingerprint = announcementFingerprint(a);
    const pending = urls.filter((u) => taken.get(u) !== fingerprint);
    if (pending.length === 0) return;
    const body = signSphinxKeys({
      identitySecret: keys.identitySecret,
      identityPublic: keys.identityPublic,
      primary: a.primary,
      preAnnounced: a.preAnnounced,
      timestampSecs: Math.floor(Date.now() / 1000),
      websockets: a.websockets,
    });
    const results = await Promise.allSettled(
      pending.map((u) => announceSphinxKeys(u, body, { signal, timeoutMs })),
    );
    results.forEach((r, i) => r.status === 'fulfilled' && taken.set(pending[i], fingerprint));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length && pending.length === urls.length)
      throw new NodeConfigError(
        'sphinx.api_urls',
        `no nym-api took the keys: ${failed.map((f) => (f.reason as Error).message).join('; ')}`,
      );
  };
}

const announcementFingerprint = (a: NodeAnnouncement): string =>
  [a.primary, a.preAnnounced]
    .map((k) => (k ? `${k.rotationId}:${Buffer.from(k.publicKey).toString('hex')}` : '-'))
    .concat(a.websockets ? `ws${a.websockets.wsPort}:wss${a.websockets.wssPort ?? '-'}` : [])
    .join('/');

export function sphinxFromToml(t: TomlTable, keys?: NodeKeys): NodeAnnounceOptions & { apiUrls: string[] } {
  const s = section(t, 'sphinx');
  const apiUrls = optStringArray(s, 'api_urls');
  const epochSecs = optNumber(s, 'local_epoch_secs', 0);
  const validity = optNumber(s, 'local_validity_epochs', 24);
  if (epochSecs < 0) throw new NodeConfigError('sphinx.local_epoch_secs', 'must be 0 or more');
  if (!Number.isInteger(validity) || validity < 2)
    throw new NodeConfigError('sphinx.local_validity_epochs', 'must be an integer of at least 2');
  const fp = optNumber(s, 'false_positive_rate', DEFAULT_REPLAY_SIZING.falsePositiveRate);
  if (!(fp > 0 && fp < 1)) throw new NodeConfigError('sphinx.false_positive_rate', 'must be in (0, 1)');
  const rate = optNumber(s, 'packets_per_second', DEFAULT_REPLAY_SIZING.packetsPerSecond);
  if (!(rate > 0)) throw new NodeConfigError('sphinx.packets_per_second', 'must be positive');
  const info: NodeSphinxOptions['info'] = apiUrls.length
    ? keyRotationInfoFrom(apiUrls)
    : epochSecs > 0
      ? async () =>
          localRotationInfo({ epochMs: epochSecs * 1000, validityEpochs: validity, originMs: 0 }, Date.now())
      : undefined;
  return {
    apiUrls,
    info,
    announce: apiUrls.length && keys ? announceTo(apiUrls, keys) : undefined,
    pollMs: optNumber(s, 'poll_ms', 60_000),
    announceEveryMs: optNumber(s, 'announce_every_ms', 60_000),
    replay: {
      packetsPerSecond: rate,
      falsePositiveRate: fp,
      multiplier: optNumber(s, 'size_multiplier', DEFAULT_REPLAY_SIZING.multiplier),
      snapshotMs: optNumber(s, 'snapshot_secs', DEFAULT_REPLAY_SIZING.snapshotMs / 1000) * 1000,
    },
  };
}
