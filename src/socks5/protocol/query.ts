/**
 * Queries a client may ask a network requester, in bincode (./bincode.ts).
 *
 * Nym: common/socks5/requests/src/request.rs `QueryRequest`, response.rs `QueryResponse`,
 * common/exit-policy/src/policy/address_policy.rs for the exit policy:
 *
 *   QueryRequest   OpenProxy (0) | Description (1) | ExitPolicy (2)
 *   QueryResponse  OpenProxy(bool) (0) | Description(String) (1)
 *                  | ExitPolicy { enabled: bool, upstream: String, policy: Option<ExitPolicy> } (2)
 *                  | Error { message: String } (3)
 *   ExitPolicy     { rules: Vec<{ action: Accept 0 | Reject 1 | Accept6 2 | Reject6 3,
 *                                 pattern: { ip_pattern: String ("*", "*4", "*6", "addr/mask"),
 *                                            ports: { start: u16, end: u16 } } }> }
 *
 * e.g. OpenProxy(true) is `00 01`, and Nym's open policy (`accept *:*`) is
 * `01 01 00 01 2a 01 fb ff ff`.
 */
import { BincodeReader, BincodeWriter } from './bincode.js';
import { MalformedBincodeError, UnknownTagError } from './errors.js';
import { parseIp } from './ip.js';

export type QueryRequest = 'openProxy' | 'description' | 'exitPolicy';
const QUERY_REQUESTS: readonly QueryRequest[] = ['openProxy', 'description', 'exitPolicy'];

export type PolicyAction = 'accept' | 'reject' | 'accept6' | 'reject6';
const ACTIONS: readonly PolicyAction[] = ['accept', 'reject', 'accept6', 'reject6'];

export interface ExitPolicyRule {
  readonly action: PolicyAction;
  /** Nym's `IpPattern` as text: `*`, `*4`, `*6`, or an address with an optional `/mask`. */
  readonly ipPattern: string;
  readonly ports: { readonly start: number; readonly end: number };
}

export interface ExitPolicy {
  readonly rules: readonly ExitPolicyRule[];
}

export type QueryResponse =
  | { readonly kind: 'openProxy'; readonly open: boolean }
  | { readonly kind: 'description'; readonly description: string }
  | {
      readonly kind: 'exitPolicy';
      readonly enabled: boolean;
      readonly upstream: string;
      readonly policy?: ExitPolicy;
    }
  | { readonly kind: 'error'; readonly message: string };

/** Nym's `accept *:*` (`ExitPolicy::new_open()`). */
export const OPEN_EXIT_POLICY: ExitPolicy = {
  rules: [{ action: 'accept', ipPattern: '*', ports: { start: 1, end: 65535 } }],
};

/** Nym's `IpPattern::from_str`: a pattern that does not parse fails deserialization. */
export function isValidIpPattern(p: string): boolean {
  if (p === '*' || p === '*4' || p === '*6') return true;
  const slash = p.indexOf('/');
  let addr = slash < 0 ? p : p.slice(0, slash);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const ip = parseIp(addr);
  if (!ip) return false;
  if (slash < 0) return true;
  const m = p.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(m)) return false;
  return Number(m) <= ip.length * 8;
}

export function encodeQueryRequest(q: QueryRequest): Uint8Array {
  const i = QUERY_REQUESTS.indexOf(q);
  if (i < 0) throw new UnknownTagError('query request', -1);
  return new BincodeWriter().varint(i).bytes();
}

export function decodeQueryRequest(b: Uint8Array): QueryRequest {
  const r = new BincodeReader(b);
  const i = r.variant('query request');
  const q = QUERY_REQUESTS[i];
  if (q === undefined) throw new UnknownTagError('query request variant', i);
  r.end('query request');
  return q;
}

function writePolicy(w: BincodeWriter, p: ExitPolicy): void {
  w.varint(p.rules.length);
  for (const rule of p.rules) {
    const a = ACTIONS.indexOf(rule.action);
    if (a < 0) throw new MalformedBincodeError(`unknown policy action ${String(rule.action)}`);
    w.varint(a).string(rule.ipPattern).varint(rule.ports.start).varint(rule.ports.end);
  }
}

function readPolicy(r: BincodeReader): ExitPolicy {
  const n = r.length('policy rules');
  const rules: ExitPolicyRule[] = [];
  for (let i = 0; i < n; i++) {
    const a = r.variant('policy action');
    const action = ACTIONS[a];
    if (action === undefined) throw new UnknownTagError('policy action', a);
    const ipPattern = r.string('ip pattern');
    if (!isValidIpPattern(ipPattern))
      throw new MalformedBincodeError(`invalid ip pattern ${JSON.stringify(ipPattern)}`);
    const start = r.u16('port range start');
    const end = r.u16('port range end');
    rules.push({ action, ipPattern, ports: { start, end } });
  }
  return { rules };
}

export function encodeQueryResponse(q: QueryResponse): Uint8Array {
  const w = new BincodeWriter();
  switch (q.kind) {
    case 'openProxy':
      return w.varint(0).bool(q.open).bytes();
    case 'description':
      return w.varint(1).string(q.description).bytes();
    case 'exitPolicy':
      w.varint(2)
        .bool(q.enabled)
        .string(q.upstream)
        .option(q.policy !== undefined);
      if (q.policy) writePolicy(w, q.policy);
      return w.bytes();
    case 'error':
      return w.varint(3).string(q.message).bytes();
  }
}

export function decodeQueryResponse(b: Uint8Array): QueryResponse {
  const r = new BincodeReader(b);
  const i = r.variant('query response');
  let q: QueryResponse;
  switch (i) {
    case 0:
      q = { kind: 'openProxy', open: r.bool('open proxy') };
      break;
    case 1:
      q = { kind: 'description', description: r.string('description') };
      break;
    case 2: {
      const enabled = r.bool('enabled');
      const upstream = r.string('upstream');
      const policy = r.option('policy') ? readPolicy(r) : undefined;
      q = policy
        ? { kind: 'exitPolicy', enabled, upstream, policy }
        : { kind: 'exitPolicy', enabled, upstream };
      break;
    }
    case 3:
      q = { kind: 'error', message: r.string('error message') };
      break;
    default:
      throw new UnknownTagError('query response variant', i);
  }
  r.end('query response');
  return q;
}
