/**
 * Field validation shared by the contracts, as valibot schemas (the project's one library for
 * untrusted JSON). A message body is parsed against its schema in one call; the first issue
 * becomes an InvalidFieldError naming the JSON path of the field (`bond_mixnode.mix_node.host`,
 * `advance_current_epoch.new_rewarded_set[2].layer`) and the rule it broke, so a rejected tx
 * says exactly what was wrong. Schemas are built once at load; the contract name is added when
 * a parse fails.
 */
import { base58, bech32 } from '@scure/base';
import * as v from 'valibot';
import {
  InvalidFieldError,
  InvalidFundsError,
  UnknownMessageError,
  UnsupportedMessageError,
} from './errors.js';
import type { Coin } from './types.js';
import { isValidHost, MAX_HOST_LEN } from '../src/contracts/host.js';

export { isValidHost, isValidIpv6 } from '../src/contracts/host.js';

export type Obj = Record<string, unknown>;

/** Largest integer a u32 field may hold (Nym's ids and nonces are u32). */
export const U32_MAX = 0xffff_ffff;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

// ---------------------------------------------------------------- parsing

const PARSE_CONFIG = { abortEarly: true } as const;

type Issue = v.BaseIssue<unknown>;

/** `base.key[3].sub` from a valibot issue path. */
export function issuePath(base: string, issue: Issue): string {
  let out = base;
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'msg';
}

/**
 * Parse `input` with `schema`. `base` is the JSON path of `input` inside the message (the
 * variant name for a message body). Throws InvalidFieldError on the first broken rule.
 */
export function parse<S extends v.GenericSchema>(
  contract: string,
  schema: S,
  input: unknown,
  base: string,
): v.InferOutput<S> {
  const r = v.safeParse(schema, input, PARSE_CONFIG);
  if (r.success) return r.output;
  const issue = r.issues[0];
  throw new InvalidFieldError(contract, issuePath(base, issue), issue.message);
}

// ---------------------------------------------------------------- building blocks

/** Missing, unknown and mistyped keys of a strict object, in the contracts' words. */
function objectMessage(issue: Issue): string {
  if (issue.expected === 'never') return 'unknown field';
  if (issue.expected === 'Object') return 'must be a JSON object';
  return 'is required';
}

/**
 * A JSON object with exactly these keys (absent optional keys allowed, unknown keys refused).
 * Arrays and byte arrays are not objects here, whatever `typeof` says.
 */
export function record<E extends v.ObjectEntries>(entries: E) {
  return v.pipe(v.custom<Obj>(isObject, 'must be a JSON object'), v.strictObject(entries, objectMessage));
}

// Control characters have no business in any field and would garble logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function text(maxLen: number, minLen = 1) {
  return v.pipe(
    v.string('must be a string'),
    v.minLength(minLen, `must be at least ${minLen} characters`),
    v.maxLength(maxLen, `must be at most ${maxLen} characters`),
    v.check((s) => !CONTROL.test(s), 'contains control characters'),
  );
}

export function uint(max = U32_MAX, min = 0) {
  return v.pipe(
    v.number('must be an integer'),
    v.integer('must be an integer'),
    v.minValue(min, `must be between ${min} and ${max}`),
    v.maxValue(max, `must be between ${min} and ${max}`),
  );
}

/** An optional integer: absent or null is undefined. */
export function optionalUint(max = U32_MAX, min = 0) {
  return v.pipe(
    v.nullish(uint(max, min)),
    v.transform((n) => n ?? undefined),
  );
}

/** A TCP port: u16 in Nym's types; 0 is not a usable port, so it is refused. */
export const port = uint(65535, 1);

/** Decode base58 once; report the rule it breaks. */
function base58Check(rule: (bytes: Uint8Array) => string | null) {
  return v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    let bytes: Uint8Array;
    try {
      bytes = base58.decode(dataset.value);
    } catch {
      addIssue({ message: 'is not valid base58' });
      return;
    }
    const broken = rule(bytes);
    if (broken) addIssue({ message: broken });
  });
}

/** A base58 string that decodes to exactly 32 bytes (an ed25519 or x25519 public key). */
export const key32 = v.pipe(
  text(64),
  base58Check((b) => (b.length === 32 ? null : `decodes to ${b.length} bytes, expected 32`)),
);

/** A non-empty base58 string of at most `maxBytes` decoded bytes. */
export function base58Bytes(maxBytes: number) {
  return v.pipe(
    text(Math.ceil(maxBytes * 1.37) + 1),
    base58Check((b) =>
      b.length === 0 || b.length > maxBytes ? `must decode to 1..${maxBytes} bytes` : null,
    ),
  );
}

export const host = v.pipe(text(MAX_HOST_LEN), v.check(isValidHost, 'is not an IP address or host name'));

/** A bech32 account address (any prefix; the chain decides which prefix it uses). */
export const address = v.pipe(
  text(128),
  v.check((s) => {
    try {
      bech32.decodeToBytes(s);
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid bech32 address'),
  v.check((s) => s === s.toLowerCase(), 'must be lower case'),
);

const UINT128_LIMIT = 1n << 128n;

/** A decimal Uint128 amount, as CosmWasm encodes it: a string of digits. */
export const amount = v.pipe(
  v.string('must be a decimal integer string'),
  v.regex(/^(0|[1-9]\d{0,38})$/, 'must be a decimal integer string'),
  v.check((s) => BigInt(s) < UINT128_LIMIT, 'exceeds Uint128'),
);

export const denom = v.pipe(text(128), v.regex(/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/, 'is not a valid denom'));

export const coin = record({ denom, amount });

/** A decimal in [0, 1] with at most 18 fractional digits (cosmwasm Decimal / Nym Percent). */
export const fraction = v.pipe(
  v.string('must be a decimal string between 0 and 1'),
  v.regex(/^(0|1)(\.\d{1,18})?$/, 'must be a decimal string between 0 and 1'),
  v.check((s) => !(s.startsWith('1') && /[1-9]/.test(s.slice(1))), 'must not exceed 1'),
);

/** Paging arguments of a query: an optional cursor and an optional limit. */
export function page<C extends v.GenericSchema>(cursor: C) {
  return record({ start_after: v.nullish(cursor), limit: optionalUint() });
}

/** The limit clamped to [1, max], `def` when absent. */
export function pageLimit(limit: number | undefined, def: number, max: number): number {
  return limit === undefined ? def : Math.max(1, Math.min(limit, max));
}

/** A message without fields: `{}`. */
export const empty = record({});

// ---------------------------------------------------------------- dispatch

/**
 * Split a CosmWasm enum message `{"variant": {...}}` into its name and body. A name of Nym's
 * contract that this contract does not model is an UnsupportedMessageError; any other
 * unknown name an UnknownMessageError.
 */
export function variant<K extends string>(
  contract: string,
  msg: unknown,
  known: readonly K[],
  nym: readonly string[] = [],
  kind: 'execute' | 'query' = 'execute',
): [K, Obj] {
  if (!isObject(msg)) throw new InvalidFieldError(contract, 'msg', 'must be a JSON object');
  const keys = Object.keys(msg);
  if (keys.length !== 1) throw new InvalidFieldError(contract, 'msg', 'must have exactly one variant key');
  const name = keys[0];
  if (!(known as readonly string[]).includes(name)) {
    if (nym.includes(name)) throw new UnsupportedMessageError(contract, name, kind);
    throw new UnknownMessageError(contract, name);
  }
  const body = msg[name];
  if (!isObject(body)) throw new InvalidFieldError(contract, name, 'variant body must be a JSON object');
  return [name as K, body];
}

// ---------------------------------------------------------------- funds

const fundsSchema = v.array(
  v.looseObject({ denom: v.string(), amount: v.pipe(v.string(), v.regex(/^\d{1,39}$/)) }),
);

/**
 * The chain checks coins before a contract runs, but a contract must not trust that:
 * malformed funds become InvalidFundsError instead of a SyntaxError from BigInt.
 */
export function checkFunds(contract: string, funds: unknown): asserts funds is Coin[] {
  if (!Array.isArray(funds)) throw new InvalidFundsError(contract, 'funds is not a list of coins');
  if (!v.safeParse(fundsSchema, funds, PARSE_CONFIG).success)
    throw new InvalidFundsError(contract, 'malformed coin');
}
