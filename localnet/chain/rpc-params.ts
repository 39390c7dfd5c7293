/**
 * JSON-RPC requests as the chain reads them, with valibot (the project's one library for
 * untrusted JSON): the envelope (`{jsonrpc, id, method, params}`) and each method's params.
 *
 * CometBFT takes every param as text: integers arrive as strings ("height": "12"), bytes as
 * base64 in a POST body or 0x-hex in the GET URI form, and an empty string means absent.
 * Unknown params are ignored, as CometBFT ignores them (CosmJS sends `prove: false`). A broken
 * rule is an RpcError with CometBFT's codes: -32600 Invalid Request for the envelope,
 * -32602 Invalid params naming the param ("height must be an integer").
 */
import * as v from 'valibot';

/** A JSON-RPC error as CometBFT sends it. */
export class RpcError extends Error {
  readonly code: number;
  constructor(
    code: number,
    readonly rpcMessage: string,
    readonly data: string,
  ) {
    super(`localnet: ${rpcMessage}: ${data}`);
    this.name = 'RpcError';
    this.code = code;
  }
}

export const invalidParams = (data: string): RpcError => new RpcError(-32602, 'Invalid params', data);
export const invalidRequest = (data: string): RpcError => new RpcError(-32600, 'Invalid Request', data);

export type Params = Record<string, unknown>;

const PARSE_CONFIG = { abortEarly: true } as const;

// ---------------------------------------------------------------- one param

const scalar = v.union([v.string(), v.number(), v.boolean(), v.null()], 'must be a string');

/** Text, or a number or boolean written as text; null, absent and "" are undefined. */
const text = v.pipe(
  v.optional(scalar),
  v.transform((x) => (x === undefined || x === null || x === '' ? undefined : String(x))),
);

/** A param that must be there (and not null or ""). */
const required = v.pipe(
  scalar,
  v.transform((x) => (x === null || x === '' ? undefined : String(x))),
  v.check((s) => s !== undefined, 'is required'),
  v.transform((s) => s as string),
);

const int = v.pipe(
  text,
  v.check((s) => s === undefined || /^-?[0-9]+$/.test(s), 'must be an integer'),
  v.transform((s) => (s === undefined ? undefined : Number(s))),
);

/** Bytes: base64 (CosmJS, POST) or 0x-hex (GET URI form). */
const bytes = v.pipe(
  required,
  v.check((s) => s.startsWith('0x') || /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'must be base64 or 0x-hex'),
  v.transform(
    (s) => new Uint8Array(s.startsWith('0x') ? Buffer.from(s.slice(2), 'hex') : Buffer.from(s, 'base64')),
  ),
);

/** abci_query data: hex, with or without 0x (CosmJS sends bare hex). */
const hexData = v.pipe(
  text,
  v.transform((s) => (s ?? '').replace(/^0x/, '')),
  v.regex(/^([0-9a-fA-F]{2})*$/, 'must be hex'),
);

/** A number of seconds (dev_advance_time); the range is the node's to check. */
const seconds = v.pipe(
  required,
  v.transform(Number),
  v.check((n) => Number.isFinite(n), 'must be a number'),
);

// ---------------------------------------------------------------- per method

/** A params object: missing required keys are "is required"; unknown keys are ignored. */
function object<E extends v.ObjectEntries>(entries: E) {
  return v.object(entries, (issue) => (issue.expected === 'Object' ? 'must be an object' : 'is required'));
}

export const params = {
  none: object({}),
  abci_query: object({ path: required, data: hexData }),
  tx_bytes: object({ tx: bytes }),
  hash: object({ hash: required }),
  tx_search: object({
    query: required,
    per_page: int,
    page: int,
    order_by: v.pipe(
      text,
      v.check((s) => s === undefined || s === 'asc' || s === 'desc', 'must be "asc" or "desc"'),
    ),
  }),
  height: object({ height: int }),
  blockchain: object({ minHeight: int, maxHeight: int }),
  dev_advance_time: object({ seconds }),
  subscribe: object({ query: required }),
  unsubscribe: object({ query: text }),
} as const;

/** Read `p` with a method's param schema; the first broken rule is -32602 naming the param. */
export function readParams<S extends v.GenericSchema>(schema: S, p: Params): v.InferOutput<S> {
  const r = v.safeParse(schema, p, PARSE_CONFIG);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const key = issue.path?.map((i) => String((i as { key: unknown }).key)).join('.') ?? 'params';
  throw invalidParams(`${key} ${issue.message}`);
}

// ---------------------------------------------------------------- envelope

const envelope = v.object({
  id: v.optional(v.unknown()),
  method: v.string('method must be a string'),
  params: v.optional(v.unknown()),
});

export interface RpcRequest {
  id: unknown;
  method: string;
  /** Named params; positional (array) or missing params read as none. */
  params: Params;
}

/** The id to answer with, even for a request that is not one. */
export function requestId(request: unknown): unknown {
  return request && typeof request === 'object' && 'id' in request
    ? ((request as { id?: unknown }).id ?? -1)
    : -1;
}

/** Read a JSON-RPC request object; -32600 when it has no method name. */
export function readRequest(request: unknown): RpcRequest {
  const r = v.safeParse(envelope, request, PARSE_CONFIG);
  if (!r.success) throw invalidRequest('method must be a string');
  const p = r.output.params;
  return {
    id: r.output.id ?? -1,
    method: r.output.method,
    params: p && typeof p === 'object' && !Array.isArray(p) ? (p as Params) : {},
  };
}
