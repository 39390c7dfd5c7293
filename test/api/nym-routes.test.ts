/**
 * Nym's current topology routes over a real HTTP server, fed by the contract cache from an
 * in-process source of contract JSON (the chain boundary): Nym's shapes (field names and
 * types of nym-api-requests' structs), paging, no-updates, bad query parameters, CORS, the
 * generated OpenAPI document, and Nym's own wasm client (1.4.1) decoding our answers with
 * its serde structs.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import type { WasmFriendlyNymTopology } from '@nymproject/nym-client-wasm-node';
import type {
  Interval as NymInterval,
  PreassignedGatewayIdsResponse as NymPreassignedIds,
} from '@nymproject/contract-clients/Mixnet.types.js';
import { pino } from 'pino';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreassignedGatewayIdsResponse } from '../../src/contracts/index.js';
import { createRequestHandler, CACHED_ROUTES } from '../../src/api/app.js';
import { ContractCache, createMetrics, openApiDocument } from '../../src/api/index.js';
import type { ApiMetrics, MixnetSource } from '../../src/api/index.js';
import { DOCUMENTED_ROUTES } from '../../src/api/openapi.js';
import { NYM_ROUTES } from '../../src/api/nym-routes.js';
import { keyRotationInfo, nymDateTime, pageBody } from '../../src/api/nym-nodes.js';
import {
  fetchKeyRotationInfo,
  fetchRewardedSet,
  fetchSkimmedNodes,
  KeyRotationInfoResponseSchema,
  PaginatedSkimmedNodesSchema,
  RewardedSetResponseSchema,
} from '../../src/api-client/index.js';
import type { SkimmedNode } from '../../src/api-client/index.js';
import type { Interval } from '../../src/contracts/index.js';

// Nymph's types are Nym's (compile-time: a mismatch fails `tsc`).
type Fields<T> = { [K in keyof T]: T[K] };
const sameIds: PreassignedGatewayIdsResponse = {} as NymPreassignedIds;
const sameIdsBack: NymPreassignedIds = {} as PreassignedGatewayIdsResponse;
const sameInterval: NymInterval = {} as Fields<Interval>;
const sameIntervalBack: Interval = {} as NymInterval;
void [sameIds, sameIdsBack, sameInterval, sameIntervalBack];

const enc = new TextEncoder();
const secret = (label: string) => sha256(enc.encode(label));
const identity = (label: string) => base58.encode(ed25519.getPublicKey(secret(`id-${label}`)));
const sphinx = (label: string) => base58.encode(x25519.getPublicKey(secret(`sp-${label}`)));

const INTERVAL: Interval = {
  id: 2,
  epochs_in_interval: 720,
  current_epoch_start: new Date(Date.now() - 60_000).toISOString().slice(0, 19) + 'Z',
  current_epoch_id: 5,
  epoch_length: { secs: 3600, nanos: 0 },
  total_elapsed_epochs: 50,
};

const mix = (id: number, layer: 1 | 2 | 3, host: string) => ({
  bond_information: {
    mix_id: id,
    owner: `n1mix${id}`,
    original_pledge: { denom: 'unym', amount: '100000000' },
    layer,
    mix_node: {
      host,
      mix_port: 1700 + id,
      verloc_port: 1800 + id,
      http_api_port: 1900 + id,
      sphinx_key: sphinx(`mix-${id}`),
      identity_key: identity(`mix-${id}`),
      version: '0.1.0',
    },
    proxy: null,
    bonding_height: 1,
    is_unbonding: false,
  },
  rewarding_details: {
    cost_params: { profit_margin_percent: '0.1', interval_operating_cost: { denom: 'unym', amount: '1' } },
    operator: '100000000',
    delegates: '0',
    unique_delegations: 0,
  },
});

const gateway = (label: string, host: string, clientsPort: number) => ({
  pledge_amount: { denom: 'unym', amount: '100000000' },
  owner: `n1${label}`,
  block_height: 2,
  gateway: {
    host,
    mix_port: 1789,
    clients_port: clientsPort,
    location: 'loopback',
    sphinx_key: sphinx(label),
    identity_key: identity(label),
    version: '0.1.0',
  },
  proxy: null,
});

// 1..3 active on layers 1..3, 4 standby (host name), 5 active but its host does not
// resolve, 6 bonded but inactive; gateways a (7) and b (8, host name) have node ids, c none.
const MIXNODES = [
  mix(1, 1, '127.0.0.1'),
  mix(2, 2, '127.0.0.1'),
  mix(3, 3, '127.0.0.1'),
  mix(4, 1, 'localhost'),
  mix(5, 2, 'no-such-host.invalid'),
  mix(6, 3, '127.0.0.1'),
];
const GATEWAYS = [
  gateway('gw-a', '127.0.0.1', 9000),
  gateway('gw-b', 'localhost', 9100),
  gateway('gw-c', '127.0.0.1', 9200),
];
const REWARDED = new Map<unknown, unknown>([
  [1, 'active'],
  [2, 'active'],
  [3, 'active'],
  [4, 'standby'],
  [5, 'active'],
]);
const GATEWAY_IDS = [
  { identity: identity('gw-a'), node_id: 7 },
  { identity: identity('gw-b'), node_id: 8 },
];

/** The field names of Nym's structs, in declaration order (serde prints them so). */
const SKIMMED_NODE_FIELDS = [
  'node_id',
  'ed25519_identity_pubkey',
  'ip_addresses',
  'mix_port',
  'x25519_sphinx_pubkey',
  'role',
  'supported_roles',
  'entry',
  'performance',
];
const METADATA_FIELDS = ['status', 'absolute_epoch_id', 'rotation_id', 'refreshed_at'];

interface Running {
  server: Server;
  url: string;
  cache: ContractCache;
  metrics: ApiMetrics;
}

async function serve(source: MixnetSource, corsAllowedOrigins: string[] = []): Promise<Running> {
  const metrics = createMetrics();
  const cache = new ContractCache({
    source,
    refreshIntervalMs: 60_000,
    retryBackoffMs: 100,
    timeoutMs: 5000,
    logger: pino({ level: 'silent' }),
    metrics,
  });
  await cache.start();
  const server = createServer(
    createRequestHandler({
      cache,
      issuer: null,
      metrics,
      logger: pino({ level: 'silent' }),
      maxBodyBytes: 64 * 1024,
      requestTimeoutMs: 5000,
      openapi: Buffer.from(JSON.stringify(openApiDocument('test'))),
      corsAllowedOrigins,
      startedAt: Date.now(),
      shutdown: new AbortController().signal,
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cache, metrics };
}

const source = (gatewayIds: unknown[] | null = GATEWAY_IDS): MixnetSource => ({
  getMixNodesDetailed: async () => structuredClone(MIXNODES),
  getGateways: async () => structuredClone(GATEWAYS),
  getRewardedSet: async () => REWARDED,
  getCurrentInterval: async () => ({ interval: INTERVAL, current_blocktime: 0 }),
  getPreassignedGatewayIds: async () => gatewayIds,
});

let net: Running;
const get = async (path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${net.url}${path}`, { headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : null };
};
const SK = '/v2/unstable/nym-nodes/skimmed';

beforeAll(async () => {
  net = await serve(source(), ['https://app.example']);
});
afterAll(async () => {
  await net?.cache.stop();
  await new Promise<void>((r) => net?.server.close(() => r()));
});

describe("Nym's skimmed-node routes", () => {
  it('answer PaginatedCachedNodesResponseV2 with SkimmedNode fields as Nym prints them', async () => {
    const r = await get(`${SK}/mixnodes/active?page=0&output=bincode`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    // Nym's active listing expires at the epoch's end plus 2 minutes (RFC 7231 date).
    const expires = Date.parse(r.headers.get('expires')!);
    expect(expires).toBe(Date.parse(INTERVAL.current_epoch_start) + 3600_000 + 120_000);
    expect(Object.keys(r.body)).toEqual(['metadata', 'nodes']);
    expect(Object.keys(r.body.metadata)).toEqual(METADATA_FIELDS);
    expect(Object.keys(r.body.nodes)).toEqual(['pagination', 'data']);
    expect(Object.keys(r.body.nodes.pagination)).toEqual(['total', 'page', 'size']);
    expect(r.body.metadata).toMatchObject({
      status: { fresh: INTERVAL },
      absolute_epoch_id: 50,
      rotation_id: 2, // 50 / 24, Nym's default validity
    });
    // Nym's human-readable OffsetDateTime: "2024-05-23 07:41:02.756 +00:00:00".
    expect(r.body.metadata.refreshed_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9} \+00:00:00$/);
    expect(r.body.nodes.pagination).toEqual({ total: 4, page: 0, size: 4 });
    const nodes: SkimmedNode[] = r.body.nodes.data;
    for (const n of nodes) expect(Object.keys(n)).toEqual(SKIMMED_NODE_FIELDS);
    // Standby is in Nym's "active" listing; inactive and unresolvable nodes are not.
    expect(nodes.map((n) => n.node_id)).toEqual([1, 2, 3, 4]);
    expect(nodes.map((n) => n.role)).toEqual([
      { Mixnode: { layer: 1 } },
      { Mixnode: { layer: 2 } },
      { Mixnode: { layer: 3 } },
      'Standby',
    ]);
    expect(nodes[0]).toEqual({
      node_id: 1,
      ed25519_identity_pubkey: identity('mix-1'),
      ip_addresses: ['127.0.0.1'],
      mix_port: 1701,
      x25519_sphinx_pubkey: sphinx('mix-1'),
      role: { Mixnode: { layer: 1 } },
      supported_roles: { mixnode: true, entry: false, exit_nr: false, exit_ipr: false },
      entry: null,
      performance: '1',
    });
    expect(nodes[3].ip_addresses).toContain('127.0.0.1'); // "localhost", resolved
    expect(v.safeParse(PaginatedSkimmedNodesSchema, r.body).success).toBe(true);
  });

  it('list every mix node, the gateways with node ids as entry gateways, and no exit gateway', async () => {
    const all = await get(`${SK}/mixnodes/all`);
    expect(all.body.nodes.data.map((n: SkimmedNode) => [n.node_id, n.role])).toEqual([
      [1, { Mixnode: { layer: 1 } }],
      [2, { Mixnode: { layer: 2 } }],
      [3, { Mixnode: { layer: 3 } }],
      [4, 'Standby'],
      [6, 'Inactive'],
    ]);
    const entry = await get(`${SK}/entry-gateways?page=0&output=bincode`);
    expect(entry.status).toBe(200);
    expect(entry.headers.get('expires')).toBeNull();
    expect(entry.body.nodes.data).toEqual([
      {
        node_id: 7,
        ed25519_identity_pubkey: identity('gw-a'),
        ip_addresses: ['127.0.0.1'],
        mix_port: 1789,
        x25519_sphinx_pubkey: sphinx('gw-a'),
        role: 'EntryGateway',
        supported_roles: { mixnode: false, entry: true, exit_nr: false, exit_ipr: false },
        entry: { hostname: null, ws_port: 9000, wss_port: null },
        performance: '1',
      },
      expect.objectContaining({
        node_id: 8,
        entry: { hostname: 'localhost', ws_port: 9100, wss_port: null },
      }),
    ]);
    const exit = await get(`${SK}/exit-gateways`);
    expect(exit.body.nodes).toEqual({ pagination: { total: 0, page: 0, size: 0 }, data: [] });
    expect(exit.body.metadata.status).toEqual({ fresh: INTERVAL });

    // The all-nodes route: no status, mix nodes and gateways together; `role` narrows it.
    const every = await get(SK);
    expect(every.body.metadata.status).toBeNull();
    expect(every.body.nodes.data.map((n: SkimmedNode) => n.node_id)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect((await get(`${SK}/`)).text).toBe(every.text);
    const byRole = await get(`${SK}?role=entry`);
    expect(byRole.text).toBe(entry.text);

    // What was left out is counted by its code.
    const text = await net.metrics.registry.metrics();
    expect(text).toMatch(/nym_api_cache_skipped_nodes_total\{kind="gateway",reason="no_node_id"\} 1/);
    expect(text).toMatch(/nym_api_cache_skipped_nodes_total\{kind="mixnode",reason="unresolvable_host"\} 1/);
  });

  it('page with page/per_page, and a caller following pages gets every node once', async () => {
    const p0 = await get(`${SK}/mixnodes/all?page=0&per_page=2`);
    expect(p0.body.nodes.pagination).toEqual({ total: 5, page: 0, size: 2 });
    expect(p0.body.nodes.data.map((n: SkimmedNode) => n.node_id)).toEqual([1, 2]);
    const p2 = await get(`${SK}/mixnodes/all?page=2&per_page=2`);
    expect(p2.body.nodes.data.map((n: SkimmedNode) => n.node_id)).toEqual([6]);
    const p9 = await get(`${SK}/mixnodes/all?page=9&per_page=2`);
    expect(p9.body.nodes).toEqual({ pagination: { total: 5, page: 9, size: 2 }, data: [] });
    // Unpaged, everything is on page 0 (as Nym at this release); page 1 is empty.
    const p1 = await get(`${SK}/mixnodes/all?page=1`);
    expect(p1.body.nodes).toEqual({ pagination: { total: 5, page: 1, size: 5 }, data: [] });
    // A page has its own ETag and answers 304 to it.
    const again = await fetch(`${net.url}${SK}/mixnodes/all?page=0&per_page=2`, {
      headers: { 'if-none-match': p0.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(p0.headers.get('etag')).not.toBe((await get(`${SK}/mixnodes/all`)).headers.get('etag'));

    const paged = await fetchSkimmedNodes(net.url, '/mixnodes/all', { perPage: 2 });
    const whole = await fetchSkimmedNodes(net.url, '/mixnodes/all');
    expect(paged.nodes).toEqual(whole.nodes);
    expect(paged.nodes.map((n) => n.node_id)).toEqual([1, 2, 3, 4, 6]);
  });

  it('answer "no-updates" to a caller that already has the current epoch', async () => {
    const r = await get(`${SK}/mixnodes/active?epoch_id=${INTERVAL.current_epoch_id}`);
    expect(r.body).toEqual({
      metadata: {
        status: 'no-updates',
        absolute_epoch_id: 50,
        rotation_id: 2,
        refreshed_at: expect.stringMatching(/ \+00:00:00$/),
      },
      nodes: { pagination: { total: 0, page: 0, size: 0 }, data: [] },
    });
    expect(v.safeParse(PaginatedSkimmedNodesSchema, r.body).success).toBe(true);
    const older = await get(`${SK}/mixnodes/active?epoch_id=4`);
    expect(older.body.nodes.data).toHaveLength(4);
    // The all-nodes route ignores epoch_id, as Nym's.
    expect((await get(`${SK}?epoch_id=5`)).body.nodes.data).toHaveLength(7);
  });

  it.each([
    [`${SK}/mixnodes/active?page=-1`, 'page'],
    [`${SK}/mixnodes/active?page=x`, 'page'],
    [`${SK}/mixnodes/active?page=4294967296`, 'page'],
    [`${SK}/mixnodes/active?per_page=0`, 'per_page'],
    [`${SK}/entry-gateways?output=xml`, 'output'],
    [`${SK}/entry-gateways?no_legacy=yes`, 'no_legacy'],
    [`${SK}/entry-gateways?epoch_id=1.5`, 'epoch_id'],
    [`${SK}/entry-gateways?page=0&page=1`, 'page'],
    [`${SK}?role=mixnode`, 'role'],
    ['/v1/nym-nodes/rewarded-set?output=toml', 'output'],
    ['/v1/epoch/key-rotation-info?output=', 'output'],
  ])('refuse %s with invalid_request naming %s', async (path, field) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', field });
  });

  it('answer HEAD as GET without a body', async () => {
    const r = await fetch(`${net.url}${SK}/entry-gateways`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe((await get(`${SK}/entry-gateways`)).headers.get('etag'));
    expect(await r.text()).toBe('');
  });

  it('ignore unknown query parameters, as serde does', async () => {
    const r = await get(`${SK}/mixnodes/active?page=0&something_new=1`);
    expect(r.status).toBe(200);
    expect(r.body.nodes.data).toHaveLength(4);
  });
});

describe('rewarded set and key rotation', () => {
  it("answer Nym's RewardedSetResponse: node ids by role", async () => {
    const r = await get('/v1/nym-nodes/rewarded-set?output=bincode');
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBeTruthy();
    expect(Object.keys(r.body)).toEqual([
      'epoch_id',
      'entry_gateways',
      'exit_gateways',
      'layer1',
      'layer2',
      'layer3',
      'standby',
    ]);
    // Node 5 is in the contract's active set but left out (its host does not resolve).
    expect(r.body).toEqual({
      epoch_id: 50,
      entry_gateways: [7, 8],
      exit_gateways: [],
      layer1: [1],
      layer2: [2, 5],
      layer3: [3],
      standby: [4],
    });
    expect(await fetchRewardedSet(net.url)).toEqual(r.body);
    expect(v.safeParse(RewardedSetResponseSchema, r.body).success).toBe(true);
  });

  it("answer Nym's KeyRotationInfoResponse over the contract's epochs", async () => {
    const r = await get('/v1/epoch/key-rotation-info');
    expect(r.body).toEqual({
      key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 },
      current_absolute_epoch_id: 50,
      current_epoch_start: INTERVAL.current_epoch_start,
      epoch_duration: { secs: 3600, nanos: 0 },
      progress: {
        current_key_rotation_id: 2,
        current_rotation_starting_epoch: 48,
        current_rotation_ending_epoch: 71,
      },
    });
    expect(await fetchKeyRotationInfo(net.url)).toEqual(r.body);
    expect(v.safeParse(KeyRotationInfoResponseSchema, r.body).success).toBe(true);
    // Nym's own vectors (mixnet-contract key_rotation.rs): validity 24 from epoch 0.
    const at = (abs: number) => keyRotationInfo({ ...INTERVAL, total_elapsed_epochs: abs }, 24).progress;
    expect([0, 23, 24, 47, 48].map((e) => at(e).current_key_rotation_id)).toEqual([0, 0, 1, 1, 2]);
    expect(at(47)).toEqual({
      current_key_rotation_id: 1,
      current_rotation_starting_epoch: 24,
      current_rotation_ending_epoch: 47,
    });
  });
});

describe("Nym's wasm client (1.4.1) reads the topology", () => {
  it('currentNetworkTopology decodes our answers with its serde structs', async () => {
    const require = createRequire(import.meta.url);
    const wasm =
      require('@nymproject/nym-client-wasm-node') as typeof import('@nymproject/nym-client-wasm-node');
    // It calls /v1/nym-nodes/rewarded-set, then the active mix nodes and the entry gateways.
    const topology = (await wasm.currentNetworkTopology(net.url)) as WasmFriendlyNymTopology;
    const details = topology.nodeDetails;
    expect([...details.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 7, 8]);
    const gw = details.get(7)!;
    expect(gw.identityKey).toBe(identity('gw-a'));
    expect(gw.sphinxKey).toBe(sphinx('gw-a'));
    expect(gw.entry).toMatchObject({ clients_ws_port: 9000 });
    expect(details.get(8)!.entry).toMatchObject({ hostname: 'localhost', clients_ws_port: 9100 });
    expect(details.get(1)!.mixHost).toBe('127.0.0.1:1701');
    expect(topology.metadata).toMatchObject({ key_rotation_id: 2, absolute_epoch_id: 50 });
  }, 60_000);
});

describe('gateways without a node id', () => {
  it('are left out of the Nym routes when the contract does not answer get_preassigned_gateway_ids', async () => {
    const bare = await serve(source(null));
    try {
      const entry = await fetch(`${bare.url}${SK}/entry-gateways`).then((r) => r.json());
      expect(entry.nodes.data).toEqual([]);
      const rs = await fetch(`${bare.url}/v1/nym-nodes/rewarded-set`).then((r) => r.json());
      expect(rs.entry_gateways).toEqual([]);
      // The Coconut-era routes still list every gateway.
      const gws = await fetch(`${bare.url}/v1/gateways`).then((r) => r.json());
      expect(gws).toHaveLength(3);
      const text = await bare.metrics.registry.metrics();
      expect(text).toMatch(/nym_api_cache_skipped_nodes_total\{kind="gateway",reason="no_node_id"\} 3/);
    } finally {
      await bare.cache.stop();
      await new Promise<void>((r) => bare.server.close(() => r()));
    }
  });
});

describe('CORS', () => {
  it('lets allowed origins read answers and refuses the preflight of others', async () => {
    const allowed = await get(`${SK}/mixnodes/active`, { origin: 'https://app.example' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('vary')).toBe('Origin');
    expect(allowed.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    const other = await get(`${SK}/mixnodes/active`, { origin: 'https://evil.example' });
    expect(other.status).toBe(200); // served, but a browser will not let the page read it
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toBe('Origin');
    expect((await get('/v1/topology')).headers.get('access-control-allow-origin')).toBeNull();

    const preflight = (origin: string) =>
      fetch(`${net.url}/v1/coconut/bandwidth/blind-sign`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const ok = await preflight('https://app.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({
      code: 'cors_origin_not_allowed',
      origin: 'https://evil.example',
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers * only when configured so, and nothing by default', async () => {
    const any = await serve(source(), ['*']);
    const none = await serve(source());
    try {
      const a = await fetch(`${any.url}/v1/nym-nodes/rewarded-set`, {
        headers: { origin: 'https://x.example' },
      });
      expect(a.headers.get('access-control-allow-origin')).toBe('*');
      expect(a.headers.get('vary')).toBeNull();
      const n = await fetch(`${none.url}/v1/nym-nodes/rewarded-set`, {
        headers: { origin: 'https://x.example' },
      });
      expect(n.headers.get('access-control-allow-origin')).toBeNull();
      const p = await fetch(`${none.url}/v1/topology`, {
        method: 'OPTIONS',
        headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' },
      });
      expect(p.status).toBe(403);
    } finally {
      for (const s of [any, none]) {
        await s.cache.stop();
        await new Promise<void>((r) => s.server.close(() => r()));
      }
    }
  });
});

describe('the OpenAPI document', () => {
  const doc = openApiDocument('test') as {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, any>>;
    components: { schemas: Record<string, unknown> };
  };

  it('lists every route the server answers', () => {
    const served = [
      ...[...CACHED_ROUTES.keys()].map((p) => `GET ${p}`),
      ...[...NYM_ROUTES.keys()].filter((p) => !p.endsWith('/')).map((p) => `GET ${p}`),
      'GET /v1/coconut/verification-key',
      'POST /v1/coconut/bandwidth/blind-sign',
      'POST /v1/coconut/bandwidth/verify-bandwidth-credential',
      'GET /health',
      'GET /metrics',
      'GET /openapi.json',
    ];
    expect([...DOCUMENTED_ROUTES].sort()).toEqual([...new Set(served)].sort());
    for (const r of served) {
      const [method, path] = r.split(' ');
      expect(doc.paths[path]?.[method.toLowerCase()], r).toBeDefined();
    }
  });

  it('is structurally an OpenAPI 3.0 document whose references all resolve', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    const refs: string[] = [];
    // Keywords a 3.0 Schema Object does not have (JSON Schema 2019+/draft-07 only).
    const NOT_OAS30 = [
      '$schema',
      '$defs',
      'definitions',
      'const',
      'prefixItems',
      'if',
      'then',
      'else',
      'examples',
    ];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${where}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if (typeof o.$ref === 'string') {
        refs.push(o.$ref);
        expect(Object.keys(o), `${where}: nothing beside $ref`).toEqual(['$ref']);
      }
      if ('type' in o && where.includes('schema')) {
        expect(['string', 'number', 'integer', 'boolean', 'array', 'object']).toContain(o.type);
      }
      for (const k of NOT_OAS30)
        if (where.includes('schema')) expect(o, `${where}.${k}`).not.toHaveProperty(k);
      for (const [k, x] of Object.entries(o)) walk(x, `${where}.${k}`);
    };
    walk(doc.components.schemas, 'components.schemas');
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post']).toContain(method);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [status, resp] of Object.entries(op.responses as Record<string, any>)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof resp.description).toBe('string');
        }
        for (const p of op.parameters ?? []) {
          expect(['query', 'header', 'path']).toContain(p.in);
          expect(typeof p.name).toBe('string');
          expect(p.schema).toBeTypeOf('object');
        }
        walk(op, `paths.${path}.${method}`);
      }
    }
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty(ref.slice('#/components/schemas/'.length));
    }
    // Query parameters are documented as parsed: integers, booleans, enums.
    const params = doc.paths[`${SK}/entry-gateways`].get.parameters;
    expect(params.find((p: any) => p.name === 'page').schema).toMatchObject({ type: 'integer', minimum: 0 });
    expect(params.find((p: any) => p.name === 'output').schema.enum).toEqual(['json', 'yaml', 'bincode']);
    expect(doc.components.schemas.SkimmedNode).toMatchObject({ required: SKIMMED_NODE_FIELDS });
  });

  it('is what /openapi.json serves', async () => {
    const r = await get('/openapi.json');
    expect(r.body).toEqual(doc);
  });
});

describe('body builders', () => {
  it("print dates as Nym's nym-api does", () => {
    expect(nymDateTime(Date.UTC(2024, 4, 23, 7, 41, 2, 756))).toBe('2024-05-23 07:41:02.756 +00:00:00');
    expect(nymDateTime(Date.UTC(1970, 0, 1, 0, 0, 0, 1))).toBe('1970-01-01 00:00:00.001 +00:00:00');
    expect(nymDateTime(Date.UTC(2026, 0, 1, 0, 0, 0, 500))).toBe('2026-01-01 00:00:00.5 +00:00:00');
    expect(nymDateTime(Date.UTC(2026, 0, 1))).toBe('2026-01-01 00:00:00.0 +00:00:00');
  });

  it('page pre-serialised nodes', () => {
    const nodes = ['{"a":1}', '{"a":2}', '{"a":3}'];
    const parse = (s: string) => JSON.parse(s).nodes;
    expect(parse(pageBody(nodes, 'null', 0))).toEqual({
      pagination: { total: 3, page: 0, size: 3 },
      data: [{ a: 1 }, { a: 2 }, { a: 3 }],
    });
    expect(parse(pageBody(nodes, 'null', 1, 2)).data).toEqual([{ a: 3 }]);
    expect(parse(pageBody(nodes, 'null', 4294967295, 4294967295)).data).toEqual([]);
    expect(parse(pageBody([], 'null', 0)).pagination).toEqual({ total: 0, page: 0, size: 0 });
  });
});
