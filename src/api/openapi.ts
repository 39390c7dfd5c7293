/**
 * The OpenAPI 3.0 document of nym-api, served at `/openapi.json`, generated from the
 * valibot schemas the server reads requests with and builds answers from
 * (`@valibot/to-json-schema`, target openapi-3.0): request bodies and query parameters
 * from src/api/schema.ts and src/api-client/wire.ts, topology bodies from src/topology
 * and src/api-client/nym-nodes.ts. Only the route table below is written by hand.
 */
import * as v from 'valibot';
import { toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type { JsonSchema } from '@valibot/to-json-schema';
import {
  BasicEntryInformationSchema,
  DeclaredRolesSchema,
  KeyRotationInfoResponseSchema,
  KeyRotationStateSchema,
  NodesResponseMetadataSchema,
  PaginatedSkimmedNodesSchema,
  PaginationSchema,
  RewardedSetResponseSchema,
  SkimmedNodeSchema,
} from '../api-client/nym-nodes.js';
import {
  BlindSignRequestBodySchema,
  BlindedSignatureResponseSchema,
  CredentialJsonSchema,
  ErrorResponseSchema,
  VerificationKeyResponseSchema,
  VerifyCredentialBodySchema,
  VerifyCredentialResponseSchema,
} from '../api-client/wire.js';
import {
  CoinSchema,
  GatewayBondSchema,
  GatewaySchema,
  IntervalSchema,
  MixNodeBondSchema,
  MixNodeSchema,
} from '../topology/index.js';
import { NodesQuerySchema, NodesWithRoleQuerySchema, OutputQuerySchema } from './schema.js';

// ---------------------------------------------------------------- response-only shapes

const MixNodeRewardingSchema = v.object({
  cost_params: v.object({
    profit_margin_percent: v.pipe(v.string(), v.description('decimal in [0, 1]')),
    interval_operating_cost: CoinSchema,
  }),
  operator: v.pipe(v.string(), v.description("operator's stake (the pledge: Nymph does no rewarding)")),
  delegates: v.string(),
  unique_delegations: v.pipe(v.number(), v.integer()),
});

const MixNodeDetailsSchema = v.object({
  bond_information: MixNodeBondSchema,
  rewarding_details: MixNodeRewardingSchema,
});

const MixNodeBondAnnotatedSchema = v.object({
  mixnode_details: MixNodeDetailsSchema,
  stake_saturation: v.string(),
  uncapped_stake_saturation: v.string(),
  performance: v.string(),
  estimated_operator_apy: v.string(),
  estimated_delegators_apy: v.string(),
  family: v.null(),
});

const LayeredTopologySchema = v.object({
  interval_id: v.pipe(v.number(), v.integer()),
  epoch_id: v.pipe(v.number(), v.integer()),
  mixnodes: v.pipe(v.array(MixNodeBondSchema), v.description('The active set; each bond carries its layer')),
  gateways: v.array(GatewayBondSchema),
});

const HealthSchema = v.object({
  status: v.picklist(['ok', 'starting', 'degraded']),
  uptime_seconds: v.number(),
  cache: v.nullable(v.looseObject({})),
  coconut: v.nullable(v.object({ index: v.pipe(v.number(), v.integer()) })),
});

/** Every named schema of the document (components.schemas), referenced where reused. */
const COMPONENTS = {
  Error: ErrorResponseSchema,
  Coin: CoinSchema,
  MixNode: MixNodeSchema,
  MixNodeBond: MixNodeBondSchema,
  MixNodeRewarding: MixNodeRewardingSchema,
  MixNodeDetails: MixNodeDetailsSchema,
  MixNodeBondAnnotated: MixNodeBondAnnotatedSchema,
  Gateway: GatewaySchema,
  GatewayBond: GatewayBondSchema,
  Interval: IntervalSchema,
  LayeredTopology: LayeredTopologySchema,
  VerificationKeyResponse: VerificationKeyResponseSchema,
  BlindSignRequestBody: BlindSignRequestBodySchema,
  BlindedSignatureResponse: BlindedSignatureResponseSchema,
  CredentialJson: CredentialJsonSchema,
  VerifyCredentialBody: VerifyCredentialBodySchema,
  VerifyCredentialResponse: VerifyCredentialResponseSchema,
  Health: HealthSchema,
  DeclaredRoles: DeclaredRolesSchema,
  BasicEntryInformation: BasicEntryInformationSchema,
  SkimmedNode: SkimmedNodeSchema,
  NodesResponseMetadata: NodesResponseMetadataSchema,
  Pagination: PaginationSchema,
  PaginatedSkimmedNodes: PaginatedSkimmedNodesSchema,
  RewardedSetResponse: RewardedSetResponseSchema,
  KeyRotationState: KeyRotationStateSchema,
  KeyRotationInfoResponse: KeyRotationInfoResponseSchema,
} as const;
type ComponentName = keyof typeof COMPONENTS;

// Validation done in code (base58 decoding, cross-field checks) has no JSON Schema form;
// the document states the types, lengths and patterns.
const IGNORED_ACTIONS = ['check', 'raw_check', 'partial_check', 'to_upper_case'];
const REF_BASE = '#/components/schemas/';

// ---------------------------------------------------------------- the route table

interface Response {
  description: string;
  /** A component, or none (no body). */
  schema?: ComponentName;
  /** A body that is not JSON. */
  text?: boolean;
}

interface Route {
  path: string;
  method: 'get' | 'post';
  tag: string;
  summary: string;
  description?: string;
  /** Query parameters: the object schema the route parses its query string with. */
  query?: v.ObjectSchema<v.ObjectEntries, undefined>;
  body?: ComponentName;
  responses: Record<string, Response>;
  /** Served from the contract cache: ETag, 304 and 503 before the first refresh. */
  cached?: boolean;
  /** Answers carry `Expires` (the epoch's end plus 2 minutes). */
  expires?: boolean;
}

const ok = (schema: ComponentName, description = 'OK'): Response => ({ description, schema });
const err = (description: string): Response => ({ description, schema: 'Error' });
const BAD_QUERY = err('A query parameter is malformed (invalid_request, naming it in `field`)');
const SKIMMED = '/v2/unstable/nym-nodes/skimmed';
const NYM_TAG = 'nym-nodes (Nym current)';
const skimmedNote =
  "Nym's PaginatedCachedNodesResponseV2. Without per_page every node is on page 0 (as Nym answers at this release). " +
  'Answered as application/json whatever `output` asks for: Nym clients decode by Content-Type.';

const ROUTES: Route[] = [
  {
    path: '/v1/mixnodes',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'All bonded mix nodes with their details',
    responses: { '200': ok('MixNodeDetails') },
  },
  {
    path: '/v1/mixnodes/detailed',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'All bonded mix nodes, annotated',
    responses: { '200': ok('MixNodeBondAnnotated') },
  },
  {
    path: '/v1/mixnodes/active',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'The active set, with layers',
    responses: { '200': ok('MixNodeDetails') },
  },
  {
    path: '/v1/mixnodes/rewarded',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'The rewarded set (active and standby)',
    responses: { '200': ok('MixNodeDetails') },
  },
  {
    path: '/v1/gateways',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'All bonded gateways',
    responses: { '200': ok('GatewayBond') },
  },
  {
    path: '/v1/epoch/current',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary: 'The current interval and epoch',
    responses: { '200': ok('Interval') },
  },
  {
    path: '/v1/topology',
    method: 'get',
    tag: 'contract-cache',
    cached: true,
    summary:
      'The layered topology a client needs, in one request: the active mix nodes (each with its layer) and the gateways',
    responses: { '200': ok('LayeredTopology') },
  },
  {
    path: SKIMMED,
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: NodesWithRoleQuerySchema,
    summary: 'Every node (mix nodes and gateways with a node id), or one role with `role`',
    description: `${skimmedNote} Status is null here; epoch_id is ignored unless role is given.`,
    responses: { '200': ok('PaginatedSkimmedNodes'), '400': BAD_QUERY },
  },
  {
    path: `${SKIMMED}/mixnodes/active`,
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    expires: true,
    query: NodesQuerySchema,
    summary: 'Mix nodes in the rewarded set (active with their layer, and standby)',
    description: skimmedNote,
    responses: { '200': ok('PaginatedSkimmedNodes'), '400': BAD_QUERY },
  },
  {
    path: `${SKIMMED}/mixnodes/all`,
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: NodesQuerySchema,
    summary: 'Every bonded mix node',
    description: skimmedNote,
    responses: { '200': ok('PaginatedSkimmedNodes'), '400': BAD_QUERY },
  },
  {
    path: `${SKIMMED}/entry-gateways`,
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: NodesQuerySchema,
    summary: 'Every gateway with a node id (all of them are entry gateways)',
    description: skimmedNote,
    responses: { '200': ok('PaginatedSkimmedNodes'), '400': BAD_QUERY },
  },
  {
    path: `${SKIMMED}/exit-gateways`,
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: NodesQuerySchema,
    summary: 'Exit-capable gateways: none (Nymph gateways run no network requester or IP router)',
    description: skimmedNote,
    responses: { '200': ok('PaginatedSkimmedNodes'), '400': BAD_QUERY },
  },
  {
    path: '/v1/nym-nodes/rewarded-set',
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: OutputQuerySchema,
    summary: 'Node ids by role: gateways as entry gateways, active mix nodes by layer, standby',
    responses: { '200': ok('RewardedSetResponse'), '400': BAD_QUERY },
  },
  {
    path: '/v1/epoch/key-rotation-info',
    method: 'get',
    tag: NYM_TAG,
    cached: true,
    query: OutputQuerySchema,
    summary: "Nym's Sphinx key rotation schedule over the contract's epochs",
    responses: { '200': ok('KeyRotationInfoResponse'), '400': BAD_QUERY },
  },
  {
    path: '/v1/coconut/verification-key',
    method: 'get',
    tag: 'coconut',
    summary: "This instance's verification key share",
    responses: {
      '200': ok('VerificationKeyResponse'),
      '404': err('This instance does not issue credentials'),
    },
  },
  {
    path: '/v1/coconut/bandwidth/blind-sign',
    method: 'post',
    tag: 'coconut',
    summary:
      'Blind-sign a bandwidth credential request backed by a deposit on the bandwidth contract (idempotent per deposit and request)',
    body: 'BlindSignRequestBody',
    responses: {
      '200': ok('BlindedSignatureResponse'),
      '400': err(
        'Malformed body (invalid_request, malformed_json), failed deposit (deposit_failed), ' +
          'not a deposit (not_a_deposit), value mismatch (deposit_value_mismatch), ' +
          'inconsistent public attributes, invalid request proof (invalid_blind_sign_request)',
      ),
      '403': err('The signature does not verify under the deposit identity key'),
      '404': err('No such transaction (deposit_not_found) or coconut disabled'),
      '409': err(
        'This instance signed a different request for the deposit (deposit_used_for_other_request), ' +
          'or signed for it before answers were kept (deposit_already_used); ' +
          'the same request is answered again with the same sealed share',
      ),
      '413': err('Body too large (body_too_large)'),
      '415': err('Not application/json'),
      '502': err('The chain could not be reached'),
    },
  },
  {
    path: '/v1/coconut/bandwidth/verify-bandwidth-credential',
    method: 'post',
    tag: 'coconut',
    summary: 'Verify a shown bandwidth credential and report whether its serial is spent on chain',
    body: 'VerifyCredentialBody',
    responses: {
      '200': ok('VerifyCredentialResponse'),
      '400': err('Malformed body or credential'),
      '413': err('Body too large'),
    },
  },
  {
    path: '/health',
    method: 'get',
    tag: 'ops',
    summary: 'Liveness and cache state',
    responses: { '200': ok('Health') },
  },
  {
    path: '/metrics',
    method: 'get',
    tag: 'ops',
    summary: 'Prometheus metrics',
    responses: { '200': { description: 'OK', text: true } },
  },
  {
    path: '/openapi.json',
    method: 'get',
    tag: 'ops',
    summary: 'This document',
    responses: { '200': { description: 'OK' } },
  },
];

/** Arrays of a component: the Coconut-era listings answer a JSON array of it. */
const ARRAY_ROUTES = new Set([
  '/v1/mixnodes',
  '/v1/mixnodes/detailed',
  '/v1/mixnodes/active',
  '/v1/mixnodes/rewarded',
  '/v1/gateways',
]);

// ---------------------------------------------------------------- generation

/** One query parameter per entry of the route's query schema, typed as parsed (output). */
function queryParameters(query: v.ObjectSchema<v.ObjectEntries, undefined>): Record<string, unknown>[] {
  return Object.entries(query.entries).map(([name, entry]) => {
    const inner =
      entry.type === 'optional' ? (entry as v.OptionalSchema<v.GenericSchema, undefined>).wrapped : entry;
    const schema = toJsonSchema(inner, {
      target: 'openapi-3.0',
      typeMode: 'output',
      ignoreActions: IGNORED_ACTIONS,
    });
    const { description, ...rest } = schema as JsonSchema & { description?: string };
    return {
      name,
      in: 'query',
      required: entry.type !== 'optional',
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function responseObject(route: Route, r: Response, status: string): Record<string, unknown> {
  const out: Record<string, unknown> = { description: r.description };
  if (r.text) out.content = { 'text/plain': { schema: { type: 'string' } } };
  else if (r.schema) {
    const ref = { $ref: `${REF_BASE}${r.schema}` };
    const schema = status === '200' && ARRAY_ROUTES.has(route.path) ? { type: 'array', items: ref } : ref;
    out.content = { 'application/json': { schema } };
  } else if (route.path === '/openapi.json')
    out.content = { 'application/json': { schema: { type: 'object' } } };
  if (status === '200' && route.cached) {
    out.headers = {
      ETag: { schema: { type: 'string' } },
      ...(route.expires
        ? { Expires: { schema: { type: 'string' }, description: "the epoch's end plus 2 minutes" } }
        : {}),
    };
  }
  return out;
}

function operation(route: Route): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  if (route.cached)
    parameters.push({ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } });
  if (route.query) parameters.push(...queryParameters(route.query));
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses))
    responses[status] = responseObject(route, r, status);
  if (route.cached) {
    responses['304'] = { description: 'Not modified (the ETag matched)' };
    responses['503'] = responseObject(route, err('The contract cache has not been populated yet'), '503');
  }
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `${REF_BASE}${route.body}` } } },
          },
        }
      : {}),
    responses,
  };
}

/**
 * OpenAPI 3.0 ignores every keyword beside a `$ref`: a nullable or described reference
 * becomes `allOf: [{$ref}]` with the keywords beside it.
 */
function wrapRefSiblings(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(wrapRefSiblings);
  if (typeof node !== 'object' || node === null) return node;
  const o = Object.fromEntries(Object.entries(node).map(([k, x]) => [k, wrapRefSiblings(x)]));
  if (typeof o.$ref === 'string' && Object.keys(o).length > 1) {
    const { $ref, ...rest } = o;
    return { allOf: [{ $ref }], ...rest };
  }
  return o;
}

/** The schemas of `components.schemas`, referencing one another by name. */
export function componentSchemas(): Record<string, JsonSchema> {
  const defs = toJsonSchemaDefs(COMPONENTS, {
    target: 'openapi-3.0',
    typeMode: 'input',
    ignoreActions: IGNORED_ACTIONS,
    overrideRef: ({ referenceId }) => `${REF_BASE}${referenceId}`,
  });
  return wrapRefSiblings(defs) as Record<string, JsonSchema>;
}

/** The routes the document lists, as `METHOD path` (tests check every served route is in it). */
export const DOCUMENTED_ROUTES: readonly string[] = ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`);

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.0.3',
    info: {
      title: 'Nymph nym-api',
      version,
      description:
        'Validator API of a Nymph network: a cache of the mixnet contract (topology, in the shapes of ' +
        "Nym's nym-api of the Coconut era and of Nym's current skimmed-node routes) and Coconut bandwidth " +
        'credential issuance.',
    },
    paths,
    components: { schemas: componentSchemas() },
  };
}
