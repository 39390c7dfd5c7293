/**
 * What nym-api reads from callers, checked at the boundary with valibot: the credential
 * routes' bodies (schemas in src/api-client/wire.ts, shared with callers) and the query
 * strings of Nym's node routes. Anything that passes is safe to hand on; a failure is one
 * InvalidRequestError naming the field (`public_attributes[0]`, `credential.theta`, `page`;
 * `$` for the body itself). The OpenAPI document is generated from the same schemas.
 */
import * as v from 'valibot';
import { BlindSignRequestBodySchema, TxHashSchema, VerifyCredentialBodySchema } from '../api-client/wire.js';
import type { BlindSignRequestBody, VerifyCredentialBody } from '../api-client/wire.js';
import { InvalidRequestError } from './errors.js';

export type {
  BlindSignRequestBody,
  BlindedSignatureResponse,
  CredentialJson,
  VerifyCredentialBody,
  VerifyCredentialResponse,
} from '../api-client/wire.js';
export {
  blindSignSignatureMessage,
  MAX_ATTRIBUTES,
  MAX_BLOB_CHARS,
  MAX_PLAIN_ATTRIBUTE,
} from '../api-client/wire.js';

/** `a.b[2].c` from a valibot issue path; `$` for the root. */
function fieldOf(path: readonly { type: string; key: unknown }[]): string {
  let out = '';
  for (const p of path)
    out += p.type === 'array' ? `[${String(p.key)}]` : out ? `.${String(p.key)}` : String(p.key);
  return out || '$';
}

/** The first issue of a failed parse as the error the caller gets. */
export function invalidRequest(issue: v.BaseIssue<unknown>): InvalidRequestError {
  const path = issue.path ?? [];
  const last = path[path.length - 1];
  // A key-level issue of an object schema: the key is unknown or missing. valibot takes
  // an array for an object, so a missing key under an array means "not an object".
  if (issue.kind === 'schema' && (issue.type === 'strict_object' || issue.type === 'object') && last) {
    if (Array.isArray(last.input))
      return new InvalidRequestError(fieldOf(path.slice(0, -1)), 'must be a JSON object');
    if (issue.expected === 'never') return new InvalidRequestError(fieldOf(path), 'unknown field');
    if (issue.received === 'undefined') return new InvalidRequestError(fieldOf(path), 'is required');
  }
  return new InvalidRequestError(fieldOf(path), issue.message);
}

/** Parse `input` with `schema`; the first failure throws InvalidRequestError. */
export function parseRequest<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, input, { abortEarly: true });
  if (!r.success) throw invalidRequest(r.issues[0]);
  return r.output;
}

export function parseBlindSignBody(input: unknown): BlindSignRequestBody {
  return parseRequest(BlindSignRequestBodySchema, input);
}

export function parseVerifyBody(input: unknown): VerifyCredentialBody {
  return parseRequest(VerifyCredentialBodySchema, input);
}

/** A CometBFT tx hash: 32 bytes, hex (either case); answered in upper case. */
export function txHash(input: unknown, field = 'tx_hash'): string {
  const r = v.safeParse(TxHashSchema, input, { abortEarly: true });
  if (!r.success) throw new InvalidRequestError(field, r.issues[0].message);
  return r.output;
}

// ---------------------------------------------------------------- query strings

/** A query value parsed as a u32 (serde's `u32` from a query string). */
const u32Param = (what: string, min = 0) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,10}$/, `must be an integer in ${min}..4294967295`),
    v.transform(Number),
    v.number(),
    v.integer(),
    v.minValue(min, `must be an integer in ${min}..4294967295`),
    v.maxValue(0xffff_ffff, `must be an integer in ${min}..4294967295`),
    v.description(what),
  );

const boolParam = (what: string) =>
  v.pipe(
    v.picklist(['true', 'false'], 'must be true or false'),
    v.transform((s) => s === 'true'),
    v.boolean(),
    v.description(what),
  );

/** Nym's `Output` (http-api-common): the format asked for. nym-api answers JSON whatever it is. */
export const OutputParam = v.pipe(
  v.picklist(['json', 'yaml', 'bincode'], 'must be json, yaml or bincode'),
  v.description(
    'Format asked for. Answered as application/json whatever is asked: Nym clients decode by Content-Type.',
  ),
);

/** Nym's `NodesParams` (nym-api unstable_routes/v2/nym_nodes/helpers.rs). Unknown keys are ignored, as serde does. */
export const NodesQuerySchema = v.object({
  page: v.optional(u32Param('Page number, from 0 (default 0).')),
  per_page: v.optional(
    u32Param('Page size (default: every node in one page, as Nym answers at this release).', 1),
  ),
  epoch_id: v.optional(
    u32Param(
      'The epoch id (within the interval) the caller already has: if it is the current one, the answer is "no-updates" with no nodes.',
    ),
  ),
  no_legacy: v.optional(boolParam('Accepted for compatibility; Nymph has no legacy nodes.')),
  semver_compatibility: v.optional(
    v.pipe(v.string(), v.maxLength(64, 'must be at most 64 characters'), v.description('Accepted, ignored.')),
  ),
  output: v.optional(OutputParam),
});
export type NodesQuery = v.InferOutput<typeof NodesQuerySchema>;

/** Nym's `NodeRoleQueryParam` (kebab-case, with its serde aliases). */
export const RoleParam = v.pipe(
  v.picklist(
    ['active-mixnode', 'entry-gateway', 'exit-gateway', 'entry', 'gateway', 'exit'],
    'must be active-mixnode, entry-gateway or exit-gateway',
  ),
  v.description('Answer as the role route does (active-mixnode: /mixnodes/all, as Nym).'),
);

/** Nym's `NodesParamsWithRole` (`/v2/unstable/nym-nodes/skimmed`). */
export const NodesWithRoleQuerySchema = v.object({
  ...NodesQuerySchema.entries,
  role: v.optional(RoleParam),
});
export type NodesWithRoleQuery = v.InferOutput<typeof NodesWithRoleQuerySchema>;

/** Nym's `OutputParams`. */
export const OutputQuerySchema = v.object({ output: v.optional(OutputParam) });

/**
 * The query string (without `?`) as one value per key, then parsed by `schema`. A key
 * given twice is refused, as serde_urlencoded does.
 */
export function parseQuery<S extends v.GenericSchema>(schema: S, search: string): v.InferOutput<S> {
  const raw: Record<string, string> = {};
  for (const [k, val] of new URLSearchParams(search)) {
    if (Object.hasOwn(raw, k)) throw new InvalidRequestError(k, 'is given more than once');
    raw[k] = val;
  }
  return parseRequest(schema, raw);
}
