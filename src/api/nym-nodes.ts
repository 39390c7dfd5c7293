/**
 * Nym's current topology bodies built from the contract cache's validated bonds. Pure:
 * addresses, gateway node ids and the time come in; JSON text goes out.
 *
 * How Nymph's Coconut-era bonds map onto Nym's skimmed nodes (nym-api
 * `unstable_routes/v2/nym_nodes/skimmed/helpers.rs`, `models/described.rs` to_skimmed_node):
 * - `node_id`: the mix id of a mix node; a gateway's preassigned id (the contract numbers
 *   gateways from the same counter as mix ids). A gateway without one is left out.
 * - `ip_addresses`: the bond's host when it is an IP, else its resolved addresses (a host
 *   that does not resolve leaves the node out); `entry.hostname` is the host name if any.
 * - `role`: an active mix node is `{"Mixnode":{"layer":n}}` with its bond's layer, standby
 *   is `"Standby"`, any other `"Inactive"`; every gateway is an `"EntryGateway"` (Nymph's
 *   gateways run no network requester or IP router, so none declares an exit role).
 * - `performance`: "1". Nymph runs no network monitor, and Nym clients drop nodes below
 *   their minimum performance.
 * - `entry.ws_port` is the gateway's `clients_port`; `entry.wss_port` is the `wss` port the
 *   gateway announced with its keys (sphinx-keys.ts, Nym's self-described
 *   `mixnet_websockets`), null when it announced none (no TLS, or not yet announced).
 * - `entry.hostname` is the bond's host when that is a DNS name, null when it is an IP
 *   address: the host the gateway's certificate is made for (src/gateway/tls.ts). Nym's
 *   clients open `wss://hostname:wss_port` only when both are there (common/topology
 *   `node.rs` ws_entry_address_tls), so a gateway bonded by IP (localnet) is reached over
 *   `ws://ip:ws_port` even when it offers `wss`.
 */
import type { Interval, MixNodeDetails, RewardedSetNodeStatus } from '../contracts/index.js';
import { isIpAddress } from '../api-client/nym-nodes.js';
import type {
  KeyRotationInfoResponse,
  NodeRole,
  NodesResponseMetadata,
  RewardedSetResponse,
  SkimmedNode,
} from '../api-client/nym-nodes.js';
import type { DescribedGatewayBond } from './sphinx-keys.js';

/** Nym's default key validity (mixnet-contract `msg.rs`, `key_validity_in_epochs`: 24). */
export const DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS = 24;

/** Roles a Nymph node declares (Nym's `DeclaredRoles`). */
const MIXNODE_ROLES = { mixnode: true, entry: false, exit_nr: false, exit_ipr: false } as const;
const GATEWAY_ROLES = { mixnode: false, entry: true, exit_nr: false, exit_ipr: false } as const;

/** The listings under `/v2/unstable/nym-nodes/skimmed`. */
export type NymListing = 'all' | 'mixnodes_active' | 'mixnodes_all' | 'entry_gateways' | 'exit_gateways';

/** What the Nym bodies need beyond the bonds. */
export interface NymInputs {
  /** Gateway identity key -> preassigned node id (`get_preassigned_gateway_ids`). */
  gatewayIds: ReadonlyMap<string, number>;
  /** Host name -> its addresses (IP hosts need no entry). */
  addresses: ReadonlyMap<string, readonly string[]>;
  keyRotationValidityEpochs: number;
}

/** A node left out of Nym's listings, and why (bounded codes, for metrics). */
export interface NymSkip {
  kind: 'mixnode' | 'gateway';
  id: number | string;
  code: 'no_node_id' | 'unresolvable_host' | 'duplicate_node_id';
}

/** A node with the facts the listings filter on. */
interface Listed {
  node: SkimmedNode;
  isMixnode: boolean;
  inactive: boolean;
}

export interface NymBodies {
  /** Pre-serialised node objects of each listing, ordered by node id. */
  listings: Record<NymListing, string[]>;
  /** `metadata` JSON with status `{"fresh": interval}` (role listings) and with status null (all). */
  metadataFresh: string;
  metadataPlain: string;
  rewardedSet: RewardedSetResponse;
  keyRotation: KeyRotationInfoResponse;
  /** `current_epoch_id`: a caller sending it as `epoch_id` gets "no-updates". */
  currentEpochId: number;
  absoluteEpochId: number;
  rotationId: number;
  /** `Expires` of the active listing: the epoch's end plus 2 minutes, as Nym. */
  activeExpires: string;
  skipped: NymSkip[];
}

/**
 * `OffsetDateTime` as Nym's nym-api prints it (`helpers.rs`,
 * overengineered_offset_date_time_serde): `YYYY-MM-DD HH:MM:SS.f +00:00:00`, the fraction
 * without trailing zeros and at least one digit.
 */
export function nymDateTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = iso.slice(20, 23).replace(/0+$/, '') || '0';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac} +00:00:00`;
}

/** ms since the Unix epoch of an RFC 3339 time (the interval's, checked by its schema). */
function epochStartMs(interval: Interval): number {
  return Date.parse(interval.current_epoch_start);
}

export function keyRotationInfo(interval: Interval, validityEpochs: number): KeyRotationInfoResponse {
  // Nym's KeyRotationState: rotation id = (absolute epoch - initial epoch) / validity.
  const initial = 0;
  const absolute = interval.total_elapsed_epochs;
  const rotationId = Math.floor(Math.max(0, absolute - initial) / validityEpochs);
  const start = initial + validityEpochs * rotationId;
  return {
    key_rotation_state: { validity_epochs: validityEpochs, initial_epoch_id: initial },
    current_absolute_epoch_id: absolute,
    current_epoch_start: interval.current_epoch_start,
    epoch_duration: { secs: interval.epoch_length.secs, nanos: interval.epoch_length.nanos },
    progress: {
      current_key_rotation_id: rotationId,
      current_rotation_starting_epoch: start,
      current_rotation_ending_epoch: start + validityEpochs - 1,
    },
  };
}

function addressesOf(host: string, inputs: NymInputs): string[] {
  if (isIpAddress(host)) return [host];
  return [...(inputs.addresses.get(host) ?? [])];
}

function mixRole(d: MixNodeDetails, status: RewardedSetNodeStatus | undefined): NodeRole {
  if (status === 'active') return { Mixnode: { layer: d.bond_information.layer } };
  return status === 'standby' ? 'Standby' : 'Inactive';
}

/** Build every Nym body of one snapshot. */
export function buildNymBodies(
  mixnodes: readonly MixNodeDetails[],
  gateways: readonly DescribedGatewayBond[],
  rewardedSet: ReadonlyMap<number, RewardedSetNodeStatus>,
  interval: Interval,
  builtAt: number,
  inputs: NymInputs,
): NymBodies {
  const skipped: NymSkip[] = [];
  const listed: Listed[] = [];
  const usedIds = new Set<number>();

  for (const d of mixnodes) {
    const b = d.bond_information;
    const ips = addressesOf(b.mix_node.host, inputs);
    if (ips.length === 0) {
      skipped.push({ kind: 'mixnode', id: b.mix_id, code: 'unresolvable_host' });
      continue;
    }
    const status = rewardedSet.get(b.mix_id);
    usedIds.add(b.mix_id);
    listed.push({
      isMixnode: true,
      inactive: status === undefined,
      node: {
        node_id: b.mix_id,
        ed25519_identity_pubkey: b.mix_node.identity_key,
        ip_addresses: ips,
        mix_port: b.mix_node.mix_port,
        x25519_sphinx_pubkey: b.mix_node.sphinx_key,
        role: mixRole(d, status),
        supported_roles: { ...MIXNODE_ROLES },
        entry: null,
        performance: '1',
      },
    });
  }

  const entryIds: number[] = [];
  for (const g of gateways) {
    const gw = g.gateway;
    const nodeId = inputs.gatewayIds.get(gw.identity_key);
    if (nodeId === undefined) {
      skipped.push({ kind: 'gateway', id: gw.identity_key, code: 'no_node_id' });
      continue;
    }
    // The contract numbers mix nodes and gateways from one counter; a clash is its bug.
    if (usedIds.has(nodeId)) {
      skipped.push({ kind: 'gateway', id: gw.identity_key, code: 'duplicate_node_id' });
      continue;
    }
    // In the rewarded set whatever its address, as Nym's set is the contract's.
    usedIds.add(nodeId);
    entryIds.push(nodeId);
    const ips = addressesOf(gw.host, inputs);
    if (ips.length === 0) {
      skipped.push({ kind: 'gateway', id: gw.identity_key, code: 'unresolvable_host' });
      continue;
    }
    listed.push({
      isMixnode: false,
      inactive: false,
      node: {
        node_id: nodeId,
        ed25519_identity_pubkey: gw.identity_key,
        ip_addresses: ips,
        mix_port: gw.mix_port,
        x25519_sphinx_pubkey: gw.sphinx_key,
        role: 'EntryGateway',
        supported_roles: { ...GATEWAY_ROLES },
        entry: {
          hostname: isIpAddress(gw.host) ? null : gw.host,
          ws_port: gw.clients_port,
          wss_port: g.mixnet_websockets?.wss_port ?? null,
        },
        performance: '1',
      },
    });
  }
  listed.sort((a, b) => a.node.node_id - b.node.node_id);

  const json = new Map(listed.map((l) => [l, JSON.stringify(l.node)]));
  const pick = (f: (l: Listed) => boolean): string[] => listed.filter(f).map((l) => json.get(l)!);

  const keyRotation = keyRotationInfo(interval, inputs.keyRotationValidityEpochs);
  const rotationId = keyRotation.progress.current_key_rotation_id;
  const metadata = (status: NodesResponseMetadata['status']): NodesResponseMetadata => ({
    status,
    absolute_epoch_id: interval.total_elapsed_epochs,
    rotation_id: rotationId,
    refreshed_at: nymDateTime(builtAt),
  });

  const layer = (n: 1 | 2 | 3): number[] =>
    mixnodes
      .filter(
        (d) => rewardedSet.get(d.bond_information.mix_id) === 'active' && d.bond_information.layer === n,
      )
      .map((d) => d.bond_information.mix_id);
  const epochEnd =
    epochStartMs(interval) +
    interval.epoch_length.secs * 1000 +
    Math.floor(interval.epoch_length.nanos / 1e6);

  return {
    listings: {
      all: pick(() => true),
      // Nym's "active" mixing listing keeps every role but Inactive (standby included).
      mixnodes_active: pick((l) => l.isMixnode && !l.inactive),
      mixnodes_all: pick((l) => l.isMixnode),
      entry_gateways: pick((l) => l.node.supported_roles.entry),
      exit_gateways: pick((l) => l.node.supported_roles.exit_nr && l.node.supported_roles.exit_ipr),
    },
    metadataFresh: JSON.stringify(metadata({ fresh: interval })),
    metadataPlain: JSON.stringify(metadata(null)),
    rewardedSet: {
      epoch_id: interval.total_elapsed_epochs,
      entry_gateways: entryIds.sort((a, b) => a - b),
      exit_gateways: [],
      layer1: layer(1),
      layer2: layer(2),
      layer3: layer(3),
      standby: mixnodes
        .filter((d) => rewardedSet.get(d.bond_information.mix_id) === 'standby')
        .map((d) => d.bond_information.mix_id),
    },
    keyRotation,
    currentEpochId: interval.current_epoch_id,
    absoluteEpochId: interval.total_elapsed_epochs,
    rotationId,
    activeExpires: new Date(epochEnd + 120_000).toUTCString(),
    skipped,
  };
}

/**
 * One page of a listing, as Nym's `PaginatedCachedNodesResponseV2` (field order as Nym's
 * structs declare them). Without `perPage` every node is on page 0 (Nym at this release
 * ignores paging and answers everything with `page: 0, size: total`).
 */
export function pageBody(nodes: readonly string[], metadata: string, page: number, perPage?: number): string {
  const total = nodes.length;
  const size = perPage ?? total;
  const start = perPage === undefined ? (page === 0 ? 0 : total) : Math.min(total, page * perPage);
  const data = nodes.slice(start, perPage === undefined ? total : Math.min(total, start + perPage));
  return `{"metadata":${metadata},"nodes":{"pagination":{"total":${total},"page":${page},"size":${size}},"data":[${data.join(',')}]}}`;
}

/** The "no-updates" answer to a caller that already has this epoch (Nym's `no_updates`). */
export function noUpdatesBody(absoluteEpochId: number, rotationId: number, now: number): string {
  const metadata: NodesResponseMetadata = {
    status: 'no-updates',
    absolute_epoch_id: absoluteEpochId,
    rotation_id: rotationId,
    refreshed_at: nymDateTime(now),
  };
  return `{"metadata":${JSON.stringify(metadata)},"nodes":{"pagination":{"total":0,"page":0,"size":0},"data":[]}}`;
}
