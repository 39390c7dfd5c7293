/**
 * Recipient address codec.
 *
 * Binary (96 bytes):  identity (ed25519, 32) ‖ encryption key (x25519, 32) ‖ gateway identity (ed25519, 32)
 * String:             base58(identity) "." base58(encryption) "@" base58(gateway)
 */
import { base58 } from '@scure/base';
import { InvalidAddressError } from './errors.js';

export const KEY_LEN = 32;
export const RECIPIENT_LEN = 3 * KEY_LEN; // 96

export interface Recipient {
  readonly identity: Uint8Array;
  readonly encryptionKey: Uint8Array;
  readonly gateway: Uint8Array;
}

function checkKey(name: string, k: unknown): Uint8Array {
  if (!(k instanceof Uint8Array) || k.length !== KEY_LEN) {
    throw new InvalidAddressError(`${name} must be ${KEY_LEN} bytes`);
  }
  return k;
}

export function makeRecipient(
  identity: Uint8Array,
  encryptionKey: Uint8Array,
  gateway: Uint8Array,
): Recipient {
  return {
    identity: checkKey('identity', identity),
    encryptionKey: checkKey('encryption key', encryptionKey),
    gateway: checkKey('gateway', gateway),
  };
}

export function recipientToBytes(r: Recipient): Uint8Array {
  const out = new Uint8Array(RECIPIENT_LEN);
  out.set(checkKey('identity', r.identity), 0);
  out.set(checkKey('encryption key', r.encryptionKey), KEY_LEN);
  out.set(checkKey('gateway', r.gateway), 2 * KEY_LEN);
  return out;
}

export function recipientFromBytes(b: Uint8Array): Recipient {
  if (!(b instanceof Uint8Array) || b.length !== RECIPIENT_LEN) {
    throw new InvalidAddressError(`binary recipient must be ${RECIPIENT_LEN} bytes`);
  }
  return {
    identity: b.slice(0, KEY_LEN),
    encryptionKey: b.slice(KEY_LEN, 2 * KEY_LEN),
    gateway: b.slice(2 * KEY_LEN),
  };
}

/** Strings of recipients already written (base58 of 96 bytes is ~10 us a time). */
const strings = new WeakMap<Recipient, string>();

export function recipientToString(r: Recipient): string {
  let s = strings.get(r);
  if (s === undefined) {
    s = `${base58.encode(r.identity)}.${base58.encode(r.encryptionKey)}@${base58.encode(r.gateway)}`;
    strings.set(r, s);
  }
  return s;
}

/** The base58 identity of a recipient's gateway (how the topology names it), computed once. */
const gatewayIds = new WeakMap<Recipient, string>();

export function recipientGatewayId(r: Recipient): string {
  let s = gatewayIds.get(r);
  if (s === undefined) {
    s = base58.encode(r.gateway);
    gatewayIds.set(r, s);
  }
  return s;
}

function decodeKey(name: string, s: string, input: string): Uint8Array {
  let k: Uint8Array;
  try {
    k = base58.decode(s);
  } catch {
    throw new InvalidAddressError(`${name} is not base58`, input);
  }
  if (k.length !== KEY_LEN) throw new InvalidAddressError(`${name} decodes to ${k.length} bytes`, input);
  return k;
}

/**
 * Addresses parsed lately: an app names the same few recipients message after message, and
 * three base58 decodes cost ~20 us. Each hit is a fresh object on the same (copied) keys.
 */
const parsed = new Map<string, { r: Recipient; gatewayId: string }>();
const PARSED_MAX = 256;

export function parseRecipient(s: string): Recipient {
  if (typeof s !== 'string') throw new InvalidAddressError('address must be a string');
  const hit = parsed.get(s);
  if (hit) {
    const r = {
      identity: hit.r.identity.slice(),
      encryptionKey: hit.r.encryptionKey.slice(),
      gateway: hit.r.gateway.slice(),
    };
    strings.set(r, s);
    gatewayIds.set(r, hit.gatewayId);
    return r;
  }
  if (s.length > 200) throw new InvalidAddressError('address too long', s.slice(0, 200));
  const at = s.split('@');
  if (at.length !== 2) throw new InvalidAddressError("expected exactly one '@'", s);
  const dot = at[0].split('.');
  if (dot.length !== 2) throw new InvalidAddressError("expected exactly one '.' before '@'", s);
  const r = {
    identity: decodeKey('identity', dot[0], s),
    encryptionKey: decodeKey('encryption key', dot[1], s),
    gateway: decodeKey('gateway', at[1], s),
  };
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  const copy = {
    identity: r.identity.slice(),
    encryptionKey: r.encryptionKey.slice(),
    gateway: r.gateway.slice(),
  };
  parsed.set(s, { r: copy, gatewayId: at[1] });
  strings.set(r, s);
  gatewayIds.set(r, at[1]);
  return r;
}

export function recipientEquals(a: Recipient, b: Recipient): boolean {
  return bytesEqual(recipientToBytes(a), recipientToBytes(b));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
