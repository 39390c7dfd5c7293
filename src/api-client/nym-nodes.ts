/**
 * Nym's current topology routes on the wire, as valibot schemas: what nym-api serves at
 * `/v2/unstable/nym-nodes/skimmed/*`, `/v1/nym-nodes/rewarded-set` and
 * `/v1/epoch/key-rotation-info`, in the JSON that Nym's serde derives print (Nym's
 * `nym-api/nym-api-requests/src/nym_nodes.rs`, `models/mixnet.rs`, `models/described.rs`,
 * `pagination.rs`, at the release of @nymproject/nym-client-wasm-node 1.4.1). The server
 * builds its bodies with these types and documents them with these schemas; a caller
 * reads them (untrusted) with the same schemas.
 */
import * as v from 'valibot';
import { isValidIpv6 } from '../contracts/index.js';
import { IntervalSchema, PublicKeySchema, Rfc3339Schema, u32 } from '../topology/index.js';
import { getValidated, trimSlash } from './http.js';
import type { RequestOptions } from './http.js';
import { NymApiResponseError } from './errors.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A u16 (Nym's ports are `u16`; 0 is representable). */
const u16 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
/** A `usize` count. */
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** Whether `s` is a textual IPv4 or IPv6 address (not a host name). */
export function isIpAddress(s: string): boolean {
  return IPV4.test(s) || isValidIpv6(s);
}

/** `std::net::IpAddr` as serde prints it: dotted IPv4 or textual IPv6. */
export const IpAddressSchema = v.pipe(
  v.string(),
  v.description('IPv4 or IPv6 address'),
  v.check(isIpAddress, 'is not an IP address'),
);

/** `Percent` (contracts-common `types.rs`): a cosmwasm Decimal in [0, 1], as a string. */
export const PercentSchema = v.pipe(
  v.string(),
  v.description('decimal in [0, 1], e.g. "1" or "0.95"'),
  v.regex(/^(0(\.\d{1,18})?|1(\.0{1,18})?)$/, 'is not a decimal in [0, 1]'),
);

/** `DeclaredRoles` (models/described.rs). */
export const DeclaredRolesSchema = v.object({
  mixnode: v.boolean(),
  entry: v.boolean(),
  exit_nr: v.boolean(),
  exit_ipr: v.boolean(),
});
export type DeclaredRoles = v.InferOutput<typeof DeclaredRolesSchema>;

/**
 * `NodeRole` (nym_nodes.rs), serde's externally tagged enum: `{"Mixnode":{"layer":n}}`
 * or one of the unit variants as a string.
 */
export const NodeRoleSchema = v.union([
  v.object({ Mixnode: v.object({ layer: v.picklist([1, 2, 3]) }) }),
  v.picklist(['EntryGateway', 'ExitGateway', 'Standby', 'Inactive']),
]);
export type NodeRole = v.InferOutput<typeof NodeRoleSchema>;

/** `BasicEntryInformation`: where a client opens its websocket. */
export const BasicEntryInformationSchema = v.object({
  hostname: v.nullable(v.string()),
  ws_port: u16,
  wss_port: v.nullable(u16),
});
export type BasicEntryInformation = v.InferOutput<typeof BasicEntryInformationSchema>;

/** `SkimmedNode`: the bare minimum a client needs to build Sphinx packets. */
export const SkimmedNodeSchema = v.object({
  node_id: v.pipe(u32(), v.description('mix id for mix nodes, preassigned node id for gateways')),
  ed25519_identity_pubkey: PublicKeySchema,
  ip_addresses: v.array(IpAddressSchema),
  mix_port: u16,
  x25519_sphinx_pubkey: PublicKeySchema,
  role: NodeRoleSchema,
  supported_roles: DeclaredRolesSchema,
  entry: v.nullable(BasicEntryInformationSchema),
  performance: PercentSchema,
});
export type SkimmedNode = v.InferOutput<typeof SkimmedNodeSchema>;

/** `TopologyRequestStatus` (kebab-case serde enum): `"no-updates"` or `{"fresh": Interval}`. */
export const TopologyRequestStatusSchema = v.union([
  v.literal('no-updates'),
  v.object({ fresh: IntervalSchema }),
]);

/**
 * `OffsetDateTimeJsonSchemaWrapper` as Nym prints it (`helpers.rs`,
 * overengineered_offset_date_time_serde): `2024-05-23 07:41:02.756283766 +00:00:00`.
 * Nym's reader also takes RFC 3339.
 */
export const NymDateTimeSchema = v.pipe(
  v.string(),
  v.description('date-time as Nym prints it, "YYYY-MM-DD HH:MM:SS.f +HH:MM:SS"'),
  v.regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,9} [+-]\d{2}:\d{2}:\d{2}$/, 'is not a date-time'),
);

/** `NodesResponseMetadata`. */
export const NodesResponseMetadataSchema = v.object({
  status: v.nullable(TopologyRequestStatusSchema),
  absolute_epoch_id: u32(),
  rotation_id: u32(),
  refreshed_at: NymDateTimeSchema,
});
export type NodesResponseMetadata = v.InferOutput<typeof NodesResponseMetadataSchema>;

/** `Pagination` (pagination.rs). `size` is the page size asked for (all nodes when unpaged). */
export const PaginationSchema = v.object({ total: count, page: u32(), size: count });

/** `PaginatedCachedNodesResponseV2<SkimmedNode>`. */
export const PaginatedSkimmedNodesSchema = v.object({
  metadata: NodesResponseMetadataSchema,
  nodes: v.object({ pagination: PaginationSchema, data: v.array(SkimmedNodeSchema) }),
});
export type PaginatedSkimmedNodes = v.InferOutput<typeof PaginatedSkimmedNodesSchema>;

/** `RewardedSetResponse` (models/mixnet.rs): node ids by role. */
export const RewardedSetResponseSchema = v.object({
  epoch_id: u32(),
  entry_gateways: v.array(u32()),
  exit_gateways: v.array(u32()),
  layer1: v.array(u32()),
  layer2: v.array(u32()),
  layer3: v.array(u32()),
  standby: v.array(u32()),
});
export type RewardedSetResponse = v.InferOutput<typeof RewardedSetResponseSchema>;

/** `KeyRotationState` (mixnet-contract `key_rotation.rs`). */
export const KeyRotationStateSchema = v.object({
  validity_epochs: v.pipe(u32(), v.minValue(1)),
  initial_epoch_id: u32(),
});

/** `KeyRotationInfoResponse`: `KeyRotationDetails` flattened, plus `progress`. */
export const KeyRotationInfoResponseSchema = v.object({
  key_rotation_state: KeyRotationStateSchema,
  current_absolute_epoch_id: u32(),
  current_epoch_start: Rfc3339Schema,
  epoch_duration: v.object({
    secs: v.pipe(v.number(), v.integer(), v.minValue(0)),
    nanos: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999_999)),
  }),
  progress: v.object({
    current_key_rotation_id: u32(),
    current_rotation_starting_epoch: u32(),
    current_rotation_ending_epoch: u32(),
  }),
});
export type KeyRotationInfoResponse = v.InferOutput<typeof KeyRotationInfoResponseSchema>;

/** The skimmed-node routes (under `/v2/unstable/nym-nodes/skimmed`). */
export type SkimmedRoute = '' | '/mixnodes/active' | '/mixnodes/all' | '/entry-gateways' | '/exit-gateways';

/** Nym's `consistency_check`: pages of one listing agree on status, epoch and rotation. */
function consistent(a: NodesResponseMetadata, b: NodesResponseMetadata): boolean {
  return (
    JSON.stringify(a.status) === JSON.stringify(b.status) &&
    a.absolute_epoch_id === b.absolute_epoch_id &&
    a.rotation_id === b.rotation_id
  );
}

/**
 * Every node of one skimmed listing, following pages as Nym's client does
 * (validator-client `get_all_basic_*_with_metadata`): page 0, then on until `total`.
 */
export async function fetchSkimmedNodes(
  apiUrl: string,
  route: SkimmedRoute,
  opts: RequestOptions & { perPage?: number } = {},
): Promise<{ metadata: NodesResponseMetadata; nodes: SkimmedNode[] }> {
  const base = `${trimSlash(apiUrl)}/v2/unstable/nym-nodes/skimmed${route}`;
  const pageUrl = (page: number) =>
    `${base}?page=${page}${opts.perPage === undefined ? '' : `&per_page=${opts.perPage}`}`;
  const first = await getValidated(pageUrl(0), PaginatedSkimmedNodesSchema, opts);
  const nodes = [...first.nodes.data];
  for (let page = 1; nodes.length < first.nodes.pagination.total; page++) {
    const url = pageUrl(page);
    const next = await getValidated(url, PaginatedSkimmedNodesSchema, opts);
    if (!consistent(first.metadata, next.metadata))
      throw new NymApiResponseError(url, 200, 'inconsistent_pages', 'paged metadata changed between pages');
    // An empty page before the total is reached would loop forever.
    if (next.nodes.data.length === 0)
      throw new NymApiResponseError(url, 200, 'bad_response', `page ${page} is empty before the total`);
    nodes.push(...next.nodes.data);
  }
  return { metadata: first.metadata, nodes };
}

/** `GET /v1/nym-nodes/rewarded-set`. */
export function fetchRewardedSet(apiUrl: string, opts: RequestOptions = {}): Promise<RewardedSetResponse> {
  return getValidated(`${trimSlash(apiUrl)}/v1/nym-nodes/rewarded-set`, RewardedSetResponseSchema, opts);
}

/** `GET /v1/epoch/key-rotation-info`. */
export function fetchKeyRotationInfo(
  apiUrl: string,
  opts: RequestOptions = {},
): Promise<KeyRotationInfoResponse> {
  return getValidated(`${trimSlash(apiUrl)}/v1/epoch/key-rotation-info`, KeyRotationInfoResponseSchema, opts);
}
