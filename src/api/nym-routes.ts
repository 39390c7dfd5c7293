/**
 * Nym's current topology routes, served from the contract cache's snapshot like the
 * Coconut-era ones: the unpaged bodies are pre-serialised with an ETag, a page is joined
 * from pre-serialised nodes. Routes and query parameters as nym-api's at the release of
 * @nymproject/nym-client-wasm-node 1.4.1 (`nym-api/src/unstable_routes/v2/nym_nodes/`,
 * `nym_nodes/handlers/mod.rs`, `mixnet_contract_cache/handlers.rs`).
 *
 * Every answer is `application/json`, whatever `output` asks for: Nym's HTTP client decodes
 * by Content-Type (`common/http-api-client/src/lib.rs`, decode_raw_response).
 */
import type { ServerResponse } from 'node:http';
import type { CacheSnapshot, CachedRoute, Serialised } from './contract-cache.js';
import { noUpdatesBody, pageBody } from './nym-nodes.js';
import type { NymListing } from './nym-nodes.js';
import { NodesQuerySchema, NodesWithRoleQuerySchema, OutputQuerySchema, parseQuery } from './schema.js';
import type { NodesQuery } from './schema.js';

export const SKIMMED = '/v2/unstable/nym-nodes/skimmed';

/** One Nym route: a node listing, the all-nodes listing (with `role`), or a cached body. */
export type NymRoute =
  | { kind: 'listing'; listing: NymListing; activeOnly: boolean }
  | { kind: 'all' }
  | { kind: 'cached'; route: CachedRoute };

export const NYM_ROUTES: ReadonlyMap<string, NymRoute> = new Map<string, NymRoute>([
  [SKIMMED, { kind: 'all' }],
  [`${SKIMMED}/`, { kind: 'all' }],
  [`${SKIMMED}/mixnodes/active`, { kind: 'listing', listing: 'mixnodes_active', activeOnly: true }],
  [`${SKIMMED}/mixnodes/all`, { kind: 'listing', listing: 'mixnodes_all', activeOnly: false }],
  [`${SKIMMED}/entry-gateways`, { kind: 'listing', listing: 'entry_gateways', activeOnly: false }],
  [`${SKIMMED}/exit-gateways`, { kind: 'listing', listing: 'exit_gateways', activeOnly: false }],
  ['/v1/nym-nodes/rewarded-set', { kind: 'cached', route: 'rewarded_set' }],
  ['/v1/epoch/key-rotation-info', { kind: 'cached', route: 'key_rotation' }],
]);

/** `role` of the all-nodes route, as Nym's nodes_basic_all dispatches it. */
const ROLE_LISTING: Readonly<Record<string, NymListing>> = {
  // Nym answers active-mixnode with its mixnodes_basic_all, i.e. every mixing node.
  'active-mixnode': 'mixnodes_all',
  'entry-gateway': 'entry_gateways',
  entry: 'entry_gateways',
  gateway: 'entry_gateways',
  'exit-gateway': 'exit_gateways',
  exit: 'exit_gateways',
};

const JSON_TYPE = 'application/json; charset=utf-8';

function write(
  res: ServerResponse,
  ifNoneMatch: string | undefined,
  s: Serialised,
  extra: Record<string, string>,
): number {
  if (ifNoneMatch === s.etag) {
    res.writeHead(304, { ETag: s.etag, 'Cache-Control': 'no-cache', ...extra });
    res.end();
    return 304;
  }
  res.writeHead(200, {
    'Content-Type': JSON_TYPE,
    'Content-Length': s.body.length,
    ETag: s.etag,
    'Cache-Control': 'no-cache',
    ...extra,
  });
  res.end(s.body);
  return 200;
}

function listing(
  snap: CacheSnapshot,
  which: NymListing,
  activeOnly: boolean,
  q: NodesQuery,
  res: ServerResponse,
  ifNoneMatch: string | undefined,
): number {
  const nym = snap.nym;
  // A caller that already has this epoch's topology gets "no-updates" (Nym compares the
  // epoch id within the interval, not the absolute one).
  if (q.epoch_id !== undefined && q.epoch_id === nym.currentEpochId) {
    const body = Buffer.from(noUpdatesBody(nym.absoluteEpochId, nym.rotationId, Date.now()));
    res.writeHead(200, {
      'Content-Type': JSON_TYPE,
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
    });
    res.end(body);
    return 200;
  }
  // Only the active listing expires with the epoch (Nym: epoch end plus 2 minutes).
  const extra: Record<string, string> = activeOnly ? { Expires: nym.activeExpires } : {};
  const page = q.page ?? 0;
  if (page === 0 && q.per_page === undefined) return write(res, ifNoneMatch, nym.full[which], extra);
  const metadata = which === 'all' ? nym.metadataPlain : nym.metadataFresh;
  const base = nym.full[which].etag.slice(1, -1);
  return write(
    res,
    ifNoneMatch,
    {
      body: Buffer.from(pageBody(nym.listings[which], metadata, page, q.per_page)),
      // A page is a function of the listing and the paging parameters.
      etag: `"${base}.${page}.${q.per_page ?? ''}"`,
    },
    extra,
  );
}

/**
 * Answer one GET of a Nym route from the snapshot. Throws the request's typed error
 * (InvalidRequestError for a bad query) for the caller to write. Returns the status.
 */
export function serveNymRoute(
  route: NymRoute,
  snap: CacheSnapshot,
  search: string,
  ifNoneMatch: string | undefined,
  res: ServerResponse,
): number {
  switch (route.kind) {
    case 'cached':
      parseQuery(OutputQuerySchema, search);
      return write(res, ifNoneMatch, snap.serialised[route.route], {});
    case 'listing':
      return listing(
        snap,
        route.listing,
        route.activeOnly,
        parseQuery(NodesQuerySchema, search),
        res,
        ifNoneMatch,
      );
    case 'all': {
      const q = parseQuery(NodesWithRoleQuerySchema, search);
      if (q.role !== undefined) return listing(snap, ROLE_LISTING[q.role], false, q, res, ifNoneMatch);
      // The all-nodes listing has no "fresh" status and ignores epoch_id, as Nym's nodes_basic.
      return listing(snap, 'all', false, { ...q, epoch_id: undefined }, res, ifNoneMatch);
    }
  }
}
