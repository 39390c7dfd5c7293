/**
 * Field validation shared by the contracts. Every check throws InvalidFieldError naming
 * the JSON path of the field, so a rejected tx says exactly what was wrong.
 */
import { base58, bech32 } from '@scure/base';
import { InvalidFieldError, InvalidFundsError, UnknownMessageError } from './errors.js';
import type { Coin } from './types.js';
import { isValidHost, MAX_HOST_LEN } from '../src/contracts/host.js';

export { isValidHost, isValidIpv6 } from '../src/contracts/host.js';

export type Obj = Record<string, unknown>;

/** Largest integer a u32 field may hold (Nym's ids and nonces are u32). */
export const U32_MAX = 0xffff_ffff;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Split a CosmWasm enum message `{"variant": {...}}` into its name and body. */
export function variant(contract: string, msg: unknown, known: readonly string[]): [string, Obj] {
  if (!isObject(msg)) throw new InvalidFieldError(contract, 'msg', 'must be a JSON object');
  const keys = Object.keys(msg);
  if (keys.length !== 1) throw new InvalidFieldError(contract, 'msg', 'must have exactly one variant key');
  const name = keys[0];
  if (!known.includes(name)) throw new UnknownMessageError(contract, name);
  const body = msg[name];
  if (!isObject(body)) throw new InvalidFieldError(contract, name, 'variant body must be a JSON object');
  return [name, body];
}

export function object(contract: string, v: unknown, field: string, allowed: readonly string[]): Obj {
  if (!isObject(v)) throw new InvalidFieldError(contract, field, 'must be a JSON object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new InvalidFieldError(contract, `${field}.${k}`, 'unknown field');
  }
  return v;
}

export function string(contract: string, v: unknown, field: string, maxLen: number, minLen = 1): string {
  if (typeof v !== 'string') throw new InvalidFieldError(contract, field, 'must be a string');
  if (v.length < minLen)
    throw new InvalidFieldError(contract, field, `must be at least ${minLen} characters`);
  if (v.length > maxLen) throw new InvalidFieldError(contract, field, `must be at most ${maxLen} characters`);
  // Control characters have no business in any field and would garble logs.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v))
    throw new InvalidFieldError(contract, field, 'contains control characters');
  return v;
}

export function uint(contract: string, v: unknown, field: string, max = U32_MAX, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new InvalidFieldError(contract, field, 'must be an integer');
  if (v < min || v > max) throw new InvalidFieldError(contract, field, `must be between ${min} and ${max}`);
  return v;
}

export function optionalUint(
  contract: string,
  v: unknown,
  field: string,
  max = U32_MAX,
  min = 0,
): number | undefined {
  return v === undefined || v === null ? undefined : uint(contract, v, field, max, min);
}

/** A TCP port: u16 in Nym's types; 0 is not a usable port, so it is refused. */
export function port(contract: string, v: unknown, field: string): number {
  return uint(contract, v, field, 65535, 1);
}

/** A base58 string that decodes to exactly 32 bytes (an ed25519 or x25519 public key). */
export function key32(contract: string, v: unknown, field: string): string {
  const s = string(contract, v, field, 64);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(s);
  } catch {
    throw new InvalidFieldError(contract, field, 'is not valid base58');
  }
  if (bytes.length !== 32)
    throw new InvalidFieldError(contract, field, `decodes to ${bytes.length} bytes, expected 32`);
  return s;
}

/** A non-empty base58 string of at most `maxBytes` decoded bytes. */
export function base58Bytes(contract: string, v: unknown, field: string, maxBytes: number): string {
  const s = string(contract, v, field, Math.ceil(maxBytes * 1.37) + 1);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(s);
  } catch {
    throw new InvalidFieldError(contract, field, 'is not valid base58');
  }
  if (bytes.length === 0 || bytes.length > maxBytes) {
    throw new InvalidFieldError(contract, field, `must decode to 1..${maxBytes} bytes`);
  }
  return s;
}

export function host(contract: string, v: unknown, field: string): string {
  const s = string(contract, v, field, MAX_HOST_LEN);
  if (!isValidHost(s)) throw new InvalidFieldError(contract, field, 'is not an IP address or host name');
  return s;
}

/** A bech32 account address (any prefix; the chain decides which prefix it uses). */
export function address(contract: string, v: unknown, field: string): string {
  const s = string(contract, v, field, 128);
  try {
    bech32.decodeToBytes(s);
  } catch {
    throw new InvalidFieldError(contract, field, 'is not a valid bech32 address');
  }
  if (s !== s.toLowerCase()) throw new InvalidFieldError(contract, field, 'must be lower case');
  return s;
}

/** A decimal Uint128 amount, as CosmWasm encodes it: a string of digits. */
export function amount(contract: string, v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^(0|[1-9]\d{0,38})$/.test(v)) {
    throw new InvalidFieldError(contract, field, 'must be a decimal integer string');
  }
  if (BigInt(v) >= 1n << 128n) throw new InvalidFieldError(contract, field, 'exceeds Uint128');
  return v;
}

export function coin(contract: string, v: unknown, field: string): Coin {
  const o = object(contract, v, field, ['denom', 'amount']);
  const denom = string(contract, o.denom, `${field}.denom`, 128);
  if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(denom)) {
    throw new InvalidFieldError(contract, `${field}.denom`, 'is not a valid denom');
  }
  return { denom, amount: amount(contract, o.amount, `${field}.amount`) };
}

/** A decimal in [0, 1] with at most 18 fractional digits (cosmwasm Decimal / Nym Percent). */
export function fraction(contract: string, v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^(0|1)(\.\d{1,18})?$/.test(v)) {
    throw new InvalidFieldError(contract, field, 'must be a decimal string between 0 and 1');
  }
  if (v.startsWith('1') && /[1-9]/.test(v.slice(1))) {
    throw new InvalidFieldError(contract, field, 'must not exceed 1');
  }
  return v;
}

/** Paging arguments: an optional cursor and a limit clamped to [1, max]. */
export function pageLimit(contract: string, v: unknown, def: number, max: number): number {
  const n = optionalUint(contract, v, 'limit');
  if (n === undefined) return def;
  return Math.max(1, Math.min(n, max));
}

/**
 * The chain checks coins before a contract runs, but a contract must not trust that:
 * malformed funds become InvalidFundsError instead of a SyntaxError from BigInt.
 */
export function checkFunds(contract: string, funds: unknown): void {
  if (!Array.isArray(funds)) throw new InvalidFundsError(contract, 'funds is not a list of coins');
  for (const c of funds) {
    if (
      !isObject(c) ||
      typeof c.denom !== 'string' ||
      typeof c.amount !== 'string' ||
      !/^\d{1,39}$/.test(c.amount)
    ) {
      throw new InvalidFundsError(contract, 'malformed coin');
    }
  }
}
